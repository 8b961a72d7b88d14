"""Every screening page and endpoint refuses weaker roles and other tenants."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.access_helpers import assert_refused
from workgate.core.models import Role
from workgate.screening import services
from workgate.screening.models import CallTask, Campaign, RiskList

LEADER_STAFF = {Role.LEADER, Role.STAFF}
RISK_VIEW = {Role.LEADER, Role.STAFF, Role.OFFICER}
STAFF = {Role.STAFF}
CALLERS = {Role.STAFF, Role.VOLUNTEER}


@pytest.fixture
def objects(screening):
    world = screening.world
    campaign = services.campaign_create(
        actor=screening.staff, name="排查", target={"non_local": True}
    )
    services.callers_add(
        actor=screening.staff,
        campaign=campaign,
        user_ids=[world.users["volunteer"].pk, world.users["staff"].pk],
    )
    services.campaign_build(campaign_id=campaign.pk)
    draft = services.campaign_create(actor=screening.staff, name="草稿", target={"non_local": True})
    task = services.call_next(actor=screening.volunteer, campaign=campaign)
    risk_list = services.risk_list_check(
        actor=screening.staff,
        upload=SimpleUploadedFile("l.csv", "地区,等级\n湖北省,高\n".encode()),
        effective_from=dt.date(2020, 2, 1),
    )
    caller = campaign.callers.get(user=world.users["staff"])
    other = campaign.callers.get(user=world.users["volunteer"])
    person = screening.hubei[1]  # enterprise A
    assert person.enterprise_id == world.enterprise_a.pk
    return {
        "campaign": campaign,
        "draft": draft,
        "task": task,
        "list": risk_list,
        "caller": caller,
        "other": other,
        "person": person,
    }


def pages(o):
    c, t = o["campaign"].pk, o["task"].pk
    return [
        ("get", "/screening/regions/", RISK_VIEW, None, None),
        ("post", "/screening/regions/set/", STAFF, None, None),
        ("post", "/screening/policy/", STAFF, None, None),
        ("post", "/screening/reassess/", STAFF, None, None),
        ("get", "/screening/risk-lists/", STAFF, None, None),
        ("get", f"/screening/risk-lists/{o['list'].pk}/", STAFF, None, None),
        ("get", "/screening/people/", RISK_VIEW, None, None),
        (
            "get",
            f"/screening/people/{o['person'].pk}/",
            RISK_VIEW,
            ["leader", "staff", "officer_a"],
            None,
        ),
        ("get", "/screening/campaigns/", LEADER_STAFF, None, None),
        ("get", "/screening/campaigns/new/", STAFF, None, None),
        ("post", "/screening/campaigns/preview/", STAFF, None, None),
        ("get", f"/screening/campaigns/{c}/", LEADER_STAFF, None, None),
        ("get", f"/screening/campaigns/{c}/people/traced/", LEADER_STAFF, None, None),
        ("post", f"/screening/campaigns/{c}/callers/", STAFF, None, None),
        (
            "post",
            f"/screening/campaigns/{c}/callers/{o['caller'].pk}/",
            STAFF,
            None,
            {"capacity": 2, "active": "on"},
        ),
        (
            "post",
            f"/screening/campaigns/{c}/callers/{o['caller'].pk}/reassign/",
            STAFF,
            None,
            {"to": o["other"].pk},
        ),
        ("post", f"/screening/campaigns/{o['draft'].pk}/launch/", STAFF, None, None),
        ("get", "/screening/calls/", CALLERS, None, None),
        ("get", f"/screening/calls/{c}/", CALLERS, None, None),
        ("post", f"/screening/calls/{c}/next/", CALLERS, None, None),
        ("get", f"/screening/calls/task/{t}/", CALLERS, ["volunteer"], None),
        (
            "post",
            f"/screening/calls/task/{t}/outcome/",
            CALLERS,
            ["volunteer"],
            {"client_id": str(uuid.uuid4()), "outcome": "no_answer"},
        ),
        ("get", "/screening/returns/", RISK_VIEW, None, None),
        ("post", f"/screening/campaigns/{c}/close/", STAFF, None, None),
    ]


def test_every_page_refuses_strangers(objects, screening):
    for method, url, allowed, personas, data in pages(objects):
        assert_refused(
            screening.world, url, allowed, method=method, data=data, allowed_personas=personas
        )


def test_release_and_discard_refuse_strangers(objects, screening):
    assert_refused(
        screening.world,
        f"/screening/calls/task/{objects['task'].pk}/release/",
        CALLERS,
        method="post",
        allowed_personas=["volunteer"],
    )
    assert_refused(
        screening.world,
        f"/screening/risk-lists/{objects['list'].pk}/discard/",
        STAFF,
        method="post",
    )
    assert RiskList.objects.get().status == "discarded"


def test_apply_refuses_strangers(objects, screening):
    assert_refused(
        screening.world, f"/screening/risk-lists/{objects['list'].pk}/apply/", STAFF, method="post"
    )
    assert RiskList.objects.get().status == "applied"


def test_region_history_shows_only_this_communitys_entries(objects, screening):
    own = screening.world.client("officer_a").get("/screening/regions/420000/")
    assert own.status_code == 200 and "2020-01-23" in own.content.decode()
    outsider = screening.world.client("outsider_staff").get("/screening/regions/420000/")
    assert outsider.status_code == 200 and "2020-01-23" not in outsider.content.decode()
    for persona in ("gate_a", "volunteer", "supplier", "employee_a"):
        assert screening.world.client(persona).get("/screening/regions/420000/").status_code == 403


def api_calls(o):
    c = o["campaign"].pk
    return [
        ("get", "/api/v1/screening/regions", RISK_VIEW, None, None),
        ("get", f"/api/v1/screening/risk-lists/{o['list'].pk}", STAFF, None, None),
        ("get", "/api/v1/screening/policy", RISK_VIEW, None, None),
        (
            "get",
            f"/api/v1/screening/employees/{o['person'].pk}/risk",
            RISK_VIEW,
            ["leader", "staff", "officer_a"],
            None,
        ),
        ("get", "/api/v1/screening/campaigns", LEADER_STAFF, None, None),
        ("get", f"/api/v1/screening/campaigns/{c}", LEADER_STAFF, None, None),
        ("get", f"/api/v1/screening/campaigns/{c}/assignments", LEADER_STAFF, None, None),
        ("get", "/api/v1/screening/return-plans", RISK_VIEW, None, None),
    ]


def test_every_endpoint_refuses_strangers(objects, screening):
    for method, url, allowed, personas, data in api_calls(objects):
        assert_refused(
            screening.world, url, allowed, method=method, data=data, allowed_personas=personas
        )


def _json(client, method, url, body):
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


def test_write_endpoints_refuse_weaker_roles_and_other_tenants(objects, screening):
    world = screening.world
    c, t = objects["campaign"].pk, objects["task"].pk
    writes = [
        ("put", "/api/v1/screening/regions/330300", {"level": "medium"}, STAFF),
        (
            "put",
            "/api/v1/screening/policy",
            {"window_days": 14, "quarantine_levels": ["high"], "delay_levels": ["high"]},
            STAFF,
        ),
        ("post", "/api/v1/screening/campaigns/preview", {"non_local": True}, STAFF),
        (
            "post",
            "/api/v1/screening/campaigns",
            {"name": "x", "target": {"non_local": True}},
            STAFF,
        ),
        (
            "post",
            f"/api/v1/screening/campaigns/{c}/callers",
            {"user_ids": [world.users["volunteer"].pk]},
            STAFF,
        ),
        (
            "patch",
            f"/api/v1/screening/campaigns/{c}/callers/{objects['caller'].pk}",
            {"capacity": 2},
            STAFF,
        ),
        (
            "post",
            f"/api/v1/screening/campaigns/{c}/callers/{objects['caller'].pk}/reassign",
            {"to_caller_id": objects["other"].pk},
            STAFF,
        ),
        ("post", f"/api/v1/screening/campaigns/{objects['draft'].pk}/launch", {}, STAFF),
        ("post", f"/api/v1/screening/campaigns/{c}/next", {}, CALLERS),
        (
            "post",
            f"/api/v1/screening/assignments/{t}/outcome",
            {"client_id": str(uuid.uuid4()), "outcome": "no_answer"},
            {Role.VOLUNTEER},
        ),
    ]
    for method, url, body, allowed in writes:
        assert _json(world.client(None), method, url, body).status_code == 401, url
        for persona in (
            "leader",
            "officer_a",
            "gate_a",
            "supplier",
            "employee_a",
            "volunteer",
            "staff",
        ):
            role = Role.VOLUNTEER if persona == "volunteer" else Role(persona.split("_")[0])
            if role in allowed:
                continue
            assert _json(world.client(persona), method, url, body).status_code in (403, 404), (
                url,
                persona,
            )
        for persona in ("outsider_staff", "outsider_officer"):
            status = _json(world.client(persona), method, url, body).status_code
            if "/campaigns/" in url and url.rstrip("/").split("/")[-1] not in (
                "preview",
                "campaigns",
            ):
                assert status in (403, 404), (url, persona)
    assert Campaign.objects.get(pk=objects["draft"].pk).status == "draft"


def test_upload_and_apply_endpoints(objects, screening):
    client = screening.world.client("staff")
    response = client.post(
        "/api/v1/screening/risk-lists",
        {
            "file": SimpleUploadedFile("l.csv", b"code,level\n420000,high\n999999,high\n"),
            "effective_from": "2020-02-01",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["unknown_count"] == 1 and body["rows"][1]["error"]
    assert (
        screening.world.client("officer_a")
        .post(f"/api/v1/screening/risk-lists/{body['id']}/apply")
        .status_code
        == 403
    )
    assert (
        screening.world.client("outsider_staff")
        .post(f"/api/v1/screening/risk-lists/{body['id']}/apply")
        .status_code
        == 404
    )
    applied = client.post(f"/api/v1/screening/risk-lists/{body['id']}/apply")
    assert applied.status_code == 200 and applied.json()["job_id"]
    release = screening.world.client("staff").post(
        f"/api/v1/screening/assignments/{objects['task'].pk}/release"
    )
    assert release.status_code == 404  # the volunteer holds it, not staff


def test_the_api_caller_flow_is_idempotent(objects, screening):
    client = screening.world.client("volunteer")
    c = objects["campaign"].pk
    served = client.post(f"/api/v1/screening/campaigns/{c}/next").json()
    assert served["id"] == objects["task"].pk  # the lease already held comes back
    assert len(served["mobile"]) == 11 and "*" in served["id_number_masked"]
    body = {
        "client_id": str(uuid.uuid4()),
        "outcome": "reached",
        "region": "420102",
        "delay_agreed": True,
    }
    first = _json(client, "post", f"/api/v1/screening/assignments/{served['id']}/outcome", body)
    second = _json(client, "post", f"/api/v1/screening/assignments/{served['id']}/outcome", body)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert CallTask.objects.get(pk=served["id"]).attempts == 1
    progress = screening.world.client("leader").get(f"/api/v1/screening/campaigns/{c}").json()
    assert progress["figures"]["calls"] == 1 and progress["figures"]["delayed"] == 1
    risk = (
        screening.world.client("officer_a")
        .get(f"/api/v1/screening/employees/{objects['person'].pk}/risk")
        .json()
    )
    assert risk["level"] in ("high", "unknown", "low", "medium") and isinstance(
        risk["reasons"], list
    )
