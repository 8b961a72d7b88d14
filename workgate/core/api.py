"""API of core: who am I, API tokens, the audit log, job progress, notifications."""

import uuid
from datetime import datetime

from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from workgate.core import notify, queries, services
from workgate.core.access import Actor, Perm, api_require, fetch
from workgate.core.models import ApiToken, AuditEntry, Notification, Role

router = Router(tags=["core"])


class MeOut(Schema):
    username: str | None
    role: str
    community_id: int
    enterprise_id: int | None


@router.get("/me", response=MeOut)
@api_require(Perm.DASHBOARD_VIEW)
def me(request: HttpRequest) -> MeOut:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    return MeOut(
        username=actor.user.get_username() if actor.user else None,
        role=actor.role,
        community_id=actor.community_id,
        enterprise_id=actor.enterprise_id,
    )


class TokenIn(Schema):
    name: str
    role: Role
    enterprise_id: int | None = None
    expires_at: datetime | None = None


class TokenOut(Schema):
    id: int
    name: str
    role: str
    prefix: str
    enterprise_id: int | None
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreatedOut(TokenOut):
    secret: str


@router.get("/tokens", response=list[TokenOut])
@api_require(Perm.TOKEN_MANAGE)
@paginate
def token_list(request: HttpRequest) -> list[ApiToken]:
    return queries.api_tokens(actor=request.actor)  # type: ignore[attr-defined,return-value]


@router.post("/tokens", response={201: TokenCreatedOut})
@api_require(Perm.TOKEN_MANAGE)
def token_create(request: HttpRequest, payload: TokenIn) -> Status:
    token, secret = services.token_create(
        actor=request.actor,  # type: ignore[attr-defined]
        name=payload.name,
        role=payload.role,
        enterprise_id=payload.enterprise_id,
        expires_at=payload.expires_at,
    )
    return Status(201, {**TokenOut.from_orm(token).dict(), "secret": secret})


@router.post("/tokens/{token_id}/revoke", response=TokenOut)
@api_require(Perm.TOKEN_MANAGE)
def token_revoke(request: HttpRequest, token_id: int) -> ApiToken:
    actor: Actor = request.actor  # type: ignore[attr-defined]
    token = fetch(actor, ApiToken.objects.all(), Perm.TOKEN_MANAGE, pk=token_id)
    return services.token_revoke(actor=actor, token=token)


class AuditFilter(Schema):
    actor: str | None = None
    action: AuditEntry.Action | None = None
    object_type: str | None = None
    object_id: str | None = None
    date_from: str | None = None
    date_to: str | None = None


class AuditOut(Schema):
    id: int
    at: datetime
    actor_label: str
    role: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    ip: str | None


@router.get("/audit", response=list[AuditOut])
@api_require(Perm.AUDIT_VIEW)
@paginate
def audit_list(request: HttpRequest, filters: Query[AuditFilter]) -> list[AuditEntry]:
    clean = {k: str(v) for k, v in filters.dict().items() if v}
    return queries.audit_entries(actor=request.actor, filters=clean)  # type: ignore[attr-defined,return-value]


class JobOut(Schema):
    id: uuid.UUID
    kind: str
    status: str
    done: int
    total: int
    percent: int
    message: str
    result: dict


@router.get("/jobs/{job_id}", response=JobOut)
@api_require(Perm.JOB_VIEW)
def job_detail(request: HttpRequest, job_id: uuid.UUID) -> object:
    job = queries.job_for(actor=request.actor, job_id=str(job_id))  # type: ignore[attr-defined]
    if job is None:
        raise Http404
    return job


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    url: str
    created_at: datetime
    read_at: datetime | None

    @staticmethod
    def resolve_title(obj: Notification) -> str:
        return notify.render(obj)[0]

    @staticmethod
    def resolve_body(obj: Notification) -> str:
        return notify.render(obj)[1]


class NotificationsReadIn(Schema):
    ids: list[int] = []
    all: bool = False


class NotificationsReadOut(Schema):
    marked: int


@router.get("/notifications", response=list[NotificationOut])
@api_require(Perm.NOTIFICATION_VIEW)
@paginate
def notification_list(request: HttpRequest, unread: bool = False) -> list[Notification]:
    """The caller's notifications, newest first, in the request's language (`?unread=true`)."""
    rows = notify.notifications_of(request.actor.user)  # type: ignore[attr-defined]
    return rows.filter(read_at__isnull=True) if unread else rows  # type: ignore[return-value]


@router.post("/notifications/read", response=NotificationsReadOut)
@api_require(Perm.NOTIFICATION_VIEW)
def notifications_read(request: HttpRequest, payload: NotificationsReadIn) -> NotificationsReadOut:
    """Mark read the caller's notifications in `ids`, or all of them with `"all": true`."""
    marked = notify.notifications_mark_read(
        user=request.actor.user,  # type: ignore[attr-defined]
        ids=None if payload.all else payload.ids,
    )
    return NotificationsReadOut(marked=marked)
