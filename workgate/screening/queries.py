"""Reads of screening used by pages, API, jobs and other apps (quarantine, resumption)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import TruncHour
from django.utils import timezone

from workgate.core.access import Actor, Perm, fetch, scope
from workgate.core.models import Community
from workgate.registry.models import Employee, Region, TravelRecord
from workgate.screening.models import (
    CallAttempt,
    Caller,
    CallTask,
    Campaign,
    CaseContact,
    RegionRisk,
    ReturnPlan,
    RiskList,
    ScreeningPolicy,
)
from workgate.screening.risk import RANK, Assessment, Facts, Policy, RegionLevels, Travel, assess

# --- Region levels and policy -----------------------------------------------------------------


def levels_in_force(community_id: int, on: dt.date | None = None) -> dict[str, str]:
    """Region code → level for the explicit entries in force on a date (default today)."""
    on = on or timezone.localdate()
    rows = RegionRisk.objects.filter(
        Q(effective_to__isnull=True) | Q(effective_to__gte=on),
        community_id=community_id,
        effective_from__lte=on,
    ).order_by("region_id", "-effective_from", "-id")
    levels: dict[str, str] = {}
    for code, level in rows.values_list("region_id", "level"):
        levels.setdefault(code, level)
    return levels


def region_levels(community_id: int, on: dt.date | None = None) -> RegionLevels:
    return RegionLevels(levels_in_force(community_id, on))


def policy_row(community_id: int) -> ScreeningPolicy:
    row = ScreeningPolicy.objects.filter(community_id=community_id).first()
    if row is None:
        row = ScreeningPolicy(
            community_id=community_id,
            window_days=14,
            quarantine_levels=["high", "medium"],
            delay_levels=["high"],
        )
    return row


def policy_of(community_id: int) -> Policy:
    row = policy_row(community_id)
    return Policy(
        window_days=row.window_days,
        quarantine_levels=frozenset(row.quarantine_levels),
        delay_levels=frozenset(row.delay_levels),
    )


def codes_at_least(community_id: int, level: str, levels: RegionLevels | None = None) -> set[str]:
    """Every region code (province, prefecture, county) whose level is at least `level`."""
    levels = levels or region_levels(community_id)
    if RANK[level] <= 0:
        return set(Region.objects.values_list("code", flat=True))
    prefixes = {c[:2] for c in levels.explicit} | {c[:4] for c in levels.explicit}
    if not prefixes:
        return set()
    # Only regions under a listed one can be above low: read those, not all 3,000+.
    candidates = Region.objects.filter(province_code__in={p[:2] for p in prefixes})
    return levels.codes_at_least(level, candidates.values_list("code", flat=True))


def region_risks(*, actor: Actor) -> QuerySet[RegionRisk]:
    """The entries in force today, for the region-risk page."""
    actor.check(Perm.RISK_VIEW)
    today = timezone.localdate()
    return (
        RegionRisk.objects.filter(community_id=actor.community_id, effective_from__lte=today)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=today))
        .exclude(level="low")
        .select_related("region")
        .order_by("-level", "region_id")
    )


def region_history(*, actor: Actor, code: str) -> QuerySet[RegionRisk]:
    actor.check(Perm.RISK_VIEW)
    return RegionRisk.objects.filter(community_id=actor.community_id, region_id=code).order_by(
        "-effective_from", "-id"
    )


def risk_lists(*, actor: Actor) -> QuerySet[RiskList]:
    actor.check(Perm.RISK_MANAGE)
    return scope(actor, RiskList.objects.all())


def risk_list(*, actor: Actor, pk: Any) -> RiskList:
    return fetch(actor, RiskList.objects.all(), Perm.RISK_MANAGE, pk=pk)


# --- One person's risk -------------------------------------------------------------------------


def facts_of(employee: Employee, *, since: dt.date) -> Facts:
    travels = tuple(
        Travel(t.region_id, t.date_from, t.date_to)
        for t in TravelRecord.objects.filter(employee=employee).filter(
            Q(date_to__isnull=True) | Q(date_to__gte=since)
        )
    )
    contacts = tuple(
        CaseContact.objects.filter(employee=employee, contact_date__gte=since).values_list(
            "contact_date", flat=True
        )
    )
    return Facts(
        hukou_code=employee.hukou_code,
        current_region=employee.current_region_id,
        arrived=employee.arrived,
        is_local=employee.is_local,
        health_status=employee.health_status,
        travels=travels,
        contact_dates=contacts,
    )


def assessment_of(employee: Employee, today: dt.date | None = None) -> Assessment:
    today = today or timezone.localdate()
    policy = policy_of(employee.community_id)
    since = today - dt.timedelta(days=policy.window_days)
    return assess(
        facts_of(employee, since=since), region_levels(employee.community_id), policy, today
    )


def region_names(codes: set[str]) -> dict[str, str]:
    return dict(Region.objects.filter(code__in=codes).values_list("code", "full_name"))


def reasons_in_words(reasons: list[dict[str, Any]]) -> list[str]:
    from workgate.screening.risk import reason_text

    codes = {str(r.get("params", {}).get("region")) for r in reasons if r.get("params")}
    names = region_names({c for c in codes if c and c != "None"})
    return [reason_text(r, names) for r in reasons]


def employee_risk(*, actor: Actor, pk: int) -> tuple[Employee, Assessment, list[str]]:
    employee = fetch(
        actor,
        Employee.objects.select_related("enterprise", "current_region", "hukou_region"),
        Perm.RISK_VIEW,
        pk=pk,
    )
    assessment = assessment_of(employee)
    words = reasons_in_words([r.as_dict() for r in assessment.reasons])
    return employee, assessment, words


def risk_people(*, actor: Actor, level: str = "") -> QuerySet[Employee]:
    """People by assessed level (the officer sees their own enterprise's)."""
    actor.check(Perm.RISK_VIEW)
    rows = scope(actor, Employee.objects.all())
    if level in RANK:
        rows = rows.filter(risk_level=level)
    return rows.select_related("enterprise", "current_region").order_by("name", "id")


def risk_counts(*, actor: Actor) -> dict[str, int]:
    actor.check(Perm.RISK_VIEW)
    counts = dict(
        scope(actor, Employee.objects.all())
        .order_by()
        .values_list("risk_level")
        .annotate(n=Count("id"))
        .values_list("risk_level", "n")
    )
    return {level: counts.get(level, 0) for level in ("high", "medium", "low", "unknown")}


# --- Campaign targets -------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A campaign's target: every field optional; all given conditions must hold."""

    non_local: bool = False
    not_arrived: bool = False
    provinces: tuple[str, ...] = ()
    current_risk_at_least: str = ""
    travel_risk_at_least: str = ""
    risk_at_least: str = ""
    not_reached_since: dt.date | None = None
    enterprises: tuple[int, ...] = ()

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Target:
        def level(key: str) -> str:
            value = str(data.get(key) or "")
            return value if value in ("low", "medium", "high") else ""

        since = data.get("not_reached_since") or None
        if isinstance(since, str):
            since = dt.date.fromisoformat(since)
        return cls(
            non_local=bool(data.get("non_local")),
            not_arrived=bool(data.get("not_arrived")),
            provinces=tuple(
                sorted({str(p) for p in data.get("provinces") or [] if str(p).isdigit()})
            ),
            current_risk_at_least=level("current_risk_at_least"),
            travel_risk_at_least=level("travel_risk_at_least"),
            risk_at_least=level("risk_at_least"),
            not_reached_since=since,
            enterprises=tuple(sorted({int(e) for e in data.get("enterprises") or []})),
        )

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.non_local:
            out["non_local"] = True
        if self.not_arrived:
            out["not_arrived"] = True
        if self.provinces:
            out["provinces"] = list(self.provinces)
        for key in ("current_risk_at_least", "travel_risk_at_least", "risk_at_least"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        if self.not_reached_since:
            out["not_reached_since"] = self.not_reached_since.isoformat()
        if self.enterprises:
            out["enterprises"] = list(self.enterprises)
        return out


def target_people(community_id: int, target: Target) -> QuerySet[Employee]:
    """The employees a target selects (the caller has already authorised the campaign)."""
    rows = Employee.objects.filter(community_id=community_id).exclude(job_status="left")
    if target.non_local:
        rows = rows.filter(is_local=False)
    if target.not_arrived:
        rows = rows.filter(arrived=False)
    if target.provinces:
        q = Q()
        for p in target.provinces:
            # A range on the indexed code rather than LIKE, which SQLite will not index.
            q |= Q(hukou_code__gte=p, hukou_code__lt=f"{int(p) + 1:02d}")
        rows = rows.filter(q)
    if target.enterprises:
        rows = rows.filter(enterprise_id__in=target.enterprises)
    if target.risk_at_least:
        rows = rows.filter(
            risk_level__in=[lv for lv, r in RANK.items() if r >= RANK[target.risk_at_least]]
        )
    levels = None
    if target.current_risk_at_least or target.travel_risk_at_least:
        levels = region_levels(community_id)
    if target.current_risk_at_least:
        rows = rows.filter(
            current_region_id__in=codes_at_least(community_id, target.current_risk_at_least, levels)
        )
    if target.travel_risk_at_least:
        window = policy_of(community_id).window_days
        since = timezone.localdate() - dt.timedelta(days=window)
        travels = TravelRecord.objects.filter(
            Q(date_to__isnull=True) | Q(date_to__gte=since),
            employee=OuterRef("pk"),
            region_id__in=codes_at_least(community_id, target.travel_risk_at_least, levels),
        )
        rows = rows.filter(Exists(travels))
    if target.not_reached_since:
        start = dt.datetime.combine(
            target.not_reached_since, dt.time(), timezone.get_current_timezone()
        )
        reached = CallAttempt.objects.filter(
            employee=OuterRef("pk"), outcome=CallAttempt.Outcome.REACHED, at__gte=start
        )
        rows = rows.filter(~Exists(reached))
    return rows


def campaigns(*, actor: Actor) -> QuerySet[Campaign]:
    actor.check(Perm.CAMPAIGN_VIEW)
    return scope(actor, Campaign.objects.all())


def campaign(*, actor: Actor, pk: int, perm: Perm = Perm.CAMPAIGN_VIEW) -> Campaign:
    return fetch(actor, Campaign.objects.all(), perm, pk=pk)


# --- Callers' side ----------------------------------------------------------------------------


def caller_campaigns(*, actor: Actor) -> QuerySet[Caller]:
    """The running campaigns the acting person calls for.

    Filtered by community and user here rather than by scope(): volunteers are community-level
    members but not community-wide, and scope() gives such roles nothing of a community-level
    model. The caller rows themselves are the grant.
    """
    actor.check(Perm.CALL_WORK)
    if actor.user is None:
        return Caller.objects.none()
    return (
        Caller.objects.filter(
            user=actor.user,
            active=True,
            campaign__community_id=actor.community_id,
            campaign__status=Campaign.Status.RUNNING,
        )
        .select_related("campaign")
        .order_by("-campaign__launched_at")
    )


def caller_for(*, actor: Actor, campaign_pk: int) -> Caller:
    from django.http import Http404

    caller = caller_campaigns(actor=actor).filter(campaign_id=campaign_pk).first()
    if caller is None:
        raise Http404
    return caller


def task_for_caller(*, actor: Actor, pk: int) -> CallTask:
    """A call-list entry the acting caller holds (or held) the lease of."""
    from django.http import Http404

    actor.check(Perm.CALL_WORK)
    task = (
        CallTask.objects.select_related(
            "employee__enterprise",
            "employee__hukou_region",
            "employee__current_region",
            "campaign",
        )
        .filter(pk=pk, community_id=actor.community_id, leased_by=actor.user)
        .first()
    )
    if task is None or actor.user is None:
        raise Http404
    return task


def attempt_already_recorded(*, actor: Actor, client_id: Any) -> CallAttempt | None:
    """The call this caller already recorded under a client id (a repeated post), if any."""
    actor.check(Perm.CALL_WORK)
    if actor.user is None or not client_id:
        return None
    try:
        return CallAttempt.objects.filter(
            client_id=client_id, community_id=actor.community_id, caller=actor.user
        ).first()
    except (ValueError, TypeError, ValidationError):
        return None


def caller_counts(caller: Caller) -> dict[str, int]:
    now = timezone.now()
    rows = CallTask.objects.filter(campaign_id=caller.campaign_id, caller=caller)
    return rows.aggregate(
        waiting=Count(
            "id",
            filter=Q(status="pending")
            & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)),
        ),
        later=Count("id", filter=Q(status="pending", next_attempt_at__gt=now)),
        done=Count("id", filter=~Q(status="pending")),
    )


