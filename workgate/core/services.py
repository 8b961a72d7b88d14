"""Writes of core: API tokens, audit export, enterprises, a person's language. Each runs in one
transaction and is audited (a language preference excepted)."""

from __future__ import annotations

import csv
import hashlib
import secrets
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from workgate.core.access import Actor, Perm
from workgate.core.audit import audit_record
from workgate.core.jobs import job_start
from workgate.core.models import ApiToken, AuditEntry, Enterprise, Job, Role, User
from workgate.core.queries import audit_entries
from workgate.core.spreadsheet import neutralise_formula

TOKEN_PREFIX = "wg_"  # noqa: S105 - the public prefix of every token


class ServiceError(Exception):
    """A refusal the user can act on; `field` names the input at fault."""

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code


def clean_or_refuse(obj: Any, *, unique: bool = True, constraints: bool = True) -> None:
    """Model validation (`full_clean`) as a refusal the user can act on, naming the first field
    at fault, instead of a server error. `unique` / `constraints`: also check those (leave them
    to the database where the service handles a clash itself)."""
    try:
        obj.full_clean(validate_unique=unique, validate_constraints=constraints)
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
        field, messages = next(iter(errors.items()))
        raise ServiceError(
            " ".join(messages), field=None if field in ("", NON_FIELD_ERRORS) else field
        ) from None


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def token_create(
    *,
    actor: Actor,
    name: str,
    role: Role,
    enterprise_id: int | None = None,
    expires_at: datetime | None = None,
) -> tuple[ApiToken, str]:
    """A new API token; the secret is returned once and never stored."""
    actor.check(Perm.TOKEN_MANAGE)
    name = name.strip()
    if not name:
        raise ServiceError(_("Give the token a name, e.g. the gate it is for."), field="name")
    if role in {Role.LEADER, Role.STAFF} and enterprise_id is not None:
        raise ServiceError(_("A community role cannot be limited to one enterprise."), field="role")
    if role in {Role.OFFICER, Role.EMPLOYEE} and enterprise_id is None:
        raise ServiceError(_("Choose the enterprise this token acts for."), field="enterprise")
    if (
        enterprise_id is not None
        and not Enterprise.objects.filter(
            pk=enterprise_id, community_id=actor.community_id
        ).exists()
    ):
        raise ServiceError(_("That enterprise is not in your community."), field="enterprise")
    prefix = secrets.token_hex(4)
    secret = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        name=name,
        community_id=actor.community_id,
        enterprise_id=enterprise_id,
        role=role,
        prefix=prefix,
        digest=token_digest(secret),
        created_by=actor.user,
        expires_at=expires_at,
    )
    audit_record(actor=actor, action=AuditEntry.Action.TOKEN, obj=token, detail={"op": "create"})
    return token, secret


@transaction.atomic
def token_revoke(*, actor: Actor, token: ApiToken) -> ApiToken:
    actor.check(Perm.TOKEN_MANAGE)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        from workgate.api import token_cache_clear

        token_cache_clear()  # this process forgets it at once; others within seconds
        audit_record(
            actor=actor, action=AuditEntry.Action.TOKEN, obj=token, detail={"op": "revoke"}
        )
    return token


def language_known(code: str | None) -> bool:
    """Is `code` one of the languages Workgate is written in (settings.LANGUAGES)?"""
    return bool(code) and code in dict(settings.LANGUAGES)


def language_remember(*, user: User, language: str) -> bool:
    """Store the language a signed-in person chose; out-of-app messages are written in it.

    An unknown language is ignored (Django's switch ignores it too); returns whether the stored
    language changed. Not audited: a display preference, like the language cookie itself.
    """
    if not language_known(language) or user.language == language:
        return False
    User.objects.filter(pk=user.pk).update(language=language)
    user.language = language
    return True


def token_authenticate(secret: str) -> ApiToken | None:
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = ApiToken.objects.select_related("community").filter(digest=token_digest(secret)).first()
    if token is None or not token.is_usable:
        return None
    now = timezone.now()
    # One write a minute at most per token: devices upload often.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def audit_export_start(*, actor: Actor, filters: dict[str, str]) -> Job:
    actor.check(Perm.AUDIT_EXPORT)
    return job_start(actor=actor, kind="audit_export", params={"filters": filters})


