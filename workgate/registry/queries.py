"""Reads of the registry used by pages, API and reports."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from workgate.core.access import Actor, Perm, scope
from workgate.core.models import Enterprise
from workgate.registry.models import Employee, Region


def enterprises(*, actor: Actor) -> QuerySet[Enterprise]:
    actor.check(Perm.ENTERPRISE_VIEW)
    return scope(actor, Enterprise.objects.all()).order_by("name")


def employees(*, actor: Actor) -> QuerySet[Employee]:
    actor.check(Perm.EMPLOYEE_VIEW)
    return scope(actor, Employee.objects.all())


def headline_figures(*, actor: Actor) -> dict[str, Any]:
    """The figures on the home page: enterprises and people, non-local and from Hubei."""
    people = employees(actor=actor).aggregate(
        total=Count("id"),
        non_local=Count("id", filter=Q(is_local=False)),
        hubei=Count("id", filter=Q(hukou_code__startswith="42")),
    )
    status_counts = dict(
        enterprises(actor=actor)
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return {
        "enterprises": sum(status_counts.values()),
        "by_status": [
            {"status": status, "label": str(label), "count": status_counts.get(status, 0)}
            for status, label in Enterprise.Status.choices
        ],
        **people,
    }


def employees_by_province(*, actor: Actor, limit: int = 12) -> list[dict[str, Any]]:
    """Employees by household-registration province, largest first (for the home chart)."""
    rows = (
        employees(actor=actor)
        .values("hukou_region__province_code")
        .annotate(n=Count("id"))
        .order_by("-n")[:limit]
    )
    names = dict(
        Region.objects.filter(level=Region.Level.PROVINCE).values_list("province_code", "name")
    )
    return [
        {"province": names.get(row["hukou_region__province_code"], "?"), "count": row["n"]}
        for row in rows
    ]


def enterprise_of(*, actor: Actor) -> Enterprise | None:
    """The enterprise an enterprise-level actor belongs to."""
    if actor.enterprise_id is None:
        return None
    return Enterprise.objects.filter(
        pk=actor.enterprise_id, community_id=actor.community_id
    ).first()


def enterprise_rows(*, actor: Actor, search: str = "", status: str = "") -> QuerySet[Enterprise]:
    """Enterprises with their head count, for the list page."""
    rows = enterprises(actor=actor)
    if search := search.strip():
        rows = rows.filter(Q(name__icontains=search) | Q(credit_code__icontains=search.upper()))
    if status:
        rows = rows.filter(status=status)
    return rows.annotate(head_count=Count("employees"))
