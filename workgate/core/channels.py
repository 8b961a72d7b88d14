"""Notification channels: email and WeCom / DingTalk group robots, behind `core.notify`.

`notify()` writes the in-app notifications and, in the same transaction and one bulk insert,
queues a `Delivery` per out-of-app message (`deliveries_for`):

- an email to each recipient whose `ChannelChoice` has email on, an address, and does not mute
  the kind;
- one message to each active `GroupRobot` of the community subscribed to the kind (a group sees
  it once per `notify()` call, however many people were notified).

Nothing is sent in the request. The worker's periodic task `core.deliveries` (every minute) or
`workgate send-notifications` calls `send_due()`: it claims due deliveries (SKIP LOCKED on
PostgreSQL), sends each outside any transaction with a short timeout, and records the outcome:
sent; failed and retried after 1, 2, 4, 8 and 16 minutes; or given up after 6 attempts.

Out-of-app messages are written in zh-hans (`OUT_OF_APP_LANGUAGE`) for now: a group has no one
language and people have no language preference stored yet. A delivery keeps the rendered text
and a masked recipient label only; the address and the webhook are looked up when sending.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import re
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F, Q
from django.tasks import task
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from workgate.core.models import (
    AuditEntry,
    ChannelChoice,
    Delivery,
    GroupRobot,
    Notification,
    User,
)
from workgate.core.services import ServiceError

logger = logging.getLogger(__name__)

OUT_OF_APP_LANGUAGE = "zh-hans"
TIMEOUT = 5.0  # seconds, per webhook call; tests lower it
BACKOFF_MINUTES = (1, 2, 4, 8, 16)
MAX_ATTEMPTS = 6
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
TEXT_MAX_BYTES = 2000  # WeCom: a text message holds 2048 bytes
MARKDOWN_MAX_BYTES = 4000  # WeCom: a markdown message holds 4096 bytes
KIND_PATTERN = re.compile(r"^(\*|[a-z0-9_]+(\.[a-z0-9_]+)*\.?)$")

Status = Delivery.Status


# --- Which messages a notification makes ------------------------------------------------------


def kind_matches(kind: str, patterns: Iterable[str]) -> bool:
    """Does `kind` match one of `patterns`: the kind itself, a prefix ending in ".", or "*"?"""
    return any(p in ("*", kind) or (p.endswith(".") and kind.startswith(p)) for p in patterns)


def mask_email(address: str) -> str:
    """z***@example.com: enough to tell addresses apart in the log, not to write to one."""
    local, at, domain = address.partition("@")
    if not at:
        return "***"
    return f"{local[:1]}***@{domain}"


def email_address(choice: ChannelChoice) -> str:
    return choice.email or choice.user.email


def deliveries_for(
    *,
    notifications: Sequence[Notification],
    community_id: int,
    kind: str,
    params: dict,
    robots: Iterable[GroupRobot] = (),
) -> list[Delivery]:
    """The deliveries one `notify()` call queues (unsaved); `notifications` are saved ones.

    Robots get the message even when the call reached nobody in the app: every active robot of
    the community subscribed to the kind, and the active `robots` the caller names (a team's own
    robot for the team's call-outs), each once.
    """
    from workgate.core.notify import render

    by_user = {n.recipient_id: n for n in notifications}
    choices = [
        c
        for c in ChannelChoice.objects.filter(user_id__in=list(by_user), email_on=True)
        .select_related("user")
        .order_by("pk")
        if email_address(c) and not kind_matches(kind, c.muted_kinds or [])
    ]
    named = {r.pk for r in robots if r.is_active and r.community_id == community_id}
    robots = [
        r
        for r in GroupRobot.objects.filter(community_id=community_id, is_active=True).order_by("pk")
        if r.pk in named or kind_matches(kind, r.kinds or [])
    ]
    if not choices and not robots:
        return []
    with translation.override(OUT_OF_APP_LANGUAGE):
        title, body = render(Notification(kind=kind, params=params))
    title = _one_line(title)[:200]
    now = timezone.now()
    common = {
        "community_id": community_id,
        "kind": kind,
        "title": title,
        "body": body,
        "next_attempt_at": now,
        "created_at": now,
    }
    rows = [
        Delivery(
            channel=Delivery.Channel.EMAIL,
            notification=by_user[c.user_id],
            recipient_label=mask_email(email_address(c)),
            **common,
        )
        for c in choices
    ]
    rows += [
        Delivery(channel=r.kind, robot=r, recipient_label=r.name[:120], **common) for r in robots
    ]
    return rows


def _one_line(text: str) -> str:
    return " ".join(text.split())


# --- Sending ----------------------------------------------------------------------------------


class SendError(Exception):
    """The channel refused or did not answer; worth trying again later."""


class GiveUp(SendError):
    """Trying again cannot help (the robot or the recipient's email was removed)."""


def send_due(now: datetime | None = None, limit: int = 200) -> int:
    """Send the deliveries that are due; returns how many were sent.

    Claims them in a short transaction, sends each outside it, records each outcome. A second
    worker running at the same time claims other rows (SKIP LOCKED; on SQLite writers queue).
    A worker that dies mid-batch leaves its rows "sending" until the lease ends, then they are
    due again.
    """
    now = now or timezone.now()
    token = uuid.uuid4()
    lease = timedelta(seconds=limit * TIMEOUT * 2 + 60)
    due = Q(status__in=[Status.QUEUED, Status.FAILED, Status.SENDING], next_attempt_at__lte=now)
    with transaction.atomic():
        ids = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(due)
            .order_by("next_attempt_at", "pk")
            .values_list("pk", flat=True)[:limit]
        )
        Delivery.objects.filter(due, pk__in=ids).update(
            status=Status.SENDING,
            claim=token,
            attempts=F("attempts") + 1,
            next_attempt_at=now + lease,
        )
    batch = Delivery.objects.filter(claim=token, status=Status.SENDING).select_related(
        "robot", "notification"
    )
    sent = 0
    for delivery in batch.order_by("pk"):
        error: SendError | None = None
        try:
            _send(delivery)
        except SendError as exc:
            error = exc
        except Exception as exc:  # a channel's bug must not stop the batch
            logger.exception("delivery %s failed unexpectedly", delivery.pk)
            error = SendError(f"{type(exc).__name__}: {exc}")
        _record(delivery, token, error, now)
        sent += error is None
    return sent


def _record(delivery: Delivery, token: uuid.UUID, error: SendError | None, now: datetime) -> None:
    mine = Delivery.objects.filter(pk=delivery.pk, claim=token, status=Status.SENDING)
    if error is None:
        mine.update(status=Status.SENT, sent_at=now, last_error="", claim=None)
        return
    message = _scrub(str(error) or type(error).__name__, delivery)[:300]
    if isinstance(error, GiveUp) or delivery.attempts >= MAX_ATTEMPTS:
        mine.update(status=Status.GAVE_UP, last_error=message, claim=None)
        logger.warning("delivery %s gave up: %s", delivery.pk, message)
        return
    wait = BACKOFF_MINUTES[min(delivery.attempts, len(BACKOFF_MINUTES)) - 1]
    mine.update(
        status=Status.FAILED,
        last_error=message,
        next_attempt_at=now + timedelta(minutes=wait),
        claim=None,
    )
    logger.info("delivery %s failed (attempt %s): %s", delivery.pk, delivery.attempts, message)


def _scrub(message: str, delivery: Delivery) -> str:
    """Never log a webhook's key or a signing secret, should an error quote them."""
    robot = delivery.robot
    if robot is not None:
        for secret in (robot.webhook_url, robot.webhook_url.partition("?")[2], robot.secret):
            if secret:
                message = message.replace(secret, "****")
    return message


def _send(delivery: Delivery) -> None:
    if delivery.attempts > MAX_ATTEMPTS:
        raise GiveUp("too many attempts")
    if delivery.channel == Delivery.Channel.EMAIL:
        _send_email(delivery)
        return
    robot = delivery.robot
    if robot is None or not robot.is_active:
        raise GiveUp("the robot was removed or turned off")
    if robot.kind == GroupRobot.Kind.DINGTALK:
        _post_json(dingtalk_url(robot), dingtalk_payload(robot, delivery))
    else:
        _post_json(robot.webhook_url, wecom_payload(robot, delivery))


def _send_email(delivery: Delivery) -> None:
    notification = delivery.notification
    if notification is None:
        raise GiveUp("the notification was removed")
    choice = ChannelChoice.objects.select_related("user").filter(user_id=notification.recipient_id)
    choice = choice.first()
    if choice is None or not choice.email_on or not choice.user.is_active:
        raise GiveUp("the recipient turned email off")
    address = email_address(choice)
    if not address:
        raise GiveUp("the recipient has no email address")
    try:
        send_mail(delivery.title, delivery.body or delivery.title, None, [address])
    except Exception as exc:  # SMTP down, refused, timed out: retry
        raise SendError(f"email: {type(exc).__name__}: {exc}") from exc


def _clip(text: str, max_bytes: int) -> str:
    data = text.encode()
    if len(data) <= max_bytes:
        return text
    return data[: max_bytes - 3].decode(errors="ignore") + "…"


def _text(delivery: Delivery) -> str:
    text = delivery.title if not delivery.body else f"{delivery.title}\n{delivery.body}"
    return _clip(text, TEXT_MAX_BYTES)


def wecom_payload(robot: GroupRobot, delivery: Delivery) -> dict[str, Any]:
    """WeCom group robot: text or markdown (developer.work.weixin.qq.com, 群机器人配置说明)."""
    if robot.format == GroupRobot.Format.MARKDOWN:
        content = f"**{delivery.title}**\n{delivery.body}".strip()
        return {"msgtype": "markdown", "markdown": {"content": _clip(content, MARKDOWN_MAX_BYTES)}}
    return {"msgtype": "text", "text": {"content": _text(delivery)}}


def dingtalk_payload(robot: GroupRobot, delivery: Delivery) -> dict[str, Any]:
    """DingTalk custom robot: text or markdown (open.dingtalk.com, 自定义机器人发送群消息)."""
    if robot.format == GroupRobot.Format.MARKDOWN:
        text = f"### {delivery.title}\n\n{delivery.body}".strip()
        return {
            "msgtype": "markdown",
            "markdown": {"title": delivery.title, "text": _clip(text, MARKDOWN_MAX_BYTES)},
        }
    return {"msgtype": "text", "text": {"content": _text(delivery)}}


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """base64(HMAC-SHA256(secret, "timestamp\\nsecret")), URL-encoded, as DingTalk documents."""
    string_to_sign = f"{timestamp_ms}\n{secret}"
    digest = hmac.new(secret.encode(), string_to_sign.encode(), hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest))


