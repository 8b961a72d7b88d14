"""The grid API as its callers use it: a member's people with today's status and nobody else's
(another member's grid, another enterprise, another community); grids created, read, changed,
deleted, a chat group's members set, a grid per workshop; refusals naming the field; every
endpoint refusing a weaker role (403) and another tenant (404, or nothing of ours in a list)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.conftest import PERSONAS
from tests.grid.conftest import Grids
from workgate.core.access import POLICY, Perm
from workgate.core.models import AuditEntry
from workgate.grid.api import router
from workgate.grid.models import Grid
from workgate.registry.models import Workshop

API = "/api/v1/grid"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def call(g: Grids, persona: str, method: str, url: str, body: Any = None, **kw: Any) -> Any:
    client = g.world.client(persona)
    if method == "get":
        return client.get(url, body or {}, **kw)
    return getattr(client, method)(
        url, json.dumps(body or {}), content_type="application/json", **kw
    )


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content.decode()
    return response.json() if response.content else None


def people(body: dict) -> set[str]:
    return {p["name"] for p in body["people"]}


def test_a_member_sees_only_their_grid(grids: Grids) -> None:
    g = grids
    mine = ok(call(g, "member1", "get", f"{API}/mine"))
    assert people(mine) == {"王已检", "赵隔离", "钱未检"}
    assert mine["counts"] == {"quarantine": 1, "fever": 0, "missing": 1, "checked": 1, "away": 0}
    assert mine["total"] == 3
    assert [r["name"] for r in mine["grids"]] == ["一车间"]
    first = mine["people"][0]
    assert (first["name"], first["status"], first["grids"]) == ("赵隔离", "quarantine", ["一车间"])
    assert first["mobile_masked"] == "138****4444"
    assert "13833334444" not in json.dumps(mine)
    assert set(first) >= {"enterprise", "workshop", "dorm_room", "status_label"}
    assert "id_number" not in json.dumps(mine)

    assert people(ok(call(g, "member2", "get", f"{API}/mine"))) == {"李二车间", "周发热"}
    assert people(ok(call(g, "outsider_member", "get", f"{API}/mine"))) == {"外区甲"}
    empty = ok(call(g, "volunteer", "get", f"{API}/mine"))
    assert (empty["people"], empty["grids"], empty["total"]) == ([], [], 0)

    only = ok(call(g, "member1", "get", f"{API}/mine", {"status": "missing"}))
    assert people(only) == {"钱未检"} and only["total"] == 3
    bad = call(g, "member1", "get", f"{API}/mine", {"status": "sick"}, **EN)
    assert bad.status_code == 400
    assert "status" in bad.json()["error"]["fields"]
    # Each answer with people in it is audited, without names.
    reveals = AuditEntry.objects.filter(user=g.member1, action=AuditEntry.Action.REVEAL)
    assert reveals.count() == 2
    assert [e.detail["people"] for e in reveals.order_by("pk")] == [3, 1]


def test_grids_with_todays_counts_for_each_tenant(grids: Grids) -> None:
    g = grids
    rows = ok(call(g, "staff", "get", f"{API}/grids"))["items"]
    assert {r["name"] for r in rows} == {"一车间", "二车间", "3号楼"}
    one = next(r for r in rows if r["name"] == "一车间")
    assert (one["people"], one["counts"]["quarantine"], one["responsible"]) == (3, 1, "member1")
    dorm = next(r for r in rows if r["name"] == "3号楼")
    assert (dorm["people"], dorm["counts"]["fever"], dorm["dorm_prefix"]) == (1, 1, "3号楼")
    assert {r["name"] for r in ok(call(g, "officer_a", "get", f"{API}/grids"))["items"]} == {
        "一车间",
        "二车间",
    }
    only_b = ok(call(g, "staff", "get", f"{API}/grids", {"enterprise": g.world.enterprise_b.pk}))
    assert [r["name"] for r in only_b["items"]] == ["3号楼"]
    other = ok(call(g, "outsider_staff", "get", f"{API}/grids"))["items"]
    assert [r["id"] for r in other] == [g.g_other.pk]
    paged = ok(call(g, "staff", "get", f"{API}/grids", {"limit": 1, "offset": 1}))
    assert paged["count"] == 3 and len(paged["items"]) == 1
    people_of = ok(call(g, "leader", "get", f"{API}/grids/{g.g1.pk}/people"))
    assert {p["name"] for p in people_of} == {"王已检", "赵隔离", "钱未检"}


def test_create_read_update_members_delete(grids: Grids) -> None:
    g = grids
    a = g.world.enterprise_a
    made = ok(
        call(
            g,
            "staff",
            "post",
            f"{API}/grids",
            {"enterprise": a.pk, "kind": "chat", "name": "防疫群", "responsible": g.member2.pk},
        ),
        201,
    )
    assert (made["enterprise_id"], made["kind"], made["people"]) == (a.pk, "chat", 0)
    wang, qian = (a.employees.get(name=n).pk for n in ("王已检", "钱未检"))
    after = ok(
        call(
            g, "officer_a", "put", f"{API}/grids/{made['id']}/members", {"employees": [wang, qian]}
        )
    )
    assert after["people"] == 2 and after["counts"]["checked"] == 1
    assert people(ok(call(g, "member2", "get", f"{API}/mine"))) == {
        "李二车间",
        "周发热",
        "王已检",
        "钱未检",
    }
    changed = ok(
        call(
            g,
            "officer_a",
            "patch",
            f"{API}/grids/{made['id']}",
            {"responsible": None, "name": "群二"},
        )
    )
    assert (changed["name"], changed["responsible_id"]) == ("群二", None)
    assert ok(call(g, "leader", "get", f"{API}/grids/{made['id']}"))["name"] == "群二"
    # An officer creates in their own enterprise, whatever enterprise is named.
    own = ok(
        call(
            g,
            "officer_b",
            "post",
            f"{API}/grids",
            {"enterprise": a.pk, "kind": "dorm", "dorm_prefix": "5号楼"},
        ),
        201,
    )
    assert own["enterprise_id"] == g.world.enterprise_b.pk and own["people"] == 1
    assert call(g, "officer_a", "delete", f"{API}/grids/{made['id']}").status_code == 204
    assert not Grid.objects.filter(pk=made["id"]).exists()


def test_fill_from_workshops(grids: Grids) -> None:
    g = grids
    Workshop.objects.create(enterprise=g.world.enterprise_b, name="包装车间")
    made = ok(
        call(g, "officer_b", "post", f"{API}/enterprises/{g.world.enterprise_b.pk}/fill"), 201
    )
    assert sorted(r["name"] for r in made) == ["包装车间", "装配车间"]
    assert next(r for r in made if r["name"] == "装配车间")["people"] == 2
    assert (
        ok(call(g, "staff", "post", f"{API}/enterprises/{g.world.enterprise_b.pk}/fill"), 201) == []
    )


WORKSHOP = "Choose a workshop of this enterprise."


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"kind": "workshop", "workshop": "ws_b"}, "workshop", WORKSHOP),
        ({"kind": "workshop", "workshop": "ws_o"}, "workshop", WORKSHOP),
        ({"kind": "workshop"}, "workshop", WORKSHOP),
        ({"kind": "dorm", "dorm_prefix": " "}, "dorm_prefix", "how the building's rooms begin"),
        ({"kind": "chat", "name": "x", "responsible": "outsider"}, "responsible", "active member"),
        ({"kind": "chat", "name": "一车间"}, "name", "already has a grid of this name"),
        ({"kind": "tent", "name": "x"}, "kind", "Choose workshop, dormitory or chat group."),
    ],
)
def test_bad_input_is_refused_naming_the_field(grids, body, field, message) -> None:
    g = grids
    ids = {"ws_b": g.ws_b.pk, "ws_o": g.ws_o.pk, "outsider": g.outsider_member.pk}
    body = {k: ids.get(v, v) for k, v in body.items()}
    before = Grid.objects.count()
    response = call(g, "officer_a", "post", f"{API}/grids", body, **EN)
    assert response.status_code == 400, response.content.decode()
    error = response.json()["error"]
    assert message in error["fields"][field]
    assert Grid.objects.count() == before
    # The same through a change of an existing grid.
    if field in body and field in ("workshop", "dorm_prefix"):
        response = call(g, "officer_a", "patch", f"{API}/grids/{g.g1.pk}", body, **EN)
        assert response.status_code == 400 and field in response.json()["error"]["fields"]
        assert Grid.objects.get(pk=g.g1.pk).kind == "workshop"


def test_members_of_another_enterprise_or_community_are_refused(grids: Grids) -> None:
    g = grids
    chat = ok(
        call(
            g,
            "staff",
            "post",
            f"{API}/grids",
            {"enterprise": g.world.enterprise_a.pk, "kind": "chat", "name": "群"},
        ),
        201,
    )
    zhou = g.world.enterprise_b.employees.get(name="周发热").pk
    stranger = g.world.enterprise_other.employees.get(name="外区甲").pk
    for ids in ([zhou], [stranger]):
        response = call(
            g, "staff", "put", f"{API}/grids/{chat['id']}/members", {"employees": ids}, **EN
        )
        assert response.status_code == 400
        assert "members" in response.json()["error"]["fields"]
    assert Grid.objects.get(pk=chat["id"]).members.count() == 0
    response = call(g, "staff", "put", f"{API}/grids/{g.g1.pk}/members", {"employees": []}, **EN)
    assert response.status_code == 400 and "members" in response.json()["error"]["fields"]


# --- Every endpoint refuses a weaker role and another tenant ----------------------------------

# name, method, url, body, weaker personas, kind (object | list | own), nosy insider
SEE = ("gate_a", "volunteer", "supplier", "employee_a", "member1")  # may not see grids
KEEP = ("leader", *SEE)  # may not change them
ROWS = [
    ("mine", "get", "{api}/mine", None, (), "mine", ""),
    ("list", "get", "{api}/grids", None, SEE, "list", "officer_b"),
    ("create", "post", "{api}/grids", {"kind": "chat", "name": "新群"}, KEEP, "own", ""),
    ("read", "get", "{api}/grids/{g1}", None, SEE, "object", "officer_b"),
    ("people", "get", "{api}/grids/{g1}/people", None, SEE, "object", "officer_b"),
    ("update", "patch", "{api}/grids/{g1}", {"name": "改"}, KEEP, "object", "officer_b"),
    ("delete", "delete", "{api}/grids/{g1}", None, KEEP, "object", "officer_b"),
    ("members", "put", "{api}/grids/{g1}/members", {"employees": []}, KEEP, "object", "officer_b"),
    ("fill", "post", "{api}/enterprises/{a}/fill", None, KEEP, "object", "officer_b"),
]


def _perm(method: str, url: str) -> Perm:
    path = url.split("?")[0].removeprefix("/api/v1")
    for template, view in router.path_operations.items():
        if re.fullmatch(re.sub(r"\{\w+\}", r"\\d+", template), path):
            for op in view.operations:
                if method.upper() in op.methods:
                    return op.view_func.required_perm
    raise AssertionError(f"no handler for {method} {url}")


def test_every_endpoint_is_in_the_table() -> None:
    listed = {
        (m.upper(), u.format(api="/grid", g1="{grid_id}", a="{enterprise_id}"))
        for _n, m, u, *_ in ROWS
    }
    served = {
        (method, path)
        for path, view in router.path_operations.items()
        for op in view.operations
        for method in op.methods
    }
    assert served == listed


@pytest.mark.parametrize("row", ROWS, ids=[r[0] for r in ROWS])
def test_every_endpoint_refuses_weaker_roles_and_other_tenants(grids: Grids, row) -> None:
    g = grids
    _name, method, template, body, weaker, kind, nosy = row
    url = template.format(api=API, g1=g.g1.pk, a=g.world.enterprise_a.pk)
    perm = _perm(method, url)
    before = (Grid.objects.count(), Grid.objects.get(pk=g.g1.pk).name)
    anonymous = getattr(g.world.client(None), method)(url)
    assert anonymous.status_code == 401
    for persona in weaker:
        assert PERSONAS.get(persona, "volunteer") not in POLICY[perm], (persona, perm)
        response = call(g, persona, method, url, body)
        assert response.status_code == 403, (persona, response.status_code)
        assert response.json()["error"]["code"] == "forbidden"
    if kind == "mine":
        # Everyone may ask; each answer holds only the asker's own people.
        for persona in ("outsider_staff", "outsider_officer", "leader", "officer_b"):
            assert ok(call(g, persona, method, url))["people"] == []
        return
    if kind == "own":
        return  # creates in the caller's own tenant
    for persona in ("outsider_staff", "outsider_officer", "outsider_leader", nosy):
        response = call(g, persona, method, url, body)
        if PERSONAS[persona] not in POLICY[perm]:
            assert response.status_code == 403, (persona, response.status_code)
        elif kind == "object":
            assert response.status_code == 404, (persona, response.status_code)
            assert response.json()["error"]["code"] == "not_found"
        else:
            assert response.status_code == 200
            assert g.g1.pk not in {r["id"] for r in response.json()["items"]}
    assert (Grid.objects.count(), Grid.objects.get(pk=g.g1.pk).name) == before
