"""Two taps at the same instant on PostgreSQL, each on its own connection: a double submit
records one SUBMIT step, and two first drafts make one application."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from tests.resumption.test_services import (  # noqa: F401 - res_fixture is the fixture
    Res,
    fresh,
    local_today,
    res_fixture,
)
from workgate.core.services import ServiceError
from workgate.resumption import services
from workgate.resumption.models import Application, ApplicationStep, StatusChange

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="SQLite serialises writers; the race needs two server connections",
    ),
]


def race(n: int, work: Callable[[], Any]) -> tuple[list[Any], list[BaseException]]:
    barrier = threading.Barrier(n)
    done: list[Any] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run() -> None:
        try:
            barrier.wait()
            result = work()
            with lock:
                done.append(result)
        except BaseException as exc:
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return done, errors


@pytest.mark.parametrize("taps", [2, 4])
def test_simultaneous_submits_record_one_step(res: Res, taps: int) -> None:
    app = res.draft()
    justifications = res.justify_all()
    officer = res.officer

    done, errors = race(
        taps,
        lambda: services.application_submit(
            actor=officer, application=fresh(app), justifications=justifications
        ),
    )
    assert len(done) == 1, (done, errors)
    assert len(errors) == taps - 1
    for exc in errors:
        assert isinstance(exc, ServiceError), repr(exc)
        assert exc.code == "already"
    app = fresh(app)
    assert app.state == Application.State.SUBMITTED
    assert app.submissions == 1
    assert ApplicationStep.objects.filter(application=app, action="submit").count() == 1
    assert StatusChange.objects.filter(enterprise=app.enterprise, to_status="applying").count() == 1


@pytest.mark.parametrize("taps", [2, 4])
def test_simultaneous_first_drafts_make_one_application(res: Res, taps: int) -> None:
    officer, enterprise = res.officer, res.enterprise

    done, errors = race(
        taps,
        lambda: services.application_save(
            actor=officer,
            enterprise=enterprise,
            data=services.ApplicationInput(planned_date=local_today(), plan="同时保存"),
        ),
    )
    for exc in errors:
        assert isinstance(exc, ServiceError), repr(exc)
        assert exc.code == "already"
    assert done, errors
    assert Application.objects.filter(enterprise=enterprise).count() == 1
    only = Application.objects.get(enterprise=enterprise)
    assert {a.pk for a in done} == {only.pk}
    assert only.plan == "同时保存"


def test_simultaneous_review_steps_record_one(res: Res) -> None:
    from tests.resumption.test_services import advance

    app = advance(res, Application.State.REPORTED)
    leader, staff = res.leader, res.staff
    actors = iter([leader, staff, leader, staff])
    lock = threading.Lock()

    def approve() -> Application:
        with lock:
            who = next(actors)
        return services.application_approve(actor=who, application=fresh(app), note="同意")

    done, errors = race(4, approve)
    assert len(done) == 1, errors
    assert all(isinstance(e, ServiceError) and e.code == "already" for e in errors), errors
    assert ApplicationStep.objects.filter(application=app, action="approve").count() == 1
    assert StatusChange.objects.filter(enterprise=app.enterprise, to_status="approved").count() == 1
