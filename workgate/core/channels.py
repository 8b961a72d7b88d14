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

Out-of-app messages are written in their reader's language: an email in its recipient's
(`User.language`, the language they last chose), a robot's message in its group's
(`GroupRobot.language`); the site's language (settings.LANGUAGE_CODE) when none is stored. Each
language is rendered once per `notify()` call, however many people read it. A delivery keeps
the rendered text and a masked recipient label only; the address and the webhook are looked up
when sending.
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
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F, Q
from django.tasks import task
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from workgate.core.models import (
    AuditEntry,
    ChannelChoice,
    Delivery,
    GroupRobot,
    Notification,
    User,
)
from workgate.core.services import ServiceError, language_known

logger = logging.getLogger(__name__)

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


def reader_language(code: str | None) -> str:
    """The language to write to a reader in: theirs if Workgate speaks it, else the site's."""
    return code if code and language_known(code) else settings.LANGUAGE_CODE


def render_in(language: str, kind: str, params: dict) -> tuple[str, str]:
    """(title, body) of a message of `kind` in `language`: the title on one line, clipped to
    what the log keeps."""
    from workgate.core.notify import render

    with translation.override(language):
        title, body = render(Notification(kind=kind, params=params))
    return _one_line(title)[:200], body


@dataclass(frozen=True)
class Loaded:
    """What `deliveries_for` reads: people's email choices (email on) and the community's active
    robots."""

    choices: dict[int, ChannelChoice]
    robots: list[GroupRobot]


def load_for(community_id: int, user_ids: Sequence[int]) -> Loaded:
    from workgate.core.notify import CHUNK

    choices = {
        c.user_id: c
        for i in range(0, len(user_ids), CHUNK)
        for c in ChannelChoice.objects.filter(user_id__in=user_ids[i : i + CHUNK], email_on=True)
        .select_related("user")
        .order_by("pk")
    }
    robots = list(
        GroupRobot.objects.filter(community_id=community_id, is_active=True).order_by("pk")
    )
    return Loaded(choices=choices, robots=robots)


def deliveries_for(
    *,
    notifications: Sequence[Notification],
    community_id: int,
    kind: str,
    params: dict,
    robots: Iterable[GroupRobot] = (),
    robots_too: bool = True,
    loaded: Loaded | None = None,
) -> list[Delivery]:
    """The deliveries one `notify()` call queues (unsaved); `notifications` are saved ones.

    Robots get the message even when the call reached nobody in the app: every active robot of
    the community subscribed to the kind, and the active `robots` the caller names (a team's own
    robot for the team's call-outs), each once. `loaded`: the email choices and robots, read
    once for several calls (`load_for`).
    """
    by_user = {n.recipient_id: n for n in notifications}
    if loaded is None:
        loaded = load_for(community_id, list(by_user))
    choices = [
        c
        for pk in by_user
        if (c := loaded.choices.get(pk)) is not None
        and email_address(c)
        and not kind_matches(kind, c.muted_kinds or [])
    ]
    choices.sort(key=lambda c: c.pk)
    named = {r.pk for r in robots if r.is_active and r.community_id == community_id}
    robots = (
        [r for r in loaded.robots if r.pk in named or kind_matches(kind, r.kinds or [])]
        if robots_too
        else []
    )
    if not choices and not robots:
        return []
    # Each reader's language, each language rendered once (a call-out reaches thousands).
    email_languages = [reader_language(c.user.language) for c in choices]
    robot_languages = [reader_language(r.language) for r in robots]
    texts = {
        lang: render_in(lang, kind, params)
        for lang in dict.fromkeys(email_languages + robot_languages)
    }
    now = timezone.now()
    common = {
        "community_id": community_id,
        "kind": kind,
        "next_attempt_at": now,
        "created_at": now,
    }
    rows = [
        Delivery(
            channel=Delivery.Channel.EMAIL,
            notification=by_user[c.user_id],
            recipient_label=mask_email(email_address(c)),
            title=texts[lang][0],
            body=texts[lang][1],
            **common,
        )
        for c, lang in zip(choices, email_languages, strict=True)
    ]
    rows += [
        Delivery(
            channel=r.kind,
            robot=r,
            recipient_label=r.name[:120],
            title=texts[lang][0],
            body=texts[lang][1],
            **common,
        )
        for r, lang in zip(robots, robot_languages, strict=True)
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
    language: str | None = None,
) -> GroupRobot:
    """Create a group robot, or update `robot`. `secret=None` keeps the stored secret;
    `language=None` (or empty) keeps the robot's language, or gives a new one the site's.

    The caller checks that `actor` may configure the community's robots (pages will).
    """
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ServiceError(_("Give the robot a name of at most 100 characters."), field="name")
    if kind not in GroupRobot.Kind.values:
        raise ServiceError(_("Choose WeCom or DingTalk."), field="kind")
    if format not in GroupRobot.Format.values:
        raise ServiceError(_("Choose plain text or Markdown."), field="format")
    if language and not language_known(language):
        raise ServiceError(
            _("Choose the language of the group's messages from the list."), field="language"
        )
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
    if language:
        robot.language = language
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
            detail={
                "op": "group_robot",
                "kind": robot.kind,
                "active": robot.is_active,
                "language": robot.language,
            },
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


