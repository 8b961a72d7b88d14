"""Writing the audit log. Services call `audit_record` inside their own transaction."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import HttpRequest

from workgate.core.access import Actor
from workgate.core.models import AuditEntry


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    actor: Actor | None,
    action: AuditEntry.Action | str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    detail: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
    community_id: int | None = None,
    enterprise_id: int | None = None,
    user: Any = None,
) -> AuditEntry:
    """Record who did what to which record. Never store the personal data itself in `detail`."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:200]
        enterprise_id = enterprise_id or getattr(obj, "enterprise_id", None)
    if actor is not None:
        user = user or actor.user
        community_id = community_id or actor.community_id
        enterprise_id = enterprise_id or actor.enterprise_id
    label = actor.label if actor is not None else (user.get_username() if user else "anonymous")
    return AuditEntry.objects.create(
        user=user if user is not None and user.pk else None,
        actor_label=label[:150],
        role=actor.role if actor is not None else "",
        community_id=community_id,
        enterprise_id=enterprise_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:200],
        detail=detail or {},
        ip=client_ip(request),
    )
