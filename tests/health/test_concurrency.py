"""Two devices uploading the same batch at the same instant (a retry racing its original) on
PostgreSQL, each on its own connection: every check is stored once, and between them the two
answers call each check `created` exactly once."""

from __future__ import annotations

import threading
import uuid

import pytest
from django.conf import settings
from django.db import connection

from tests.health.conftest import Health
from workgate.health import services
from workgate.health.models import Check

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="SQLite serialises writers; the race needs two server connections",
    ),
]


@pytest.mark.parametrize("size", [1, 300])
def test_a_batch_and_its_retry_racing_store_each_check_once(health: Health, size: int) -> None:
    people = (health.a * 100)[:size]
    items = [
        services.CheckItem(
            uuid=uuid.uuid4(),
            temperature="36.6",
            pass_code=health.code(p),
            gate_id=health.gate.pk,
        )
        for p in people
    ]
    barrier = threading.Barrier(4)
    answers: list[list[services.CheckResult]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def upload() -> None:
        try:
            barrier.wait()
            result = services.checks_record(actor=health.gate_actor, items=items, source="device")
            with lock:
                answers.append(result)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=upload) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert Check.objects.filter(uuid__in=[i.uuid for i in items]).count() == size
    for n, item in enumerate(items):
        statuses = sorted(answer[n].status for answer in answers)
        assert statuses == ["created", "duplicate", "duplicate", "duplicate"], (item.uuid, statuses)
