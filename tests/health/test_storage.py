"""Storage of checks: partitions by day on PostgreSQL, created ahead by the periodic task and
dropped by retention; on SQLite old rows are deleted. The periodic tasks run on the real worker."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from tests.health.conftest import Health
from workgate.health import partitions, services
from workgate.health.models import Check, HealthSettings


def _old_check(health: Health, day: dt.date) -> None:
    """A check on an old day, written as the demo loader does (the service refuses late ones)."""
    partitions.ensure([day])
    Check.objects.create(
        taken_on=day,
        uuid=uuid.uuid4(),
        taken_at=dt.datetime.combine(day, dt.time(8, 0), tzinfo=dt.UTC),
        community=health.world.community,
        enterprise=health.world.enterprise_a,
        employee=health.a[0],
        kind="gate",
        round_no=1,
        temperature="36.5",
        source="device",
    )


def test_maintenance_keeps_the_retention_and_prepares_the_coming_week(health: Health) -> None:
    today = timezone.localdate()
    for community in (health.world.community, health.world.other_community):
        HealthSettings.objects.update_or_create(
            community=community, defaults={"retention_days": 30}
        )
    _old_check(health, today - dt.timedelta(days=45))
    _old_check(health, today - dt.timedelta(days=10))
    result = services.checks_storage_maintain(today=today)
    days = sorted(Check.objects.values_list("taken_on", flat=True))
    assert days == [today - dt.timedelta(days=10)]
    if connection.vendor == "postgresql":
        have = set(partitions.existing())
        assert {today + dt.timedelta(days=n) for n in range(8)} <= have
        assert today - dt.timedelta(days=45) not in have
        assert str(today - dt.timedelta(days=45)) in result["dropped"]
    else:
        assert result["deleted"] == 1


@pytest.mark.skipif(
    "postgresql" not in __import__("django.conf").conf.settings.DATABASES["default"]["ENGINE"],
    reason="partitions are PostgreSQL's",
)
def test_the_checks_table_is_partitioned_by_day(health: Health) -> None:
    services.checks_record(
        actor=health.gate_actor,
        items=[
            services.CheckItem(
                uuid=uuid.uuid4(),
                temperature="36.6",
                pass_code=health.code(health.a[0]),
                gate_id=health.gate.pk,
            )
        ],
        source="station",
    )
    today = timezone.now().astimezone(dt.timezone(dt.timedelta(hours=8))).date()
    with connection.cursor() as cur:
        cur.execute(
            "SELECT tableoid::regclass::text FROM health_check WHERE taken_on = %s", [today]
        )
        assert cur.fetchone()[0] == partitions.partition_name(today)
        cur.execute("EXPLAIN SELECT * FROM health_check WHERE taken_on = %s", [today])
        plan = " ".join(r[0] for r in cur.fetchall())
    others = [d for d in partitions.existing() if d != today]
    assert all(partitions.partition_name(d) not in plan for d in others)


@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_the_periodic_tasks(health: Health) -> None:
    (result,) = services.checks_record(
        actor=health.gate_actor,
        items=[
            services.CheckItem(
                uuid=uuid.uuid4(),
                temperature="38.4",
                pass_code=health.code(health.a[1]),
                gate_id=health.gate.pk,
                taken_at=timezone.now() - dt.timedelta(hours=1),
            )
        ],
        source="station",
    )
    call_command("worker", "--batch", verbosity=0)
    from workgate.health.models import Incident

    incident = Incident.objects.get(pk=result.incident_id)
    assert incident.escalation_level == 1  # the re-check was due 45 minutes ago
    if connection.vendor == "postgresql":
        assert timezone.localdate() + dt.timedelta(days=7) in partitions.existing()
