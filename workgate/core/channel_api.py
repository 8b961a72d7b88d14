"""API of notification channels: the community's group robots, each person's channel choices,
the delivery log.

Webhook addresses and secrets go in, never out: a robot is answered with `masked_url` and
whether it has a secret. Leaving `webhook_url` or `secret` out of an update keeps them.
"""

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.pagination import paginate
from pydantic import Field

from workgate.core import channels
from workgate.core.access import Perm, actor_of, api_require, fetch
from workgate.core.models import Delivery, GroupRobot

router = Router(tags=["notification channels"])

API = "/channels"


# --- Group robots ---------------------------------------------------------------------------


class RobotOut(Schema):
    id: int
    name: str
    kind: str
    format: str
    language: str = Field(
        description="The group's language (zh-hans or en); its messages are in it"
    )
    kinds: list[str]
    kind_labels: list[str]
    masked_url: str = Field(description="The webhook with its key masked; never in full")
    signed: bool = Field(description="Has a DingTalk signing secret (never shown)")
    is_active: bool
    created_at: dt.datetime
    last_status: str | None = None
    last_at: dt.datetime | None = None


def _robot_out(robot: GroupRobot) -> dict[str, Any]:
    return {
        "id": robot.pk,
        "name": robot.name,
        "kind": robot.kind,
        "format": robot.format,
        "language": robot.language,
        "kinds": list(robot.kinds or []),
        "kind_labels": [channels.kind_label(k) for k in robot.kinds or []],
        "masked_url": robot.masked_url,
        "signed": bool(robot.secret),
        "is_active": robot.is_active,
        "created_at": robot.created_at,
        "last_status": getattr(robot, "last_status", None),
        "last_at": getattr(robot, "last_at", None),
    }


class RobotIn(Schema):
    name: str = Field(max_length=200)
    kind: str = Field(description="wecom or dingtalk")
    format: str = Field("text", description="text or markdown")
    language: str | None = Field(
        None,
        max_length=20,
        description="The group's language, its messages are written in it: zh-hans or en; "
        "omit for the site's (on create) or to keep it (on update)",
    )
    webhook_url: str = Field(
        "",
        max_length=1000,
        description="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=… or "
        "https://oapi.dingtalk.com/robot/send?access_token=…; empty on update keeps it",
    )
    secret: str | None = Field(None, max_length=1000, description="DingTalk; omit to keep")
    clear_secret: bool = False
    kinds: list[str] = Field(description='Kinds ("health.fever"), apps ("health.") or "*"')
    is_active: bool = True


class RobotPatch(Schema):
    name: str | None = Field(None, max_length=200)
    kind: str | None = None
    format: str | None = None
    language: str | None = Field(None, max_length=20, description="zh-hans or en")
    webhook_url: str | None = Field(None, max_length=1000)
    secret: str | None = Field(None, max_length=1000)
    clear_secret: bool = False
    kinds: list[str] | None = None
    is_active: bool | None = None


class KindOut(Schema):
    kind: str
    label: str
    app: str


def _robot(request: HttpRequest, robot_id: int) -> GroupRobot:
    return fetch(actor_of(request), GroupRobot.objects.all(), Perm.CHANNEL_MANAGE, pk=robot_id)


@router.get(f"{API}/kinds", response=list[KindOut])
@api_require(Perm.CHANNEL_CHOOSE)
def kind_list(request: HttpRequest) -> Any:
    """The kinds of notification a robot can subscribe to or a person can mute, by app."""
    return [
        {"kind": kind, "label": label, "app": group["label"]}
        for group in channels.kind_groups()
        for kind, label in group["kinds"]
    ]


@router.get(f"{API}/robots", response=list[RobotOut])
@api_require(Perm.CHANNEL_MANAGE)
def robot_list(request: HttpRequest) -> Any:
    """The community's group robots with their last message's status."""
    return [_robot_out(r) for r in channels.robots_of(actor_of(request).community_id)]


@router.post(f"{API}/robots", response={201: RobotOut})
@api_require(Perm.CHANNEL_MANAGE)
def robot_create(request: HttpRequest, payload: RobotIn) -> Any:
    robot = channels.robot_configure(actor=actor_of(request), robot=None, **payload.dict())
    return Status(201, _robot_out(robot))


@router.get(f"{API}/robots/{{robot_id}}", response=RobotOut)
@api_require(Perm.CHANNEL_MANAGE)
def robot_read(request: HttpRequest, robot_id: int) -> Any:
    robot = _robot(request, robot_id)
    annotated = channels.robots_of(robot.community_id).get(pk=robot.pk)
    return _robot_out(annotated)


def _update(request: HttpRequest, robot_id: int, data: dict[str, Any]) -> Any:
    robot = _robot(request, robot_id)
    merged = {
        "name": robot.name,
        "kind": robot.kind,
        "format": robot.format,
        "language": robot.language,
        "kinds": list(robot.kinds or []),
        "is_active": robot.is_active,
        **{k: v for k, v in data.items() if v is not None},
    }
    merged.setdefault("webhook_url", "")
    saved = channels.robot_configure(actor=actor_of(request), robot=robot, **merged)
    return _robot_out(saved)


@router.put(f"{API}/robots/{{robot_id}}", response=RobotOut)
@api_require(Perm.CHANNEL_MANAGE)
def robot_update(request: HttpRequest, robot_id: int, payload: RobotIn) -> Any:
    """Change a robot; an empty `webhook_url` or an omitted `secret` keeps the stored one."""
    return _update(request, robot_id, payload.dict())


