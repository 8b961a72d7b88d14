"""Notification channels: notify() queues email and group-robot deliveries in its transaction;
send_due() sends them to a local HTTP server standing in for WeCom and DingTalk (formats and
DingTalk's signature checked), retries with backoff, gives up after 6, never sends twice, and
never makes the request that notified wait for a robot."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext

from workgate.core import channels
from workgate.core import notify as notify_module
from workgate.core.channels import channel_choice_set, robot_save, send_due
from workgate.core.models import ChannelChoice, Delivery, GroupRobot, Notification
from workgate.core.notify import notify, register_kind
from workgate.core.schedule import PERIODIC
from workgate.core.services import ServiceError

KIND = "test.channel"
OTHER_KIND = "test.other"
HANG_SECONDS = 1.0


@pytest.fixture(autouse=True)
def kinds(monkeypatch):
    # "Audit log" is a translated msgid: out-of-app messages are written in zh-hans.
    register_kind(
        KIND,
        title=lambda p: f"{gettext('Audit log')} · {p.get('what', '')}",
        body=lambda p: f"第二行 {p.get('what', '')}",
    )
    register_kind(OTHER_KIND, title=lambda p: "other")
    monkeypatch.setattr(channels, "TIMEOUT", 0.3)
    yield
    notify_module.KINDS.pop(KIND, None)
    notify_module.KINDS.pop(OTHER_KIND, None)


@dataclass
class Call:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    payload: dict


@dataclass
class Robots:
    """A local webhook: records each call; `mode` is ok | errcode | http500 | hang."""

    base: str
    calls: list[Call] = field(default_factory=list)
    mode: str = "ok"

    def url(self, path: str = "/cgi-bin/webhook/send?key=KEY-1234-abcd") -> str:
        return self.base + path


@pytest.fixture
def robots():
    state = Robots(base="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            parts = urllib.parse.urlsplit(self.path)
            state.calls.append(
                Call(
                    path=parts.path,
                    query=dict(urllib.parse.parse_qsl(parts.query)),
                    headers=dict(self.headers),
                    payload=json.loads(raw),
                )
            )
            if state.mode == "hang":
                time.sleep(HANG_SECONDS)
            if state.mode == "http500":
                self._answer(500, {"errcode": -1, "errmsg": "server error"})
            elif state.mode == "errcode":
                self._answer(200, {"errcode": 93000, "errmsg": "invalid webhook url"})
            else:
                self._answer(200, {"errcode": 0, "errmsg": "ok"})

        def _answer(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except OSError:  # the client gave up waiting
                pass

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    yield state
    server.shutdown()
    server.server_close()


def people(world, *names):
    return [world.users[n] for n in names]


def send(world, *names, what="消毒记录", kind=KIND) -> int:
    return notify(
        users=people(world, *names),
        community_id=world.community.pk,
        kind=kind,
        params={"what": what},
        url="/x/",
    )


def robot(world, robots, kind="wecom", fmt="text", **extra) -> GroupRobot:
    path = "/robot/send?access_token=TOKEN-5678" if kind == "dingtalk" else None
    return robot_save(
        community_id=world.community.pk,
        name=extra.pop("name", f"{kind} {fmt}"),
        kind=kind,
        webhook_url=robots.url(path) if path else robots.url(),
        format=fmt,
        kinds=extra.pop("kinds", ["test."]),
        **extra,
    )


def test_a_wecom_group_gets_each_notification_once_as_text_or_markdown(world, robots):
    text = robot(world, robots)
    markdown = robot(world, robots, fmt="markdown")
    robot(world, robots, name="not subscribed", kinds=[OTHER_KIND])
    robot(world, robots, name="off", is_active=False)

    assert send(world, "leader", "staff", "officer_a") == 3  # notify's answer is unchanged
    assert Notification.objects.filter(kind=KIND).count() == 3
    queued = Delivery.objects.order_by("pk")
    assert [(d.robot_id, d.status, d.channel) for d in queued] == [
        (text.pk, "queued", "wecom"),
        (markdown.pk, "queued", "wecom"),
    ]
    assert robots.calls == []  # nothing is sent by notify()

    assert send_due() == 2
    assert sorted(c.payload["msgtype"] for c in robots.calls) == ["markdown", "text"]
    by_type = {c.payload["msgtype"]: c for c in robots.calls}
    assert by_type["text"].payload == {
        "msgtype": "text",
        "text": {"content": "审计日志 · 消毒记录\n第二行 消毒记录"},
    }
    assert by_type["markdown"].payload == {
        "msgtype": "markdown",
        "markdown": {"content": "**审计日志 · 消毒记录**\n第二行 消毒记录"},
    }
    assert by_type["text"].query == {"key": "KEY-1234-abcd"}
    assert by_type["text"].headers["Content-Type"].startswith("application/json")
    sent = list(Delivery.objects.all())
    assert {d.status for d in sent} == {"sent"} and all(d.sent_at for d in sent)
    assert {d.attempts for d in sent} == {1}

    assert send_due() == 0  # a second run sends nothing again
    assert len(robots.calls) == 2


def test_a_dingtalk_robot_with_a_secret_signs_each_call_as_dingtalk_documents(world, robots):
    secret = "SEC0123456789abcdef0123456789abcdef"
    signed = robot(world, robots, kind="dingtalk", fmt="markdown", secret=secret)
    plain = robot(world, robots, kind="dingtalk", fmt="text", name="unsigned")
    before = int(time.time() * 1000)
    send(world, "leader")
    assert send_due() == 2
    after = int(time.time() * 1000)

    calls = {c.payload["msgtype"]: c for c in robots.calls}
    md = calls["markdown"]
    assert md.path == "/robot/send"
    assert md.payload == {
        "msgtype": "markdown",
        "markdown": {
            "title": "审计日志 · 消毒记录",
            "text": "### 审计日志 · 消毒记录\n\n第二行 消毒记录",
        },
    }
    assert md.query["access_token"] == "TOKEN-5678"
    timestamp = int(md.query["timestamp"])
    assert before <= timestamp <= after
    expected = base64.b64encode(
        hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    ).decode()
    assert md.query["sign"] == expected  # parse_qsl undid the URL-encoding

    txt = calls["text"]
    assert txt.payload == {
        "msgtype": "text",
        "text": {"content": "审计日志 · 消毒记录\n第二行 消毒记录"},
    }
    assert set(txt.query) == {"access_token"}  # no secret, no signature
    assert signed.masked_secret == "****cdef" and secret not in signed.masked_secret
    assert "TOKEN-5678" not in plain.masked_url and plain.masked_url.endswith("5678")


def test_errors_and_timeouts_are_retried_with_backoff_then_given_up_after_six(world, robots):
    robot(world, robots)
    send(world, "leader")
    delivery = Delivery.objects.get()
    now = timezone.now()
    outcomes = []
    for attempt, mode in enumerate(["errcode", "http500", "hang", "errcode", "http500"], 1):
        robots.mode = mode
        started = time.monotonic()
        assert send_due(now=now) == 0
        assert time.monotonic() - started < HANG_SECONDS  # a hanging robot costs the timeout
        delivery.refresh_from_db()
        outcomes.append(delivery.last_error)
        assert delivery.status == "failed" and delivery.attempts == attempt
        wait = timedelta(minutes=2 ** (attempt - 1))
        assert delivery.next_attempt_at == now + wait
        assert send_due(now=now + wait - timedelta(seconds=1)) == 0  # not due yet
        assert len(robots.calls) == attempt
        now += wait
    assert outcomes[0] == "errcode 93000: invalid webhook url"
    assert outcomes[1] == "HTTP 500"
    assert "timed out" in outcomes[2]
    assert all("KEY-1234" not in o for o in outcomes)

    robots.mode = "http500"
    assert send_due(now=now) == 0
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("gave_up", 6)
    assert send_due(now=now + timedelta(days=1)) == 0
    assert len(robots.calls) == 6


def test_a_failed_delivery_is_sent_on_retry_once_the_robot_answers(world, robots):
    robot(world, robots)
    send(world, "leader")
    robots.mode = "http500"
    now = timezone.now()
    assert send_due(now=now) == 0
    robots.mode = "ok"
    assert send_due(now=now + timedelta(minutes=1)) == 1
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 2, "")
    assert send_due(now=now + timedelta(hours=1)) == 0
    assert len(robots.calls) == 2


def test_notify_queues_and_returns_at_once_even_when_the_robot_hangs(world, robots):
    robots.mode = "hang"
    robot(world, robots)
    robot(world, robots, kind="dingtalk")
    started = time.monotonic()
    with transaction.atomic():  # as in a request: the change and its notifications together
        send(world, "leader", "staff")
    assert time.monotonic() - started < 0.25
    assert robots.calls == []
    assert list(Delivery.objects.values_list("status", flat=True)) == ["queued", "queued"]


def test_nothing_is_queued_when_the_change_is_rolled_back(world, robots):
    robot(world, robots)
    world.users["leader"].email = "leader@example.com"
    world.users["leader"].save()
    channel_choice_set(user=world.users["leader"], email_on=True)

    class Undo(Exception):
        pass

    def change_that_fails() -> None:
        with transaction.atomic():
            send(world, "leader")
            assert Delivery.objects.count() == 2
            raise Undo

    with pytest.raises(Undo):
        change_that_fails()
    assert Delivery.objects.count() == 0 and Notification.objects.count() == 0
    assert send_due() == 0 and robots.calls == [] and mail.outbox == []


def test_email_goes_to_those_who_chose_it_for_kinds_they_did_not_mute(world):
    leader, staff, officer, gate = people(world, "leader", "staff", "officer_a", "gate_a")
    channel_choice_set(user=leader, email_on=True, email="zhang.san@example.com")
    channel_choice_set(user=staff, email_on=True, email="staff@example.com", muted_kinds=["test."])
    channel_choice_set(user=officer, email_on=False, email="officer@example.com")
    gate.email = "gate@example.org"
    gate.save()
    channel_choice_set(user=gate, email_on=True, muted_kinds=[OTHER_KIND])  # the account's email

    send(world, "leader", "staff", "officer_a", "gate_a", "volunteer")
    queued = Delivery.objects.order_by("recipient_label")
    assert [d.recipient_label for d in queued] == ["g***@example.org", "z***@example.com"]
    assert {d.channel for d in queued} == {"email"}
    for d in queued:  # the log holds the message and a masked label, never the address
        assert "zhang.san" not in json.dumps([d.recipient_label, d.title, d.body])
        assert d.notification.recipient_id in {leader.pk, gate.pk}

    assert send_due() == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["gate@example.org", "zhang.san@example.com"]
    message = mail.outbox[0]
    assert message.subject == "审计日志 · 消毒记录"
    assert message.body == "第二行 消毒记录"
    assert message.from_email == settings.DEFAULT_FROM_EMAIL

    mail.outbox.clear()
    send(world, "leader", "gate_a", kind=OTHER_KIND)
    assert send_due() == 1
    assert [m.to for m in mail.outbox] == [["zhang.san@example.com"]]  # gate muted it


def test_an_email_server_that_is_down_is_retried_and_turning_email_off_stops_it(world, monkeypatch):
    leader = world.users["leader"]
    channel_choice_set(user=leader, email_on=True, email="leader@example.com")
    send(world, "leader")

    def down(*args, **kwargs):
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(channels, "send_mail", down)
    now = timezone.now()
    assert send_due(now=now) == 0
    delivery = Delivery.objects.get()
    assert delivery.status == "failed" and "Connection refused" in delivery.last_error
    assert delivery.next_attempt_at == now + timedelta(minutes=1)

    channel_choice_set(user=leader, email_on=False)
    monkeypatch.undo()
    monkeypatch.setattr(channels, "TIMEOUT", 0.3)
    assert send_due(now=now + timedelta(minutes=1)) == 0
    delivery.refresh_from_db()
    assert delivery.status == "gave_up" and mail.outbox == []


def test_robots_and_choices_are_validated(world, robots):
    base = {"community_id": world.community.pk, "name": "值班群", "kind": "wecom"}
    for url in [
        "http://example.com/hook",
        "ftp://example.com/",
        "",
        "https://",
        "https://user:pw@example.com/",
    ]:
        with pytest.raises(ServiceError) as refused:
            robot_save(**base, webhook_url=url, kinds=["test."])
        assert refused.value.field == "webhook_url"
    with pytest.raises(ServiceError) as refused:
        robot_save(**base, webhook_url="https://qyapi.weixin.qq.com/x?key=k", kinds=["nope.x"])
    assert refused.value.field == "kinds"
    with pytest.raises(ServiceError):
        robot_save(**base, webhook_url="https://qyapi.weixin.qq.com/x?key=k", kinds=[])
    with pytest.raises(ServiceError) as refused:
        robot_save(**{**base, "kind": "slack"}, webhook_url=robots.url(), kinds=["test."])
    assert refused.value.field == "kind"

    saved = robot_save(
        **{**base, "kind": "dingtalk"},
        webhook_url="https://oapi.dingtalk.com/robot/send?access_token=abc",
        kinds=["test.", KIND, "test."],
        secret="SECsecretsecret",
    )
    assert saved.kinds == ["test.", KIND]
    again = robot_save(  # an update that leaves the secret out keeps it
        **{**base, "kind": "dingtalk"},
        webhook_url="http://localhost:9/robot",
        kinds=["*"],
        robot=saved,
    )
    assert again.pk == saved.pk and again.secret == "SECsecretsecret"
    wecom = robot_save(**base, webhook_url=robots.url(), kinds=["*"], robot=saved, secret="x")
    assert wecom.secret == ""  # only DingTalk signs
    with pytest.raises(ServiceError):
        robot_save(
            **{**base, "community_id": world.other_community.pk},
            webhook_url=robots.url(),
            kinds=["*"],
            robot=saved,
        )

    leader = world.users["leader"]
    leader.email = ""
    leader.save()
    with pytest.raises(ServiceError) as refused:
        channel_choice_set(user=leader, email_on=True)
    assert refused.value.field == "email"
    with pytest.raises(ServiceError):
        channel_choice_set(user=leader, email="not an address")
    assert not ChannelChoice.objects.filter(user=leader, email_on=True).exists()


def test_another_communitys_robot_hears_nothing(world, robots):
    robot_save(
        community_id=world.other_community.pk,
        name="外区",
        kind="wecom",
        webhook_url=robots.url(),
        kinds=["*"],
    )
    send(world, "leader")
    assert Delivery.objects.count() == 0


def test_the_worker_sends_every_minute_and_the_command_sends_now(world, robots):
    assert PERIODIC["core.deliveries"].every == timedelta(minutes=1)
    assert PERIODIC["core.deliveries"].task is channels.deliveries_send
    robot(world, robots)
    send(world, "leader")
    out = io.StringIO()
    call_command("send_notifications", stdout=out)
    assert "Sent 1" in out.getvalue() and len(robots.calls) == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"],
    reason="SKIP LOCKED is PostgreSQL's; on SQLite IMMEDIATE transactions serialise writers",
)
def test_a_worker_passes_by_deliveries_another_worker_has_locked(world, robots):
    robot(world, robots)
    robot(world, robots, fmt="markdown")
    send(world, "leader")
    first, second = Delivery.objects.order_by("pk")
    locked, release = threading.Event(), threading.Event()

    def other_worker() -> None:
        try:
            with transaction.atomic():
                Delivery.objects.select_for_update().get(pk=first.pk)
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    assert locked.wait(10)
    try:
        assert send_due() == 1  # did not wait for the locked row
    finally:
        release.set()
        thread.join()
    second.refresh_from_db()
    assert second.status == "sent"
    assert send_due() == 1 and len(robots.calls) == 2
    assert send_due() == 0
