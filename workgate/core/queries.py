"""Reads of core used by pages, API and reports."""

from __future__ import annotations

from datetime import datetime, time

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date

from workgate.core.access import Actor, Perm
from workgate.core.models import ApiToken, AuditEntry, Job


def audit_entries(*, actor: Actor, filters: dict[str, str]) -> QuerySet[AuditEntry]:
    """The community's audit log, newest first, filtered by actor, action, record type, dates."""
    actor.check(Perm.AUDIT_VIEW)
    rows = AuditEntry.objects.filter(community_id=actor.community_id)
    if who := (filters.get("actor") or "").strip():
        rows = rows.filter(actor_label__icontains=who)
    if action := filters.get("action"):
        rows = rows.filter(action=action)
    if object_type := filters.get("object_type"):
        rows = rows.filter(object_type=object_type)
    if object_id := (filters.get("object_id") or "").strip():
        rows = rows.filter(object_id=object_id)
    tz = timezone.get_current_timezone()
    if (start := parse_date(filters.get("date_from") or "")) is not None:
        rows = rows.filter(at__gte=datetime.combine(start, time.min, tzinfo=tz))
    if (end := parse_date(filters.get("date_to") or "")) is not None:
        rows = rows.filter(at__lte=datetime.combine(end, time.max, tzinfo=tz))
    return rows.order_by("-at", "-id")


def audit_object_types(*, actor: Actor) -> list[str]:
    actor.check(Perm.AUDIT_VIEW)
    return list(
        AuditEntry.objects.filter(community_id=actor.community_id)
        .exclude(object_type="")
        .values_list("object_type", flat=True)
        .distinct()
        .order_by("object_type")
    )


def api_tokens(*, actor: Actor) -> QuerySet[ApiToken]:
    actor.check(Perm.TOKEN_MANAGE)
    return (
        ApiToken.objects.filter(community_id=actor.community_id)
        .select_related("enterprise", "created_by")
        .order_by("revoked_at", "-created_at")
    )


def job_for(*, actor: Actor, job_id: str) -> Job | None:
    """A job the actor started, or any job of their tenant for community-wide roles."""
    actor.check(Perm.JOB_VIEW)
    rows = Job.objects.filter(community_id=actor.community_id)
    if not actor.community_wide:
        rows = rows.filter(started_by=actor.user)
    return rows.filter(pk=job_id).first()
