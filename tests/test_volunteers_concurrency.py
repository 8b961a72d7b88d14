"""Concurrent accepts on PostgreSQL, each on its own connection: exactly `needed` are accepted,
the rest wait, a double tap counts once."""

from __future__ import annotations

import pytest
from django.conf import settings

from tests.resumption.test_concurrency import race
from tests.test_volunteers_callouts import body, post, vol  # noqa: F401 - body is the fixture
from workgate.core.services import ServiceError
from workgate.volunteers import services
from workgate.volunteers.models import Answer

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="SQLite serialises writers; the race needs two server connections",
    ),
]


def test_six_accept_at_once_for_four_places(world, body):  # noqa: F811
    staff, *_rest, people = body
    callout = post(staff, needed=4)
    actors = iter([vol(people, i) for i in range(6)])
    pick = __import__("threading").Lock()

    def accept():
        with pick:
            who = next(actors)
        return services.answer(who, callout, True)

    done, errors = race(6, accept)
    assert not errors and len(done) == 6
    callout.refresh_from_db()
    assert callout.accepted == 4
    replies = sorted(Answer.objects.filter(callout=callout).values_list("reply", flat=True))
    assert replies.count(Answer.Reply.ACCEPTED) == 4
    assert replies.count(Answer.Reply.WAITING) == 2


def test_a_double_tap_counts_once(world, body):  # noqa: F811
    staff, *_rest, people = body
    callout = post(staff, needed=3)
    me = vol(people, 0)
    done, errors = race(3, lambda: services.answer(me, callout, True))
    assert len(done) == 1
    assert all(isinstance(e, ServiceError) and e.code == "already" for e in errors)
    callout.refresh_from_db()
    assert callout.accepted == 1
