"""Pages of supplies, the stock side: an enterprise's stock with burn rate and days of supply
(with the forms to record what came in, was used or was counted, and the ledger), its needs
with the ones proposed from days of supply, and the community's picture with the reserve."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from workgate.core.access import Actor, Perm, actor_of, fetch, require, scope
from workgate.core.models import Enterprise
from workgate.core.services import ServiceError
from workgate.supplies import queries, services
from workgate.supplies.models import LedgerEntry, Material, Need
from workgate.supplies.queries import BUCKETS
from workgate.supplies.templatetags.supplies_tags import display_name, display_unit

Kind = LedgerEntry.Kind
MOVEMENT_KINDS = (Kind.RECEIVED, Kind.CONSUMED, Kind.ADJUSTED)
MOVEMENT_FIELDS = ("material", "kind", "quantity", "note", "day")
NEED_FIELDS = ("material", "quantity", "by_date", "note")
LEDGER_ROWS = 50
SHORTEST_ROWS = 20
COMMUNITY_NEEDS_ROWS = 200
OPEN_STATES = (Need.State.OPEN, Need.State.PARTLY, Need.State.ORDERED)


def _int(value: Any) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def _chosen_enterprise(actor: Actor, raw: Any, perm: Perm) -> Enterprise | None:
    """An officer's own enterprise; for community roles the one named (scoped: another
    community's is a 404), or None when none is named."""
    if not actor.community_wide:
        if actor.enterprise_id is None:
            raise Http404
        return fetch(actor, Enterprise.objects.all(), perm, pk=actor.enterprise_id)
    if raw in (None, ""):
        return None
    pk = _int(raw)
    if pk is None:
        raise Http404
    return fetch(actor, Enterprise.objects.all(), perm, pk=pk)


def _materials(actor: Actor) -> list[Material]:
    return list(Material.objects.filter(community_id=actor.community_id, active=True))


def _material(actor: Actor, raw: Any) -> Material:
    pk = _int(raw)
    material = (
        Material.objects.filter(community_id=actor.community_id, active=True, pk=pk).first()
        if pk is not None
        else None
    )
    if material is None:
        raise ServiceError(_("Choose a material."), field="material")
    return material


def _errors(exc: ServiceError, fields: tuple[str, ...]) -> dict[str, str]:
    return {exc.field if exc.field in fields else "form": exc.message}


def _picker(actor: Actor, request: HttpRequest) -> list[Enterprise]:
    """For community roles without an enterprise named: the ones matching the search box."""
    q = request.GET.get("q", "").strip()
    if not q:
        return []
    return list(scope(actor, Enterprise.objects.filter(name__icontains=q)).order_by("name")[:30])


def _with_enterprise(name: str, enterprise: Enterprise, actor: Actor) -> str:
    url = reverse(name)
    return f"{url}?enterprise={enterprise.pk}" if actor.community_wide else url


# --- The stock page --------------------------------------------------------------------------


