"""Managing grids: the list per enterprise with today's counts (staff for the community, an
officer for their enterprise, the leader reading), adding and changing a grid, a chat group's
members, deleting, and one grid's people for those who manage it."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from workgate.core.access import Actor, Perm, actor_of, fetch, require, scope
from workgate.core.models import Enterprise
from workgate.core.services import ServiceError
from workgate.core.text import whole_number
from workgate.grid import queries, services
from workgate.grid.models import Grid
from workgate.grid.views.mine import PEOPLE_PER_PAGE, status_param
from workgate.registry.models import Workshop

GRIDS_PER_PAGE = 30
FIELDS = ("kind", "name", "dorm_prefix", "workshop", "responsible", "enterprise")


def _enterprise_in_view(actor: Actor, raw: Any) -> Enterprise | None:
    """The enterprise the list is narrowed to: an officer's own, or the one staff chose."""
    if not actor.community_wide:
        return Enterprise.objects.filter(pk=actor.enterprise_id).first()
    pk = whole_number(raw)
    if pk is None:
        return None
    return fetch(actor, Enterprise.objects.all(), Perm.GRID_VIEW, pk=pk)


def _workshops(actor: Actor, enterprise: Enterprise | None) -> list[Workshop]:
    rows = scope(actor, Workshop.objects.all()).select_related("enterprise")
    if enterprise is not None:
        rows = rows.filter(enterprise=enterprise)
    return list(rows.order_by("enterprise__name", "name", "pk"))


def _form_context(actor: Actor, enterprise: Enterprise | None) -> dict[str, Any]:
    return {
        "kinds": Grid.Kind.choices,
        "workshops": _workshops(actor, enterprise),
        "responsibles": queries.responsible_choices(
            actor, enterprise.pk if enterprise is not None else None
        ),
    }


def _posted(request: HttpRequest) -> dict[str, str]:
    return {name: request.POST.get(name, "").strip() for name in FIELDS}


def _data(actor: Actor, request: HttpRequest, *, creating: bool) -> dict[str, Any]:
    """The form as the service takes it; ids that name nothing of this tenant become nothing,
    which the service refuses naming the field."""
    post = request.POST
    data: dict[str, Any] = {
        "kind": post.get("kind", ""),
        "name": post.get("name", ""),
        "dorm_prefix": post.get("dorm_prefix", ""),
    }
    workshop_id = whole_number(post.get("workshop"))
    data["workshop"] = (
        scope(actor, Workshop.objects.all()).filter(pk=workshop_id).first() if workshop_id else None
    )
    raw = post.get("responsible", "").strip()
    data["responsible"] = None if not raw else (whole_number(raw) or -1)
    if creating:
        if actor.community_wide:
            pk = whole_number(post.get("enterprise"))
            data["enterprise"] = (
                scope(actor, Enterprise.objects.all()).filter(pk=pk).first() if pk else None
            )
        else:
            data["enterprise"] = Enterprise.objects.filter(pk=actor.enterprise_id).first()
    return data


def _values(grid: Grid) -> dict[str, str]:
    return {
        "kind": grid.kind,
        "name": grid.name,
        "dorm_prefix": grid.dorm_prefix,
        "workshop": str(grid.workshop_id or ""),
        "responsible": str(grid.responsible_id or ""),
    }


# --- The list --------------------------------------------------------------------------------


