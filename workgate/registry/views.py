"""Pages of the registry."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from workgate.core.access import Perm, require
from workgate.core.models import Enterprise
from workgate.registry import queries


@require(Perm.ENTERPRISE_VIEW)
def enterprise_list(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    search = request.GET.get("q", "")
    status = request.GET.get("status", "")
    if status not in Enterprise.Status.values:
        status = ""
    rows = queries.enterprise_rows(actor=actor, search=search, status=status)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    template = (
        "registry/enterprise_list.html#results"
        if request.htmx  # type: ignore[attr-defined]
        else "registry/enterprise_list.html"
    )
    return render(
        request,
        template,
        {
            "page": page,
            "search": search,
            "status": status,
            "statuses": Enterprise.Status.choices,
            "query": query.urlencode(),
        },
    )
