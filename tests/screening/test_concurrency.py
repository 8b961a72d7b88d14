"""Callers in parallel on PostgreSQL: real threads, each with its own connection, working one
campaign through `call_next` (FOR UPDATE SKIP LOCKED with a lease). Nobody is served twice,
every person is called, the summary matches the outcomes entered, and an outcome posted twice
at the same instant is recorded once."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections import Counter

import pytest
from django.conf import settings
from django.db import connection

from tests.factories import id_number, make_employee
from tests.screening.conftest import actor_of, more_volunteers
from workgate.registry.models import Region
from workgate.screening import queries, services
from workgate.screening.models import CallAttempt, CallTask

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="SKIP LOCKED is PostgreSQL's; on SQLite IMMEDIATE transactions serialise callers",
    ),
]
CALLERS = 20
PEOPLE = 240


def _people(world):
    out = []
    for i in range(PEOPLE):
        county = "420102" if i % 10 == 0 else "341221"
        out.append(
            make_employee(
                world.enterprise_a if i % 2 else world.enterprise_b,
                name=f"员工{i}",
                id_number=id_number(county, dt.date(1980, 1, 1) + dt.timedelta(days=i), i % 1000),
                current_region_id=county,
                arrived=False,
                mobile=f"139{i:08d}",
            )
        )
    return out


def test_parallel_callers_never_collide_and_the_summary_matches(world):
    _people(world)
    staff = actor_of(world, "staff")
    services.region_risk_set(
        actor=staff, region=Region.objects.get(code="420000"), level="high", reassess=False
    )
    callers = more_volunteers(world, CALLERS)
    campaign = services.campaign_create(actor=staff, name="并发", target={"non_local": True})
    services.callers_add(actor=staff, campaign=campaign, user_ids=[c.user.pk for c in callers])
    services.campaign_build(campaign_id=campaign.pk)
    campaign.refresh_from_db()
    hubei = Region.objects.get(code="420102")

    served: list[tuple[int, int]] = []
    entered: Counter[str] = Counter()
    errors: list[BaseException] = []
    lock = threading.Lock()
    barrier = threading.Barrier(CALLERS)

    def work(actor):
        try:
            barrier.wait()
            while task := services.call_next(actor=actor, campaign=campaign):
                person = task.employee_id
                with lock:
                    served.append((person, actor.user.pk))
                is_hubei = CallTask.objects.filter(
                    pk=task.pk, employee__hukou_code__startswith="42"
                ).exists()
                data = services.Outcome(
                    client_id=uuid.uuid4(),
                    outcome="reached",
                    region=hubei if is_hubei else None,
                    delay_agreed=is_hubei and person % 3 != 0,
                )
                services.call_record(actor=actor, task=task, data=data)
                with lock:
                    entered["reached"] += 1
                    entered["high"] += is_hubei
                    entered["delayed"] += data.delay_agreed
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(c,)) for c in callers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors[:3]
    people = [p for p, _ in served]
    assert len(people) == len(set(people)) == PEOPLE  # each person served once, nobody missed
    assert len({u for _, u in served}) > CALLERS // 2  # the work was really shared
    figures = queries.campaign_progress(campaign)
    assert figures["reached"] == entered["reached"] == PEOPLE
    assert figures["high_risk"] == entered["high"] == PEOPLE // 10
    assert figures["delayed"] == entered["delayed"]
    assert figures["calls"] == CallAttempt.objects.filter(campaign=campaign).count() == PEOPLE


def test_a_double_tap_on_two_connections_is_recorded_once(world):
    _people(world)
    staff = actor_of(world, "staff")
    volunteer = actor_of(world, "volunteer")
    campaign = services.campaign_create(actor=staff, name="双击", target={"non_local": True})
    services.callers_add(actor=staff, campaign=campaign, user_ids=[volunteer.user.pk])
    services.campaign_build(campaign_id=campaign.pk)
    campaign.refresh_from_db()
    task = services.call_next(actor=volunteer, campaign=campaign)
    data = services.Outcome(client_id=uuid.uuid4(), outcome="no_answer")
    results: list[tuple[int, bool]] = []
    barrier = threading.Barrier(4)

    def tap():
        try:
            barrier.wait()
            attempt, created = services.call_record(actor=volunteer, task=task, data=data)
            results.append((attempt.pk, created))
        finally:
            connection.close()

    threads = [threading.Thread(target=tap) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert CallAttempt.objects.filter(task=task).count() == 1
    assert sum(created for _, created in results) == 1
    assert len({pk for pk, _ in results}) == 1 and len(results) == 4  # all answered the first
    assert CallTask.objects.get(pk=task.pk).attempts == 1
