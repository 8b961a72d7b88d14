"""Health at a glance on a person's file (the registry's file page includes the panel when its
context has `health_panel`): the pass colour and why, an open fever incident, today's checks and
today's declaration. Also the personal pages' read of the open incident."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from workgate.core.access import Actor, Perm
from workgate.health import queries
from workgate.health.models import Incident
from workgate.health.rules import settings_for
from workgate.registry.models import Employee


def open_incident(employee: Employee) -> Incident | None:
    """The person's fever incident still being followed, if any (at most one is open)."""
    return (
        Incident.objects.filter(employee_id=employee.pk)
        .exclude(state=Incident.State.CLOSED)
        .order_by("-opened_at")
        .first()
    )


def panel(actor: Actor, employee: Employee) -> dict[str, Any] | None:
    """What the file page shows about the person's health, or None if the viewer may not see it.

    The caller has fetched `employee` inside the actor's tenant (or it is the actor's own file).
    """
    own = actor.user is not None and employee.user_id == actor.user.pk
    if not (actor.can(Perm.EMPLOYEE_VIEW) or own):
        return None
    _hs, tz = settings_for(employee.community_id)
    today = timezone.now().astimezone(tz).date()
    checks = [
        c
        for c in queries.checks_of(employee=employee, limit=10)
        if c.taken_at.astimezone(tz).date() == today
    ]
    checks.reverse()  # in the order they were taken
    return {
        "verdict": queries.verdict_for(employee),
        "incident": open_incident(employee),
        "can_see_incident": actor.can(Perm.INCIDENT_VIEW),
        "checks_today": checks,
        "declaration": queries.declaration_today(employee),
        "today": today,
        "own": own and actor.can(Perm.DECLARE),
    }
