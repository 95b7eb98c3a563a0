"""The area tree: everyone sees their own subtree; county administrators add, correct, move,
retire and delete areas in it, and import it from the statistical division codes."""

from __future__ import annotations

import secrets
import time
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.areas import services
from fangkong.areas.forms import (
    AreaCreateForm,
    AreaImportForm,
    CodeForm,
    MoveForm,
    RenameForm,
    RetireForm,
)
from fangkong.areas.importing import AreaImportError, import_areas
from fangkong.areas.models import CHILD_LEVELS, Area, Level
from fangkong.core.http import AuthedRequest
from fangkong.core.permissions import county_admin_required, scoped_login_required
from fangkong.registry.models import Household

SEARCH_LIMIT = 200


def _nodes(request: AuthedRequest, parent: Area, areas: list[Area]) -> list[dict[str, object]]:
    """Rows for ``areas`` (children of ``parent``, or ``parent`` itself) with the households of
    each one's subtree: one query for the paths, one for the counts."""
    paths = dict(Area.objects.subtree(parent).values_list("pk", "path"))
    counts = (
        Household.objects.for_user(request.user)
        .filter(area__path__startswith=parent.path)
        .order_by()
        .values_list("area_id")
        .annotate(n=Count("pk"))
        .values_list("area_id", "n")
    )
    totals = {a.path: 0 for a in areas}
    for area_id, n in counts:
        path = paths.get(area_id, "")
        for a in areas:
            if path.startswith(a.path):
                totals[a.path] += n
                break
    return [{"area": a, "households": totals[a.path], "children": None} for a in areas]


def _children(parent: Area) -> list[Area]:
    return list(
        Area.objects.children_of(parent).annotate(child_count=Count("children")).order_by("code")
    )


def _return_url(area: Area) -> str:
    """Back to the tree opened at ``area``, not at the top of a county's page."""
    return f"{reverse('areas:tree')}?{urlencode({'open': area.pk})}#area-{area.pk}"


@scoped_login_required
def tree(request: AuthedRequest) -> HttpResponse:
    """The user's subtree: the top area and its children; deeper levels load when opened
    (htmx), a search finds an area by name or code, ``?open=`` opens the way to one area."""
    root = request.user.area
    assert root is not None
    query = request.GET.get("q", "").strip()[:50]
    if query:
        matches = list(
            Area.objects.for_user(request.user)
            .filter(Q(name__icontains=query) | Q(code__startswith=query))
            .order_by("path")[: SEARCH_LIMIT + 1]
        )
        lineage = {p for a in matches for p in a.lineage_paths()}
        names = dict(
            Area.objects.filter(path__in=lineage, path__startswith=root.path).values_list(
                "path", "name"
            )
        )
        results = [
            {
                "area": a,
                "trail": " › ".join(names[p] for p in a.lineage_paths()[:-1] if p in names),
            }
            for a in matches[:SEARCH_LIMIT]
        ]
        return render(
            request,
            "areas/tree.html",
            {"query": query, "results": results, "more": len(matches) > SEARCH_LIMIT},
        )
    root_with_count = Area.objects.filter(pk=root.pk).annotate(child_count=Count("children")).get()
    top = _nodes(request, root, [root_with_count])[0]
    top["children"] = _nodes(request, root, _children(root))
    opened = request.GET.get("open", "")
    target = (
        Area.objects.for_user(request.user).filter(pk=opened).first() if opened.isdigit() else None
    )
    if target is not None:
        # Open every level from the top down to the target, so it is on the page.
        level = top
        for path in target.lineage_paths()[root.depth + 1 :]:
            node = next(
                (n for n in level["children"] or [] if n["area"].path == path),  # type: ignore[attr-defined,union-attr]
                None,
            )
            if node is None or not node["area"].child_count:  # type: ignore[attr-defined]
                break
            node["children"] = _nodes(request, node["area"], _children(node["area"]))  # type: ignore[arg-type]
            level = node
    return render(
        request,
        "areas/tree.html",
        {"top": top, "target": target, "can_edit": request.user.is_county_admin},
    )


@scoped_login_required
def children(request: AuthedRequest, pk: int) -> HttpResponse:
    """The rows below one area (what opening it loads)."""
    parent = get_object_or_404(Area.objects.for_user(request.user), pk=pk)
    nodes = _nodes(request, parent, _children(parent))
    return render(
        request,
        "areas/tree.html#nodes",
        {"nodes": nodes, "can_edit": request.user.is_county_admin},
    )


@county_admin_required
def area_add(request: AuthedRequest, parent_pk: int) -> HttpResponse:
    parent = get_object_or_404(Area.objects.for_user(request.user), pk=parent_pk)
    if not CHILD_LEVELS[parent.level]:
        messages.error(request, _("Nothing can be added under a grid."))
        return redirect(_return_url(parent))
    form = AreaCreateForm(request.POST or None, parent=parent)
    if request.method == "POST" and form.is_valid():
        try:
            area = services.area_create(by=request.user, parent=parent, **form.cleaned_data)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("%(name)s added.") % {"name": area.name})
            return redirect(_return_url(area))
    return render(request, "areas/area_form.html", {"form": form, "parent": parent})


EDIT_ACTIONS = ("rename", "code", "move", "retire", "reinstate", "delete")


