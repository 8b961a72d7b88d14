"""The device API: batches and single checks with a gate token, idempotent by client id,
per-item reasons, all-or-none; and the access rules of every daily-health endpoint."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from django.test import Client
from django.utils import timezone

from tests.access_helpers import assert_refused
from tests.health.conftest import Health
from workgate.core.access import Actor
from workgate.core.models import Role
from workgate.core.services import token_create
from workgate.health.models import Check, Incident


def bearer(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def post(secret: str, url: str, body: object) -> object:
    return Client().post(url, json.dumps(body), content_type="application/json", **bearer(secret))


def item(health: Health, employee, temp: object = "36.5", **kw: object) -> dict:
    body = {
        "id": str(uuid.uuid4()),
        "pass_code": health.code(employee),
        "temperature": temp,
        "masks_issued": 1,
        "taken_at": timezone.now().isoformat(),
        "gate": health.gate.pk,
    }
    body.update(kw)
    return body


def test_batch_answers_each_item_and_a_replay_creates_nothing(health: Health) -> None:
    checks = [item(health, e) for e in health.a]
    checks.append(item(health, health.a[0], temp=38.1))
    response = post(health.token, "/api/v1/checks/batch", {"checks": checks})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["created"], body["duplicate"], body["rejected"]) == (6, 0, 0)
    assert body["results"][-1]["fever"] is True
    assert body["results"][-1]["incident_id"]
    assert Check.objects.count() == 6
    assert Check.objects.filter(source="device").count() == 6

    replay = post(health.token, "/api/v1/checks/batch", {"checks": checks}).json()
    assert (replay["created"], replay["duplicate"], replay["rejected"]) == (0, 6, 0)
    assert Check.objects.count() == 6
    assert Incident.objects.count() == 1


def test_bad_items_get_reasons_and_the_good_ones_are_kept(health: Health) -> None:
    now = timezone.now()
    checks = [
        item(health, health.a[0]),
        item(health, health.a[1], pass_code="ZZZZZZZZZZZZ"),
        item(health, health.b[0], pass_code=health.code(health.b[0])),
        item(health, health.a[2], taken_at=(now + dt.timedelta(days=1)).isoformat()),
        item(health, health.a[3], taken_at=(now - dt.timedelta(days=5)).isoformat()),
        item(health, health.a[4], temp="29.0"),
    ]
    body = post(health.token, "/api/v1/checks/batch", {"checks": checks}).json()
    statuses = [r["status"] for r in body["results"]]
    assert statuses == ["created"] + ["rejected"] * 5
    assert [r["field"] for r in body["results"][1:]] == [
        "pass_code",
        "person",
        "taken_at",
        "taken_at",
        "temperature",
    ]
    assert all(r["reason"] for r in body["results"][1:])
    assert Check.objects.count() == 1


def test_reasons_come_in_the_callers_language(health: Health) -> None:
    checks = [item(health, health.a[0], pass_code="ZZZZZZZZZZZZ")]
    response = Client().post(
        "/api/v1/checks/batch",
        json.dumps({"checks": checks}),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
        **bearer(health.token),
    )
    reason = response.json()["results"][0]["reason"]
    assert "ZZZZZZZZZZZZ" in reason
    assert any("\u4e00" <= ch <= "\u9fff" for ch in reason), reason


def test_a_malformed_batch_is_refused_whole_naming_the_item(health: Health) -> None:
    checks = [item(health, health.a[0]), {**item(health, health.a[1]), "id": "not-a-uuid"}]
    response = post(health.token, "/api/v1/checks/batch", {"checks": checks})
    assert response.status_code == 422
    fields = response.json()["error"]["fields"]
    assert any(key.startswith("checks.1.id") for key in fields), fields
    assert Check.objects.count() == 0
    assert post(health.token, "/api/v1/checks/batch", {"nothing": []}).status_code == 422
    broken = Client().post(
        "/api/v1/checks/batch", "{not json", content_type="application/json", **bearer(health.token)
    )
    assert broken.status_code in (400, 422)
    assert Check.objects.count() == 0


def test_a_batch_over_the_limit_is_refused(health: Health) -> None:
    checks = [item(health, health.a[0]) for _ in range(1001)]
    response = post(health.token, "/api/v1/checks/batch", {"checks": checks})
    assert response.status_code == 422
    assert Check.objects.count() == 0


def test_a_token_of_another_enterprise_cannot_check_in_here(health: Health) -> None:
    world = health.world
    staff = Actor(
        community_id=world.community.pk,
        enterprise_id=None,
        role=Role.STAFF,
        user=world.users["staff"],
    )
    _t, other = token_create(
        actor=staff, name="乙门", role=Role.GATE, enterprise_id=world.enterprise_b.pk
    )
    body = post(other, "/api/v1/checks/batch", {"checks": [item(health, health.a[0])]}).json()
    result = body["results"][0]
    assert result["status"] == "rejected"
    assert result["field"] == "person"
    assert Check.objects.count() == 0


def test_single_check_endpoint_follows_the_same_rules(health: Health) -> None:
    one = item(health, health.a[0])
    first = post(health.token, "/api/v1/checks", one)
    assert first.status_code == 201
    assert first.json()["status"] == "created"
    again = post(health.token, "/api/v1/checks", one)
    assert again.status_code == 200
    assert again.json()["status"] == "duplicate"
    bad = post(health.token, "/api/v1/checks", item(health, health.a[1], temp="45"))
    assert bad.status_code == 422
    assert bad.json()["status"] == "rejected"
    assert Check.objects.count() == 1


def test_check_by_employee_id_for_a_round(health: Health) -> None:
    one = {
        "id": str(uuid.uuid4()),
        "employee_id": health.a[0].pk,
        "temperature": "36.4",
        "kind": "round",
    }
    response = post(health.token, "/api/v1/checks", one)
    assert response.status_code == 201, response.content
    check = Check.objects.get()
    assert (check.kind, check.gate_id) == ("round", None)


def test_an_employee_account_without_a_file_is_told_why(health: Health) -> None:
    client = health.world.client("employee_a")
    response = client.get("/api/v1/health/pass", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "not linked" in response.json()["error"]["message"]
    chinese = client.get("/api/v1/health/pass", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "尚未关联员工档案" in chinese.json()["error"]["message"]


def test_round_status_and_missing_list_through_the_api(health: Health) -> None:
    post(health.token, "/api/v1/checks/batch", {"checks": [item(health, health.a[0])]})
    client = health.world.client("officer_a")
    status = client.get("/api/v1/health/rounds").json()
    assert status["on_duty"] == 6  # five of the fixture plus the shared file of enterprise A
    assert status["checked"] == 1
    missing = client.get("/api/v1/health/rounds/missing").json()
    assert missing["count"] == 5
    assert all("*" in row["id_number"] for row in missing["items"])
    masks = client.get("/api/v1/health/masks").json()
    assert masks == [{"enterprise_id": health.world.enterprise_a.pk, "masks": 1, "checks": 1}]


@pytest.mark.parametrize(
    ("url", "allowed", "method"),
    [
        ("/api/v1/checks/batch", {Role.STAFF, Role.OFFICER, Role.GATE}, "post"),
        ("/api/v1/checks", {Role.STAFF, Role.OFFICER, Role.GATE}, "post"),
        ("/api/v1/health/rounds", {Role.LEADER, Role.STAFF, Role.OFFICER, Role.GATE}, "get"),
        (
            "/api/v1/health/rounds/missing",
            {Role.LEADER, Role.STAFF, Role.OFFICER, Role.GATE},
            "get",
        ),
        ("/api/v1/health/masks", {Role.LEADER, Role.STAFF, Role.OFFICER, Role.GATE}, "get"),
        ("/api/v1/health/incidents", {Role.LEADER, Role.STAFF, Role.OFFICER}, "get"),
        ("/api/v1/health/gates", {Role.STAFF, Role.OFFICER, Role.GATE}, "get"),
        ("/api/v1/health/pass", {Role.EMPLOYEE}, "get"),
        ("/api/v1/health/declarations/mine", {Role.EMPLOYEE}, "get"),
    ],
)
def test_health_endpoints_refuse_weaker_roles_and_other_tenants(
    health: Health, url: str, allowed: set[Role], method: str
) -> None:
    if method == "post":
        roles = ("leader", "volunteer", "supplier", "employee_a")
        body = {"checks": []} if url.endswith("batch") else item(health, health.a[0])
        for persona in roles:
            response = health.world.client(persona).post(
                url, json.dumps(body), content_type="application/json"
            )
            assert response.status_code == 403, (url, persona, response.status_code)
        assert Client().post(url, "{}", content_type="application/json").status_code == 401
        return
    if Role.EMPLOYEE in allowed:
        health.a[0].user = health.world.users["employee_a"]
        health.a[0].save(update_fields=["user"])
    assert_refused(health.world, url, allowed, marker=health.a[0].name)


def test_incident_and_roster_of_another_enterprise_are_not_found(health: Health) -> None:
    body = post(
        health.token, "/api/v1/checks/batch", {"checks": [item(health, health.a[0], temp=38.4)]}
    ).json()
    incident_id = body["results"][0]["incident_id"]
    assert (
        health.world.client("officer_a").get(f"/api/v1/health/incidents/{incident_id}").status_code
        == 200
    )
    assert (
        health.world.client("officer_b").get(f"/api/v1/health/incidents/{incident_id}").status_code
        == 404
    )
    assert (
        health.world.client("outsider_staff")
        .get(f"/api/v1/health/incidents/{incident_id}")
        .status_code
        == 404
    )
    moved = health.world.client("officer_b").post(
        f"/api/v1/health/incidents/{incident_id}/advance",
        json.dumps({"temperature": "36.5"}),
        content_type="application/json",
    )
    assert moved.status_code == 404
    roster = health.world.client("gate_a").get(f"/api/v1/health/gates/{health.gate.pk}/roster")
    assert roster.status_code == 200
    people = roster.json()["people"]
    assert {p["n"] for p in people} >= {e.name for e in health.a}
    assert all(len(p["i"]) == 4 for p in people)
    assert (
        health.world.client("gate_a")
        .get(f"/api/v1/health/gates/{health.gate_b.pk}/roster")
        .status_code
        == 404
    )


def test_officers_list_the_days_declarations_flagged_first(health: Health) -> None:
    from workgate.core.models import Membership
    from workgate.health.services import DeclarationInput, declaration_submit

    world = health.world
    for n, symptoms in ((0, ["cough"]), (1, [])):
        person = health.a[n]
        user = world.users["employee_a"] if n == 0 else None
        if user is None:
            from tests.factories import make_user

            user = make_user(f"emp{n}", Role.EMPLOYEE, world.community, world.enterprise_a)
        person.user = user
        person.save(update_fields=["user"])
        actor = Actor.from_membership(Membership.objects.get(user=user))
        declaration_submit(
            actor=actor,
            employee=person,
            data=DeclarationInput(
                temperature="36.6", symptoms=symptoms, whereabouts="dorm", contact_with_case=False
            ),
        )
    officer = world.client("officer_a")
    everyone = officer.get("/api/v1/health/declarations").json()
    assert everyone["count"] == 2
    flagged = officer.get("/api/v1/health/declarations?flagged=true").json()
    assert [d["employee_name"] for d in flagged["items"]] == [health.a[0].name]
    assert flagged["items"][0]["symptoms"] == ["cough"]
    assert world.client("officer_b").get("/api/v1/health/declarations").json()["count"] == 0
    assert world.client("gate_a").get("/api/v1/health/declarations").status_code == 403
    assert world.client("outsider_staff").get("/api/v1/health/declarations").json()["count"] == 0