def previous_attempts(task: CallTask) -> QuerySet[CallAttempt]:
    return CallAttempt.objects.filter(task=task).order_by("-at")


# --- Progress and summary ----------------------------------------------------------------------

SUMMARY_SETS = ("traced", "high_risk", "delayed", "no_answer", "exhausted", "wrong", "refused")


def summary_filter(set_name: str, community_id: int) -> Q:
    """The call-list entries behind one figure of the summary."""
    if set_name == "traced":
        return Q(reached=True, employee__is_local=False)
    if set_name == "high_risk":
        return Q(reached=True, region_level="high")
    if set_name == "delayed":
        return Q(reached=True, delay_agreed=True)
    if set_name == "no_answer":
        return Q(status="pending", last_outcome="no_answer")
    if set_name == "exhausted":
        return Q(status="exhausted")
    if set_name == "wrong":
        return Q(last_outcome="wrong_number")
    if set_name == "refused":
        return Q(last_outcome="refused")
    return Q(pk__in=[])


def campaign_progress(campaign: Campaign) -> dict[str, Any]:
    """Figures of a campaign: the list, calls made, reached, and the seed's summary."""
    tasks = CallTask.objects.filter(campaign=campaign)
    sets = {name: summary_filter(name, campaign.community_id) for name in SUMMARY_SETS}
    # Aliases are prefixed: an aggregate may not share a name with a field ("reached").
    raw = tasks.aggregate(
        n_total=Count("id"),
        n_started=Count("id", filter=Q(attempts__gt=0)),
        n_done=Count("id", filter=~Q(status="pending")),
        n_reached=Count("id", filter=Q(reached=True)),
        **{f"n_{name}": Count("id", filter=q) for name, q in sets.items()},
    )
    figures = {key.removeprefix("n_"): value for key, value in raw.items()}
    figures["calls"] = CallAttempt.objects.filter(campaign=campaign).count()
    figures["remaining"] = figures["total"] - figures["done"]
    figures["percent"] = round(100 * figures["done"] / figures["total"]) if figures["total"] else 0
    return figures


