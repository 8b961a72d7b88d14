"""The duty API as its callers use it: posts created, read, changed and retired; a week planned
and repeated; the roster as JSON; gaps; people put on shifts and taken off (refusals with
their code); a volunteer's shifts and the swap asked, agreed, approved; who is on duty at a
gate; and every endpoint refusing a weaker role (403) and another tenant (404 for an object,
nothing of ours in a list)."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from tests.conftest import PERSONAS
from tests.duty.conftest import Duty, actor_for
from workgate.core.access import POLICY, Perm
from workgate.duty import services
from workgate.duty.api import router
from workgate.duty.models import Assignment, Post, Shift, Swap

API = "/api/v1/duty"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def call(d: Duty, persona: str, method: str, url: str, body: Any = None) -> Any:
    client = d.world.client(persona)
    client.cookies.load({"workgate_language": "en"})
    if method == "get":
        return client.get(url, body or {})
    return getattr(client, method)(url, json.dumps(body or {}), content_type="application/json")


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content.decode()
    return response.json() if response.content else None


def test_posts_crud(rostered: Duty) -> None:
    d = rostered
    made = ok(
        call(
            d,
            "staff",
            "post",
            f"{API}/posts",
            {"kind": "call_centre", "name": "呼叫中心", "shift_times": "08:00-20:00"},
        ),
        201,
    )
    assert made["shift_times"] == [["08:00", "20:00"]] and made["enterprise_id"] is None
    bad = call(d, "staff", "post", f"{API}/posts", {"kind": "gate", "shift_times": "8-20"})
    assert bad.status_code == 400 and bad.json()["error"]["fields"] == {
        "gate": "A gate post needs its gate."
    }
    bad = call(d, "staff", "patch", f"{API}/posts/{made['id']}", {"shift_times": "8点到20点"})
    assert bad.status_code == 400 and "shift_times" in bad.json()["error"]["fields"]
    changed = ok(call(d, "staff", "patch", f"{API}/posts/{made['id']}", {"needed": 3}))
    assert changed["needed"] == 3 and changed["shift_times"] == [["08:00", "20:00"]]
    assert ok(call(d, "leader", "get", f"{API}/posts/{made['id']}"))["name"] == "呼叫中心"
    listed = ok(call(d, "leader", "get", f"{API}/posts"))
    assert {p["name"] for p in listed["items"]} == {"呼叫中心", d.post.name}
    assert [p["name"] for p in ok(call(d, "officer_a", "get", f"{API}/posts"))["items"]] == [
        d.post.name
    ]
    ok(call(d, "staff", "delete", f"{API}/posts/{made['id']}"), 204)
    assert not Post.objects.get(pk=made["id"]).active
    assert ok(call(d, "staff", "get", f"{API}/posts"))["count"] == 1
    assert ok(call(d, "staff", "get", f"{API}/posts?inactive=true"))["count"] == 2


def test_plan_repeat_roster_and_gaps(rostered: Duty) -> None:
    d = rostered
    later = d.start + dt.timedelta(days=14)
    monday = later - dt.timedelta(days=later.weekday())
    assert ok(call(d, "staff", "post", f"{API}/plan", {"start": monday.isoformat()})) == {
        "created": 14
    }
    bad = call(d, "staff", "post", f"{API}/plan", {"start": "23/11/2026"})
    assert bad.status_code == 400 and "start" in bad.json()["error"]["fields"]
    first = Shift.objects.filter(post=d.post, day=monday).order_by("starts_at").first()
    services.assign(d.staff, first, d.others[0])
    repeated = ok(
        call(
            d,
            "staff",
            "post",
            f"{API}/repeat",
            {"source": monday.isoformat(), "target": (monday + dt.timedelta(days=7)).isoformat()},
        )
    )
    assert repeated == {"assigned": 1, "skipped": []}
    week = ok(call(d, "leader", "get", f"{API}/roster?start={d.start.isoformat()}"))
    assert week["count"] == 1 and len(week["days"]) == 7
    row = week["rows"][0]
    cells = [c for day in row["days"] for c in day]
    assert len(cells) == sum(1 for _ in Shift.objects.filter(post=d.post, day__in=week["days"]))
    morning = d.shifts(0)[0]
    cell = next(c for c in cells if c["id"] == morning.pk)
    assert [p["name"] for p in cell["people"]] == ["王志愿"] and cell["short"] == 1
    assert ok(call(d, "officer_b", "get", f"{API}/roster"))["rows"] == []
    gaps = ok(call(d, "staff", "get", f"{API}/gaps"))
    assert gaps["items"][0]["day"] == timezone.localdate().isoformat()  # soonest first
    assert any(g["shift_id"] == morning.pk and g["short"] == 1 for g in gaps["items"])


def test_assign_refusals_and_unassign(rostered: Duty) -> None:
    d = rostered
    morning, evening = d.shifts(0)
    url = f"{API}/shifts/{morning.pk}/assignments"
    made = ok(call(d, "officer_a", "post", url, {"volunteer": d.others[0].pk}), 201)
    assert made["name"] == "党员0"
    full = call(d, "staff", "post", url, {"volunteer": d.others[1].pk})
    assert full.status_code == 400 and full.json()["error"]["code"] == "full"
    busy = call(
        d, "staff", "post", f"{API}/shifts/{evening.pk}/assignments", {"volunteer": d.me.pk}
    )
    assert busy.status_code == 201  # back to back is fine
    call_centre = services.save_post(
        d.staff, None, {"kind": "call_centre", "name": "呼叫中心", "shift_times": "08:00-12:00"}
    )
    services.plan_shifts(d.staff, d.start, 1, posts=[call_centre])
    clash = call(
        d,
        "staff",
        "post",
        f"{API}/shifts/{Shift.objects.get(post=call_centre).pk}/assignments",
        {"volunteer": d.others[0].pk},
    )
    assert clash.status_code == 400 and clash.json()["error"]["code"] == "busy"
    assert "党员0 is already on duty at" in clash.json()["error"]["message"]
    ok(call(d, "staff", "delete", f"{url}/{made['id']}"), 204)
    assert not Assignment.objects.filter(pk=made["id"]).exists()
    assert call(d, "staff", "delete", f"{url}/{made['id']}").status_code == 404


def test_swap_through_the_api_and_on_duty(rostered: Duty) -> None:
    d = rostered
    morning, evening = d.shifts(0)
    mine = ok(call(d, "volunteer", "get", f"{API}/mine"))
    assert [m["shift_id"] for m in mine] == [morning.pk]
    assert ok(call(d, "leader", "get", f"{API}/mine")) == []  # no volunteer profile
    asked = ok(
        call(
            d,
            "volunteer",
            "post",
            f"{API}/swaps",
            {"shift": morning.pk, "to_volunteer": d.colleague.pk, "in_return": evening.pk},
        ),
        201,
    )
    assert asked["state"] == "asked" and asked["to_name"] == "陈门岗"
    again = call(
        d,
        "volunteer",
        "post",
        f"{API}/swaps",
        {"shift": morning.pk, "to_volunteer": d.colleague.pk},
    )
    assert again.status_code == 400 and again.json()["error"]["code"] == "already"
    early = call(d, "staff", "post", f"{API}/swaps/{asked['id']}/decide", {"approve": True})
    assert early.status_code == 400 and "not agreed yet" in early.json()["error"]["message"]
    assert [s["id"] for s in ok(call(d, "gate_a", "get", f"{API}/swaps"))] == [asked["id"]]
    agreed = ok(call(d, "gate_a", "post", f"{API}/swaps/{asked['id']}/answer", {"agree": True}))
    assert agreed["state"] == "agreed"
    waiting = ok(call(d, "officer_a", "get", f"{API}/swaps?waiting=true"))
    assert [s["id"] for s in waiting] == [asked["id"]]
    assert ok(call(d, "officer_b", "get", f"{API}/swaps?waiting=true")) == []
    assert call(d, "volunteer", "get", f"{API}/swaps?waiting=true").status_code == 403
    done = ok(call(d, "officer_a", "post", f"{API}/swaps/{asked['id']}/decide", {"approve": True}))
    assert done["state"] == "approved"
    assert Assignment.objects.get(shift=morning).volunteer == d.colleague
    assert Assignment.objects.get(shift=evening).volunteer == d.me
    # On duty at the gate: nobody now (the shifts are from tomorrow); during the morning shift,
    # the colleague who took it.
    assert ok(call(d, "gate_a", "get", f"{API}/on-duty?gate_id={d.gate.pk}")) == []
    Shift.objects.filter(pk=morning.pk).update(
        starts_at=timezone.now() - dt.timedelta(hours=1),
        ends_at=timezone.now() + dt.timedelta(hours=2),
    )
    now = ok(call(d, "gate_a", "get", f"{API}/on-duty?gate_id={d.gate.pk}"))
    assert [(p["name"], p["post"]) for p in now] == [("陈门岗", d.post.name)]
    assert "mobile" not in now[0]


def test_withdraw_through_the_api(rostered: Duty) -> None:
    d = rostered
    morning, _evening = d.shifts(0)
    asked = ok(
        call(
            d,
            "volunteer",
            "post",
            f"{API}/swaps",
            {"shift": morning.pk, "to_volunteer": d.colleague.pk},
        ),
        201,
    )
    assert call(d, "gate_a", "post", f"{API}/swaps/{asked['id']}/withdraw").status_code == 403
    assert ok(call(d, "volunteer", "post", f"{API}/swaps/{asked['id']}/withdraw"))["state"] == (
        "withdrawn"
    )
    late = call(d, "gate_a", "post", f"{API}/swaps/{asked['id']}/answer", {"agree": True})
    assert late.status_code == 400 and late.json()["error"]["code"] == "state"


# --- Access table --------------------------------------------------------------------------

# (name, method, url, body, weaker personas → 403, kind, nosy): kind "object": another tenant
# (and `nosy`, an insider of another enterprise or not party to it) gets 404; "list": sees
# nothing of ours; "own": acts only on the caller's own data.
Row = tuple[str, str, Callable[[dict], str], Callable[[dict], Any], tuple[str, ...], str, str]
MANAGE_WEAKER = ("leader", "gate_a", "volunteer", "supplier", "employee_a")
VIEW_WEAKER = ("gate_a", "volunteer", "supplier", "employee_a")

ROWS: list[Row] = [
    ("posts", "get", lambda o: f"{API}/posts", lambda o: None, VIEW_WEAKER, "list", "officer_b"),
    (
        "post create",
        "post",
        lambda o: f"{API}/posts",
        lambda o: {"kind": "call_centre", "name": "另一个", "shift_times": "08:00-12:00"},
        MANAGE_WEAKER,
        "own",
        "",
    ),
    (
        "post",
        "get",
        lambda o: f"{API}/posts/{o['post']}",
        lambda o: None,
        VIEW_WEAKER,
        "object",
        "officer_b",
    ),
    (
        "post update",
        "patch",
        lambda o: f"{API}/posts/{o['post']}",
        lambda o: {"needed": 1},
        MANAGE_WEAKER,
        "object",
        "officer_b",
    ),
    (
        "post retire",
        "delete",
        lambda o: f"{API}/posts/{o['post']}",
        lambda o: None,
        MANAGE_WEAKER,
        "object",
        "officer_b",
    ),
    (
        "plan",
        "post",
        lambda o: f"{API}/plan",
        lambda o: {"start": o["later"], "days": 7, "posts": [o["post"]]},
        MANAGE_WEAKER,
        "object",
        "officer_b",
    ),
    (
        "repeat",
        "post",
        lambda o: f"{API}/repeat",
        lambda o: {"source": o["later"], "target": o["later2"]},
        MANAGE_WEAKER,
        "own",
        "",
    ),
    (
        "roster",
        "get",
        lambda o: f"{API}/roster?start={o['start']}",
        lambda o: None,
        VIEW_WEAKER,
        "list",
        "officer_b",
    ),
    ("gaps", "get", lambda o: f"{API}/gaps", lambda o: None, VIEW_WEAKER, "list", "officer_b"),
    (
        "assign",
        "post",
        lambda o: f"{API}/shifts/{o['shift']}/assignments",
        lambda o: {"volunteer": o["other"]},
        MANAGE_WEAKER,
        "object",
        "officer_b",
    ),
    (
        "unassign",
        "delete",
        lambda o: f"{API}/shifts/{o['shift']}/assignments/{o['assignment']}",
        lambda o: None,
        MANAGE_WEAKER,
        "object",
        "officer_b",
    ),
    ("mine", "get", lambda o: f"{API}/mine", lambda o: None, (), "list", "staff"),
    ("swaps", "get", lambda o: f"{API}/swaps", lambda o: None, (), "list", "staff"),
    (
        "swap request",
        "post",
        lambda o: f"{API}/swaps",
        lambda o: {"shift": o["shift"], "to_volunteer": o["other"]},
        (),
        "object",
        "staff",
    ),
    (
        "swap answer",
        "post",
        lambda o: f"{API}/swaps/{o['swap']}/answer",
        lambda o: {"agree": True},
        (),
        "object",
        "employee_a",
    ),
    (
        "swap withdraw",
        "post",
        lambda o: f"{API}/swaps/{o['swap']}/withdraw",
        lambda o: None,
        (),
        "object",
        "employee_a",
    ),
    (
        "swap decide",
        "post",
        lambda o: f"{API}/swaps/{o['swap']}/decide",
        lambda o: {"approve": True},
        MANAGE_WEAKER,
        "object",
        "officer_b",
    ),
    (
        "on duty",
        "get",
        lambda o: f"{API}/on-duty?gate_id={o['gate']}",
        lambda o: None,
        ("volunteer", "supplier", "employee_a"),
        "object",
        "officer_b",
    ),
]


@pytest.fixture
def objects(rostered: Duty) -> dict[str, Any]:
    d = rostered
    morning = d.shifts(0)[0]
    swap = services.request_swap(actor_for(d.world.users["volunteer"]), morning, d.colleague)
    later = d.start + dt.timedelta(days=21)
    later -= dt.timedelta(days=later.weekday())
    return {
        "d": d,
        "post": d.post.pk,
        "shift": morning.pk,
        "assignment": Assignment.objects.get(shift=morning, volunteer=d.me).pk,
        "other": d.others[0].pk,
        "swap": swap.pk,
        "gate": d.gate.pk,
        "start": d.start.isoformat(),
        "later": later.isoformat(),
        "later2": (later + dt.timedelta(days=7)).isoformat(),
    }


def _perm(method: str, url: str) -> Perm:
    path = url.split("?")[0].removeprefix("/api/v1")
    for template, view in router.path_operations.items():
        if re.fullmatch(re.sub(r"\{\w+\}", r"\\d+", template), path):
            for op in view.operations:
                if method.upper() in op.methods:
                    return op.view_func.required_perm
    raise AssertionError(f"no handler for {method} {url}")


def _ours(body: Any) -> bool:
    text = json.dumps(body, ensure_ascii=False)
    return any(s in text for s in ("宁波甲", "王志愿", "陈门岗", "东门"))


def _state(d: Duty) -> tuple[Any, ...]:
    return (
        Post.objects.filter(community=d.world.community).count(),
        Post.objects.get(pk=d.post.pk).needed,
        Post.objects.get(pk=d.post.pk).active,
        Shift.objects.filter(community=d.world.community).count(),
        sorted(Assignment.objects.values_list("shift_id", "volunteer_id")),
        sorted(Swap.objects.values_list("pk", "state")),
    )


def test_every_endpoint_is_in_the_table() -> None:
    listed = {
        (
            r[1].upper(),
            re.sub(
                r"\?.*",
                "",
                r[2](dict.fromkeys(("post", "shift", "assignment", "swap", "gate", "start"), 1)),
            ),
        )
        for r in ROWS
    }
    routes = {
        (m, "/api/v1" + re.sub(r"\{\w+\}", "1", template))
        for template, view in router.path_operations.items()
        for op in view.operations
        for m in op.methods
    }
    assert routes == listed


@pytest.mark.parametrize("row", ROWS, ids=[r[0] for r in ROWS])
def test_every_endpoint_refuses_weaker_roles_and_other_tenants(objects: dict, row: Row) -> None:
    _name, method, url_of, body_of, weaker, kind, nosy = row
    d: Duty = objects["d"]
    url, body = url_of(objects), body_of(objects)
    perm = _perm(method, url)
    before = _state(d)
    assert call(d, None, method, url, body).status_code == 401
    for persona in weaker:
        assert PERSONAS[persona] not in POLICY[perm], (persona, perm)
        response = call(d, persona, method, url, body)
        assert response.status_code == 403, (persona, response.status_code)
        assert response.json()["error"]["code"] == "forbidden"
    for persona in ("outsider_staff", "outsider_officer", "outsider_leader", nosy):
        if not persona:
            continue
        response = call(d, persona, method, url, body)
        if PERSONAS[persona] not in POLICY[perm]:
            assert response.status_code == 403, (persona, response.status_code)
        elif kind == "object":
            assert response.status_code in (400, 404), (persona, response.status_code)
            if response.status_code == 400:  # no volunteer profile: says so, changes nothing
                assert response.json()["error"]["code"] == "no_profile", persona
            else:
                assert response.json()["error"]["code"] == "not_found"
        elif kind == "list":
            assert response.status_code == 200, (persona, response.status_code)
            assert not _ours(response.json()), persona
    if kind != "own":
        assert _state(d) == before