def _list(
    request: HttpRequest,
    *,
    errors: dict[str, str] | None = None,
    posted: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = actor_of(request)
    if posted and actor.community_wide:
        # Re-shown after a refusal: narrowed to the enterprise chosen in the form, if it is ours.
        pk = whole_number(posted.get("enterprise"))
        enterprise = scope(actor, Enterprise.objects.all()).filter(pk=pk).first() if pk else None
    else:
        enterprise = _enterprise_in_view(actor, request.GET.get("enterprise"))
    rows = queries.grids(actor, enterprise_id=enterprise.pk if enterprise else None)
    page = Paginator(rows, GRIDS_PER_PAGE).get_page(request.GET.get("page"))
    grids = list(page.object_list)
    counts = queries.grid_counts(grids, actor.community_id)
    for g in grids:
        g.today = counts[g.pk]
    context: dict[str, Any] = {
        "page": page,
        "grids": grids,
        "enterprise": enterprise,
        "enterprises": list(scope(actor, Enterprise.objects.all()).order_by("name"))
        if actor.community_wide
        else [],
        "community_wide": actor.community_wide,
        "can_manage": actor.can(Perm.GRID_MANAGE),
        "statuses": [(s, queries.Status.LABELS[s]) for s in queries.Status.ORDER],
        "query": urlencode({"enterprise": enterprise.pk})
        if enterprise and actor.community_wide
        else "",
        "errors": errors or {},
        "values": posted or {"enterprise": str(enterprise.pk) if enterprise else ""},
    }
    if context["can_manage"]:
        context.update(_form_context(actor, enterprise))
    return render(request, "grid/list.html", context, status=status)


@require(Perm.GRID_VIEW)
def grid_list(request: HttpRequest) -> HttpResponse:
    return _list(request)


@require_POST
@require(Perm.GRID_MANAGE)
def grid_add(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    try:
        grid = services.save_grid(actor, None, _data(actor, request, creating=True))
    except ServiceError as exc:
        return _list(
            request, errors={exc.field or "form": exc.message}, posted=_posted(request), status=400
        )
    messages.success(request, _("Grid added: %(name)s.") % {"name": grid.name})
    return redirect("grid:detail", pk=grid.pk)


@require_POST
@require(Perm.GRID_MANAGE)
def grid_fill(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    pk = whole_number(request.POST.get("enterprise")) or actor.enterprise_id or 0
    enterprise = fetch(actor, Enterprise.objects.all(), Perm.GRID_MANAGE, pk=pk)
    created = services.grids_from_workshops(actor, enterprise)
    if created:
        messages.success(
            request,
            ngettext(
                "%(n)s workshop grid added; name who is responsible for it.",
                "%(n)s workshop grids added; name who is responsible for each.",
                len(created),
            )
            % {"n": len(created)},
        )
    else:
        messages.info(request, _("Every workshop of this enterprise already has a grid."))
    url = reverse("grid:list")
    return redirect(f"{url}?enterprise={enterprise.pk}" if actor.community_wide else url)


# --- One grid ----------------------------------------------------------------------------------


def _grid(actor: Actor, pk: int, perm: Perm = Perm.GRID_VIEW) -> Grid:
    return fetch(
        actor, Grid.objects.select_related("enterprise", "workshop", "responsible"), perm, pk=pk
    )


def _detail(
    request: HttpRequest,
    grid: Grid,
    *,
    errors: dict[str, str] | None = None,
    form: str = "",
    posted: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = actor_of(request)
    chosen = status_param(request)
    people = queries.grid_people(actor, grid)
    totals: dict[str, int] = {}
    for p in people:
        totals[p.status] = totals.get(p.status, 0) + 1
    shown = [p for p in people if p.status == chosen] if chosen else people
    page = Paginator(shown, PEOPLE_PER_PAGE).get_page(request.GET.get("page"))
    can_manage = actor.can(Perm.GRID_MANAGE)
    search = request.GET.get("q", "").strip()
    context: dict[str, Any] = {
        "grid": grid,
        "chip_counts": [
            (s, queries.Status.LABELS[s], totals.get(s, 0)) for s in queries.Status.ORDER
        ],
        "total": len(people),
        "status": chosen,
        "page": page,
        "query": urlencode({"status": chosen}) if chosen else "",
        "can_manage": can_manage,
        "community_wide": actor.community_wide,
        "errors": errors or {},
        "form": form,
        "values": posted if form == "edit" and posted else _values(grid),
        "q": search,
    }
    if can_manage:
        context.update(_form_context(actor, grid.enterprise))
        if grid.kind == Grid.Kind.CHAT:
            context["members"] = queries.members_of(actor, grid)
            context["found"] = queries.member_candidates(actor, grid, search)
    return render(request, "grid/detail.html", context, status=status)


@require(Perm.GRID_VIEW)
def grid_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _grid(actor_of(request), pk))


@require_POST
@require(Perm.GRID_MANAGE)
def grid_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    grid = _grid(actor, pk, Perm.GRID_MANAGE)
    try:
        services.save_grid(actor, grid, _data(actor, request, creating=False))
    except ServiceError as exc:
        grid = _grid(actor, pk, Perm.GRID_MANAGE)
        return _detail(
            request,
            grid,
            errors={exc.field or "form": exc.message},
            form="edit",
            posted=_posted(request),
            status=400,
        )
    messages.success(request, _("Grid saved."))
    return redirect("grid:detail", pk=grid.pk)


@require_POST
@require(Perm.GRID_MANAGE)
def grid_members(request: HttpRequest, pk: int) -> HttpResponse:
    """Add or remove one member of a chat group."""
    actor = actor_of(request)
    grid = _grid(actor, pk, Perm.GRID_MANAGE)
    employee = whole_number(request.POST.get("employee"))
    ids = set(grid.members.values_list("pk", flat=True))
    adding = request.POST.get("action", "add") != "remove"
    try:
        if employee is None:
            raise ServiceError(_("Choose an employee."), field="members")
        services.set_member_ids(
            actor, grid, sorted(ids | {employee} if adding else ids - {employee})
        )
    except ServiceError as exc:
        return _detail(
            request, grid, errors={exc.field or "members": exc.message}, form="members", status=400
        )
    messages.success(request, _("Member added.") if adding else _("Member removed."))
    url = reverse("grid:detail", kwargs={"pk": grid.pk})
    q = request.POST.get("q", "").strip()
    return redirect(f"{url}?{urlencode({'q': q})}#members" if q else f"{url}#members")


@require(Perm.GRID_MANAGE)
def grid_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks to confirm; POST deletes."""
    actor = actor_of(request)
    grid = _grid(actor, pk, Perm.GRID_MANAGE)
    if request.method == "POST":
        name, enterprise_id = grid.name, grid.enterprise_id
        services.delete_grid(actor, grid)
        messages.success(request, _("Grid deleted: %(name)s.") % {"name": name})
        url = reverse("grid:list")
        return redirect(f"{url}?enterprise={enterprise_id}" if actor.community_wide else url)
    people = len(queries.grid_people(actor, grid))
    return render(request, "grid/delete.html", {"grid": grid, "people": people})


urlpatterns: list[URLPattern] = [
    path("", grid_list, name="list"),
    path("add/", grid_add, name="add"),
    path("fill/", grid_fill, name="fill"),
    path("<int:pk>/", grid_detail, name="detail"),
    path("<int:pk>/edit/", grid_edit, name="edit"),
    path("<int:pk>/members/", grid_members, name="members"),
    path("<int:pk>/delete/", grid_delete, name="delete"),
]
