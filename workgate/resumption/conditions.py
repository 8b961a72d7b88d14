"""Judging the four in place: each condition of a community, for one enterprise or all of them
at once, with the figure behind it and, when it is not met, why.

Everything is read in bulk — one grouped query per kind of fact for every enterprise asked
about — so the daily report for 651 enterprises costs the same handful of queries as the page of
one enterprise.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from workgate.core.models import Enterprise, Membership, Role
from workgate.registry.models import Employee, Shift
from workgate.resumption.models import Condition, ConditionEntry, Evidence, Indicator, Pillar
from workgate.resumption.models import ResumptionSettings as Settings

# How recently a self-declaration counts as having reached the person.
REACHED_WITHIN_DAYS = 14

RETURNING_STATUSES = (Employee.JobStatus.ACTIVE, Employee.JobStatus.AWAY)


@dataclass(slots=True)
class Returning:
    """Who comes back to work: working or not yet returned, and not in quarantine."""

    local: int = 0
    non_local: int = 0
    high_risk: int = 0
    in_quarantine: int = 0
    screened: int = 0
    reached: int = 0

    @property
    def total(self) -> int:
        return self.local + self.non_local


@dataclass(slots=True)
class Result:
    condition: Condition
    met: bool
    value: str = ""
    reason: str = ""
    source: str = "auto"  # auto (from the platform's data), entered, confirmed
    evidence: int = 0

    @property
    def mandatory(self) -> bool:
        return self.condition.mandatory


@dataclass(slots=True)
class Judgement:
    """An enterprise's conditions, judged."""

    returning: Returning
    results: list[Result] = field(default_factory=list)

    @property
    def met(self) -> int:
        return sum(r.met for r in self.results)

    @property
    def total(self) -> int:
        return len(self.results)

    @property
    def failing_mandatory(self) -> list[Result]:
        return [r for r in self.results if r.mandatory and not r.met]

    def by_pillar(self) -> list[tuple[str, str, list[Result]]]:
        return by_pillar(self.results, lambda r: r.condition.pillar)

    def snapshot(self) -> list[dict[str, Any]]:
        """What is kept on an application when it is submitted."""
        return [
            {
                "condition": r.condition.pk,
                "title": r.condition.display_title,
                "pillar": r.condition.pillar,
                "mandatory": r.condition.mandatory,
                "met": r.met,
                "value": r.value,
                "reason": r.reason,
            }
            for r in self.results
        ]


def by_pillar[T](
    items: Iterable[T], pillar_of: Callable[[T], str]
) -> list[tuple[str, str, list[T]]]:
    """(pillar, its label, its items) in the four pillars' order, empty pillars left out."""
    groups: dict[str, list[T]] = defaultdict(list)
    for item in items:
        groups[pillar_of(item)].append(item)
    return [(p, str(label), groups[p]) for p, label in Pillar.choices if groups.get(p)]


def active_conditions(community_id: int) -> list[Condition]:
    """The conditions in use; a community that never set any gets the default four in place."""
    rows = list(Condition.objects.filter(community_id=community_id, active=True))
    if not rows and not Condition.objects.filter(community_id=community_id).exists():
        from workgate.resumption.services import conditions_ensure

        rows = [c for c in conditions_ensure(community_id) if c.active]
    return rows


def returning_counts(community_id: int, enterprise_ids: list[int] | None) -> dict[int, Returning]:
    """Per enterprise: local / non-local / high-risk people coming back, how many of them have
    been screened (risk assessed) and reached (a call answered, or a recent declaration)."""
    from workgate.health.models import Declaration
    from workgate.screening.models import CallTask

    people = Employee.objects.filter(community_id=community_id)
    if enterprise_ids is not None:
        people = people.filter(enterprise_id__in=enterprise_ids)
    since = timezone.localdate() - dt.timedelta(days=REACHED_WITHIN_DAYS)
    called = CallTask.objects.filter(community_id=community_id, reached=True).values("employee_id")
    declared = Declaration.objects.filter(community_id=community_id, day__gte=since).values(
        "employee_id"
    )
    returning = Q(job_status__in=RETURNING_STATUSES, quarantine_status=Employee.Quarantine.NONE)
    rows = people.values("enterprise_id").annotate(
        local=Count("pk", filter=returning & Q(is_local=True)),
        non_local=Count("pk", filter=returning & Q(is_local=False)),
        high_risk=Count("pk", filter=returning & Q(risk_level=Employee.Risk.HIGH)),
        in_quarantine=Count("pk", filter=~Q(quarantine_status=Employee.Quarantine.NONE)),
        screened=Count("pk", filter=returning & ~Q(risk_level=Employee.Risk.UNKNOWN)),
        reached=Count("pk", filter=returning & (Q(pk__in=called) | Q(pk__in=declared))),
    )
    return {
        r["enterprise_id"]: Returning(
            r["local"],
            r["non_local"],
            r["high_risk"],
            r["in_quarantine"],
            r["screened"],
            r["reached"],
        )
        for r in rows.order_by()
    }


