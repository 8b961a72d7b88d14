"""Reads of the registry used by pages, API and reports."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from workgate.core.access import Actor, Perm, fetch, scope
from workgate.core.models import Enterprise
from workgate.core.text import compact, normalise_text
from workgate.registry.models import Employee, Region, RosterImport, Workshop


def enterprises(*, actor: Actor) -> QuerySet[Enterprise]:
    actor.check(Perm.ENTERPRISE_VIEW)
    return scope(actor, Enterprise.objects.all()).order_by("name")


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
    if search := normalise_text(search):
        rows = rows.filter(Q(name__icontains=search) | Q(credit_code__icontains=search.upper()))
    if status:
        rows = rows.filter(status=status)
    return rows.annotate(head_count=Count("employees"))


def enterprise_detail(*, actor: Actor, pk: int) -> Enterprise:
    return fetch(
        actor,
        Enterprise.objects.prefetch_related("sites", "workshops__site", "shifts"),
        Perm.ENTERPRISE_VIEW,
        pk=pk,
    )


def employees(*, actor: Actor) -> QuerySet[Employee]:
    actor.check(Perm.EMPLOYEE_VIEW)
    return scope(actor, Employee.objects.all())


@dataclass(frozen=True)
class EmployeeFilters:
    """What the employee list can be narrowed by; every field optional."""

    q: str = ""
    enterprise: int | None = None
    local: str = ""  # "", "yes", "no"
    province: str = ""  # 2-digit province code of household registration
    workshop: int | None = None
    job_status: str = ""
    health: str = ""

    @classmethod
    def from_params(cls, params: Any) -> EmployeeFilters:
        def as_int(value: Any) -> int | None:
            text = compact(str(value or ""))
            return int(text) if text.isdigit() else None

        province = compact(str(params.get("province") or ""))
        return cls(
            q=normalise_text(str(params.get("q") or ""))[:50],
            enterprise=as_int(params.get("enterprise")),
            local=params.get("local") if params.get("local") in ("yes", "no") else "",
            province=province if len(province) == 2 and province.isdigit() else "",
            workshop=as_int(params.get("workshop")),
            job_status=params.get("job_status")
            if params.get("job_status") in Employee.JobStatus.values
            else "",
            health=params.get("health") if params.get("health") in Employee.Health.values else "",
        )


def employee_rows(*, actor: Actor, filters: EmployeeFilters) -> QuerySet[Employee]:
    """The employee list: filtered, searched by name or the last digits of ID or phone."""
    rows = employees(actor=actor)
    if filters.enterprise and actor.community_wide:
        rows = rows.filter(enterprise_id=filters.enterprise)
    if filters.local:
        rows = rows.filter(is_local=filters.local == "yes")
    if filters.province:
        # A range on the indexed code rather than LIKE, which SQLite will not index.
        upper = f"{int(filters.province) + 1:02d}"
        rows = rows.filter(hukou_code__gte=filters.province, hukou_code__lt=upper)
    if filters.workshop:
        rows = rows.filter(workshop_id=filters.workshop)
    if filters.job_status:
        rows = rows.filter(job_status=filters.job_status)
    if filters.health:
        rows = rows.filter(health_status=filters.health)
    if q := filters.q:
        digits = compact(q).upper()
        if digits and (digits.isdigit() or (digits[:-1].isdigit() and digits.endswith("X"))):
            if len(digits) >= 18:
                rows = rows.filter(id_number=digits)
            elif len(digits) == 11 and digits.startswith("1"):
                rows = rows.filter(mobile=digits)
            else:
                rows = rows.filter(Q(id_number__endswith=digits) | Q(mobile__endswith=digits))
        else:
            rows = rows.filter(name__contains=q)
    return rows.select_related("enterprise", "workshop", "hukou_region").order_by("name", "id")


def employee_file(*, actor: Actor, pk: int) -> Employee:
    """One person's file, for roles that may see employees, within their tenant."""
    return fetch(
        actor,
        Employee.objects.select_related(
            "enterprise", "workshop", "shift", "hukou_region", "current_region", "grid_member"
        ),
        Perm.EMPLOYEE_VIEW,
        pk=pk,
    )


def own_file(*, actor: Actor) -> Employee | None:
    """The employee's own file (employee role)."""
    actor.check(Perm.OWN_FILE_VIEW)
    if actor.user is None:
        return None
    return (
        Employee.objects.select_related(
            "enterprise", "workshop", "shift", "hukou_region", "current_region"
        )
        .filter(user=actor.user, community_id=actor.community_id)
        .first()
    )


def workshops_for(*, actor: Actor, enterprise_id: int | None) -> QuerySet[Workshop]:
    rows = scope(actor, Workshop.objects.all())
    if enterprise_id:
        rows = rows.filter(enterprise_id=enterprise_id)
    return rows.order_by("name")


def provinces() -> QuerySet[Region]:
    return Region.objects.filter(level=Region.Level.PROVINCE).order_by("code")


def prefectures() -> QuerySet[Region]:
    return Region.objects.filter(level=Region.Level.PREFECTURE, is_current=True).order_by("code")


def roster_imports(*, actor: Actor) -> QuerySet[RosterImport]:
    actor.check(Perm.EMPLOYEE_MANAGE)
    return scope(actor, RosterImport.objects.select_related("enterprise", "uploaded_by"))


def headline_figures(*, actor: Actor) -> dict[str, Any]:
    """The figures on the home page: enterprises and people, non-local and from Hubei."""
    people = employees(actor=actor).aggregate(
        total=Count("id"),
        non_local=Count("id", filter=Q(is_local=False)),
        hubei=Count("id", filter=Q(hukou_code__gte="42", hukou_code__lt="43")),
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