def _render_stock(
    request: HttpRequest,
    enterprise: Enterprise | None,
    *,
    errors: dict[str, str] | None = None,
    posted: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = actor_of(request)
    context: dict[str, Any] = {
        "enterprise": enterprise,
        "errors": errors or {},
        "posted": posted or {},
        "kinds": [(k.value, k.label) for k in MOVEMENT_KINDS],
        "can_manage": actor.can(Perm.STOCK_MANAGE),
        "q": request.GET.get("q", "").strip(),
        "found": _picker(actor, request) if enterprise is None else [],
    }
    if enterprise is not None:
        cfg = services.settings_for(actor.community_id)
        rows = queries.enterprise_supplies(actor, enterprise)
        context.update(
            {
                "rows": rows,
                "people": rows[0].people if rows else 0,
                "shortages": sum(1 for r in rows if r.shortage),
                "settings": cfg,
                "materials": _materials(actor),
                "ledger": list(
                    scope(actor, LedgerEntry.objects.filter(holder__enterprise=enterprise))
                    .select_related("material")
                    .order_by("-created_at", "-pk")[:LEDGER_ROWS]
                ),
                "today": services.local_today(actor.community_id),
                "needs_url": _with_enterprise("supplies:needs", enterprise, actor),
            }
        )
    return render(request, "supplies/stock.html", context, status=status)


@require(Perm.SUPPLIES_VIEW)
def stock(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    enterprise = _chosen_enterprise(actor, request.GET.get("enterprise"), Perm.SUPPLIES_VIEW)
    return _render_stock(request, enterprise)


@require_POST
@require(Perm.STOCK_MANAGE)
def movement(request: HttpRequest) -> HttpResponse:
    """Received, used or counted, typed by hand; a refusal is shown at its field."""
    actor = actor_of(request)
    enterprise = _chosen_enterprise(actor, request.POST.get("enterprise"), Perm.STOCK_MANAGE)
    if enterprise is None:
        raise Http404
    posted = {name: request.POST.get(name, "") for name in MOVEMENT_FIELDS}
    try:
        material = _material(actor, posted["material"])
        entry = services.record_movement(
            actor,
            services.holder_of(actor.community_id, enterprise.pk),
            material,
            posted["kind"],
            posted["quantity"],
            note=posted["note"],
            day=posted["day"] or None,
        )
    except ServiceError as exc:
        return _render_stock(
            request,
            enterprise,
            errors=_errors(exc, MOVEMENT_FIELDS),
            posted=posted,
            status=400,
        )
    messages.success(
        request,
        _("Recorded: %(material)s %(quantity)s %(unit)s; %(balance)s in stock now.")
        % {
            "material": display_name(material),
            "quantity": f"{entry.quantity:+,d}",
            "unit": display_unit(material),
            "balance": f"{entry.balance:,d}",
        },
    )
    return redirect(_with_enterprise("supplies:stock", enterprise, actor))


# --- Needs -----------------------------------------------------------------------------------


def _render_needs(
    request: HttpRequest,
    enterprise: Enterprise | None,
    *,
    errors: dict[str, str] | None = None,
    posted: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = actor_of(request)
    materials = _materials(actor)
    context: dict[str, Any] = {
        "enterprise": enterprise,
        "errors": errors or {},
        "posted": posted or {},
        "materials": materials,
        "can_post": actor.can(Perm.NEED_POST),
        "q": request.GET.get("q", "").strip(),
        "found": _picker(actor, request) if enterprise is None else [],
        "today": services.local_today(actor.community_id),
    }
    if enterprise is not None:
        context["needs"] = list(
            scope(actor, Need.objects.filter(enterprise=enterprise))
            .select_related("material")
            .order_by("-posted_at", "-pk")[:100]
        )
        context["proposals"] = queries.proposals(actor, enterprise)
        context["stock_url"] = _with_enterprise("supplies:stock", enterprise, actor)
    if actor.community_wide:
        material_pk = _int(request.GET.get("material"))
        rows = (
            scope(actor, Need.objects.filter(state__in=OPEN_STATES))
            .select_related("material", "enterprise")
            .order_by("by_date", "posted_at", "pk")
        )
        if material_pk is not None:
            rows = rows.filter(material_id=material_pk)
        context["community_needs"] = list(rows[:COMMUNITY_NEEDS_ROWS])
        context["community_needs_total"] = rows.count()
        context["community_needs_limit"] = COMMUNITY_NEEDS_ROWS
        context["material_filter"] = material_pk
    return render(request, "supplies/needs.html", context, status=status)


@require(Perm.SUPPLIES_VIEW)
def needs(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    enterprise = _chosen_enterprise(actor, request.GET.get("enterprise"), Perm.SUPPLIES_VIEW)
    return _render_needs(request, enterprise)


@require_POST
@require(Perm.NEED_POST)
def need_post(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    enterprise = _chosen_enterprise(actor, request.POST.get("enterprise"), Perm.NEED_POST)
    if enterprise is None:
        raise Http404
    posted = {name: request.POST.get(name, "") for name in NEED_FIELDS}
    proposed = request.POST.get("proposed") == "1"
    try:
        material = _material(actor, posted["material"])
        need = services.post_need(
            actor,
            enterprise,
            material,
            posted["quantity"],
            by_date=posted["by_date"] or None,
            note=posted["note"],
            proposed=proposed,
        )
    except ServiceError as exc:
        errors = _errors(exc, NEED_FIELDS)
        if proposed:
            errors = {"proposal": exc.message}
        return _render_needs(
            request, enterprise, errors=errors, posted={} if proposed else posted, status=400
        )
    messages.success(
        request,
        _("Need posted: %(quantity)s %(unit)s of %(material)s.")
        % {
            "quantity": f"{need.quantity:,d}",
            "unit": display_unit(material),
            "material": display_name(material),
        },
    )
    return redirect(_with_enterprise("supplies:needs", enterprise, actor))


@require_POST
@require(Perm.NEED_POST)
def need_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    need = fetch(
        actor, Need.objects.select_related("enterprise", "material"), Perm.NEED_POST, pk=pk
    )
    try:
        services.withdraw_need(actor, need)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Withdrawn: the need for %(quantity)s %(unit)s of %(material)s.")
            % {
                "quantity": f"{need.quantity:,d}",
                "unit": display_unit(need.material),
                "material": display_name(need.material),
            },
        )
    return redirect(_with_enterprise("supplies:needs", need.enterprise, actor))


# --- The community's picture -----------------------------------------------------------------

BUCKET_COLOURS = ("#c62828", "#ef6c00", "#f9a825", "#9ccc65", "#2e7d32", "#b0bec5")


def _bucket_labels() -> list[str]:
    labels = []
    for lo, hi in BUCKETS:
        if lo == 0:
            labels.append(_("under %(hi)s day") % {"hi": hi})
        elif hi is None:
            labels.append(_("%(lo)s days or more") % {"lo": lo})
        else:
            labels.append(_("%(lo)s–%(hi)s days") % {"lo": lo, "hi": hi})
    labels.append(_("not known"))
    return labels


def _render_overview(
    request: HttpRequest,
    *,
    errors: dict[str, str] | None = None,
    posted: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = actor_of(request)
    chart = queries.community_chart(actor)
    materials = _materials(actor)
    reserve = queries.reserve_stock(actor.community_id)
    rows = [
        s
        for s in queries.supplies(actor.community_id)
        if s.people and not s.material.durable and s.days is not None
    ]
    material_pk = _int(request.GET.get("material"))
    if material_pk is not None:
        rows = [s for s in rows if s.material.pk == material_pk]
    # The fewest days first; among equals, the largest daily use (the biggest gap) first.
    rows.sort(key=lambda s: (s.days, -(s.burn or 0), s.enterprise_id, s.material.position))
    rows = rows[:SHORTEST_ROWS]
    names = Enterprise.objects.in_bulk([s.enterprise_id for s in rows])
    shortest = [{"supply": s, "enterprise": names.get(s.enterprise_id)} for s in rows]
    data = {
        "materials": [display_name(m) for m in chart["materials"]],
        "series": [
            {
                "name": label,
                "colour": BUCKET_COLOURS[i],
                "data": [chart["buckets"][m.pk][i] for m in chart["materials"]],
            }
            for i, label in enumerate(_bucket_labels())
        ],
        "axis": _("Enterprises"),
    }
    return render(
        request,
        "supplies/overview.html",
        {
            "chart": data,
            "has_chart": bool(chart["materials"]),
            "short_rows": [
                {"material": m, "short": chart["shortages"].get(m.pk, 0)}
                for m in chart["all_materials"]
            ],
            "reserve": [{"material": m, "quantity": reserve.get(m.pk, 0)} for m in materials],
            "materials": materials,
            "consumables": [m for m in materials if not m.durable],
            "material_filter": material_pk,
            "shortest": shortest,
            "settings": services.settings_for(actor.community_id),
            "can_reserve": actor.can(Perm.STOCK_MANAGE) and actor.community_wide,
            "errors": errors or {},
            "posted": posted or {},
        },
        status=status,
    )


@require(Perm.SUPPLIES_VIEW)
def overview(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not actor.community_wide:
        return redirect("supplies:stock")
    return _render_overview(request)


@require_POST
@require(Perm.STOCK_MANAGE)
def reserve_receive(request: HttpRequest) -> HttpResponse:
    """A donation or government stock received into the community's reserve."""
    actor = actor_of(request)
    if not actor.community_wide:
        raise Http404
    posted = {name: request.POST.get(name, "") for name in ("material", "quantity", "note")}
    try:
        material = _material(actor, posted["material"])
        entry = services.record_movement(
            actor,
            services.holder_of(actor.community_id, None),
            material,
            Kind.RECEIVED,
            posted["quantity"],
            note=posted["note"],
        )
    except ServiceError as exc:
        return _render_overview(
            request,
            errors=_errors(exc, ("material", "quantity", "note")),
            posted=posted,
            status=400,
        )
    messages.success(
        request,
        _("Received into the reserve: %(quantity)s %(unit)s of %(material)s; %(balance)s held.")
        % {
            "quantity": f"{entry.quantity:,d}",
            "unit": display_unit(material),
            "material": display_name(material),
            "balance": f"{entry.balance:,d}",
        },
    )
    return redirect(reverse("supplies:overview") + "#reserve")


urlpatterns: list[URLPattern] = [
    path("overview/", overview, name="overview"),
    path("stock/", stock, name="stock"),
    path("stock/movement/", movement, name="movement"),
    path("needs/", needs, name="needs"),
    path("needs/post/", need_post, name="need_post"),
    path("needs/<int:pk>/withdraw/", need_withdraw, name="need_withdraw"),
    path("reserve/receive/", reserve_receive, name="reserve_receive"),
]