def audit_export_run(job: Job, report: Callable[[int, int, str], None]) -> dict[str, Any]:
    """Write the filtered audit log as CSV under var/exports, reporting progress as it goes."""
    actor = Actor(
        community_id=job.community_id,
        enterprise_id=job.enterprise_id,
        role=Role(job.params["role"]),
        user=job.started_by,
    )
    rows = audit_entries(actor=actor, filters=job.params.get("filters", {}))
    total = rows.count()
    out_dir = Path(settings.MEDIA_ROOT) / "exports"
    out_dir.mkdir(parents=True, exist_ok=True)
    name = f"audit-{timezone.localtime():%Y%m%d-%H%M%S}-{str(job.pk)[:8]}.csv"
    header = [_("time"), _("actor"), _("role"), _("action"), _("record type"), _("record"), _("IP")]
    with (out_dir / name).open("w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for done, entry in enumerate(rows.iterator(chunk_size=2000), start=1):
            writer.writerow(
                [
                    timezone.localtime(entry.at).strftime("%Y-%m-%d %H:%M:%S"),
                    *(
                        neutralise_formula(v)
                        for v in (
                            entry.actor_label,
                            entry.get_role_display(),
                            entry.get_action_display(),
                            entry.object_type,
                            entry.object_repr,
                        )
                    ),
                    entry.ip or "",
                ]
            )
            report(done, total, _("Writing audit entries"))
    report(total, total, _("Done"))
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditEntry.Action.EXPORT,
            object_type="core.auditentry",
            object_repr=name,
            detail={"rows": total, "filters": job.params.get("filters", {})},
        )
    return {"file": f"exports/{name}", "rows": total}


# --- Enterprises (the tenants inside a community) ------------------------------------------

ENTERPRISE_FIELDS = (
    "name",
    "credit_code",
    "address",
    "industry",
    "size",
    "contact_name",
    "contact_phone",
)


def normalise_credit_code(value: str) -> str:
    """The unified social credit code in `value`, checked with python-stdnum (cn.uscc)."""
    from stdnum.cn import uscc
    from stdnum.exceptions import ValidationError as StdnumError

    from workgate.core.text import compact

    code = compact(value or "").upper()
    if not code:
        raise ServiceError(_("Enter the unified social credit code."), field="credit_code")
    try:
        return uscc.validate(code)
    except StdnumError as exc:
        if len(code) != 18:
            message = _("A unified social credit code has 18 characters; this one has %(n)d.") % {
                "n": len(code)
            }
        elif exc.__class__.__name__ == "InvalidChecksum":
            message = _(
                "The last character (check character) does not match; a character is mistyped."
            )
        else:
            message = _(
                "The code holds characters a unified social credit code cannot have "
                "(I, O, Z, S and V are never used)."
            )
        raise ServiceError(message, field="credit_code") from exc


def _enterprise_clean(
    data: dict[str, Any], *, community_id: int, exclude_pk: int | None
) -> dict[str, Any]:
    from workgate.core.phones import normalise_phone
    from workgate.core.text import normalise_text

    clean = {k: normalise_text(str(data.get(k) or "")) for k in ENTERPRISE_FIELDS}
    if not clean["name"]:
        raise ServiceError(_("Enter the enterprise's name."), field="name")
    clean["credit_code"] = normalise_credit_code(clean["credit_code"])
    taken = Enterprise.objects.filter(credit_code=clean["credit_code"]).exclude(pk=exclude_pk)
    if taken.exists():
        raise ServiceError(
            _("Another enterprise already has this credit code."), field="credit_code"
        )
    if clean["size"] not in Enterprise.Size.values:
        clean["size"] = Enterprise.Size.SMALL
    if clean["contact_phone"]:
        phone = normalise_phone(clean["contact_phone"])
        if phone is None:
            raise ServiceError(
                _("That is not a phone number in mainland China."), field="contact_phone"
            )
        clean["contact_phone"] = phone
    return clean


@transaction.atomic
def enterprise_create(*, actor: Actor, data: dict[str, Any]) -> Enterprise:
    actor.check(Perm.ENTERPRISE_CREATE)
    clean = _enterprise_clean(data, community_id=actor.community_id, exclude_pk=None)
    enterprise = Enterprise.objects.create(community_id=actor.community_id, **clean)
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=enterprise)
    return enterprise


@transaction.atomic
def enterprise_update(*, actor: Actor, enterprise: Enterprise, data: dict[str, Any]) -> Enterprise:
    actor.check(Perm.ENTERPRISE_MANAGE)
    if enterprise.community_id != actor.community_id or (
        not actor.community_wide and enterprise.pk != actor.enterprise_id
    ):
        raise PermissionDenied
    clean = _enterprise_clean(
        {**{f: getattr(enterprise, f) for f in ENTERPRISE_FIELDS}, **data},
        community_id=actor.community_id,
        exclude_pk=enterprise.pk,
    )
    if clean["credit_code"] != enterprise.credit_code and not actor.community_wide:
        raise ServiceError(_("Only community staff can change a credit code."), field="credit_code")
    changed = [f for f in ENTERPRISE_FIELDS if getattr(enterprise, f) != clean[f]]
    if changed:
        for f in changed:
            setattr(enterprise, f, clean[f])
        enterprise.save(update_fields=[*changed, "updated_at"])
        audit_record(
            actor=actor, action=AuditEntry.Action.UPDATE, obj=enterprise, detail={"fields": changed}
        )
    return enterprise
