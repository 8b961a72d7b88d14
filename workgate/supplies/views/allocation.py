"""The allocation page: run it, read its proof (optimal, bounds, gap, against first come first
served), its lines explained and grouped by enterprise, pin or exclude lines, see the needs
left unmet and why, and issue the orders."""

from __future__ import annotations

from decimal import Decimal
from itertools import groupby
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from workgate.core.access import Actor, Perm, actor_of, fetch, require, scope
from workgate.core.services import ServiceError
from workgate.supplies import queries, services
from workgate.supplies.explain import describe
from workgate.supplies.models import AllocationLine, AllocationRule, AllocationRun, Material, Need


def _pct(part: float, whole: float) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def proof(run: AllocationRun) -> dict[str, Any]:
    """The figures of the proof panel and the chart, as percentages and yuan."""
    total = run.weighted_total
    met_pct = _pct(run.weighted_met, total)
    greedy_pct = _pct(run.greedy_weighted_met, total)
    more = round((met_pct or 0) - (greedy_pct or 0), 1)
    dearer = run.cost - run.greedy_cost
    return {
        "met_pct": met_pct,
        "bound_pct": _pct(run.weighted_bound, total),
        "gap_pct": _pct(max(run.weighted_bound - run.weighted_met, 0), total),
        "cost_gap": max(run.cost - run.cost_bound, Decimal(0)),
        "greedy_pct": greedy_pct,
        "more_pct": more,
        "cost_diff": abs(dearer),
        "dearer": dearer > 0,
        "cheaper": dearer < 0,
        "chart": {
            "labels": {
                "optimal": _("Optimal allocation"),
                "greedy": _("First come, first served"),
                "met": _("Urgency-weighted need met (%)"),
                "cost": _("Cost (yuan)"),
            },
            "met": [met_pct or 0, greedy_pct or 0],
            "cost": [float(run.cost), float(run.greedy_cost)],
        },
    }


def _run_page(
    request: HttpRequest,
    run: AllocationRun | None,
    *,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    actor = actor_of(request)
    runs = list(scope(actor, AllocationRun.objects.all()).order_by("-created_at", "-pk")[:20])
    latest = runs[0] if runs else None
    rules = list(
        scope(actor, AllocationRule.objects.all())
        .filter(need__state__in=[Need.State.OPEN, Need.State.PARTLY])
        .select_related("need__enterprise", "need__material", "offer__supplier")
        .order_by("need__enterprise__name", "pk")
    )
    for rule in rules:
        rule.source = rule.offer.supplier.name if rule.offer_id else _("the community reserve")
    context: dict[str, Any] = {
        "run": run,
        "runs": runs,
        "is_latest": run is not None and latest is not None and run.pk == latest.pk,
        "can_run": actor.can(Perm.ALLOCATION_RUN),
        "error": error,
        "rules": rules,
    }
    if run is not None:
        # A run at full scale has hundreds of lines: filter by enterprise or material, in pages.
        qs = run.lines.select_related("need__enterprise", "need__material", "offer__supplier")
        q = request.GET.get("q", "").strip()[:50]
        material = request.GET.get("material", "")
        if q:
            qs = qs.filter(need__enterprise__name__icontains=q)
        if material.isdigit():
            qs = qs.filter(need__material_id=int(material))
        page = Paginator(
            qs.order_by("need__enterprise__name", "need__enterprise_id", "-urgency", "pk"), 60
        ).get_page(request.GET.get("page"))
        lines = list(page.object_list)
        for line in lines:
            name = line.offer.supplier.name if line.offer_id else _("the community reserve")
            line.sentences = describe(line.why, name)
        context["groups"] = [
            {"enterprise": ent, "lines": list(rows)}
            for ent, rows in groupby(lines, key=lambda ln: ln.need.enterprise)
        ]
        context["page"] = page
        context["q"] = q
        context["material"] = int(material) if material.isdigit() else None
        context["materials"] = list(
            Material.objects.filter(community_id=run.community_id, active=True)
        )
        context["query"] = urlencode({k: v for k, v in (("q", q), ("material", material)) if v})
        context["filtered"] = bool(q or material)
        context["proof"] = proof(run)
        unmet = queries.unmet_needs(run) if context["is_latest"] else []
        context["unmet"] = unmet[:100]
        context["unmet_total"] = len(unmet)
    return render(request, "supplies/allocation.html", context, status=status)


@require(Perm.ALLOCATION_VIEW)
def allocation_page(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    run = scope(actor, AllocationRun.objects.all()).order_by("-created_at", "-pk").first()
    return _run_page(request, run)


def _run(actor: Actor, pk: int, perm: Perm = Perm.ALLOCATION_VIEW) -> AllocationRun:
    return fetch(actor, AllocationRun.objects.all(), perm, pk=pk)


@require(Perm.ALLOCATION_VIEW)
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _run_page(request, _run(actor_of(request), pk))


@require_POST
@require(Perm.ALLOCATION_RUN)
def run_now(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    try:
        run = services.run_allocation(actor)
    except ServiceError as exc:
        latest = scope(actor, AllocationRun.objects.all()).order_by("-created_at", "-pk").first()
        return _run_page(request, latest, error=exc.message, status=400)
    messages.success(
        request,
        ngettext("Allocation run: %(n)s line.", "Allocation run: %(n)s lines.", run.lines.count())
        % {"n": run.lines.count()},
    )
    return redirect("supplies:allocation")


@require_POST
@require(Perm.ALLOCATION_RUN)
def line_rule(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    line = fetch(actor, AllocationLine.objects.select_related("run"), Perm.ALLOCATION_RUN, pk=pk)
    kind = request.POST.get("kind", "")
    try:
        services.set_rule(actor, line, kind, request.POST.get("quantity"))
    except ServiceError as exc:
        return _run_page(request, line.run, error=exc.message, status=400)
    if kind == AllocationRule.Kind.PIN:
        messages.success(request, _("Pinned for the next runs. Run the allocation again."))
    else:
        messages.success(request, _("Excluded from the next runs. Run the allocation again."))
    return redirect("supplies:allocation_run", pk=line.run_id)


@require_POST
@require(Perm.ALLOCATION_RUN)
def rule_clear(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    rule = fetch(
        actor,
        AllocationRule.objects.select_related("need__enterprise"),
        Perm.ALLOCATION_RUN,
        pk=pk,
    )
    services.clear_rule(actor, rule)
    messages.success(request, _("Removed. Run the allocation again to use it."))
    return redirect("supplies:allocation")


@require_POST
@require(Perm.ALLOCATION_RUN)
def issue(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    run = _run(actor, pk, Perm.ALLOCATION_RUN)
    try:
        orders = services.issue_orders(actor, run)
    except ServiceError as exc:
        run.refresh_from_db()
        return _run_page(request, run, error=exc.message, status=409)
    messages.success(
        request,
        ngettext("%(n)s order issued.", "%(n)s orders issued.", len(orders)) % {"n": len(orders)},
    )
    return redirect("supplies:orders")


urlpatterns: list[URLPattern] = [
    path("allocation/", allocation_page, name="allocation"),
    path("allocation/run/", run_now, name="allocation_run_now"),
    path("allocation/runs/<int:pk>/", run_detail, name="allocation_run"),
    path("allocation/runs/<int:pk>/issue/", issue, name="allocation_issue"),
    path("allocation/lines/<int:pk>/rule/", line_rule, name="allocation_rule"),
    path("allocation/rules/<int:pk>/clear/", rule_clear, name="allocation_rule_clear"),
]