def calls_by_hour(campaign: Campaign) -> list[dict[str, Any]]:
    rows = (
        CallAttempt.objects.filter(campaign=campaign)
        .annotate(hour=TruncHour("at"))
        .values("hour")
        .annotate(calls=Count("id"), reached=Count("id", filter=Q(outcome="reached")))
        .order_by("hour")
    )
    tz = timezone.get_current_timezone()
    return [
        {
            "label": timezone.localtime(r["hour"], tz).strftime("%m-%d %H:00"),
            "calls": r["calls"],
            "reached": r["reached"],
        }
        for r in rows
        if r["hour"] is not None
    ]


def by_caller(campaign: Campaign) -> list[dict[str, Any]]:
    """Each caller's list and work: assigned, still to call, calls made, reached."""
    callers = list(campaign.callers.select_related("user").order_by("id"))
    tasks = {
        row["caller_id"]: row
        for row in CallTask.objects.filter(campaign=campaign)
        .values("caller_id")
        .annotate(
            assigned=Count("id"),
            waiting=Count("id", filter=Q(status="pending")),
        )
    }
    calls = {
        row["caller_id"]: row
        for row in CallAttempt.objects.filter(campaign=campaign)
        .values("caller_id")
        .annotate(calls=Count("id"), reached=Count("id", filter=Q(outcome="reached")))
    }
    rows = []
    for c in callers:
        t = tasks.get(c.pk, {})
        a = calls.get(c.user_id, {})
        rows.append(
            {
                "id": c.pk,
                "user_id": c.user_id,
                "label": c.user.full_name or c.user.username,
                "username": c.user.username,
                "capacity": c.capacity,
                "active": c.active,
                "assigned": t.get("assigned", 0),
                "waiting": t.get("waiting", 0),
                "calls": a.get("calls", 0),
                "reached": a.get("reached", 0),
            }
        )
    return rows


