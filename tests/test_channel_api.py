"""API of the notification channels: robots (webhook key and secret go in, never out), one's own
channel choices, the delivery log and retry; refusals name the field; weaker roles get 403,
another tenant's robot or message 404, and each person reads and writes only their own choices."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.access_helpers import OUTSIDERS
from tests.conftest import PERSONAS
from tests.test_channels import robots  # noqa: F401  (the local webhook server)
from workgate.api import api
from workgate.core import channels
from workgate.core.access import POLICY, Actor, Perm
from workgate.core.channels import robot_save, send_due
from workgate.core.models import AuditEntry, ChannelChoice, Delivery, GroupRobot, Membership, Role
from workgate.core.services import token_create

API = "/api/v1/channels"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
TOKEN = "0123456789abcdef0123456789abcdef01234567"
DING_URL = f"https://oapi.dingtalk.com/robot/send?access_token={TOKEN}"
SECRET = "SECfedcba98765432100123456789abcdef"


@pytest.fixture(autouse=True)
def _short_timeout(monkeypatch):
    monkeypatch.setattr(channels, "TIMEOUT", 0.5)


def call(world, persona: str, method: str, url: str, body: Any = None) -> Any:
    client = world.client(persona)
    if method == "get":
        return client.get(url, body or {}, **EN)
    return getattr(client, method)(
        url, json.dumps(body or {}), content_type="application/json", **EN
    )


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content.decode()
    return response.json() if response.content else None


def refused(response: Any, status: int, field: str | None = None) -> dict:
    assert response.status_code == status, response.content.decode()
    error = response.json()["error"]
    if field is not None:
        assert field in error["fields"], error
    return error


def robot_body(**extra) -> dict:
    return {
        "name": "门岗值班群",
        "kind": "dingtalk",
        "format": "markdown",
        "webhook_url": DING_URL,
        "secret": SECRET,
        "kinds": ["health.fever", "volunteers."],
        **extra,
    }


def test_robots_create_read_update_test_delete_without_showing_secrets(world, robots):  # noqa: F811
    created = ok(call(world, "staff", "post", f"{API}/robots", robot_body()), 201)
    raw = json.dumps(created)
    assert TOKEN not in raw and SECRET not in raw
    assert created["masked_url"].endswith(TOKEN[-4:]) and created["signed"] is True
    assert created["kind_labels"] == ["Fever alerts", "All of Volunteers"]
    pk = created["id"]
    robot = GroupRobot.objects.get(pk=pk)
    assert (robot.webhook_url, robot.secret, robot.community_id) == (
        DING_URL,
        SECRET,
        world.community.pk,
    )

    listed = ok(call(world, "staff", "get", f"{API}/robots"))
    assert [r["id"] for r in listed] == [pk]
    assert TOKEN not in json.dumps(listed) and SECRET not in json.dumps(listed)
    read = ok(call(world, "staff", "get", f"{API}/robots/{pk}"))
    assert read["name"] == "门岗值班群" and read["last_status"] is None

    # PUT with the webhook empty and the secret left out keeps both.
    body = robot_body(name="门岗群", webhook_url="", kinds=["*"])
    del body["secret"]
    updated = ok(call(world, "staff", "put", f"{API}/robots/{pk}", body))
    robot.refresh_from_db()
    assert updated["name"] == "门岗群" and updated["kinds"] == ["*"]
    assert (robot.webhook_url, robot.secret) == (DING_URL, SECRET)
    # PATCH pauses it; a local relay may be plain http.
    patched = ok(call(world, "staff", "patch", f"{API}/robots/{pk}", {"is_active": False}))
    assert patched["is_active"] is False
    refused(call(world, "staff", "post", f"{API}/robots/{pk}/test"), 400, "is_active")
    ok(
        call(
            world,
            "staff",
            "patch",
            f"{API}/robots/{pk}",
            {
                "is_active": True,
                "webhook_url": robots.url("/robot/send?access_token=T"),
                "clear_secret": True,
            },
        )
    )
    robot.refresh_from_db()
    assert robot.secret == "" and robot.is_active

    queued = ok(call(world, "staff", "post", f"{API}/robots/{pk}/test"), 202)
    assert (queued["kind"], queued["status"], queued["robot_id"]) == ("core.test", "queued", pk)
    assert robots.calls == []
    assert send_due() == 1 and len(robots.calls) == 1
    assert ok(call(world, "staff", "get", f"{API}/robots/{pk}"))["last_status"] == "sent"

    assert call(world, "staff", "delete", f"{API}/robots/{pk}").status_code == 204
    assert not GroupRobot.objects.filter(pk=pk).exists()
    assert call(world, "staff", "get", f"{API}/robots/{pk}").status_code == 404
    actions = set(
        AuditEntry.objects.filter(object_type="core.grouprobot").values_list("action", flat=True)
    )
    assert actions == {"create", "update", "delete"}


@pytest.mark.parametrize(
    ("change", "field", "says"),
    [
        ({"webhook_url": "http://example.com/x"}, "webhook_url", "must start with https://"),
        (
            {"webhook_url": "https://example.com/robot/send?access_token=x"},
            "webhook_url",
            "oapi.dingtalk.com",
        ),
        (
            {"kind": "wecom", "webhook_url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send"},
            "webhook_url",
            "key=",
        ),
        ({"kinds": []}, "kinds", "Choose at least one kind"),
        ({"kinds": ["nothing.here"]}, "kinds", "is not a kind of notification"),
        ({"format": "html"}, "format", "Choose plain text or Markdown."),
        ({"name": " "}, "name", "Give the robot a name"),
        ({"secret": "x" * 300}, "secret", "The signing secret is too long."),
    ],
)
def test_a_bad_robot_is_refused_naming_the_field(world, change, field, says):
    error = refused(call(world, "staff", "post", f"{API}/robots", robot_body(**change)), 400, field)
    assert says in error["fields"][field]
    assert GroupRobot.objects.count() == 0


def test_a_malformed_body_is_refused_naming_the_field(world):
    body = robot_body()
    del body["kinds"]
    refused(call(world, "staff", "post", f"{API}/robots", body), 422, "kinds")
    refused(call(world, "staff", "put", f"{API}/mine", {"email_on": "maybe"}), 422, "email_on")


def test_my_choices_are_my_own(world):
    mine = ok(call(world, "volunteer", "get", f"{API}/mine"))
    assert mine == {
        "email_on": False,
        "email": "",
        "account_email": world.users["volunteer"].email,
        "muted_kinds": [],
    }
    saved = ok(
        call(
            world,
            "volunteer",
            "put",
            f"{API}/mine",
            {"email_on": True, "email": "li.si@example.com", "muted_kinds": ["duty.reminder"]},
        )
    )
    assert saved["email_on"] and saved["email"] == "li.si@example.com"
    # A field left out keeps what is stored.
    again = ok(call(world, "volunteer", "put", f"{API}/mine", {"muted_kinds": []}))
    assert again["email"] == "li.si@example.com" and again["muted_kinds"] == []
    # Another person reads and writes only theirs.
    leader = ok(call(world, "leader", "get", f"{API}/mine"))
    assert leader["email"] == "" and leader["email_on"] is False
    ok(call(world, "leader", "put", f"{API}/mine", {"muted_kinds": ["health."]}))
    assert ChannelChoice.objects.get(user=world.users["volunteer"]).muted_kinds == []
    assert ChannelChoice.objects.get(user=world.users["leader"]).muted_kinds == ["health."]
    error = refused(
        call(world, "volunteer", "put", f"{API}/mine", {"email": "not an address"}), 400, "email"
    )
    assert error["fields"]["email"] == "Enter a valid email address."
    # An API token is nobody: it has no choices to read or set.
    staff = Actor.from_membership(Membership.objects.get(user=world.users["staff"]))
    _token, secret = token_create(actor=staff, name="集成", role=Role.STAFF)
    client = world.client(None)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    assert client.get(f"{API}/mine", **headers).status_code == 403
    assert client.get(f"{API}/robots", **headers).status_code == 200


def test_the_log_lists_filters_counts_and_retries(world, robots):  # noqa: F811
    bad = robot_save(
        community_id=world.community.pk,
        name="坏群",
        kind="wecom",
        webhook_url="http://127.0.0.1:9/down?key=KEY",
        kinds=["health."],
    )
    ChannelChoice.objects.create(user=world.users["staff"], email_on=True, email="zhao@example.com")
    from workgate.core.notify import notify

    notify(
        users=[world.users["staff"]],
        community_id=world.community.pk,
        kind="health.fever",
        params={"name": "甲", "temperature": "38.5"},
    )
    assert send_due() == 1  # the email; the robot is unreachable
    Delivery.objects.create(community=world.other_community, channel="wecom", kind="x", title="t")

    page = ok(call(world, "staff", "get", f"{API}/deliveries"))
    assert page["count"] == 2
    assert "zhao@example.com" not in json.dumps(page)
    assert {d["recipient"] for d in page["items"]} == {"z***@example.com", "坏群"}
    failed = ok(call(world, "staff", "get", f"{API}/deliveries", {"status": "failed"}))["items"]
    assert [d["robot_id"] for d in failed] == [bad.pk]
    assert failed[0]["next_attempt_at"] is not None and "unreachable" in failed[0]["last_error"]
    assert ok(call(world, "staff", "get", f"{API}/deliveries", {"kind": "health."}))["count"] == 2
    assert ok(call(world, "staff", "get", f"{API}/deliveries", {"kind": "duty."}))["count"] == 0
    assert ok(call(world, "staff", "get", f"{API}/deliveries", {"channel": "email"}))["count"] == 1
    assert ok(call(world, "staff", "get", f"{API}/deliveries", {"robot": bad.pk}))["count"] == 1
    counts = ok(call(world, "staff", "get", f"{API}/deliveries/counts"))
    assert counts == {"queued": 0, "sending": 0, "sent": 1, "failed": 1, "gave_up": 0}
    refused(call(world, "staff", "get", f"{API}/deliveries", {"date": "yesterday"}), 400, "date")
    refused(call(world, "staff", "get", f"{API}/deliveries", {"channel": "fax"}), 400, "channel")

    retried = ok(call(world, "staff", "post", f"{API}/deliveries/{failed[0]['id']}/retry"))
    assert (retried["status"], retried["attempts"]) == ("queued", 0)
    sent = Delivery.objects.get(status="sent")
    error = refused(call(world, "staff", "post", f"{API}/deliveries/{sent.pk}/retry"), 400)
    assert error["fields"] == {"status": error["message"]}
    read = ok(call(world, "staff", "get", f"{API}/deliveries/{sent.pk}"))
    assert read["recipient"] == "z***@example.com" and read["next_attempt_at"] is None


# --- Who may ----------------------------------------------------------------------------------


@pytest.fixture
def objects(world):
    ours = robot_save(
        community_id=world.community.pk,
        name="甲方群",
        kind="dingtalk",
        webhook_url=DING_URL,
        kinds=["health."],
        secret=SECRET,
    )
    delivery = Delivery.objects.create(
        community=world.community,
        channel="dingtalk",
        robot=ours,
        kind="health.fever",
        title="甲方发热提醒",
        status="gave_up",
    )
    return ours, delivery


ROWS = [
    ("get", "/robots", None, "list"),
    ("post", "/robots", lambda: robot_body(name="新群"), "own"),
    ("get", "/robots/{robot}", None, "object"),
    ("put", "/robots/{robot}", lambda: robot_body(name="改名", webhook_url=""), "object"),
    ("patch", "/robots/{robot}", lambda: {"is_active": False}, "object"),
    ("post", "/robots/{robot}/test", None, "object"),
    ("delete", "/robots/{robot}", None, "object"),
    ("get", "/deliveries", None, "list"),
    ("get", "/deliveries/counts", None, "list"),
    ("get", "/deliveries/{delivery}", None, "object"),
    ("post", "/deliveries/{delivery}/retry", None, "object"),
    ("get", "/mine", None, "own"),
    ("put", "/mine", lambda: {"muted_kinds": ["health."]}, "own"),
    ("get", "/kinds", None, "own"),
]


def _perm(method: str, url: str) -> Perm:
    path = url.split("?")[0].removeprefix("/api/v1")
    for _prefix, router in api._routers:
        for template, view in router.path_operations.items():
            if re.fullmatch(re.sub(r"\{\w+\}", r"\\d+", template), path):
                for op in view.operations:
                    if method.upper() in op.methods:
                        return op.view_func.required_perm
    raise AssertionError(f"no handler for {method} {url}")


@pytest.mark.parametrize("row", ROWS, ids=[f"{r[0]} {r[1]}" for r in ROWS])
def test_every_endpoint_refuses_weaker_roles_and_other_tenants(world, objects, row):
    method, template, body_of, kind = row
    ours, delivery = objects
    url = API + template.format(robot=ours.pk, delivery=delivery.pk)
    body = body_of() if body_of else None
    perm = _perm(method, url)
    anonymous = getattr(world.client(None), method)(url)
    assert anonymous.status_code == 401
    insiders = [p for p in PERSONAS if p not in OUTSIDERS]
    for persona in insiders:
        if PERSONAS[persona] not in POLICY[perm]:
            response = call(world, persona, method, url, body)
            assert response.status_code == 403, (persona, response.status_code)
            assert response.json()["error"]["code"] == "forbidden"
    for persona in OUTSIDERS:
        response = call(world, persona, method, url, body)
        if PERSONAS[persona] not in POLICY[perm]:
            assert response.status_code == 403, (persona, response.status_code)
        elif kind == "object":
            assert response.status_code == 404, (persona, response.status_code)
            assert response.json()["error"]["code"] == "not_found"
        elif kind == "list":
            assert response.status_code == 200, (persona, response.status_code)
            answer = json.dumps(response.json(), ensure_ascii=False)
            assert "甲方" not in answer, persona
    # Nothing of ours was changed by those refused.
    ours.refresh_from_db()
    delivery.refresh_from_db()
    assert (ours.name, ours.is_active, delivery.status) == ("甲方群", True, "gave_up")


def test_outsiders_counts_are_their_own(world, objects):
    counts = ok(call(world, "outsider_staff", "get", f"{API}/deliveries/counts"))
    assert counts["gave_up"] == 0
    assert ok(call(world, "staff", "get", f"{API}/deliveries/counts"))["gave_up"] == 1
