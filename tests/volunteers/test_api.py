"""The volunteers API as its callers use it: the volunteer body (mobiles masked, an audited
reveal), teams and groups, a call-out posted, answered from phones (waiting list, a double
tap 409), its progress with the minutes to each acceptance, closing and cancelling; refusals
naming the field; and every endpoint refusing a weaker role (403) and another tenant (404 for
an object, nothing of ours in a list)."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import PERSONAS, World
from tests.volunteers.conftest import TEAM, TITLE, Body
from workgate.core.access import POLICY, Perm
from workgate.core.models import AuditEntry, GroupRobot
from workgate.volunteers.api import router
from workgate.volunteers.models import Answer, CallOut, Group, Team, Volunteer

API = "/api/v1/volunteers"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def call(world: World, persona: str, method: str, url: str, body: Any = None, **kw: Any) -> Any:
    client = world.client(persona)
    if method == "get":
        return client.get(url, body or {}, **kw)
    return getattr(client, method)(
        url, json.dumps(body or {}), content_type="application/json", **kw
    )


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content.decode()
    return response.json() if response.content else None


def test_volunteer_body_through_the_api(body: Body) -> None:
    w = body.world
    listed = ok(call(w, "leader", "get", f"{API}/volunteers"))
    assert listed["count"] == 6
    first = next(v for v in listed["items"] if v["name"] == "党员0")
    assert first["mobile_masked"] == "139****0000"
    assert "13900000000" not in json.dumps(listed)
    assert first["user"] == "volunteer"
    assert {g["name"] for g in first["groups"]} == {"联络组"}
    assert ok(call(w, "staff", "get", f"{API}/volunteers", {"q": "0005"}))["count"] == 1
    assert ok(call(w, "staff", "get", f"{API}/volunteers", {"skill": "驾驶"}))["count"] == 3
    assert (
        ok(call(w, "staff", "get", f"{API}/volunteers", {"group": body.logistics.pk}))["count"] == 2
    )

    created = ok(
        call(
            w,
            "staff",
            "post",
            f"{API}/volunteers",
            {
                "name": "王芳",
                "mobile": "+86 138-5740-1234",
                "kind": "resident",
                "skills": ["厨师", "驾驶"],
                "enterprise": w.enterprise_a.pk,
                "user": "employee_a",
            },
        ),
        201,
    )
    assert (created["mobile_masked"], created["kind"], created["user"]) == (
        "138****1234",
        "resident",
        "employee_a",
    )
    vid = created["id"]
    changed = ok(
        call(w, "staff", "patch", f"{API}/volunteers/{vid}", {"active": False, "user": None})
    )
    assert (changed["active"], changed["user"], changed["name"]) == (False, None, "王芳")
    assert ok(call(w, "leader", "get", f"{API}/volunteers/{vid}"))["enterprise_id"] == (
        w.enterprise_a.pk
    )
    revealed = ok(call(w, "staff", "post", f"{API}/volunteers/{vid}/reveal"))
    assert revealed == {"mobile": "13857401234"}
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.REVEAL, object_id=str(vid), object_type="volunteers.volunteer"
    ).exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "", "mobile": "13857401234"}, "name"),
        ({"name": "甲", "mobile": "555"}, "mobile"),
        ({"name": "甲", "mobile": "13900000001"}, "mobile"),
        ({"name": "甲", "mobile": "13857401234", "kind": "alien"}, "kind"),
        ({"name": "甲", "mobile": "13857401234", "user": "outsider_staff"}, "user"),
        ({"name": "甲", "mobile": "13857401234", "enterprise": -1}, "enterprise"),
    ],
)
def test_volunteer_refusals_name_the_field(body: Body, payload: dict, field: str) -> None:
    before = Volunteer.objects.count()
    response = call(body.world, "staff", "post", f"{API}/volunteers", payload, **EN)
    assert response.status_code == 400, response.content
    assert set(response.json()["error"]["fields"]) == {field}
    assert Volunteer.objects.count() == before


def test_teams_and_groups_through_the_api(body: Body) -> None:
    w = body.world
    teams = ok(call(w, "leader", "get", f"{API}/teams"))
    assert [t["name"] for t in teams] == [TEAM]
    liaison = teams[0]["groups"][0]
    assert (liaison["name"], liaison["leader_id"]) == ("联络组", body.people[0].pk)
    assert liaison["members"] == sorted(p.pk for p in body.people[:4])

    robot = GroupRobot.objects.create(
        community=w.community, name="应急群", kind="dingtalk", webhook_url="https://x/y"
    )
    team = ok(
        call(
            w,
            "staff",
            "post",
            f"{API}/teams",
            {"name": "应急队", "groups": ["突击组", "后勤组"], "robot": robot.pk},
        ),
        201,
    )
    assert [g["name"] for g in team["groups"]] == ["突击组", "后勤组"]
    assert team["robot_id"] == robot.pk
    default = ok(call(w, "staff", "post", f"{API}/teams", {"name": "二队"}), 201)
    assert [g["name"] for g in default["groups"]] == ["联络组", "后勤组", "物资保障组"]
    renamed = ok(
        call(
            w,
            "staff",
            "patch",
            f"{API}/teams/{team['id']}",
            {"name": "应急突击队", "leader": body.people[5].pk, "robot": None},
        )
    )
    assert (renamed["name"], renamed["leader_id"], renamed["robot_id"]) == (
        "应急突击队",
        body.people[5].pk,
        None,
    )
    group = ok(
        call(w, "staff", "post", f"{API}/teams/{team['id']}/groups", {"name": "宣传组"}), 201
    )
    members = [body.people[4].pk, body.people[5].pk]
    set_ = ok(
        call(
            w,
            "staff",
            "patch",
            f"{API}/groups/{group['id']}",
            {"members": members, "leader": body.people[4].pk},
        )
    )
    assert (set_["members"], set_["leader_id"]) == (sorted(members), body.people[4].pk)
    # Dropping the leader from the members clears the leader.
    fewer = ok(call(w, "staff", "patch", f"{API}/groups/{group['id']}", {"members": [members[1]]}))
    assert (fewer["members"], fewer["leader_id"]) == ([members[1]], None)
    assert call(w, "staff", "delete", f"{API}/groups/{group['id']}").status_code == 204
    assert not Group.objects.filter(pk=group["id"]).exists()

    # Refusals naming the field.
    for url, method, payload, field in (
        (f"{API}/teams", "post", {"name": " "}, "name"),
        (f"{API}/teams/{team['id']}/groups", "post", {"name": "突击组"}, "name"),
        (f"{API}/teams/{team['id']}", "patch", {"leader": 999999}, "leader"),
        (f"{API}/teams/{team['id']}", "patch", {"robot": 999999}, "robot"),
        (f"{API}/groups/{body.material.pk}", "patch", {"members": [999999]}, "members"),
        (
            f"{API}/groups/{body.material.pk}",
            "patch",
            {"members": [body.people[1].pk], "leader": body.people[2].pk},
            "leader",
        ),
    ):
        response = call(w, "staff", method, url, payload, **EN)
        assert response.status_code == 400, (url, response.content)
        assert set(response.json()["error"]["fields"]) == {field}, url
    assert body.material.members.count() == 0


def test_callout_story_through_the_api(body: Body) -> None:
    w = body.world
    posted = ok(
        call(
            w,
            "leader",
            "post",
            f"{API}/callouts",
            {
                "title": TITLE,
                "place": "北门",
                "starts_at": "2026-12-01T08:00",
                "ends_at": "2026-12-01 12:00",
                "needed": "2",
                "groups": [body.liaison.pk],
            },
        ),
        201,
    )
    cid = posted["id"]
    assert posted["progress"]["asked"] == 4 and posted["state"] == "open"
    assert posted["groups"] == [body.liaison.pk] and posted["posted_by"] == "leader"
    starts = dt.datetime.fromisoformat(posted["starts_at"].replace("Z", "+00:00"))
    assert starts == dt.datetime(2026, 12, 1, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai"))

    def answer(persona_or_user: str, what: str) -> Any:
        return call(w, persona_or_user, "post", f"{API}/callouts/{cid}/answer", {"answer": what})

    w.users.update({f"vol{i}": body.people[i].user for i in range(1, 6)})
    first = ok(answer("volunteer", "accept"))
    assert (first["reply"], first["still_needed"]) == ("accepted", 1)
    double = answer("volunteer", "accept")
    assert double.status_code == 409 and double.json()["error"]["code"] == "already"
    ok(answer("vol1", "accept"))
    late = ok(answer("vol2", "accept"))
    assert (late["reply"], late["waiting_position"], late["still_needed"]) == ("waiting", 1, 0)
    assert ok(answer("vol3", "decline"))["reply"] == "declined"
    assert answer("vol4", "accept").status_code == 404  # not in the liaison group

    detail = ok(call(w, "staff", "get", f"{API}/callouts/{cid}"))
    p = detail["progress"]
    assert (p["asked"], p["accepted"], p["waiting"], p["declined"], p["unanswered"]) == (
        4,
        2,
        1,
        1,
        0,
    )
    assert len(p["accept_minutes"]) == 2 and all(m >= 0 for m in p["accept_minutes"])
    assert detail["state"] == "filled"
    # A decline hands the place to the first waiting.
    ok(answer("vol1", "decline"))
    assert Answer.objects.get(callout_id=cid, volunteer=body.people[2]).reply == "accepted"

    mine = ok(call(w, "volunteer", "get", f"{API}/my-callouts"))
    assert [(r["callout_id"], r["reply"]) for r in mine["items"]] == [(cid, "accepted")]
    listed = ok(call(w, "leader", "get", f"{API}/callouts"))
    assert [c["id"] for c in listed["items"]] == [cid]

    closed = ok(call(w, "staff", "post", f"{API}/callouts/{cid}/close"))
    assert closed["state"] == "closed" and closed["closed_at"]
    again = call(w, "staff", "post", f"{API}/callouts/{cid}/cancel")
    assert again.status_code == 409
    after = answer("vol3", "accept")
    assert after.status_code == 409 and after.json()["error"]["code"] == "state"


def test_callout_refusals_name_the_field(body: Body) -> None:
    w = body.world
    base = {"title": "门岗", "place": "北门", "starts_at": "2026-12-01T08:00", "needed": 2}
    other_team = Team.objects.create(community=w.other_community, name="外区队")
    other_group = Group.objects.create(team=other_team, name="外区组")
    for change, field in (
        ({"title": ""}, "title"),
        ({"needed": "many"}, "needed"),
        ({"needed": 0}, "needed"),
        ({"starts_at": "next week"}, "starts_at"),
        ({"ends_at": "2026-11-30T08:00"}, "ends_at"),
        ({"skills": ["潜水"]}, "groups"),
        ({"groups": [other_group.pk]}, "groups"),
    ):
        response = call(w, "staff", "post", f"{API}/callouts", {**base, **change}, **EN)
        assert response.status_code == 400, (change, response.content)
        assert set(response.json()["error"]["fields"]) == {field}, change
    missing = call(w, "staff", "post", f"{API}/callouts", {"title": "x"}, **EN)
    assert missing.status_code == 422 and "place" in missing.json()["error"]["fields"]
    bad_answer = call(w, "volunteer", "post", f"{API}/callouts/1/answer", {"answer": "maybe"})
    assert set(bad_answer.json()["error"]["fields"]) == {"answer"}
    assert CallOut.objects.count() == 0


# --- Every endpoint: a weaker role 403, another tenant 404 or nothing of ours --------------

Row = tuple[str, str, Callable[[Body, CallOut], str], Callable[[Body], Any], tuple[str, ...], str]

NOT_COMMUNITY = ("officer_a", "gate_a", "volunteer", "supplier", "employee_a")
NOT_STAFF = ("leader", *NOT_COMMUNITY)

ROWS: list[Row] = [
    ("volunteers", "get", lambda b, c: f"{API}/volunteers", lambda b: None, NOT_COMMUNITY, "list"),
    (
        "volunteer create",
        "post",
        lambda b, c: f"{API}/volunteers",
        lambda b: {"name": "新人", "mobile": "13857400001"},
        NOT_STAFF,
        "own",
    ),
    (
        "volunteer",
        "get",
        lambda b, c: f"{API}/volunteers/{b.people[1].pk}",
        lambda b: None,
        NOT_COMMUNITY,
        "object",
    ),
    (
        "volunteer update",
        "patch",
        lambda b, c: f"{API}/volunteers/{b.people[1].pk}",
        lambda b: {"availability": "周末"},
        NOT_STAFF,
        "object",
    ),
    (
        "volunteer reveal",
        "post",
        lambda b, c: f"{API}/volunteers/{b.people[1].pk}/reveal",
        lambda b: None,
        NOT_STAFF,
        "object",
    ),
    ("teams", "get", lambda b, c: f"{API}/teams", lambda b: None, NOT_COMMUNITY, "list"),
    (
        "team create",
        "post",
        lambda b, c: f"{API}/teams",
        lambda b: {"name": "应急队"},
        NOT_STAFF,
        "own",
    ),
    (
        "team update",
        "patch",
        lambda b, c: f"{API}/teams/{b.team.pk}",
        lambda b: {"name": TEAM},
        NOT_STAFF,
        "object",
    ),
    (
        "group create",
        "post",
        lambda b, c: f"{API}/teams/{b.team.pk}/groups",
        lambda b: {"name": "宣传组"},
        NOT_STAFF,
        "object",
    ),
    (
        "group update",
        "patch",
        lambda b, c: f"{API}/groups/{b.material.pk}",
        lambda b: {"members": []},
        NOT_STAFF,
        "object",
    ),
    (
        "group delete",
        "delete",
        lambda b, c: f"{API}/groups/{b.material.pk}",
        lambda b: None,
        NOT_STAFF,
        "object",
    ),
    ("callouts", "get", lambda b, c: f"{API}/callouts", lambda b: None, NOT_COMMUNITY, "list"),
    (
        "callout create",
        "post",
        lambda b, c: f"{API}/callouts",
        lambda b: {"title": "x", "place": "y", "starts_at": "2026-12-01T08:00", "needed": 1},
        NOT_COMMUNITY,
        "own",
    ),
    (
        "callout",
        "get",
        lambda b, c: f"{API}/callouts/{c.pk}",
        lambda b: None,
        NOT_COMMUNITY,
        "object",
    ),
    (
        "callout close",
        "post",
        lambda b, c: f"{API}/callouts/{c.pk}/close",
        lambda b: None,
        NOT_COMMUNITY,
        "object",
    ),
    (
        "callout cancel",
        "post",
        lambda b, c: f"{API}/callouts/{c.pk}/cancel",
        lambda b: None,
        NOT_COMMUNITY,
        "object",
    ),
]


def _perm(method: str, url: str) -> Perm:
    path = url.split("?")[0].removeprefix("/api/v1")
    for template, view in router.path_operations.items():
        if re.fullmatch(re.sub(r"\{\w+\}", r"\\d+", template), path):
            for op in view.operations:
                if method.upper() in op.methods:
                    return op.view_func.required_perm
    raise AssertionError(f"no handler for {method} {url}")


def _ours(body: Body, items: list[dict[str, Any]]) -> list[Any]:
    names = {p.name for p in body.people} | {TEAM, TITLE}
    return [r for r in items if r.get("name") in names or r.get("title") in names]


@pytest.mark.parametrize("row", ROWS, ids=[r[0] for r in ROWS])
def test_every_endpoint_refuses_weaker_roles_and_other_tenants(
    body: Body, callout: CallOut, row: Row
) -> None:
    _name, method, url_of, body_of, weaker, kind = row
    w = body.world
    url, payload = url_of(body, callout), body_of(body)
    perm = _perm(method, url)
    for persona in weaker:
        assert PERSONAS[persona] not in POLICY[perm], (persona, perm)
        response = call(w, persona, method, url, payload)
        assert response.status_code == 403, (persona, response.status_code)
        assert response.json()["error"]["code"] == "forbidden"
    anonymous = getattr(w.client(None), method)(url)
    assert anonymous.status_code == 401
    if kind == "own":
        return  # creates in the caller's own community
    for persona in ("outsider_staff", "outsider_leader", "outsider_officer"):
        response = call(w, persona, method, url, payload)
        if PERSONAS[persona] not in POLICY[perm]:
            assert response.status_code == 403, (persona, response.status_code)
        elif kind == "object":
            assert response.status_code == 404, (persona, response.status_code)
            assert response.json()["error"]["code"] == "not_found"
        else:
            assert response.status_code == 200, (persona, response.status_code)
            data = response.json()
            assert _ours(body, data["items"] if isinstance(data, dict) else data) == []


def test_refused_writes_change_nothing(body: Body, callout: CallOut) -> None:
    def state() -> tuple[Any, ...]:
        return (
            Volunteer.objects.count(),
            Team.objects.count(),
            sorted(Group.objects.values_list("pk", "name")),
            CallOut.objects.get(pk=callout.pk).state,
            Volunteer.objects.get(pk=body.people[1].pk).availability,
        )

    before = state()
    for _name, method, url_of, body_of, weaker, kind in ROWS:
        if method == "get" or kind == "own":
            continue
        for persona in (*weaker, "outsider_staff", "outsider_leader"):
            call(body.world, persona, method, url_of(body, callout), body_of(body))
    assert state() == before
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.REVEAL).exists()


@pytest.mark.parametrize("persona", ["volunteer", "officer_a", "outsider_staff"])
def test_answer_endpoint_refusals(body: Body, callout: CallOut, persona: str) -> None:
    url = f"{API}/callouts/{callout.pk}/answer"
    response = call(body.world, persona, "post", url, {"answer": "accept"})
    if persona == "volunteer":
        assert response.status_code == 200
    else:  # no volunteer profile
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "forbidden"
    # Another community's volunteer: the call-out is not found.
    other = Volunteer.objects.create(
        community=body.world.other_community,
        name="外区志愿者",
        mobile="13857409999",
        user=body.world.users["outsider_officer"],
    )
    assert other.pk
    foreign = call(body.world, "outsider_officer", "post", url, {"answer": "accept"})
    assert foreign.status_code == 404
    assert ok(call(body.world, "outsider_officer", "get", f"{API}/my-callouts"))["count"] == 0


def test_openapi_lists_the_volunteers_endpoints(db: None) -> None:
    from django.test import Client

    spec = Client().get("/api/v1/openapi.json").json()
    for path in (
        "volunteers",
        "volunteers/{volunteer_id}",
        "volunteers/{volunteer_id}/reveal",
        "teams",
        "teams/{team_id}/groups",
        "groups/{group_id}",
        "callouts",
        "callouts/{callout_id}",
        "callouts/{callout_id}/answer",
        "callouts/{callout_id}/close",
        "callouts/{callout_id}/cancel",
        "my-callouts",
    ):
        assert f"{API}/{path}" in spec["paths"], path