@county_admin_required
def area_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    """Rename, correct the code, move (grids and groups), retire or reinstate, delete."""
    area = get_object_or_404(Area.objects.for_user(request.user).select_related("parent"), pk=pk)
    scope = request.user.area
    assert scope is not None
    if area.pk == scope.pk:
        raise Http404  # one's own area is changed by the level above
    action = request.POST.get("action", "") if request.method == "POST" else ""
    forms = {
        "rename": RenameForm(
            request.POST if action == "rename" else None, initial={"name": area.name}
        ),
        "code": CodeForm(request.POST if action == "code" else None, initial={"code": area.code}),
        "retire": RetireForm(request.POST if action == "retire" else None),
    }
    if area.level in {Level.GRID, Level.GROUP}:
        forms["move"] = MoveForm(request.POST if action == "move" else None, area=area, scope=scope)
    if action in EDIT_ACTIONS:
        form = forms.get(action)
        try:
            if form is not None and not form.is_valid():
                raise ValidationError("")
            data = form.cleaned_data if form is not None else {}
            if action == "rename":
                services.area_rename(by=request.user, area=area, name=data["name"])
                done = _("Renamed.")
            elif action == "code":
                services.area_change_code(by=request.user, area=area, code=data["code"])
                done = _("Code corrected; the areas below follow.")
            elif action == "move":
                services.area_move(by=request.user, area=area, parent=data["parent"])
                done = _("Moved.")
            elif action == "retire":
                services.area_retire(by=request.user, area=area, day=data["retired_on"])
                done = _("Retired from %(day)s.") % {"day": data["retired_on"].isoformat()}
            elif action == "reinstate":
                services.area_reinstate(by=request.user, area=area)
                done = _("Reinstated.")
            else:
                parent = area.parent
                services.area_delete(by=request.user, area=area)
                messages.success(request, _("%(name)s deleted.") % {"name": area.name})
                return redirect(_return_url(parent) if parent else reverse("areas:tree"))
        except ValidationError as error:
            if form is not None and error.messages != [""]:
                if hasattr(error, "error_dict"):
                    for errors in error.message_dict.values():
                        form.add_error(None, errors)
                else:
                    form.add_error(None, error.messages)
            elif error.messages != [""]:
                messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, done)
            return redirect(_return_url(area))
    return render(
        request,
        "areas/area_edit.html",
        {"area": area, "forms": forms, "households": services._households_in(area)},  # noqa: SLF001
    )


# --- import ------------------------------------------------------------------------------------


def _upload_dir() -> Path:
    path = Path(settings.VAR_DIR) / "uploads" / "areas"
    path.mkdir(parents=True, exist_ok=True)
    # Uploads older than a day were never applied: forget them.
    for old in path.iterdir():
        if old.stat().st_mtime < time.time() - 86400:
            old.unlink(missing_ok=True)
    return path


def _upload_path(request: AuthedRequest, token: str) -> Path | None:
    """The upload of this user with this token (another user's token finds nothing)."""
    if not token or not token.replace("-", "").replace("_", "").isalnum():
        return None
    for path in _upload_dir().glob(f"{request.user.pk}-{token}.*"):
        return path
    return None


@county_admin_required
def import_upload(request: AuthedRequest) -> HttpResponse:
    """Upload → preview of what would be created, changed and refused (nothing written yet)."""
    form = AreaImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        suffix = Path(upload.name).suffix.lower()
        if suffix not in {".csv", ".xlsx", ".xlsm", ".xls"}:
            form.add_error("file", _("Upload an .xlsx, .xls or .csv file."))
        else:
            token = secrets.token_urlsafe(16)
            path = _upload_dir() / f"{request.user.pk}-{token}{suffix}"
            with path.open("wb") as fh:
                for chunk in upload.chunks():
                    fh.write(chunk)
            strip = form.cleaned_data["strip_committee"]
            try:
                result = import_areas(
                    path, path.name, by=request.user, dry_run=True, strip_committee=strip
                )
            except AreaImportError as error:
                path.unlink(missing_ok=True)
                form.add_error("file", str(error))
            else:
                return render(
                    request,
                    "areas/import_preview.html",
                    {
                        "result": result,
                        "token": token,
                        "strip": strip,
                        "filename": upload.name,
                        "changes": [p for p in result.plan if p.action != "unchanged"][:2000],
                    },
                )
    return render(request, "areas/import.html", {"form": form})


@county_admin_required
@require_POST
def import_apply(request: AuthedRequest) -> HttpResponse:
    path = _upload_path(request, request.POST.get("token", ""))
    if path is None:  # applied already, older than a day, or someone else's
        messages.error(request, _("This upload is no longer there: upload the file again."))
        return redirect("areas:import")
    try:
        result = import_areas(
            path,
            path.name,
            by=request.user,
            strip_committee=request.POST.get("strip") == "1",
        )
    except AreaImportError as error:
        messages.error(request, str(error))
        return redirect("areas:import")
    finally:
        path.unlink(missing_ok=True)
    if result.no_change:
        messages.info(request, result.summary())
    else:
        messages.success(request, result.summary())
    if result.rejected:
        messages.warning(
            request,
            _("%(n)d rows were refused and not imported (see the preview).")
            % {"n": result.rejected},
        )
    return redirect("areas:tree")