# === Pages and API of the channels (issue #8, part 5): robots, own choices, the log =========
# Appended for core.channel_views and core.channel_api; the code above is the sending core.

WECOM_HOST = "qyapi.weixin.qq.com"
DINGTALK_HOST = "oapi.dingtalk.com"
TEST_KIND = "core.test"
ALL_KINDS = "*"


def _test_title(p: dict[str, Any]) -> str:
    return _("Test message from Workgate")


def _test_body(p: dict[str, Any]) -> str:
    return _("The group robot “%(robot)s” is set up: its notifications will arrive here.") % {
        "robot": p.get("robot", "")
    }


def _register_test_kind() -> None:
    from workgate.core.notify import register_kind

    register_kind(TEST_KIND, _test_title, _test_body)


_register_test_kind()  # core's ready() imports this module


def _kind_labels() -> dict[str, str]:
    return {
        "duty.assigned": gettext_lazy("Assigned to a shift"),
        "duty.reminder": gettext_lazy("Shift reminders"),
        "duty.swap_asked": gettext_lazy("Swap asked"),
        "duty.swap_agreed": gettext_lazy("Swap agreed, to approve"),
        "duty.swap_declined": gettext_lazy("Swap declined"),
        "duty.swap_decided": gettext_lazy("Swap approved or rejected"),
        "health.fever": gettext_lazy("Fever alerts"),
        "health.outcome": gettext_lazy("Fever follow-up outcomes"),
        "health.overdue": gettext_lazy("Fever follow-ups overdue"),
        "resumption.submitted": gettext_lazy("Applications submitted"),
        "resumption.assigned": gettext_lazy("Applications assigned to review"),
        "resumption.returned": gettext_lazy("Applications returned"),
        "resumption.approved": gettext_lazy("Applications approved"),
        "resumption.overdue": gettext_lazy("Applications overdue"),
        "resumption.suspended": gettext_lazy("Enterprise suspended"),
        "resumption.lifted": gettext_lazy("Suspension lifted"),
        "supplies.order": gettext_lazy("Supply orders"),
        "supplies.shortage": gettext_lazy("Supplies running short"),
        "volunteers.callout": gettext_lazy("Volunteer call-outs"),
        TEST_KIND: gettext_lazy("Test message"),
    }


def _app_label(prefix: str) -> str:
    """The app's own name ("Daily health") for "health."; the prefix itself if unknown."""
    from django.apps import apps

    label = prefix.rstrip(".")
    try:
        return str(apps.get_app_config(label).verbose_name)
    except LookupError:
        return label


def kind_label(pattern: str) -> str:
    """A readable name for a kind, a prefix ("health.") or "*"."""
    if pattern == ALL_KINDS:
        return _("All notifications")
    if pattern.endswith("."):
        return _("All of %(app)s") % {"app": _app_label(pattern)}
    label = _kind_labels().get(pattern)
    return str(label) if label is not None else pattern


def kind_groups() -> list[dict[str, Any]]:
    """The registered kinds people can subscribe to or mute, grouped by app:
    [{"prefix": "health.", "label": "Daily health", "kinds": [("health.fever", "Fever alerts")]}].
    """
    from workgate.core.notify import KINDS

    groups: dict[str, list[tuple[str, str]]] = {}
    for kind in sorted(KINDS):
        if kind == TEST_KIND or "." not in kind:
            continue
        prefix = kind.split(".", 1)[0] + "."
        groups.setdefault(prefix, []).append((kind, kind_label(kind)))
    return [
        {"prefix": prefix, "label": _app_label(prefix), "kinds": kinds}
        for prefix, kinds in sorted(groups.items(), key=lambda item: _app_label(item[0]))
    ]


