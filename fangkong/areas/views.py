"""The area tree: everyone sees their own subtree; county administrators add areas to it."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from fangkong.areas import services
from fangkong.areas.forms import AreaCreateForm
from fangkong.areas.models import CHILD_LEVELS, Area
from fangkong.core.http import AuthedRequest
from fangkong.core.permissions import county_admin_required, scoped_login_required
from fangkong.registry.models import Household


@scoped_login_required
def tree(request: AuthedRequest) -> HttpResponse:
    """The user's subtree with household counts, in one query for the areas and one for counts."""
    areas = list(Area.objects.for_user(request.user).order_by("path"))
    counts = dict(
        Household.objects.for_user(request.user)
        .values_list("area_id")
        .annotate(n=Count("pk"))
        .values_list("area_id", "n")
    )
    by_path = {a.path: a for a in areas}
    totals: dict[int, int] = {a.pk: 0 for a in areas}
    for area in areas:
        n = counts.get(area.pk, 0)
        if not n:
            continue
        # Add to the area and every ancestor inside the user's scope.
        parts = area.path.strip("/").split("/")
        for i in range(1, len(parts) + 1):
            ancestor = by_path.get("/".join(parts[:i]) + "/")
            if ancestor is not None:
                totals[ancestor.pk] += n
    base_depth = areas[0].depth if areas else 0
    rows = [{"area": a, "indent": a.depth - base_depth, "households": totals[a.pk]} for a in areas]
    return render(request, "areas/tree.html", {"rows": rows})


@county_admin_required
def area_add(request: AuthedRequest, parent_pk: int) -> HttpResponse:
    parent = get_object_or_404(Area.objects.for_user(request.user), pk=parent_pk)
    if not CHILD_LEVELS[parent.level]:
        messages.error(request, _("Nothing can be added under a grid."))
        return redirect("areas:tree")
    form = AreaCreateForm(request.POST or None, parent=parent)
    if request.method == "POST" and form.is_valid():
        try:
            area = services.area_create(by=request.user, parent=parent, **form.cleaned_data)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("%(name)s added.") % {"name": area.name})
            return redirect("areas:tree")
    return render(request, "areas/area_form.html", {"form": form, "parent": parent})
