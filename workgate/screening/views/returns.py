"""Return plans: the enterprise officer's list of returning people (staff see every enterprise)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from workgate.core.access import Perm, require
from workgate.registry import queries as registry_queries
from workgate.screening import queries


@require(Perm.RETURN_PLAN_VIEW)
def return_plans(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    enterprise = request.GET.get("enterprise", "")
    enterprise_id = int(enterprise) if enterprise.isdigit() else None
    rows = queries.return_plans(actor=actor, enterprise=enterprise_id)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "screening/return_plans.html",
        {
            "page": page,
            "query": f"enterprise={enterprise_id}" if enterprise_id else "",
            "enterprise_id": enterprise_id,
            "enterprises": registry_queries.enterprises(actor=actor).only("id", "name")
            if actor.community_wide
            else [],
        },
    )