def validate_robot_address(kind: str, url: str) -> None:
    """The webhook belongs to the robot's service: WeCom's carries `key=`, DingTalk's
    `access_token=`. On this machine (tests, a local relay) any path is accepted."""
    parts = urllib.parse.urlsplit((url or "").strip())
    host = parts.hostname or ""
    if host in LOCAL_HOSTS:
        return
    query = urllib.parse.parse_qs(parts.query)
    if kind == GroupRobot.Kind.WECOM and (host != WECOM_HOST or not query.get("key")):
        raise ServiceError(
            _(
                "A WeCom robot's webhook address is https://%(host)s/cgi-bin/webhook/send?key=…"
                " (copy it from the group's robot settings)."
            )
            % {"host": WECOM_HOST},
            field="webhook_url",
        )
    if kind == GroupRobot.Kind.DINGTALK and (
        host != DINGTALK_HOST or not query.get("access_token")
    ):
        raise ServiceError(
            _(
                "A DingTalk robot's webhook address is https://%(host)s/robot/send?access_token=…"
                " (copy it from the group's robot settings)."
            )
            % {"host": DINGTALK_HOST},
            field="webhook_url",
        )


def robot_configure(
    *,
    actor: Any,
    robot: GroupRobot | None,
    name: str,
    kind: str,
    webhook_url: str,
    kinds: Iterable[str],
    format: str = GroupRobot.Format.TEXT,
    secret: str | None = None,
    clear_secret: bool = False,
    is_active: bool = True,
    language: str | None = None,
) -> GroupRobot:
    """Create or change one of the actor's community's robots (pages and API).

    An empty `webhook_url` or `secret` when changing a robot keeps the stored one (they are
    never shown in full, so a form cannot send them back); `clear_secret` removes the secret.
    `language`: the group's, its messages are written in it; None keeps the robot's (a new
    one gets the site's).
    """
    from workgate.core.access import Perm

    actor.check(Perm.CHANNEL_MANAGE)
    if robot is not None and robot.community_id != actor.community_id:
        raise PermissionDenied
    webhook_url = (webhook_url or "").strip()
    if robot is not None and not webhook_url:
        webhook_url = robot.webhook_url
    url = validate_webhook_url(webhook_url)
    if kind in GroupRobot.Kind.values:
        validate_robot_address(kind, url)
    secret = (secret or "").strip() or None
    if clear_secret:
        secret = ""
    return robot_save(
        community_id=actor.community_id,
        name=name,
        kind=kind,
        webhook_url=url,
        kinds=kinds,
        format=format,
        secret=secret,
        is_active=is_active,
        robot=robot,
        actor=actor,
        language=language,
    )


@transaction.atomic
def robot_delete(*, actor: Any, robot: GroupRobot) -> None:
    """Remove a robot; its messages still waiting are given up (the log keeps them)."""
    from workgate.core.access import Perm
    from workgate.core.audit import audit_record

    actor.check(Perm.CHANNEL_MANAGE)
    if robot.community_id != actor.community_id:
        raise PermissionDenied
    Delivery.objects.filter(
        robot=robot, status__in=[Status.QUEUED, Status.FAILED, Status.SENDING]
    ).update(status=Status.GAVE_UP, last_error="the robot was removed", claim=None)
    audit_record(
        actor=actor,
        action=AuditEntry.Action.DELETE,
        obj=robot,
        detail={"op": "group_robot", "kind": robot.kind},
    )
    robot.delete()


@transaction.atomic
def robot_test(*, actor: Any, robot: GroupRobot) -> Delivery:
    """Queue a test message to this robot only (sent by the worker within a minute)."""
    from workgate.core.access import Perm
    from workgate.core.audit import audit_record

    actor.check(Perm.CHANNEL_MANAGE)
    if robot.community_id != actor.community_id:
        raise PermissionDenied
    if not robot.is_active:
        raise ServiceError(
            _("The robot is switched off: switch it on to send a test message."),
            field="is_active",
            code="state",
        )
    title, body = render_in(reader_language(robot.language), TEST_KIND, {"robot": robot.name})
    delivery = Delivery.objects.create(
        community_id=robot.community_id,
        channel=robot.kind,
        robot=robot,
        kind=TEST_KIND,
        recipient_label=robot.name[:120],
        title=title,
        body=body,
    )
    audit_record(
        actor=actor, action=AuditEntry.Action.CREATE, obj=delivery, detail={"op": "robot_test"}
    )
    return delivery


