"""Sign-in, sign-out and failed sign-ins go to the audit log."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from workgate.core.access import memberships_of
from workgate.core.audit import audit_record
from workgate.core.models import AuditEntry


def _community_of(user: Any) -> int | None:
    memberships = memberships_of(user) if user is not None else []
    return memberships[0].community_id if memberships else None


def _audit_sign(action: AuditEntry.Action, request: Any, user: Any) -> None:
    audit_record(
        actor=None,
        user=user,
        action=action,
        object_type="core.user",
        object_id=str(user.pk),
        object_repr=user.get_username(),
        community_id=_community_of(user),
        request=request,
    )


@receiver(user_logged_in)
def on_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    _audit_sign(AuditEntry.Action.LOGIN, request, user)


@receiver(user_logged_out)
def on_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        _audit_sign(AuditEntry.Action.LOGOUT, request, user)


@receiver(user_login_failed)
def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    # Only the identifier typed is kept (never the password); failures for unknown names are
    # logged without a community, visible to operators only.
    from workgate.core.auth import find_user

    user = find_user(str(credentials.get("username", "")))
    audit_record(
        actor=None,
        user=user,
        action=AuditEntry.Action.LOGIN_FAILED,
        object_type="core.user",
        object_id=str(user.pk) if user else "",
        object_repr=str(credentials.get("username", ""))[:50],
        community_id=_community_of(user),
        request=request,
    )
