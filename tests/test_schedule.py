"""Periodic tasks: a due task is queued once per period, however often or by how many workers
the schedule ticks, and runs on the real django-tasks-db worker."""

from __future__ import annotations

import io
import threading
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.tasks import task
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from workgate.core import schedule
from workgate.core.models import AuditEntry, ScheduleState

pytestmark = pytest.mark.django_db(transaction=True)  # the worker runs on committed rows

TASK_PATH = "tests.test_schedule.note_a_run"


@task()
def note_a_run() -> None:
    AuditEntry.objects.create(
        actor_label="schedule", action=AuditEntry.Action.CREATE, object_type="test.periodic"
    )


def runs() -> int:
    return AuditEntry.objects.filter(object_type="test.periodic").count()


def queued() -> int:
    return DBTaskResult.objects.filter(task_path=TASK_PATH).count()


def run_worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


@pytest.fixture
def periodic():
    """Only this test's periodic tasks are registered while it runs."""
    saved = dict(schedule.PERIODIC)
    schedule.PERIODIC.clear()
    yield schedule.register_periodic
    schedule.PERIODIC.clear()
    schedule.PERIODIC.update(saved)


def test_a_due_task_is_queued_once_and_again_only_after_its_period(periodic):
    periodic("test.note", timedelta(hours=1), note_a_run)
    start = timezone.now()

    assert schedule.schedule_tick(start) == ["test.note"]
    assert schedule.schedule_tick(start) == []
    assert schedule.schedule_tick(start + timedelta(minutes=59)) == []
    assert queued() == 1
    run_worker()
    assert runs() == 1
    assert DBTaskResult.objects.get(task_path=TASK_PATH).status == "SUCCESSFUL"
    assert ScheduleState.objects.get(name="test.note").last_enqueued_at == start

    assert schedule.schedule_tick(start + timedelta(hours=1)) == ["test.note"]
    # Overdue by many periods: queued once, not once per missed period.
    assert schedule.schedule_tick(start + timedelta(hours=9)) == ["test.note"]
    assert schedule.schedule_tick(start + timedelta(hours=9, minutes=30)) == []
    run_worker()
    assert runs() == 3


def test_worker_batch_ticks_before_running_the_queue(periodic):
    periodic("test.note", timedelta(minutes=10), note_a_run)
    out = io.StringIO()
    call_command("worker", "--batch", stdout=out)
    assert "Queued periodic task test.note" in out.getvalue()
    assert runs() == 1
    call_command("worker", "--batch", verbosity=0)  # not due yet
    assert runs() == 1
    ScheduleState.objects.update(last_enqueued_at=timezone.now() - timedelta(minutes=10))
    call_command("worker", "--batch", "--no-schedule", verbosity=0)
    assert runs() == 1 and queued() == 1
    call_command("worker", "--batch", verbosity=0)
    assert runs() == 2


def test_schedule_tick_command_prints_what_it_queued(periodic):
    periodic("test.note", timedelta(minutes=10), note_a_run)
    out = io.StringIO()
    call_command("schedule_tick", stdout=out)
    assert out.getvalue().strip() == "Queued periodic task test.note"
    out = io.StringIO()
    call_command("schedule_tick", stdout=out)
    assert out.getvalue().strip() == "Nothing due."
    assert queued() == 1


def test_a_failing_tick_never_stops_the_worker(periodic, monkeypatch, caplog):
    note_a_run.enqueue()

    def broken(now=None):
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(schedule, "schedule_tick", broken)
    call_command("worker", "--batch", verbosity=0)
    assert runs() == 1
    assert "periodic task tick failed" in caplog.text


def test_register_periodic_wants_a_task_and_a_positive_period(periodic):
    with pytest.raises(TypeError):
        periodic("test.plain", timedelta(minutes=1), lambda: None)
    with pytest.raises(ValueError, match="positive"):
        periodic("test.never", timedelta(0), note_a_run)


@pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"],
    reason="SKIP LOCKED is PostgreSQL's; on SQLite IMMEDIATE transactions serialise writers",
)
def test_a_worker_passes_by_a_task_another_worker_is_queueing(periodic):
    periodic("test.note", timedelta(minutes=10), note_a_run)
    ScheduleState.objects.create(name="test.note")
    locked, release = threading.Event(), threading.Event()

    def other_worker() -> None:
        try:
            with transaction.atomic():
                ScheduleState.objects.select_for_update().get(name="test.note")
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    assert locked.wait(10)
    try:
        assert schedule.schedule_tick() == []  # did not wait for the lock, did not queue
    finally:
        release.set()
        thread.join()
    assert schedule.schedule_tick() == ["test.note"]
    assert queued() == 1


@pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"],
    reason="real parallel writers need PostgreSQL",
)
def test_workers_ticking_at_once_queue_a_task_once(periodic):
    periodic("test.note", timedelta(minutes=10), note_a_run)
    workers = 8
    start = threading.Barrier(workers)
    results: list[list[str]] = []

    def worker() -> None:
        try:
            start.wait(10)
            results.append(schedule.schedule_tick())
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [[]] * (workers - 1) + [["test.note"]]
    assert queued() == 1
