"""The county administrator's account pages: list, create, edit, disable, reset a password,
create from a sheet; and the counties page of superusers and province administrators."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.forms import Form
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from fangkong.accounts import services
from fangkong.accounts.forms import AccountForm, AccountImportForm, CountyForm
from fangkong.accounts.importing import UserImportError, import_users
from fangkong.accounts.models import Role, User
from fangkong.areas.models import Area, Level
from fangkong.core.http import AuthedRequest
from fangkong.core.pagination import paginate
from fangkong.core.permissions import county_admin_required


def _form_errors(form: Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _managed(request: AuthedRequest, pk: int) -> User:
    """An account of the administrator's subtree (another county's is a 404)."""
    return get_object_or_404(User.objects.for_user(request.user).select_related("area"), pk=pk)


@county_admin_required
def user_list(request: AuthedRequest) -> HttpResponse:
    users = (
        User.objects.for_user(request.user)
        .select_related("area")
        .order_by("area__path", "username")
    )
    query = request.GET.get("q", "").strip()[:50]
    if query:
        users = users.filter(
            Q(username__icontains=query)
            | Q(first_name__icontains=query)
            | Q(area__name__icontains=query)
            | Q(area__code__startswith=query)
        )
    role = request.GET.get("role", "")
    if role in Role.values:
        users = users.filter(role=role)
    page = paginate(request, users, default_size=50)
    return render(
        request,
        "accounts/user_list.html",
        {"page": page, "query": query, "role": role, "roles": Role.choices},
    )


@county_admin_required
@never_cache
def user_create(request: AuthedRequest) -> HttpResponse:
    form = AccountForm(request.POST or None, by=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            user, password = services.user_create(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            return render(
                request,
                "accounts/one_time_password.html",
                {"account": user, "password": password, "new": True},
            )
    return render(request, "accounts/user_form.html", {"form": form})


@county_admin_required
def user_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    account = _managed(request, pk)
    initial = {
        "first_name": account.first_name,
        "phone": account.phone,
        "role": account.role,
        "area": account.area,
    }
    form = AccountForm(request.POST or None, by=request.user, editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update(by=request.user, user=account, **form.cleaned_data)
        except PermissionDenied:
            raise
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("%(name)s saved.") % {"name": account.username})
            return redirect("accounts:user_list")
    return render(request, "accounts/user_form.html", {"form": form, "account": account})


@county_admin_required
@require_POST
def user_active(request: AuthedRequest, pk: int) -> HttpResponse:
    account = _managed(request, pk)
    active = request.POST.get("active") == "1"
    try:
        services.user_set_active(by=request.user, user=account, active=active)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            (_("%(name)s can log in again.") if active else _("%(name)s can no longer log in."))
            % {"name": account.username},
        )
    initial = {
        "first_name": account.first_name,
        "phone": account.phone,
        "role": account.role,
        "area": account.area,
    }
    form = AccountForm(by=request.user, editing=True, initial=initial)
    return render(request, "accounts/user_form.html", {"form": form, "account": account})


@county_admin_required
@require_POST
@never_cache
def user_reset_password(request: AuthedRequest, pk: int) -> HttpResponse:
    account = _managed(request, pk)
    password = services.user_reset_password(by=request.user, user=account)
    return render(
        request, "accounts/one_time_password.html", {"account": account, "password": password}
    )


@county_admin_required
@never_cache
def user_import(request: AuthedRequest) -> HttpResponse:
    form = AccountImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = import_users(
                upload, upload.name, by=request.user, dry_run=form.cleaned_data["dry_run"]
            )
        except UserImportError as error:
            form.add_error("file", str(error))
    return render(request, "accounts/user_import.html", {"form": form, "result": result})


def _county_creator(view):  # type: ignore[no-untyped-def]
    @login_required
    def wrapped(request: AuthedRequest, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not request.user.can_create_counties:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


@_county_creator
@never_cache
def county_list(request: AuthedRequest) -> HttpResponse:
    """The counties on this server and a form for a new one with its first administrator."""
    form = CountyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            new = services.county_create(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            return render(
                request,
                "accounts/one_time_password.html",
                {"account": new.admin, "password": new.password, "new": True, "county": new.county},
            )
    counties = Area.objects.filter(level=Level.COUNTY).order_by("code")
    return render(request, "accounts/county_list.html", {"form": form, "counties": counties})
