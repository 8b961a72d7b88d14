"""The volunteers' pages as people use them: the volunteer body with search, filters, masked
mobiles and an audited reveal; adding, editing and deactivating a volunteer; teams and
groups; posting a call-out and following its live count; a volunteer answering on the phone
(a double tap says it is already recorded); my call-outs, open first."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.utils import timezone

from tests.volunteers.conftest import TEAM, TITLE, Body
from workgate.core.models import AuditEntry, GroupRobot, Notification
from workgate.volunteers import services
from workgate.volunteers.models import Answer, CallOut, Group, Volunteer

EN = {"workgate_language": "en"}


def client(body: Body, persona: str, lang: str = "en"):
    c = body.world.client(persona)
    c.cookies["workgate_language"] = lang
    return c


def text(response) -> str:
    return html.unescape(response.content.decode())


def local(delta: dt.timedelta) -> str:
    return timezone.localtime(timezone.now() + delta).strftime("%Y-%m-%dT%H:%M")


# --- The volunteer body ----------------------------------------------------------------------


def test_list_masks_mobiles_searches_and_filters(body: Body) -> None:
    staff = client(body, "staff")
    page = text(staff.get("/volunteers/"))
    assert "党员3" in page and "139****0003" in page
    assert "13900000003" not in page  # masked until revealed
    assert "6 volunteers" in page
    # By name, by the last digits of the mobile, by group, skill and kind.
    assert re.findall(r"党员\d", text(staff.get("/volunteers/?q=员5"))) == ["党员5"]
    assert re.findall(r"<strong>党员\d", text(staff.get("/volunteers/?q=0004"))) == [
        "<strong>党员4"
    ]
    grouped = text(staff.get(f"/volunteers/?group={body.logistics.pk}"))
    assert "2 volunteers" in grouped and "党员4" in grouped and "党员1<" not in grouped
    drivers = text(staff.get("/volunteers/?skill=驾驶"))
    assert "3 volunteers" in drivers
    assert "0 volunteers" in text(staff.get("/volunteers/?kind=resident"))
    # htmx asks for the results only.
    partial = text(staff.get("/volunteers/?q=党员2", HTTP_HX_REQUEST="true"))
    assert 'id="results"' in partial and "<html" not in partial


def test_list_pages_through_many(body: Body) -> None:
    for i in range(60):
        services.save_volunteer(
            body.staff, None, {"name": f"居民{i:02d}", "mobile": f"1370000{i:04d}"}
        )
    staff = client(body, "staff")
    first = text(staff.get("/volunteers/"))
    assert "66 volunteers" in first and "Page 1 of 2" in first
    second = text(staff.get("/volunteers/?page=2"))
    assert "Page 2 of 2" in second and second.count('data-testid="volunteer-row"') == 16


def test_leader_reads_without_editing_or_revealing(body: Body) -> None:
    page = text(client(body, "leader").get("/volunteers/"))
    assert "党员1" in page
    assert 'data-testid="volunteer-add"' not in page and 'data-testid="deactivate-' not in page
    assert 'data-testid="reveal-' not in page
    staff_page = text(client(body, "staff").get("/volunteers/"))
    assert f'data-testid="reveal-{body.people[1].pk}"' in staff_page


def test_reveal_shows_the_number_and_is_audited(body: Body) -> None:
    v = body.people[2]
    response = client(body, "staff").post(f"/volunteers/{v.pk}/reveal/")
    assert response.status_code == 200
    assert "13900000002" in text(response)
    entry = AuditEntry.objects.get(action=AuditEntry.Action.REVEAL, object_id=str(v.pk))
    assert entry.detail == {"field": "mobile"} and entry.actor_label == "staff"
    assert client(body, "leader").post(f"/volunteers/{v.pk}/reveal/").status_code == 403


def test_add_edit_and_deactivate_a_volunteer(body: Body) -> None:
    w = body.world
    staff = client(body, "staff")
    assert "Add a volunteer" in text(staff.get("/volunteers/new/"))
    response = staff.post(
        "/volunteers/new/",
        {
            "name": " 王 芳 ",
            "mobile": "138 5740 1234",
            "kind": "staff",
            "skills": "驾驶，测温、 厨师",
            "availability": "工作日晚上",
            "enterprise": str(w.enterprise_a.pk),
            "account": "employee_a",
        },
    )
    assert response.status_code == 302
    v = Volunteer.objects.get(mobile="13857401234")
    assert (v.name, v.kind, v.skills, v.enterprise, v.user) == (
        "王 芳",
        "staff",
        ["厨师", "测温", "驾驶"],
        w.enterprise_a,
        w.users["employee_a"],
    )
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.CREATE, object_id=str(v.pk), object_type="volunteers.volunteer"
    ).exists()
    # The edit form does not show the number; leaving it empty keeps it.
    form = text(staff.get(f"/volunteers/{v.pk}/edit/"))
    assert "13857401234" not in form and "138****1234" in form
    assert (
        staff.post(
            f"/volunteers/{v.pk}/edit/",
            {"name": "王芳", "mobile": "", "kind": "party", "skills": "测温", "account": ""},
        ).status_code
        == 302
    )
    v.refresh_from_db()
    assert (v.name, v.mobile, v.kind, v.skills, v.user) == (
        "王芳",
        "13857401234",
        "party",
        ["测温"],
        None,
    )
    # Deactivate: gone from the active list, shown under deactivated, not called out.
    assert staff.post(f"/volunteers/{v.pk}/active/", {"active": "0"}).status_code == 302
    v.refresh_from_db()
    assert not v.active
    assert "<strong>王芳" not in text(staff.get("/volunteers/"))
    assert "<strong>王芳" in text(staff.get("/volunteers/?active=no"))
    staff.post(f"/volunteers/{v.pk}/active/", {"active": "1"})
    v.refresh_from_db()
    assert v.active


@pytest.mark.parametrize(
    ("change", "field", "says"),
    [
        ({"name": ""}, "name", "Enter the volunteer's name."),
        ({"mobile": "12345"}, "mobile", "is not a mainland mobile number"),
        ({"mobile": "13900000001"}, "mobile", "Another volunteer has this mobile number."),
        ({"account": "nobody"}, "user", "No account of this community is called “nobody”."),
        ({"account": "outsider_staff"}, "user", "No account of this community"),
        ({"kind": "alien"}, "kind", "Choose party member, enterprise staff or resident."),
    ],
)
def test_bad_volunteer_input_names_the_field(body: Body, change, field, says) -> None:
    data = {"name": "赵六", "mobile": "13857409999", "kind": "party", "skills": "", **change}
    before = Volunteer.objects.count()
    response = client(body, "staff").post("/volunteers/new/", data)
    assert response.status_code == 400
    page = text(response)
    assert says in page
    assert f'data-testid="error-{field}"' in page or field == "kind"
    assert Volunteer.objects.count() == before


def test_bad_input_in_chinese(body: Body) -> None:
    response = client(body, "staff", "zh-hans").post(
        "/volunteers/new/", {"name": "赵六", "mobile": "abc", "kind": "party"}
    )
    assert response.status_code == 400
    assert "“abc”不是有效的大陆手机号。" in text(response)


# --- Teams and groups ------------------------------------------------------------------------


def test_teams_page_shows_groups_members_and_leaders(body: Body) -> None:
    page = text(client(body, "leader").get("/volunteers/teams/"))
    assert TEAM in page
    for name in ("联络组", "后勤组", "物资保障组"):
        assert name in page
    assert "4 members" in page and "139****0000" in page
    assert page.count('data-testid="group-leader"') == 1
    assert "Create a team" not in page  # the leader reads only


def test_create_team_add_group_set_members_and_robot(body: Body) -> None:
    w = body.world
    staff = client(body, "staff")
    assert staff.post("/volunteers/teams/add/", {"name": "大港社区应急队"}).status_code == 302
    team = body.team.__class__.objects.get(name="大港社区应急队")
    assert list(team.groups.order_by("position").values_list("name", flat=True)) == [
        "联络组",
        "后勤组",
        "物资保障组",
    ]
    assert (
        staff.post(f"/volunteers/teams/{team.pk}/groups/add/", {"name": "宣传组"}).status_code
        == 302
    )
    group = Group.objects.get(team=team, name="宣传组")
    ids = [str(body.people[1].pk), str(body.people[2].pk)]
    response = staff.post(
        f"/volunteers/groups/{group.pk}/edit/",
        {"name": "宣传报道组", "members": ids, "leader": ids[1]},
    )
    assert response.status_code == 302
    group.refresh_from_db()
    assert group.name == "宣传报道组" and group.leader == body.people[2]
    assert set(group.members.all()) == {body.people[1], body.people[2]}
    robot = GroupRobot.objects.create(
        community=w.community, name="应急队企业微信群", kind="wecom", webhook_url="https://x/y"
    )
    response = staff.post(
        f"/volunteers/teams/{team.pk}/edit/",
        {"name": "大港社区应急队", "leader": str(body.people[1].pk), "robot": str(robot.pk)},
    )
    assert response.status_code == 302
    team.refresh_from_db()
    assert (team.robot, team.leader) == (robot, body.people[1])
    assert "应急队企业微信群" in text(staff.get("/volunteers/teams/"))
    # Remove a group: the volunteers stay.
    assert staff.post(f"/volunteers/groups/{group.pk}/remove/").status_code == 302
    assert not Group.objects.filter(pk=group.pk).exists()
    assert Volunteer.objects.filter(pk=body.people[1].pk).exists()
    actions = set(
        AuditEntry.objects.filter(object_type="volunteers.group").values_list("action", flat=True)
    )
    assert {"create", "update", "delete"} <= actions


def test_team_and_group_refusals_name_the_field(body: Body) -> None:
    staff = client(body, "staff")
    empty = staff.post("/volunteers/teams/add/", {"name": "  "})
    assert empty.status_code == 400 and "Enter the team's name." in text(empty)
    assert 'data-testid="error-team-name"' in text(empty)
    twice = staff.post(f"/volunteers/teams/{body.team.pk}/groups/add/", {"name": "后勤组"})
    assert twice.status_code == 400
    assert "The team already has a group called “后勤组”." in text(twice)
    ids = [str(body.people[1].pk)]
    outside_leader = staff.post(
        f"/volunteers/groups/{body.material.pk}/edit/",
        {"name": "物资保障组", "members": ids, "leader": str(body.people[3].pk)},
    )
    assert outside_leader.status_code == 400
    assert "The group's leader must be one of its members." in text(outside_leader)
    assert 'data-testid="error-leader"' in text(outside_leader)
    assert body.material.members.count() == 0  # nothing half-written
    other_robot = GroupRobot.objects.create(
        community=body.world.other_community, name="外区群", kind="wecom", webhook_url="https://x"
    )
    foreign = staff.post(
        f"/volunteers/teams/{body.team.pk}/edit/", {"name": TEAM, "robot": str(other_robot.pk)}
    )
    assert foreign.status_code == 400
    assert "Choose a group robot of this community." in text(foreign)


# --- Call-outs: posting and following --------------------------------------------------------


def test_post_a_callout_from_the_form(body: Body) -> None:
    staff = client(body, "staff")
    assert "Post a call-out" in text(staff.get("/volunteers/callouts/new/"))
    response = staff.post(
        "/volunteers/callouts/new/",
        {
            "title": "物资搬运",
            "place": "社区服务中心",
            "starts_at": local(dt.timedelta(hours=2)),
            "ends_at": local(dt.timedelta(hours=5)),
            "needed": "3",
            "groups": [str(body.liaison.pk)],
            "skills": "驾驶",
        },
    )
    assert response.status_code == 302
    callout = CallOut.objects.get(title="物资搬运")
    assert response["Location"] == f"/volunteers/callouts/{callout.pk}/"
    assert set(callout.answers.values_list("volunteer_id", flat=True)) == {
        body.people[1].pk,
        body.people[3].pk,
    }
    assert (
        Notification.objects.filter(
            kind="volunteers.callout", url=f"/volunteers/callouts/{callout.pk}/answer/"
        ).count()
        == 2
    )
    page = text(staff.get(response["Location"]))
    assert "2 volunteers were asked" in page
    assert 'data-testid="live-accepted">0<' in page and 'data-testid="live-needed">3<' in page


@pytest.mark.parametrize(
    ("change", "field", "says"),
    [
        ({"title": ""}, "title", "Say what the volunteers are needed for."),
        ({"place": ""}, "place", "Say where."),
        ({"needed": "twenty"}, "needed", "Enter how many people are needed, e.g. 20."),
        ({"needed": "0"}, "needed", "Between 1 and 10,000 people can be asked for."),
        ({"starts_at": ""}, "starts_at", "Enter a date and time."),
        ({"starts_at": "tomorrow"}, "starts_at", "is not a date and time"),
        ({"ends_at": "2020-01-01T08:00"}, "ends_at", "The end is before the start."),
        ({"skills": "潜水"}, "groups", "No active volunteer matches these groups and skills."),
    ],
)
def test_bad_callout_input_names_the_field(body: Body, change, field, says) -> None:
    data = {
        "title": "门岗测温",
        "place": "北门",
        "starts_at": local(dt.timedelta(hours=1)),
        "needed": "2",
        **change,
    }
    response = client(body, "staff").post("/volunteers/callouts/new/", data)
    assert response.status_code == 400
    assert says in text(response)
    assert f'data-testid="error-{field}"' in text(response)
    assert CallOut.objects.count() == 0


def test_callout_list_open_first(body: Body) -> None:
    old = body.post(title="早先的召集")
    services.close_callout(body.staff, old)
    body.post(title="现在的召集")
    page = text(client(body, "leader").get("/volunteers/callouts/"))
    assert page.index("现在的召集") < page.index("早先的召集")
    assert "Closed" in page and "Open" in page


def test_detail_live_count_lists_and_chart_data(body: Body, callout: CallOut) -> None:
    services.answer(body.actor(1), callout, True)
    services.answer(body.actor(2), callout, False)
    services.answer(body.actor(3), callout, True)
    services.answer(body.actor(4), callout, True)  # full: waits
    staff = client(body, "staff")
    page = text(staff.get(f"/volunteers/callouts/{callout.pk}/"))
    assert 'data-testid="live-accepted">2<' in page
    assert 'data-testid="live-waiting">1<' in page
    assert 'data-testid="live-declined">1<' in page
    assert 'data-testid="live-unanswered">2<' in page
    assert "Filled" in page
    assert 'hx-trigger="every 3s"' in page
    assert "党员1" in page and "139****0001" in page and "13900000001" not in page
    assert 'data-chart="callout-times"' in page and "data-chart-data=" in page
    # The live part alone, with the people lists swapped out of band.
    live = staff.get(f"/volunteers/callouts/{callout.pk}/live/")
    body_ = text(live)
    assert "<html" not in body_ and 'id="live"' in body_ and 'hx-swap-oob="true"' in body_
    assert '"accepted": [' in body_ and '"needed": 2' in body_
    # Closing stops the polling; the buttons go.
    assert (
        staff.post(f"/volunteers/callouts/{callout.pk}/close/", {"action": "close"}).status_code
        == 302
    )
    after = text(staff.get(f"/volunteers/callouts/{callout.pk}/"))
    assert "hx-trigger" not in after and 'data-testid="do-close"' not in after
    again = staff.post(
        f"/volunteers/callouts/{callout.pk}/close/", {"action": "cancel"}, follow=True
    )
    assert "already" in text(again)


def test_cancel_a_callout(body: Body, callout: CallOut) -> None:
    response = client(body, "leader").post(
        f"/volunteers/callouts/{callout.pk}/close/", {"action": "cancel"}, follow=True
    )
    assert "The call-out was cancelled." in text(response)
    callout.refresh_from_db()
    assert callout.state == CallOut.State.CANCELLED
    assert AuditEntry.objects.filter(
        object_type="volunteers.callout", object_id=str(callout.pk), detail__state="cancelled"
    ).exists()


# --- The volunteer's phone -------------------------------------------------------------------


def test_answer_page_accept_then_double_tap(body: Body, callout: CallOut) -> None:
    phone = client(body, "volunteer")
    url = f"/volunteers/callouts/{callout.pk}/answer/"
    page = text(phone.get(url))
    assert TITLE in page and "大港工业城北门" in page
    assert 'data-testid="still-needed">2<' in page
    assert 'data-testid="do-accept"' in page and 'data-testid="do-decline"' in page
    done = phone.post(url, {"answer": "accept"}, follow=True)
    assert done.status_code == 200
    assert "You accepted. Thank you — you are in." in text(done)
    assert 'data-reply="accepted"' in text(done)
    # A double tap: the same answer again is "already recorded", on the same page.
    again = phone.post(url, {"answer": "accept"}, follow=True)
    assert again.status_code == 200
    assert "Your answer is already recorded." in text(again)
    assert 'data-reply="accepted"' in text(again)
    callout.refresh_from_db()
    assert callout.accepted == 1


def test_waiting_position_then_taking_over(body: Body, callout: CallOut) -> None:
    services.answer(body.actor(1), callout, True)
    services.answer(body.actor(2), callout, True)  # full now
    services.answer(body.actor(3), callout, True)  # waits first
    phone = client(body, "volunteer")
    url = f"/volunteers/callouts/{callout.pk}/answer/"
    waiting = text(phone.post(url, {"answer": "accept"}, follow=True))
    assert "on the waiting list (position 2)" in waiting
    assert 'data-testid="still-needed">0<' in waiting
    services.answer(body.actor(1), callout, False)  # the first waiting takes over
    assert "on the waiting list (position 1)" in text(phone.get(url))
    declined = text(phone.post(url, {"answer": "decline"}, follow=True))
    assert "You declined." in declined and 'data-testid="do-accept"' in declined


def test_answer_page_in_chinese_at_360(body: Body, callout: CallOut) -> None:
    page = text(
        client(body, "volunteer", "zh-hans").get(f"/volunteers/callouts/{callout.pk}/answer/")
    )
    assert 'lang="zh-CN"' in page and TITLE in page


def test_closed_callout_says_so_instead_of_buttons(body: Body, callout: CallOut) -> None:
    services.close_callout(body.staff, callout)
    phone = client(body, "volunteer")
    url = f"/volunteers/callouts/{callout.pk}/answer/"
    page = text(phone.get(url))
    assert "This call-out is Closed: no more answers are taken." in page
    assert 'data-testid="do-accept"' not in page
    late = phone.post(url, {"answer": "accept"}, follow=True)
    assert late.status_code == 200 and "This call-out is Closed." in text(late)
    assert Answer.objects.get(callout=callout, volunteer=body.people[0]).reply == ""


def test_not_asked_or_no_profile_is_refused(body: Body) -> None:
    callout = body.post(groups=[body.logistics])  # people 4 and 5 only
    url = f"/volunteers/callouts/{callout.pk}/answer/"
    assert client(body, "volunteer").get(url).status_code == 404
    assert client(body, "staff").get(url).status_code == 403  # no volunteer profile


def test_my_callouts_open_first_with_my_answers(body: Body) -> None:
    closed = body.post(title="已结束的召集")
    services.answer(body.actor(0), closed, True)
    services.close_callout(body.staff, closed)
    body.post(title="正在召集")
    page = text(client(body, "volunteer").get("/volunteers/callouts/mine/"))
    assert page.index("正在召集") < page.index("已结束的召集")
    assert "Answer now" in page and "Accepted" in page
    nobody = text(client(body, "officer_a").get("/volunteers/callouts/mine/"))
    assert "not linked to a volunteer profile" in nobody
