"""Reassessing every employee of a community after the risk list or the policy changed.

Set-based reads (one pass over the employees' facts, one over travels and contacts inside the
policy window, one dict of region levels), the pure `risk.assess` per person, and writes only
for people whose level changed: their risk level (registry.services.employees_risk_set) and a
timeline event each, bulk-inserted.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from workgate.registry.models import Employee, TimelineEvent, TravelRecord
from workgate.registry.services import employees_risk_set
from workgate.screening import queries
from workgate.screening.models import CaseContact
from workgate.screening.risk import Facts, Travel, assess

CHUNK = 5000
Report = Callable[[int, int, str], None]


def reassess_community(
    *,
    community_id: int,
    actor_label: str = "system",
    today: dt.date | None = None,
    report: Report | None = None,
    employee_ids: list[int] | None = None,
) -> dict[str, Any]:
    """Assess every employee (or the given ones); write the changes. Returns counts."""
    today = today or timezone.localdate()
    report = report or (lambda done, total, message="": None)
    policy = queries.policy_of(community_id)
    levels = queries.region_levels(community_id, today)
    since = today - dt.timedelta(days=policy.window_days)

    people = Employee.objects.filter(community_id=community_id)
    if employee_ids is not None:
        people = people.filter(pk__in=employee_ids)
    total = people.count()
    report(0, total, "")

    travels: dict[int, list[Travel]] = defaultdict(list)
    travel_rows = TravelRecord.objects.filter(
        Q(date_to__isnull=True) | Q(date_to__gte=since),
        employee__community_id=community_id,
        date_from__lte=today,
    )
    for emp, region, start, end in travel_rows.values_list(
        "employee_id", "region_id", "date_from", "date_to"
    ):
        travels[emp].append(Travel(region, start, end))
    contacts: dict[int, list[dt.date]] = defaultdict(list)
    for emp, day in CaseContact.objects.filter(
        community_id=community_id, contact_date__gte=since, contact_date__lte=today
    ).values_list("employee_id", "contact_date"):
        contacts[emp].append(day)

    changes: dict[int, str] = {}
    events: list[TimelineEvent] = []
    counts = {"high": 0, "medium": 0, "low": 0}
    now = timezone.now()
    fields = (
        "pk",
        "hukou_code",
        "current_region_id",
        "arrived",
        "is_local",
        "health_status",
        "risk_level",
    )
    rows = people.order_by("pk").values_list(*fields).iterator(chunk_size=CHUNK)
    for done, (pk, hukou, current, arrived, local, health, old) in enumerate(rows, start=1):
        facts = Facts(
            hukou_code=hukou,
            current_region=current,
            arrived=arrived,
            is_local=local,
            health_status=health,
            travels=tuple(travels.get(pk, ())),
            contact_dates=tuple(contacts.get(pk, ())),
        )
        result = assess(facts, levels, policy, today)
        counts[result.level] += 1
        if result.level != old:
            changes[pk] = result.level
            # A first assessment that finds nothing is no news on a person's timeline.
            if not (old == "unknown" and result.level == "low"):
                events.append(
                    TimelineEvent(
                        employee_id=pk,
                        at=now,
                        kind="screening.risk",
                        params={
                            "from": old,
                            "to": result.level,
                            "reasons": [r.as_dict() for r in result.reasons],
                        },
                        actor_label=actor_label,
                    )
                )
        if done % CHUNK == 0:
            report(done, total, "")
    with transaction.atomic():
        written = employees_risk_set(levels=changes)
        TimelineEvent.objects.bulk_create(events, batch_size=2000)
    report(total, total, "")
    return {"assessed": total, "changed": written, **counts}


def reassess_run(job: Any, report: Report) -> dict[str, Any]:
    """Job runner "screening_reassess"."""
    label = job.started_by.get_username() if job.started_by else "system"
    return reassess_community(community_id=job.community_id, actor_label=label, report=report)
