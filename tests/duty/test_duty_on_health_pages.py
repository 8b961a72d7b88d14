"""The gate station and the rounds know who is on duty: the station page shows the volunteer on
the gate's shift now, the rounds and the round grid who is on the temperature round."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tests.duty.conftest import Duty
from workgate.duty import services
from workgate.duty.models import Shift


def _now(shift: Shift) -> None:
    """Move the shift to cover this moment (07:00-15:00 in a test running at any hour)."""
    now = timezone.now()
    Shift.objects.filter(pk=shift.pk).update(
        day=timezone.localdate(),
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(hours=2),
    )


def _page(d: Duty, persona: str, url: str) -> str:
    c = d.world.client(persona)
    c.cookies.load({"workgate_language": "en"})
    response = c.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_station_shows_the_volunteer_on_duty_now(rostered: Duty) -> None:
    d = rostered
    url = f"/health/station/{d.gate.pk}/"
    page = _page(d, "gate_a", url)
    assert "On duty now:" in page and "nobody on the duty roster" in page
    morning = d.shifts(0)[0]
    _now(morning)
    page = _page(d, "gate_a", url)
    until = timezone.localtime(Shift.objects.get(pk=morning.pk).ends_at).strftime("%H:%M")
    assert f"王志愿 ({d.post.name}, until {until})" in page
    assert "陈门岗" not in page  # on the evening shift, not now
    assert "13700001111" not in page  # no phone numbers on the station


def test_rounds_show_who_is_on_the_round(rostered: Duty) -> None:
    d = rostered
    round_post = services.save_post(
        d.staff,
        None,
        {
            "kind": "round",
            "name": "甲厂测温巡查",
            "enterprise": d.world.enterprise_a,
            "shift_times": "08:00-12:00",
        },
    )
    services.plan_shifts(d.staff, d.start, 1, posts=[round_post])
    shift = Shift.objects.get(post=round_post)
    services.assign(d.staff, shift, d.others[0])
    _now(shift)
    assert "党员0 (甲厂测温巡查" in _page(d, "officer_a", "/health/rounds/")
    assert "党员0 (甲厂测温巡查" in _page(d, "staff", "/health/rounds/")
    grid = _page(d, "gate_a", "/health/rounds/grid/")
    assert "党员0 (甲厂测温巡查" in grid
    # Another enterprise's officer sees nobody of enterprise A on the round.
    assert "党员0" not in _page(d, "officer_b", "/health/rounds/")
    # The gate post's people are not on the round.
    _now(d.shifts(0)[0])
    assert "王志愿" not in _page(d, "officer_a", "/health/rounds/")