def dingtalk_url(robot: GroupRobot) -> str:
    """The webhook, signed when the robot has a secret (DingTalk accepts an hour's skew)."""
    if not robot.secret:
        return robot.webhook_url
    timestamp = int(time.time() * 1000)
    sep = "&" if "?" in robot.webhook_url else "?"
    sign = dingtalk_sign(robot.secret, timestamp)
    return f"{robot.webhook_url}{sep}timestamp={timestamp}&sign={sign}"


def _post_json(url: str, payload: dict[str, Any]) -> None:
    """POST the message; success is HTTP 200 with {"errcode": 0} (both robots answer so)."""
    request = urllib.request.Request(  # noqa: S310 - the URL is validated: https or loopback
        url,
        data=json.dumps(payload, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    host = urllib.parse.urlsplit(url).hostname or ""
    handlers = [urllib.request.ProxyHandler({})] if host in LOCAL_HOSTS else []
    opener = urllib.request.build_opener(*handlers)
    try:
        with opener.open(request, timeout=TIMEOUT) as response:
            status = response.status
            raw = response.read(65536)
    except urllib.error.HTTPError as exc:
        raise SendError(f"HTTP {exc.code}") from exc
    except urllib.error.URLError as exc:
        raise SendError(f"unreachable: {exc.reason}") from exc
    except (TimeoutError, OSError) as exc:
        raise SendError(f"unreachable: {type(exc).__name__}: {exc}") from exc
    if status != 200:
        raise SendError(f"HTTP {status}")
    try:
        answer = json.loads(raw)
    except ValueError as exc:
        raise SendError("the answer was not JSON") from exc
    errcode = answer.get("errcode") if isinstance(answer, dict) else None
    if errcode != 0:
        errmsg = answer.get("errmsg", "") if isinstance(answer, dict) else ""
        raise SendError(f"errcode {errcode}: {errmsg}")


@task()
def deliveries_send() -> int:
    """Send due notification deliveries (the periodic task `core.deliveries`, every minute)."""
    return send_due()


# --- Choosing channels: the service layer pages will call ------------------------------------


def validate_webhook_url(url: str) -> str:
    """An https address, or http on this machine (for tests and a local relay)."""
    url = (url or "").strip()
    parts = urllib.parse.urlsplit(url)
    if (
        not url
        or len(url) > 500
        or any(ch.isspace() for ch in url)
        or not parts.hostname
        or parts.username
        or parts.password
    ):
        raise ServiceError(_("Enter the robot's webhook address."), field="webhook_url")
    if parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOCAL_HOSTS):
        return url
    raise ServiceError(_("The webhook address must start with https://."), field="webhook_url")


def _clean_kinds(kinds: Iterable[str], *, field: str, known_only: bool) -> list[str]:
    from workgate.core.notify import KINDS

    cleaned: list[str] = []
    for raw in kinds:
        k = str(raw).strip()
        if not k:
            continue
        if not KIND_PATTERN.match(k) or (
            known_only and k != "*" and not any(kind_matches(known, [k]) for known in KINDS)
        ):
            raise ServiceError(
                _("“%(kind)s” is not a kind of notification.") % {"kind": k}, field=field
            )
        if k not in cleaned:
            cleaned.append(k)
    return cleaned


@transaction.atomic
def robot_save(
    *,
    community_id: int,
    name: str,
    kind: str,
    webhook_url: str,
    kinds: Iterable[str],
    format: str = GroupRobot.Format.TEXT,
    secret: str | None = None,
    is_active: bool = True,
    robot: GroupRobot | None = None,
    actor: Any = None,
) -> GroupRobot:
    """Create a group robot, or update `robot`. `secret=None` keeps the stored secret.

    The caller checks that `actor` may configure the community's robots (pages will).
    """
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ServiceError(_("Give the robot a name of at most 100 characters."), field="name")
    if kind not in GroupRobot.Kind.values:
        raise ServiceError(_("Choose WeCom or DingTalk."), field="kind")
    if format not in GroupRobot.Format.values:
        raise ServiceError(_("Choose plain text or Markdown."), field="format")
    url = validate_webhook_url(webhook_url)
    chosen = _clean_kinds(kinds, field="kinds", known_only=True)
    if not chosen:
        raise ServiceError(_("Choose at least one kind of notification."), field="kinds")
    if robot is not None and robot.community_id != community_id:
        raise ServiceError(_("This robot belongs to another community."), field="robot")
    if secret is not None and len(secret.strip()) > 200:
        raise ServiceError(_("The signing secret is too long."), field="secret")
    created = robot is None
    robot = robot or GroupRobot(community_id=community_id)
    robot.name, robot.kind, robot.webhook_url, robot.format = name, kind, url, format
    robot.kinds, robot.is_active = chosen, is_active
    if secret is not None:
        robot.secret = secret.strip()
    if robot.kind != GroupRobot.Kind.DINGTALK:
        robot.secret = ""
    robot.save()
    if actor is not None:
        from workgate.core.audit import audit_record

        audit_record(
            actor=actor,
            action=AuditEntry.Action.CREATE if created else AuditEntry.Action.UPDATE,
            obj=robot,
            detail={"op": "group_robot", "kind": robot.kind, "active": robot.is_active},
        )
    return robot


@transaction.atomic
def channel_choice_set(
    *,
    user: User,
    email_on: bool | None = None,
    email: str | None = None,
    muted_kinds: Iterable[str] | None = None,
) -> ChannelChoice:
    """Set a person's out-of-app choices; an argument left None keeps what is stored."""
    choice, _created = ChannelChoice.objects.select_for_update().get_or_create(user=user)
    if email is not None:
        email = email.strip()
        if email:
            try:
                validate_email(email)
            except ValidationError as exc:
                raise ServiceError(_("Enter a valid email address."), field="email") from exc
        choice.email = email
    if muted_kinds is not None:
        choice.muted_kinds = _clean_kinds(muted_kinds, field="muted_kinds", known_only=False)
    if email_on is not None:
        choice.email_on = email_on
    if choice.email_on and not (choice.email or user.email):
        raise ServiceError(
            _("Enter an email address to get notifications by email."), field="email"
        )
    choice.save()
    return choice