RETRYABLE = (Status.FAILED, Status.GAVE_UP)


@transaction.atomic
def delivery_retry(*, actor: Any, delivery: Delivery) -> Delivery:
    """Send a failed or given-up delivery again at the worker's next run, with a fresh round
    of attempts."""
    from workgate.core.access import Perm
    from workgate.core.audit import audit_record

    actor.check(Perm.CHANNEL_MANAGE)
    if delivery.community_id != actor.community_id:
        raise PermissionDenied
    row = Delivery.objects.select_for_update().get(pk=delivery.pk)
    if row.status not in RETRYABLE:
        raise ServiceError(
            _("Only a failed or given-up message can be retried; this one is %(status)s.")
            % {"status": row.get_status_display()},
            field="status",
            code="state",
        )
    before = {"status": row.status, "attempts": row.attempts}
    row.status, row.attempts, row.claim = Status.QUEUED, 0, None
    row.next_attempt_at = timezone.now()
    row.save(update_fields=["status", "attempts", "claim", "next_attempt_at"])
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=row,
        detail={"op": "delivery_retry", "was": before},
    )
    return row


def my_channels_save(
    *,
    actor: Any,
    email_on: bool | None = None,
    email: str | None = None,
    muted_kinds: Iterable[str] | None = None,
) -> ChannelChoice:
    """A person sets their own channel choices (audited; an API token is nobody and has none)."""
    from workgate.core.access import Perm
    from workgate.core.audit import audit_record

    actor.check(Perm.CHANNEL_CHOOSE)
    if actor.user is None:
        raise PermissionDenied("an API token has no channel choices")
    with transaction.atomic():
        choice = channel_choice_set(
            user=actor.user, email_on=email_on, email=email, muted_kinds=muted_kinds
        )
        audit_record(
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            obj=choice,
            detail={"op": "channel_choice", "email_on": choice.email_on},
        )
    return choice


def my_channels(user: User) -> ChannelChoice:
    """The person's choices as stored, or the defaults (email off) when they made none."""
    return ChannelChoice.objects.filter(user=user).first() or ChannelChoice(user=user)


# --- Reads for the robots page and the delivery log -----------------------------------------


def robots_of(community_id: int) -> Any:
    """The community's robots with their last delivery's status and time."""
    from django.db.models import OuterRef, Subquery

    last = Delivery.objects.filter(robot=OuterRef("pk")).order_by("-created_at", "-pk")
    return (
        GroupRobot.objects.filter(community_id=community_id)
        .annotate(
            last_status=Subquery(last.values("status")[:1]),
            last_at=Subquery(last.values("created_at")[:1]),
            last_error=Subquery(last.values("last_error")[:1]),
        )
        .order_by("-is_active", "name", "pk")
    )


def parse_day(raw: str | None, field: str = "date") -> Any:
    """A YYYY-MM-DD date from a filter; ServiceError naming `field` otherwise."""
    from datetime import date

    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ServiceError(_("Enter the date as YYYY-MM-DD."), field=field) from None


def deliveries_filtered(
    community_id: int,
    *,
    status: str = "",
    channel: str = "",
    kind: str = "",
    day: Any = None,
    robot_id: int | None = None,
) -> Any:
    """The delivery log of a community, newest first; refuses unknown filter values."""
    rows = Delivery.objects.filter(community_id=community_id)
    if status:
        if status not in Status.values:
            raise ServiceError(_("Unknown status."), field="status")
        rows = rows.filter(status=status)
    if channel:
        if channel not in Delivery.Channel.values:
            raise ServiceError(_("Unknown channel."), field="channel")
        rows = rows.filter(channel=channel)
    if kind:
        if not KIND_PATTERN.match(kind) or kind == ALL_KINDS:
            raise ServiceError(
                _("“%(kind)s” is not a kind of notification.") % {"kind": kind}, field="kind"
            )
        rows = rows.filter(kind__startswith=kind) if kind.endswith(".") else rows.filter(kind=kind)
    if day is not None:
        rows = rows.filter(created_at__date=day)
    if robot_id is not None:
        rows = rows.filter(robot_id=robot_id)
    return rows.order_by("-created_at", "-pk")


def delivery_counts(rows: Any) -> dict[str, int]:
    """How many of `rows` are in each status (every status, zeros included)."""
    from django.db.models import Count

    found = dict(rows.order_by().values_list("status").annotate(n=Count("pk")))
    return {s: found.get(s, 0) for s in Status.values}
