"""People are on duty only where their enterprise is back at work: an enterprise still waiting
for approval, or one suspended, has no one on the missing-check lists or in the round figures."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.conftest import World
from tests.health.conftest import Health
from workgate.core.models import Enterprise
from workgate.health import queries


def english(world: World, persona: str) -> Client:
    client = world.client(persona)
    client.cookies["workgate_language"] = "en"
    return client


def on_duty_figure(page: str) -> str:
    match = re.search(r'data-testid="fig-on-duty"[^>]*>\s*([^<]+?)\s*<', page)
    assert match, "the on-duty figure is missing"
    return match.group(1)


@pytest.mark.parametrize(
    "status",
    [Enterprise.Status.NOT_RESUMED, Enterprise.Status.APPROVED, Enterprise.Status.SUSPENDED],
)
def test_an_enterprise_not_back_at_work_has_no_one_missing(health: Health, status: str) -> None:
    b = health.world.enterprise_b
    staff = english(health.world, "staff")
    before = staff.get("/health/rounds/missing/").content.decode()
    assert "10 people on duty have no check" in before and "乙0" in before

    Enterprise.objects.filter(pk=b.pk).update(
        status=status, resumed_on=None if status != Enterprise.Status.SUSPENDED else b.resumed_on
    )
    page = staff.get("/health/rounds/missing/").content.decode()
    # Only A's six remain: B's people (李四, 乙0–2) are not expected at work.
    assert "6 people on duty have no check" in page
    assert "乙0" not in page and "李四" not in page and "甲0" in page
    assert on_duty_figure(staff.get("/health/rounds/").content.decode()) == "6"
    assert queries.on_duty(health.staff).filter(enterprise=b).count() == 0

    only_b = staff.get(f"/health/rounds/missing/?enterprise={b.pk}").content.decode()
    assert "乙0" not in only_b
    officer_b = english(health.world, "officer_b").get("/health/rounds/missing/")
    assert "乙0" not in officer_b.content.decode()


def test_work_resumed_puts_the_people_back_on_the_lists(health: Health) -> None:
    b = health.world.enterprise_b
    Enterprise.objects.filter(pk=b.pk).update(status=Enterprise.Status.APPROVED, resumed_on=None)
    assert queries.on_duty(health.staff).count() == 6
    Enterprise.objects.filter(pk=b.pk).update(status=Enterprise.Status.RESUMED)
    assert queries.on_duty(health.staff).count() == 10
    page = english(health.world, "staff").get("/health/rounds/missing/").content.decode()
    assert "乙0" in page