def summary_people(campaign: Campaign, set_name: str) -> QuerySet[CallTask]:
    return (
        CallTask.objects.filter(campaign=campaign)
        .filter(summary_filter(set_name, campaign.community_id))
        .select_related("employee__enterprise", "employee__hukou_region", "region")
        .order_by("employee__name", "id")
    )


def campaign_tasks(campaign: Campaign) -> QuerySet[CallTask]:
    return (
        CallTask.objects.filter(campaign=campaign)
        .select_related("employee__enterprise", "caller__user", "region")
        .order_by("id")
    )


# --- Return plans -----------------------------------------------------------------------------


def return_plans(*, actor: Actor, enterprise: int | None = None) -> QuerySet[ReturnPlan]:
    actor.check(Perm.RETURN_PLAN_VIEW)
    rows = scope(actor, ReturnPlan.objects.all())
    if enterprise and actor.community_wide:
        rows = rows.filter(enterprise_id=enterprise)
    return rows.select_related("employee", "enterprise", "from_region").order_by(
        "arrival_date", "employee__name", "id"
    )


def return_plan_of(employee_id: int) -> ReturnPlan | None:
    """The plan of one person, for quarantine and resumption (no actor: they authorise)."""
    return ReturnPlan.objects.filter(employee_id=employee_id).select_related("from_region").first()


def community_of(actor: Actor) -> Community:
    return Community.objects.get(pk=actor.community_id)