@router.patch(f"{API}/robots/{{robot_id}}", response=RobotOut)
@api_require(Perm.CHANNEL_MANAGE)
def robot_patch(request: HttpRequest, robot_id: int, payload: RobotPatch) -> Any:
    """Change some fields (e.g. `{"is_active": false}` to pause a robot)."""
    return _update(request, robot_id, payload.dict())


@router.delete(f"{API}/robots/{{robot_id}}", response={204: None})
@api_require(Perm.CHANNEL_MANAGE)
def robot_remove(request: HttpRequest, robot_id: int) -> Any:
    """Remove a robot; its messages still waiting are given up."""
    channels.robot_delete(actor=actor_of(request), robot=_robot(request, robot_id))
    return Status(204, None)


# --- The delivery log -----------------------------------------------------------------------


class DeliveryOut(Schema):
    id: int
    channel: str
    kind: str
    kind_label: str
    robot_id: int | None
    recipient: str = Field(
        validation_alias="recipient_label",
        description="Masked: z***@example.com, or the robot's name",
    )
    title: str
    status: str
    attempts: int
    next_attempt_at: dt.datetime | None = Field(description="While queued or failed")
    last_error: str
    sent_at: dt.datetime | None
    created_at: dt.datetime

    @staticmethod
    def resolve_kind_label(obj: Delivery) -> str:
        return channels.kind_label(obj.kind)

    @staticmethod
    def resolve_next_attempt_at(obj: Delivery) -> dt.datetime | None:
        waiting = obj.status in (Delivery.Status.QUEUED, Delivery.Status.FAILED)
        return obj.next_attempt_at if waiting else None


@router.post(f"{API}/robots/{{robot_id}}/test", response={202: DeliveryOut})
@api_require(Perm.CHANNEL_MANAGE)
def robot_test(request: HttpRequest, robot_id: int) -> Any:
    """Queue a test message to this robot; the worker sends it within a minute."""
    delivery = channels.robot_test(actor=actor_of(request), robot=_robot(request, robot_id))
    return Status(202, delivery)


class CountsOut(Schema):
    queued: int
    sending: int
    sent: int
    failed: int
    gave_up: int


@router.get(f"{API}/deliveries", response=list[DeliveryOut])
@api_require(Perm.CHANNEL_MANAGE)
@paginate
def delivery_list(
    request: HttpRequest,
    status: str = "",
    channel: str = "",
    kind: str = "",
    date: str = "",
    robot: int | None = None,
) -> Any:
    """The community's delivery log, newest first. `kind`: a kind ("health.fever") or an app
    ("health."); `date`: YYYY-MM-DD, queued that day; `robot`: one robot's messages."""
    actor = actor_of(request)
    return channels.deliveries_filtered(
        actor.community_id,
        status=status,
        channel=channel,
        kind=kind,
        day=channels.parse_day(date),
        robot_id=robot,
    )


@router.get(f"{API}/deliveries/counts", response=CountsOut)
@api_require(Perm.CHANNEL_MANAGE)
def delivery_counts(request: HttpRequest, channel: str = "", kind: str = "", date: str = "") -> Any:
    """How many messages are in each status (with the same filters as the log)."""
    actor = actor_of(request)
    rows = channels.deliveries_filtered(
        actor.community_id, channel=channel, kind=kind, day=channels.parse_day(date)
    )
    return channels.delivery_counts(rows)


@router.get(f"{API}/deliveries/{{delivery_id}}", response=DeliveryOut)
@api_require(Perm.CHANNEL_MANAGE)
def delivery_read(request: HttpRequest, delivery_id: int) -> Any:
    return fetch(actor_of(request), Delivery.objects.all(), Perm.CHANNEL_MANAGE, pk=delivery_id)


@router.post(f"{API}/deliveries/{{delivery_id}}/retry", response=DeliveryOut)
@api_require(Perm.CHANNEL_MANAGE)
def delivery_retry(request: HttpRequest, delivery_id: int) -> Any:
    """Send a failed or given-up message again at the worker's next run."""
    actor = actor_of(request)
    delivery = fetch(actor, Delivery.objects.all(), Perm.CHANNEL_MANAGE, pk=delivery_id)
    return channels.delivery_retry(actor=actor, delivery=delivery)


# --- My channels ----------------------------------------------------------------------------


class MineOut(Schema):
    email_on: bool
    email: str = Field(description="Empty: the account's address is used")
    account_email: str
    muted_kinds: list[str]


class MineIn(Schema):
    email_on: bool | None = None
    email: str | None = Field(None, max_length=254)
    muted_kinds: list[str] | None = None


def _mine_out(choice: Any) -> dict[str, Any]:
    return {
        "email_on": choice.email_on,
        "email": choice.email,
        "account_email": choice.user.email,
        "muted_kinds": list(choice.muted_kinds or []),
    }


def _me(request: HttpRequest) -> Any:
    actor = actor_of(request)
    if actor.user is None:
        raise PermissionDenied("an API token has no channel choices")
    return actor.user


@router.get(f"{API}/mine", response=MineOut)
@api_require(Perm.CHANNEL_CHOOSE)
def mine_read(request: HttpRequest) -> Any:
    """Your own channel choices (the inbox always gets everything)."""
    return _mine_out(channels.my_channels(_me(request)))


@router.put(f"{API}/mine", response=MineOut)
@api_require(Perm.CHANNEL_CHOOSE)
def mine_update(request: HttpRequest, payload: MineIn) -> Any:
    """Set your own choices; a field left out keeps what is stored."""
    _me(request)
    choice = channels.my_channels_save(actor=actor_of(request), **payload.dict())
    return _mine_out(choice)
