"""Fever incidents: the list with counts per state, and one incident with its steps and the
next steps allowed from where it stands."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from workgate.core.access import Actor, Perm, actor_of, fetch, require
from workgate.core.services import ServiceError
from workgate.health import queries, services
from workgate.health.models import Incident
from workgate.health.rules import settings_for
from workgate.registry.models import Employee

# The list's tabs: a filter name → how queries.incidents filters.
_SHOWS = ("open", "overdue", *Incident.State.values, "all")


def _tabs(counts: dict[str, int]) -> list[dict[str, Any]]:
    states = {s: counts.get(s, 0) for s in Incident.State.values}
    total = sum(states.values())
    tabs = [
        {
            "key": "open",
            "label": pgettext("incidents", "Open"),
            "count": total - states[Incident.State.CLOSED],
        },
        {"key": "overdue", "label": _("Overdue"), "count": counts.get("overdue", 0)},
    ]
    tabs += [{"key": s, "label": label, "count": states[s]} for s, label in Incident.State.choices]
    tabs.append({"key": "all", "label": _("All"), "count": total})
    return tabs


@require(Perm.INCIDENT_VIEW)
def incident_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    show = request.GET.get("show", "open")
    if show not in _SHOWS:
        show = "open"
    rows = queries.incidents(
        actor,
        state=show if show in Incident.State.values else "",
        overdue=show == "overdue",
        open_only=show == "open",
    )
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "health/incident_list.html",
        {
            "page": page,
            "show": show,
            "tabs": _tabs(queries.incident_counts(actor)),
            "query": f"show={show}",
            "can_see_people": actor.can(Perm.EMPLOYEE_VIEW),
            "now": timezone.now(),
        },
    )


def _incident(actor: Actor, pk: int) -> Incident:
    return fetch(
        actor,
        Incident.objects.select_related("employee", "enterprise"),
        Perm.INCIDENT_VIEW,
        pk=pk,
    )


def _detail(
    request: HttpRequest,
    incident: Incident,
    *,
    errors: dict[str, str] | None = None,
    posted: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = actor_of(request)
    allowed = (
        services.TRANSITIONS.get(incident.state, set())
        if actor.can(Perm.INCIDENT_MANAGE)
        else set()
    )
    employee: Employee = incident.employee
    return render(
        request,
        "health/incident_detail.html",
        {
            "incident": incident,
            "employee": employee,
            "steps": incident.steps.all(),
            "verdict": queries.verdict_for(employee),
            "can_manage": actor.can(Perm.INCIDENT_MANAGE),
            "can_see_people": actor.can(Perm.EMPLOYEE_VIEW),
            "allowed": allowed,
            "outcomes": Incident.Outcome.choices,
            "errors": errors or {},
            "posted": posted or {},
            "threshold": settings_for(incident.community_id)[0].fever_threshold,
        },
        status=status,
    )


@require(Perm.INCIDENT_VIEW)
def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _incident(actor_of(request), pk))


@require_POST
@require(Perm.INCIDENT_MANAGE)
def incident_advance(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    incident = _incident(actor, pk)
    posted = {k: request.POST.get(k, "").strip() for k in ("to", "outcome", "temperature", "note")}
    if (
        posted["to"] == incident.state
        and posted["to"] != Incident.State.RECHECK
        and (posted["to"] != Incident.State.OUTCOME or posted["outcome"] == incident.outcome)
    ):
        # A double tap, or two people pressing the same button: the step is there already.
        messages.info(request, _("This step was already recorded."))
        return redirect("health:incident", pk=incident.pk)
    try:
        incident = services.incident_advance(
            actor=actor,
            incident=incident,
            state=posted["to"],
            outcome=posted["outcome"],
            temperature=posted["temperature"] or None,
            note=posted["note"],
        )
    except ServiceError as exc:
        incident.refresh_from_db()
        return _detail(
            request,
            incident,
            errors={exc.field or "state": exc.message},
            posted=posted,
            status=400,
        )
    if incident.state == Incident.State.OUTCOME:
        text = _("Recorded: outcome “%(outcome)s”.") % {"outcome": incident.get_outcome_display()}
    else:
        text = _("Recorded: %(state)s.") % {"state": incident.get_state_display()}
    messages.success(request, text)
    return redirect("health:incident", pk=incident.pk)


urlpatterns: list[URLPattern] = [
    path("incidents/", incident_list, name="incidents"),
    path("incidents/<int:pk>/", incident_detail, name="incident"),
    path("incidents/<int:pk>/advance/", incident_advance, name="incident_advance"),
]