@dataclass(slots=True)
class _Facts:
    """Everything the indicators read, for a set of enterprises."""

    settings: Settings
    returning: dict[int, Returning]
    gates: dict[int, int]
    officers: dict[int, int]
    contact: dict[int, str]
    shift_starts: dict[int, int]
    entries: dict[tuple[int, int], ConditionEntry]
    evidence: dict[tuple[int, int], dict[str, int]]
    # Stock from the supplies ledger, for enterprises that keep one: it replaces the figure
    # entered by hand (the ledger moves with receipts and the gate's masks; a form does not).
    ledger_masks: dict[int, int]
    ledger_thermometers: dict[int, int]


def _facts(community_id: int, enterprise_ids: list[int] | None, conditions: list[Condition]):
    from workgate.health.models import Gate
    from workgate.resumption.services import settings_for

    def limit(qs: Any, path: str = "enterprise_id") -> Any:
        return qs if enterprise_ids is None else qs.filter(**{f"{path}__in": enterprise_ids})

    kinds = {c.indicator for c in conditions}
    gates: dict[int, int] = {}
    if Indicator.THERMOMETERS_PER_GATE in kinds:
        rows = limit(Gate.objects.filter(enterprise__community_id=community_id, is_active=True))
        gates = dict(rows.values_list("enterprise_id").annotate(n=Count("pk")).order_by())
    officers: dict[int, int] = {}
    contact: dict[int, str] = {}
    if Indicator.OFFICER_NAMED in kinds:
        rows = limit(
            Membership.objects.filter(
                community_id=community_id, role=Role.OFFICER, is_active=True, user__is_active=True
            )
        )
        officers = dict(rows.values_list("enterprise_id").annotate(n=Count("pk")).order_by())
        contact = dict(
            limit(Enterprise.objects.filter(community_id=community_id), "pk").values_list(
                "pk", "contact_name"
            )
        )
    shift_starts: dict[int, int] = {}
    if Indicator.SHIFTS_STAGGERED in kinds:
        rows = limit(Shift.objects.filter(enterprise__community_id=community_id))
        shift_starts = dict(
            rows.values_list("enterprise_id").annotate(n=Count("starts", distinct=True)).order_by()
        )
    condition_ids = [c.pk for c in conditions]
    entries = {
        (e.enterprise_id, e.condition_id): e
        for e in limit(ConditionEntry.objects.filter(condition_id__in=condition_ids))
    }
    evidence: dict[tuple[int, int], dict[str, int]] = defaultdict(dict)
    for ent, cond, kind, n in (
        limit(Evidence.objects.filter(condition_id__in=condition_ids))
        .values_list("enterprise_id", "condition_id", "kind")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        evidence[(ent, cond)][kind] = n
    from workgate.supplies.models import Category
    from workgate.supplies.queries import category_stock

    return _Facts(
        ledger_masks=category_stock(community_id, enterprise_ids, Category.MASK)
        if Indicator.MASK_DAYS in kinds
        else {},
        ledger_thermometers=category_stock(community_id, enterprise_ids, Category.THERMOMETER)
        if Indicator.THERMOMETERS_PER_GATE in kinds
        else {},
        settings=settings_for(community_id),
        returning=returning_counts(community_id, enterprise_ids),
        gates=gates,
        officers=officers,
        contact=contact,
        shift_starts=shift_starts,
        entries=entries,
        evidence=evidence,
    )


def _pct(part: int, whole: int) -> Decimal:
    if not whole:
        return Decimal(0)
    return (Decimal(100) * part / whole).quantize(Decimal("1"), rounding=ROUND_DOWN)


def _num(value: Decimal | int) -> str:
    return number_format(value, decimal_pos=0 if value == int(value) else 1, use_l10n=True)


def _judge(c: Condition, ent: int, f: _Facts) -> Result:
    ret = f.returning.get(ent, Returning())
    entry = f.entries.get((ent, c.pk))
    ev = f.evidence.get((ent, c.pk), {})
    n_ev = sum(ev.values())
    threshold = c.threshold if c.threshold is not None else Decimal(0)
    kind = c.indicator
    r = Result(condition=c, met=False, evidence=n_ev)

    def share(part: int, what: str) -> Result:
        if not ret.total:
            r.reason = _("No one on the roster is due back to work yet.")
            return r
        pct = _pct(part, ret.total)
        r.value = f"{_num(pct)} %"
        r.met = pct >= threshold
        if not r.met:
            r.reason = _("%(pct)s %% of %(total)s people %(what)s; at least %(min)s %% needed.") % {
                "pct": _num(pct),
                "total": ret.total,
                "what": what,
                "min": _num(threshold),
            }
        return r

    if kind == Indicator.SCREENED_SHARE:
        r = share(ret.screened, _("have been screened"))
    elif kind == Indicator.REACHED_SHARE:
        r = share(ret.reached, _("have been reached by phone or declared their health"))
    elif kind == Indicator.TRAINED_SHARE:
        r.source = "entered"
        if entry is None or entry.value is None:
            r.reason = _("Enter how many employees have been trained.")
        else:
            r = share(min(entry.value, ret.total), _("have been trained"))
            r.source = "entered"
    elif kind == Indicator.MASK_DAYS:
        masks = f.ledger_masks.get(ent)
        r.source = "entered" if masks is None else "auto"
        if masks is None and entry is not None:
            masks = entry.value
        if masks is None:
            r.reason = _("Enter the masks in stock.")
        elif not ret.total:
            r.value = _("%(n)s masks") % {"n": masks}
            r.met = masks > 0
            r.reason = "" if r.met else _("No masks in stock.")
        else:
            daily = ret.total * f.settings.masks_per_person_day
            days = (Decimal(masks) / daily).quantize(Decimal("0.1"), rounding=ROUND_DOWN)
            r.value = _("%(days)s days") % {"days": _num(days)}
            r.met = days >= threshold
            if not r.met:
                r.reason = _(
                    "%(masks)s masks last %(days)s days for %(people)s people at %(per)s a day; "
                    "at least %(min)s days needed."
                ) % {
                    "masks": masks,
                    "days": _num(days),
                    "people": ret.total,
                    "per": f.settings.masks_per_person_day,
                    "min": _num(threshold),
                }
    elif kind == Indicator.THERMOMETERS_PER_GATE:
        count = f.ledger_thermometers.get(ent)
        r.source = "entered" if count is None else "auto"
        if count is None and entry is not None:
            count = entry.value
        gates = f.gates.get(ent, 0)
        if not gates:
            r.reason = _("No gate is registered yet: add the enterprise's gates first.")
        elif count is None:
            r.reason = _("Enter how many thermometers the gates have.")
        else:
            per = (Decimal(count) / gates).quantize(Decimal("0.1"), rounding=ROUND_DOWN)
            r.value = _("%(per)s per gate") % {"per": _num(per)}
            r.met = per >= threshold
            if not r.met:
                r.reason = _(
                    "%(n)s thermometers for %(gates)s gates; at least %(min)s per gate needed."
                ) % {"n": count, "gates": gates, "min": _num(threshold)}
    elif kind == Indicator.ISOLATION_ROOM:
        r.source = "entered"
        if entry is None or not entry.text:
            r.reason = _("Say where the isolation room is.")
        else:
            r.value, r.met = entry.text, True
    elif kind == Indicator.OFFICER_NAMED:
        if f.officers.get(ent):
            r.value, r.met = _("%(n)s officer account(s)") % {"n": f.officers[ent]}, True
        elif f.contact.get(ent):
            r.value, r.met = f.contact[ent], True
        else:
            r.reason = _("Name a responsible officer on the enterprise's page.")
    elif kind == Indicator.EMERGENCY_PLAN:
        # A document, or a photo of the paper plan on the wall.
        r.met = n_ev > 0
        r.value = _("Uploaded") if r.met else ""
        r.reason = "" if r.met else _("Upload the emergency plan (PDF, Word, Excel or a photo).")
    elif kind == Indicator.SHIFTS_STAGGERED:
        starts = f.shift_starts.get(ent, 0)
        r.value = _("%(n)s shift start times") % {"n": starts} if starts else ""
        r.met = starts >= 2
        if not r.met:
            r.reason = _("Register at least two shifts starting at different times.")
    else:  # CONFIRMED
        r.source = "confirmed"
        r.met = bool(entry and entry.confirmed)
        r.value = _("Confirmed") if r.met else ""
        r.reason = "" if r.met else _("Not confirmed by the enterprise yet.")
    if r.met and c.evidence_required and not n_ev:
        r.met = False
        r.reason = _("Evidence is required: upload a photo or a document.")
    return r


def judge_many(community_id: int, enterprise_ids: list[int] | None = None) -> dict[int, Judgement]:
    """Every enterprise's conditions (all of the community's when `enterprise_ids` is None)."""
    conditions = active_conditions(community_id)
    facts = _facts(community_id, enterprise_ids, conditions)
    ids = (
        enterprise_ids
        if enterprise_ids is not None
        else list(Enterprise.objects.filter(community_id=community_id).values_list("pk", flat=True))
    )
    return {
        ent: Judgement(
            returning=facts.returning.get(ent, Returning()),
            results=[_judge(c, ent, facts) for c in conditions],
        )
        for ent in ids
    }


def judge(enterprise: Enterprise) -> Judgement:
    return judge_many(enterprise.community_id, [enterprise.pk])[enterprise.pk]
