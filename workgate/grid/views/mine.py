""" "My grid": the responsible member's people with today's status, on a phone. Nobody beyond
the grids they are responsible for (and the files naming them) is reachable from here."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path

from workgate.core.access import Perm, actor_of, require
from workgate.grid import queries, services

PEOPLE_PER_PAGE = 50


def status_param(request: HttpRequest) -> str:
    status = request.GET.get("status", "")
    return status if status in queries.Status.ORDER else ""


@require(Perm.GRID_OWN)
def mine(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    status = status_param(request)
    view = queries.my_grid(actor, status=status)
    page = Paginator(view.people, PEOPLE_PER_PAGE).get_page(request.GET.get("page"))
    services.my_grid_viewed(
        actor, view.grids, shown=len(page.object_list), total=view.total, request=request
    )
    return render(
        request,
        "grid/mine.html",
        {
            "view": view,
            "status": status,
            "page": page,
            "query": urlencode({"status": status}) if status else "",
        },
    )


urlpatterns: list[URLPattern] = [path("mine/", mine, name="mine")]
