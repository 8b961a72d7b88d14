"""Duty pages as their users see them: the week's roster with names and shortfalls (in the same
number of queries for 10 posts or 60), the posts and their form, planning and repeating a week,
a shift's people, the gaps a week ahead, a volunteer's own shifts and swaps, the managers'
approvals; and every page refusing a weaker role and another tenant."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.access_helpers import assert_refused
from tests.duty.conftest import Duty, actor_for
from workgate.core.models import Role
from workgate.duty import services
from workgate.duty.models import Assignment, Post, Shift, Swap
from workgate.health.models import Gate
from workgate.volunteers.models import Volunteer

EN = {"workgate_language": "en"}
MANAGERS = {Role.STAFF, Role.OFFICER}
VIEWERS = {Role.LEADER, Role.STAFF, Role.OFFICER}


def client(d: Duty, persona: str):
    c = d.world.client(persona)
    c.cookies.load(EN)
    return c


def week(d: Duty) -> str:
    return (d.start - dt.timedelta(days=d.start.weekday())).isoformat()


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


# --- The roster ----------------------------------------------------------------------------


def test_roster_shows_people_shortfall_and_unplanned_days(rostered: Duty) -> None:
    d = rostered
    other = services.save_post(
        d.staff, None, {"kind": "call_centre", "name": "呼叫中心", "shift_times": "08:00-20:00"}
    )
    page = text(client(d, "staff").get(f"/duty/?week={week(d)}"))
    assert "王志愿" in page and "陈门岗" in page
    assert "1 missing" in page  # each filled shift has one of its two people
    assert "not planned" in page  # the call centre has no shifts yet
    assert page.count('data-testid="roster-row"') == 2
    # Filters: kind, search by name.
    only_gates = text(client(d, "staff").get(f"/duty/?week={week(d)}&kind=gate"))
    assert only_gates.count('data-testid="roster-row"') == 1 and "呼叫中心" not in only_gates
    found = text(client(d, "staff").get(f"/duty/?week={week(d)}&q=呼叫"))
    assert found.count('data-testid="roster-row"') == 1 and f'data-post="{other.pk}"' in found
    # An officer sees only their own enterprise's posts; another enterprise's officer none.
    assert "王志愿" in text(client(d, "officer_a").get(f"/duty/?week={week(d)}"))
    theirs = text(client(d, "officer_b").get(f"/duty/?week={week(d)}"))
    assert "王志愿" not in theirs and 'data-testid="roster-row"' not in theirs
    # Day tabs for phones, today's (or the week's first) chosen.
    assert page.count('data-testid="day-tab"') == 7
    assert page.count('class="dt-tab-input visually-hidden" checked') == 1


def test_roster_previous_and_next_week(rostered: Duty) -> None:
    d = rostered
    monday = d.start - dt.timedelta(days=d.start.weekday())
    page = text(client(d, "leader").get(f"/duty/?week={d.start.isoformat()}"))
    assert f"week={(monday + dt.timedelta(days=7)).isoformat()}" in page
    assert f"week={(monday - dt.timedelta(days=7)).isoformat()}" in page
    assert "plan-week" not in page  # the leader looks, staff and officers manage


def _many_posts(d: Duty, n: int) -> None:
    """`n` more gate posts of enterprise A, each with a week of two shifts a day and one
    volunteer on every shift (stored directly: this is the data, not what is tested)."""
    start = Post.objects.count()
    gates = Gate.objects.bulk_create(
        [Gate(enterprise=d.world.enterprise_a, name=f"{start + i}号门") for i in range(n)]
    )
    posts = Post.objects.bulk_create(
        [
            Post(
                community=d.world.community,
                kind="gate",
                name=f"门岗{start + i:03d}",
                enterprise=d.world.enterprise_a,
                gate=g,
                needed=2,
                shift_times=[["07:00", "15:00"], ["15:00", "23:00"]],
            )
            for i, g in enumerate(gates)
        ]
    )
    services.plan_shifts(d.staff, d.start - dt.timedelta(days=d.start.weekday()), 7, posts=posts)
    people = Volunteer.objects.bulk_create(
        [
            Volunteer(
                community=d.world.community,
                name=f"志愿者{start + i}",
                mobile=f"1360{start + i:07d}",
            )
            for i in range(n)
        ]
    )
    by_post = {p.pk: v for p, v in zip(posts, people, strict=True)}
    Assignment.objects.bulk_create(
        [
            Assignment(shift=s, volunteer=by_post[s.post_id])
            for s in Shift.objects.filter(post__in=posts)
        ]
    )


def _queries(c, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = c.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


# Session, membership, nav and unread count (the shell), then the page: enterprises for the
# filter, the count of posts, the page of posts, its shifts, their people.
ROSTER_QUERIES = 9


def test_roster_page_queries_do_not_grow_with_posts(rostered: Duty) -> None:
    d = rostered
    c = client(d, "staff")
    url = f"/duty/?week={week(d)}"
    _many_posts(d, 9)
    small, page = _queries(c, url)
    assert page.count('data-testid="roster-row"') == 10
    _many_posts(d, 50)
    large, page = _queries(c, url)
    assert page.count('data-testid="roster-row"') == 50  # 60 posts, 50 a page
    assert page.count("志愿者") >= 50 * 7 * 2 - 7 * 2  # every shift shows its person
    second, page = _queries(c, url + "&page=2")
    assert page.count('data-testid="roster-row"') == 10
    assert small == large == second == ROSTER_QUERIES, (small, large, second)


# --- Posts ---------------------------------------------------------------------------------


def test_post_form_creates_edits_and_names_the_field_at_fault(rostered: Duty) -> None:
    d = rostered
    c = client(d, "officer_a")
    south = Gate.objects.create(enterprise=d.world.enterprise_a, name="南门")
    assert "南门" in text(c.get("/duty/posts/new/"))
    bad = c.post(
        "/duty/posts/new/",
        {"kind": "gate", "gate": south.pk, "needed": "1", "shift_times": "7点到15点"},
    )
    assert bad.status_code == 400
    assert "is not a shift; write it as 07:00-15:00" in bad.content.decode()
    assert not Post.objects.filter(gate=south).exists()
    no_gate = c.post(
        "/duty/posts/new/", {"kind": "gate", "needed": "1", "shift_times": "8:00-17:00"}
    )
    assert no_gate.status_code == 400 and "A gate post needs its gate." in no_gate.content.decode()
    ok = c.post(
        "/duty/posts/new/",
        {
            "kind": "gate",
            "gate": south.pk,
            "needed": "1",
            "shift_times": "08:00－17:00",
            "active": "on",
        },
    )
    assert ok.status_code == 302
    post = Post.objects.get(gate=south)
    assert post.shift_times == [["08:00", "17:00"]] and post.enterprise == d.world.enterprise_a
    assert "南门" in text(c.get("/duty/posts/"))
    edit = c.post(
        f"/duty/posts/{post.pk}/",
        {
            "kind": "gate",
            "gate": south.pk,
            "name": "南门岗",
            "needed": "3",
            "shift_times": "08:00-17:00",
            "remind_minutes": "30",
            "active": "on",
        },
    )
    assert edit.status_code == 302
    post.refresh_from_db()
    assert (post.name, post.needed, post.remind_minutes) == ("南门岗", 3, 30)
    # Officer B may not open or change A's post.
    assert client(d, "officer_b").get(f"/duty/posts/{post.pk}/").status_code == 404
    assert (
        client(d, "officer_b").post(f"/duty/posts/{post.pk}/", {"needed": "1"}).status_code == 404
    )


def test_plan_and_repeat_last_week_say_what_happened(rostered: Duty) -> None:
    d = rostered
    c = client(d, "staff")
    later = d.start + dt.timedelta(days=14)  # nothing planned that week yet
    monday = later - dt.timedelta(days=later.weekday())
    page = text(c.post("/duty/plan/", {"week": monday.isoformat()}, follow=True))
    assert "14 shifts planned." in page
    # Repeat onto the week after next: last week's people where they can be; one volunteer
    # made inactive is skipped with the reason.
    source = monday
    morning = Shift.objects.filter(post=d.post, day=source).order_by("starts_at").first()
    services.assign(d.staff, morning, d.others[0])
    services.assign(d.staff, morning, d.others[1])
    Volunteer.objects.filter(pk=d.others[1].pk).update(active=False)
    target = source + dt.timedelta(days=7)
    page = text(c.post("/duty/repeat/", {"week": target.isoformat()}, follow=True))
    assert "Last week repeated: 1 people assigned." in page
    assert "Not assigned: 党员1 is not an active volunteer." in page
    assert Assignment.objects.filter(shift__day=target, volunteer=d.others[0]).exists()


# --- One shift -----------------------------------------------------------------------------


def test_shift_assign_shows_busy_full_and_removes(rostered: Duty) -> None:
    d = rostered
    c = client(d, "staff")
    morning = d.shifts(0)[0]
    page = text(c.get(f"/duty/shifts/{morning.pk}/"))
    assert "王志愿" in page and "1 missing" in page
    # 陈门岗 is on the evening shift, which does not overlap: may be assigned. A call-centre
    # shift at the same time makes 党员0 busy, and the page says where.
    call = services.save_post(
        d.staff, None, {"kind": "call_centre", "name": "呼叫中心", "shift_times": "08:00-12:00"}
    )
    services.plan_shifts(d.staff, d.start, 1, posts=[call])
    services.assign(d.staff, Shift.objects.get(post=call), d.others[0])
    page = text(c.get(f"/duty/shifts/{morning.pk}/?q=党员"))
    assert "on duty at 呼叫中心 08:00–12:00" in page
    refused = c.post(f"/duty/shifts/{morning.pk}/assign/", {"volunteer": d.others[0].pk})
    assert refused.status_code == 400
    assert "党员0 is already on duty at 呼叫中心" in refused.content.decode()
    done = c.post(f"/duty/shifts/{morning.pk}/assign/", {"volunteer": d.others[1].pk}, follow=True)
    assert "党员1 is on this shift." in done.content.decode()
    full = c.post(f"/duty/shifts/{morning.pk}/assign/", {"volunteer": d.colleague.pk})
    assert full.status_code == 400
    assert "The shift already has the 2 people it needs." in full.content.decode()
    a = Assignment.objects.get(shift=morning, volunteer=d.others[1])
    gone = c.post(f"/duty/shifts/{morning.pk}/assignments/{a.pk}/remove/", follow=True)
    assert "党员1 was taken off this shift." in gone.content.decode()
    assert not Assignment.objects.filter(pk=a.pk).exists()
    # An inactive volunteer is not offered.
    Volunteer.objects.filter(pk=d.others[1].pk).update(active=False)
    assert "党员1" not in text(c.get(f"/duty/shifts/{morning.pk}/?q=党员"))


# --- Gaps ----------------------------------------------------------------------------------


def test_gaps_list_short_shifts_and_unplanned_days_with_a_chart(rostered: Duty) -> None:
    d = rostered
    services.save_post(
        d.staff, None, {"kind": "call_centre", "name": "呼叫中心", "shift_times": "08:00-20:00"}
    )
    page = text(client(d, "staff").get("/duty/gaps/"))
    morning = d.shifts(0)[0]
    assert f'href="/duty/shifts/{morning.pk}/"' in page  # fill the short shift
    assert "1 of 2 people: 1 missing" in page
    assert "No shift planned this day" in page and 'data-testid="plan-day"' in page
    assert 'data-chart="grouped"' in page and '"needed"' in page
    # Soonest first: today's unplanned day (nothing is planned today) before tomorrow's shift.
    gaps = page.split('data-testid="gap"')[1:]
    assert "No shift planned this day" in gaps[0]
    # Planning the day from the gap fills it in.
    c = client(d, "staff")
    call = Post.objects.get(name="呼叫中心")
    c.post("/duty/plan/", {"post": call.pk, "day": d.start.isoformat(), "next": "/duty/gaps/"})
    assert Shift.objects.filter(post=call, day=d.start).count() == 1


# --- My shifts and swaps -------------------------------------------------------------------


def test_swap_asked_agreed_approved_through_the_pages(rostered: Duty) -> None:
    d = rostered
    morning, evening = d.shifts(0)
    me, colleague, staff = client(d, "volunteer"), client(d, "gate_a"), client(d, "staff")
    page = text(me.get("/duty/mine/"))
    assert "王志愿" in page and page.count('data-testid="my-shift"') == 1
    form = text(me.get(f"/duty/mine/?swap={morning.pk}&q=陈"))
    assert "陈门岗" in form and f'value="{evening.pk}"' in form  # their shift, offered in return
    no_one = me.post("/duty/mine/swap/", {"shift": morning.pk, "to_volunteer": ""})
    assert no_one.status_code == 400 and "Choose the colleague to ask." in no_one.content.decode()
    sent = me.post(
        "/duty/mine/swap/",
        {
            "shift": morning.pk,
            "to_volunteer": d.colleague.pk,
            "in_return": evening.pk,
            "reason": "家里有事",
        },
        follow=True,
    )
    assert "陈门岗 is asked to take your shift" in sent.content.decode()
    swap = Swap.objects.get()
    asked = text(colleague.get("/duty/mine/"))
    assert "王志愿 asks you to take:" in asked and "家里有事" in asked
    agreed = colleague.post(f"/duty/mine/swaps/{swap.pk}/answer/", {"agree": "1"}, follow=True)
    assert "You agreed" in agreed.content.decode()
    waiting = text(staff.get("/duty/swaps/"))
    assert "王志愿 hands it to 陈门岗" in waiting and 'data-testid="approve"' in waiting
    approved = staff.post(f"/duty/swaps/{swap.pk}/decide/", {"approve": "1"}, follow=True)
    assert "Swap approved" in approved.content.decode()
    assert set(Assignment.objects.filter(shift=morning).values_list("volunteer", flat=True)) == {
        d.colleague.pk
    }
    assert set(Assignment.objects.filter(shift=evening).values_list("volunteer", flat=True)) == {
        d.me.pk
    }
    assert "Approved" in text(staff.get("/duty/swaps/"))  # among the recent decisions
    mine = text(me.get("/duty/mine/"))
    assert "Approved" in mine and mine.count('data-testid="my-shift"') == 1


def test_withdraw_decline_refuse_and_no_profile(rostered: Duty) -> None:
    d = rostered
    morning, _evening = d.shifts(0)
    me, colleague = client(d, "volunteer"), client(d, "gate_a")
    me.post("/duty/mine/swap/", {"shift": morning.pk, "to_volunteer": d.colleague.pk})
    swap = Swap.objects.get()
    page = text(me.get("/duty/mine/"))
    assert "Swap asked" in page and 'data-testid="withdraw"' in page
    me.post(f"/duty/mine/swaps/{swap.pk}/withdraw/")
    swap.refresh_from_db()
    assert swap.state == Swap.State.WITHDRAWN
    # The colleague cannot answer a withdrawn swap; the page says why.
    late = colleague.post(f"/duty/mine/swaps/{swap.pk}/answer/", {"agree": "1"}, follow=True)
    assert "This swap is Withdrawn." in late.content.decode()
    me.post("/duty/mine/swap/", {"shift": morning.pk, "to_volunteer": d.colleague.pk})
    second = Swap.objects.exclude(pk=swap.pk).get()
    colleague.post(f"/duty/mine/swaps/{second.pk}/answer/", {"agree": "0"})
    second.refresh_from_db()
    assert second.state == Swap.State.DECLINED
    me.post("/duty/mine/swap/", {"shift": morning.pk, "to_volunteer": d.colleague.pk})
    third = Swap.objects.filter(state=Swap.State.ASKED).get()
    colleague.post(f"/duty/mine/swaps/{third.pk}/answer/", {"agree": "1"})
    client(d, "officer_a").post(
        f"/duty/swaps/{third.pk}/decide/", {"approve": "0", "note": "人手不够"}
    )
    third.refresh_from_db()
    assert third.state == Swap.State.REJECTED and third.decision_note == "人手不够"
    assert "人手不够" in text(me.get("/duty/mine/"))
    # Someone else's swap is not found; a user without a volunteer profile is told why.
    assert client(d, "leader").post(f"/duty/mine/swaps/{third.pk}/withdraw/").status_code == 404
    assert "not linked to a volunteer profile" in text(client(d, "leader").get("/duty/mine/"))


# --- Access --------------------------------------------------------------------------------


def test_every_page_refuses_weaker_roles_and_other_tenants(rostered: Duty) -> None:
    d = rostered
    w = d.world
    morning = d.shifts(0)[0]
    assert_refused(w, f"/duty/?week={week(d)}", VIEWERS)
    assert_refused(w, "/duty/gaps/", VIEWERS)
    assert_refused(w, "/duty/posts/", MANAGERS)
    assert_refused(w, "/duty/posts/new/", MANAGERS)
    assert_refused(w, "/duty/swaps/", MANAGERS, marker="王志愿")
    assert_refused(w, "/duty/mine/", set(Role), marker="王志愿")
    assert_refused(
        w, f"/duty/shifts/{morning.pk}/", VIEWERS, allowed_personas={"leader", "staff", "officer_a"}
    )
    assert_refused(
        w, f"/duty/posts/{d.post.pk}/", MANAGERS, allowed_personas={"staff", "officer_a"}
    )


def test_every_write_refuses_weaker_roles_and_other_tenants(rostered: Duty) -> None:
    d = rostered
    w = d.world
    morning, evening = d.shifts(0)
    services.request_swap(actor_for(w.users["volunteer"]), morning, d.colleague, reason="x")
    swap = Swap.objects.get()
    services.answer_swap(actor_for(w.users["gate_a"]), swap, True)
    mine = Assignment.objects.get(shift=morning, volunteer=d.me)
    writes = [
        ("/duty/plan/", {"week": week(d)}, False),
        ("/duty/repeat/", {"week": week(d)}, False),
        (f"/duty/posts/{d.post.pk}/", {"needed": "1", "kind": "gate"}, True),
        (f"/duty/shifts/{morning.pk}/assign/", {"volunteer": d.others[0].pk}, True),
        (f"/duty/shifts/{morning.pk}/assignments/{mine.pk}/remove/", {}, True),
        (f"/duty/swaps/{swap.pk}/decide/", {"approve": "1"}, True),
    ]
    before = (Shift.objects.count(), Assignment.objects.count(), Swap.objects.get().state)
    for url, data, names_object in writes:
        for persona in ("leader", "gate_a", "volunteer", "supplier", "employee_a"):
            assert w.client(persona).post(url, data).status_code == 403, (url, persona)
        if names_object:
            for persona in ("outsider_staff", "outsider_officer", "officer_b"):
                assert w.client(persona).post(url, data).status_code == 404, (url, persona)
    # Outsiders' plan and repeat act on their own community only.
    for url, data, _names in writes[:2]:
        w.client("outsider_staff").post(url, data)
    assert (Shift.objects.count(), Assignment.objects.count(), Swap.objects.get().state) == before
    # Swap answers and withdrawals: only the two volunteers of the swap.
    for persona in ("leader", "staff", "outsider_staff", "employee_a"):
        for url in (f"/duty/mine/swaps/{swap.pk}/answer/", f"/duty/mine/swaps/{swap.pk}/withdraw/"):
            assert w.client(persona).post(url, {"agree": "1"}).status_code == 404, (url, persona)
    assert w.client("staff").post("/duty/mine/swap/", {"shift": evening.pk}).status_code == 404
    assert Swap.objects.get().state == Swap.State.AGREED


def test_roster_times_are_local(rostered: Duty) -> None:
    d = rostered
    page = text(client(d, "staff").get(f"/duty/?week={week(d)}"))
    assert "07:00–15:00" in page and "15:00–23:00" in page
    assert timezone.get_current_timezone_name() in ("Asia/Shanghai", "Asia/Chongqing")


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_pages_render_in_both_languages(rostered: Duty, lang: str) -> None:
    d = rostered
    for persona, url in (
        ("staff", f"/duty/?week={week(d)}"),
        ("staff", "/duty/gaps/"),
        ("staff", "/duty/posts/"),
        ("staff", f"/duty/posts/{d.post.pk}/"),
        ("staff", f"/duty/shifts/{d.shifts(0)[0].pk}/"),
        ("staff", "/duty/swaps/"),
        ("volunteer", "/duty/mine/"),
    ):
        c = d.world.client(persona)
        c.cookies.load({"workgate_language": lang})
        assert c.get(url).status_code == 200, url
