"""Writes of screening. Each is keyword-only, runs in one transaction and is audited (never with
personal data in the audit detail)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from workgate.core.access import Actor, Perm
from workgate.core.audit import audit_record
from workgate.core.jobs import job_start
from workgate.core.models import AuditEntry, Job, Role
from workgate.core.services import ServiceError
from workgate.registry.models import Employee, Region, TimelineEvent
from workgate.registry.services import (
    employee_whereabouts_confirm,
    employees_risk_set,
    timeline_add,
)
from workgate.screening import queries
from workgate.screening.bulk import insert_rows
from workgate.screening.models import (
    CallAttempt,
    Caller,
    CallTask,
    Campaign,
    CaseContact,
    Level,
    RegionRisk,
    ReturnPlan,
    RiskList,
    ScreeningPolicy,
)
from workgate.screening.risk import assess, higher
from workgate.screening.riskfile import RiskFileError, read_rows

BULK = 2000
MAX_LIST_BYTES = 5 * 1024 * 1024


def _community_check(actor: Actor, community_id: int) -> None:
    if community_id != actor.community_id:
        raise PermissionDenied


# --- Region risk ------------------------------------------------------------------------------


def _region_risk_write(
    *,
    actor: Actor,
    region: Region,
    level: str,
    effective_from: dt.date,
    note: str = "",
    risk_list: RiskList | None = None,
) -> RegionRisk | None:
    """Close the region's open entry and open a new one; None if the level is unchanged."""
    if level not in Level.values:
        raise ServiceError(_("Choose high, medium or low."), field="level")
    current = (
        RegionRisk.objects.select_for_update()
        .filter(community_id=actor.community_id, region=region, effective_to__isnull=True)
        .first()
    )
    if current is not None:
        if current.level == level and current.effective_from <= effective_from:
            return None
        # A change dated before the open entry began supersedes it: kept, never in force.
        current.effective_to = effective_from - dt.timedelta(days=1)
        current.save(update_fields=["effective_to"])
    elif level == Level.LOW:
        return None  # low is what an unlisted region is already
    return RegionRisk.objects.create(
        community_id=actor.community_id,
        region=region,
        level=level,
        effective_from=effective_from,
        note=note[:200],
        risk_list=risk_list,
        set_by=actor.user,
        set_by_label=actor.label,
    )


@transaction.atomic
def region_risk_set(
    *,
    actor: Actor,
    region: Region,
    level: str,
    effective_from: dt.date | None = None,
    note: str = "",
    reassess: bool = True,
) -> Job | None:
    """Change one region's level from a date (default today); reassess everyone after."""
    actor.check(Perm.RISK_MANAGE)
    entry = _region_risk_write(
        actor=actor,
        region=region,
        level=level,
        effective_from=effective_from or timezone.localdate(),
        note=note,
    )
    if entry is None:
        return None
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=entry,
        object_repr=f"{region.full_name}: {level}",
        detail={"region": region.code, "level": level, "from": str(entry.effective_from)},
    )
    return reassess_start(actor=actor) if reassess else None


@transaction.atomic
def policy_update(
    *,
    actor: Actor,
    window_days: int,
    quarantine_levels: list[str],
    delay_levels: list[str],
) -> Job | None:
    actor.check(Perm.RISK_MANAGE)
    if not 1 <= window_days <= 60:
        raise ServiceError(_("The window is between 1 and 60 days."), field="window_days")
    for name, values in (("quarantine_levels", quarantine_levels), ("delay_levels", delay_levels)):
        if any(v not in Level.values for v in values):
            raise ServiceError(_("Choose levels from the list."), field=name)
    row, _created = ScreeningPolicy.objects.get_or_create(
        community_id=actor.community_id,
        defaults={"quarantine_levels": ["high", "medium"], "delay_levels": ["high"]},
    )
    new = {
        "window_days": window_days,
        "quarantine_levels": sorted(set(quarantine_levels)),
        "delay_levels": sorted(set(delay_levels)),
    }
    if not _created and all(getattr(row, k) == v for k, v in new.items()):
        return None
    for key, value in new.items():
        setattr(row, key, value)
    row.updated_by_label = actor.label
    row.save()
    audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=row, detail=new)
    return reassess_start(actor=actor)


def reassess_start(*, actor: Actor) -> Job:
    """Reassess every employee of the community on the worker, with progress."""
    actor.check(Perm.RISK_MANAGE)
    return job_start(
        actor=actor,
        kind="screening_reassess",
        params={"next": reverse("screening:regions")},
    )


# --- Risk lists -------------------------------------------------------------------------------


@transaction.atomic
def risk_list_check(
    *,
    actor: Actor,
    upload: Any,
    effective_from: dt.date,
    default_level: str = "",
    replaces: bool = False,
) -> RiskList:
    """Read an uploaded list and check every row; nothing is applied until confirmed."""
    actor.check(Perm.RISK_MANAGE)
    name = Path(str(upload.name)).name[:200] or "list"
    if upload.size > MAX_LIST_BYTES:
        raise ServiceError(_("The file is larger than 5 MB."), field="file")
    if default_level and default_level not in Level.values:
        raise ServiceError(_("Choose high, medium or low."), field="default_level")
    risk_list = RiskList(
        community_id=actor.community_id,
        original_name=name,
        effective_from=effective_from,
        default_level=default_level,
        replaces=replaces,
        uploaded_by=actor.user,
    )
    folder = Path(settings.MEDIA_ROOT) / "risk-lists" / str(risk_list.pk)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / ("upload" + Path(name).suffix.lower()[:6])
    with target.open("wb") as fh:
        for chunk in upload.chunks():
            fh.write(chunk)
    try:
        rows = read_rows(target, default_level=default_level)
    except RiskFileError as exc:
        raise ServiceError(exc.message, field="file") from exc
    if not rows:
        raise ServiceError(_("The list has no rows."), field="file")
    risk_list.rows = rows
    risk_list.known_count = sum(1 for r in rows if not r["error"])
    risk_list.unknown_count = len(rows) - risk_list.known_count
    risk_list.save()
    audit_record(
        actor=actor,
        action=AuditEntry.Action.IMPORT,
        obj=risk_list,
        detail={"rows": len(rows), "unknown": risk_list.unknown_count, "applied": False},
    )
    return risk_list


@transaction.atomic
def risk_list_apply(*, actor: Actor, risk_list: RiskList) -> Job:
    """Apply the understood rows of a checked list (the others were listed and are skipped)."""
    actor.check(Perm.RISK_MANAGE)
    _community_check(actor, risk_list.community_id)
    risk_list = RiskList.objects.select_for_update().get(pk=risk_list.pk)
    if risk_list.status != RiskList.Status.CHECKED:
        raise ServiceError(_("This list has already been applied or discarded."), code="conflict")
    if risk_list.known_count == 0:
        raise ServiceError(_("No row of this list names a known region."), code="invalid")
    wanted: dict[str, str] = {}
    for row in risk_list.rows:
        if not row["error"]:
            # A region listed twice takes its highest level.
            old = wanted.get(row["code"], "low")
            wanted[row["code"]] = higher(row["level"], old)
    regions = Region.objects.in_bulk(list(wanted))
    changed = 0
    for code, level in wanted.items():
        if _region_risk_write(
            actor=actor,
            region=regions[code],
            level=level,
            effective_from=risk_list.effective_from,
            note=risk_list.original_name,
            risk_list=risk_list,
        ):
            changed += 1
    if risk_list.replaces:
        stale = (
            RegionRisk.objects.filter(community_id=actor.community_id, effective_to__isnull=True)
            .exclude(region_id__in=list(wanted))
            .exclude(level=Level.LOW)
            .select_related("region")
        )
        for entry in stale:
            if _region_risk_write(
                actor=actor,
                region=entry.region,
                level=Level.LOW,
                effective_from=risk_list.effective_from,
                note=risk_list.original_name,
                risk_list=risk_list,
            ):
                changed += 1
    risk_list.status = RiskList.Status.APPLIED
    risk_list.applied_at = timezone.now()
    risk_list.save(update_fields=["status", "applied_at"])
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=risk_list,
        detail={"applied": True, "regions_changed": changed, "skipped": risk_list.unknown_count},
    )
    return reassess_start(actor=actor)


@transaction.atomic
def risk_list_discard(*, actor: Actor, risk_list: RiskList) -> None:
    actor.check(Perm.RISK_MANAGE)
    _community_check(actor, risk_list.community_id)
    if risk_list.status != RiskList.Status.CHECKED:
        raise ServiceError(_("This list has already been applied or discarded."), code="conflict")
    risk_list.status = RiskList.Status.DISCARDED
    risk_list.save(update_fields=["status"])
    audit_record(actor=actor, action=AuditEntry.Action.DELETE, obj=risk_list)


# --- Campaigns --------------------------------------------------------------------------------


def _target_checked(target: dict[str, Any], community_id: int) -> queries.Target:
    try:
        parsed = queries.Target.from_json(target)
    except (TypeError, ValueError) as exc:
        raise ServiceError(_("The target is not understood."), field="target") from exc
    if parsed.enterprises:
        from workgate.core.models import Enterprise

        found = Enterprise.objects.filter(
            pk__in=parsed.enterprises, community_id=community_id
        ).count()
        if found != len(parsed.enterprises):
            raise ServiceError(_("Choose enterprises of this community."), field="enterprises")
    return parsed


def campaign_preview(*, actor: Actor, target: dict[str, Any]) -> int:
    actor.check(Perm.CAMPAIGN_MANAGE)
    parsed = _target_checked(target, actor.community_id)
    return queries.target_people(actor.community_id, parsed).count()


@transaction.atomic
def campaign_create(
    *,
    actor: Actor,
    name: str,
    target: dict[str, Any],
    retry_minutes: int = 30,
    max_attempts: int = 3,
) -> Campaign:
    actor.check(Perm.CAMPAIGN_MANAGE)
    name = " ".join(name.split())[:120]
    if not name:
        raise ServiceError(_("Give the campaign a name."), field="name")
    if not 1 <= max_attempts <= 10:
        raise ServiceError(_("Between 1 and 10 attempts."), field="max_attempts")
    if not 1 <= retry_minutes <= 24 * 60:
        raise ServiceError(_("Between 1 minute and a day."), field="retry_minutes")
    parsed = _target_checked(target, actor.community_id)
    campaign = Campaign.objects.create(
        community_id=actor.community_id,
        name=name,
        target=parsed.to_json(),
        retry_minutes=retry_minutes,
        max_attempts=max_attempts,
        created_by=actor.user,
    )
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=campaign, detail=campaign.target)
    return campaign


def eligible_callers(community_id: int) -> QuerySet[Any]:
    """People who may call: active staff and volunteer members of the community."""
    return (
        get_user_model()
        .objects.filter(
            memberships__community_id=community_id,
            memberships__is_active=True,
            memberships__role__in=[Role.STAFF, Role.VOLUNTEER],
        )
        .distinct()
        .order_by("username")
    )


@transaction.atomic
def callers_add(
    *, actor: Actor, campaign: Campaign, user_ids: list[int], capacity: int = 1
) -> list[Caller]:
    """Add callers (or re-activate them); a running campaign's unstarted calls are rebalanced."""
    actor.check(Perm.CAMPAIGN_MANAGE)
    _community_check(actor, campaign.community_id)
    if campaign.status == Campaign.Status.CLOSED:
        raise ServiceError(_("The campaign is closed."), code="conflict")
    if not 1 <= capacity <= 50:
        raise ServiceError(_("Capacity is between 1 and 50."), field="capacity")
    allowed = set(
        eligible_callers(campaign.community_id).filter(pk__in=user_ids).values_list("pk", flat=True)
    )
    if not user_ids or allowed != set(user_ids):
        raise ServiceError(
            _("Callers must be staff or volunteers of this community."), field="users"
        )
    out = []
    for user_id in sorted(allowed):
        caller, created = Caller.objects.get_or_create(
            campaign=campaign, user_id=user_id, defaults={"capacity": capacity}
        )
        if not created and (not caller.active or caller.capacity != capacity):
            caller.active = True
            caller.capacity = capacity
            caller.save(update_fields=["active", "capacity"])
        out.append(caller)
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=campaign,
        detail={"callers_added": len(out), "capacity": capacity},
    )
    if campaign.status == Campaign.Status.RUNNING:
        rebalance(campaign=campaign)
    return out


@transaction.atomic
def caller_update(*, actor: Actor, caller: Caller, capacity: int, active: bool) -> Caller:
    actor.check(Perm.CAMPAIGN_MANAGE)
    _community_check(actor, caller.campaign.community_id)
    if not 1 <= capacity <= 50:
        raise ServiceError(_("Capacity is between 1 and 50."), field="capacity")
    caller.capacity, caller.active = capacity, active
    caller.save(update_fields=["capacity", "active"])
    if not active:
        # Their calls not being dialled right now go back to the pool, then to the others.
        _unleased(CallTask.objects.filter(caller=caller, status=CallTask.Status.PENDING)).update(
            caller=None
        )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=caller.campaign,
        detail={"caller": caller.pk, "capacity": capacity, "active": active},
    )
    if caller.campaign.status == Campaign.Status.RUNNING:
        rebalance(campaign=caller.campaign)
    return caller


@transaction.atomic
def calls_reassign(*, actor: Actor, source: Caller, to: Caller) -> int:
    """Move every call still waiting on one caller's list to another's."""
    actor.check(Perm.CAMPAIGN_MANAGE)
    _community_check(actor, source.campaign.community_id)
    if source.campaign_id != to.campaign_id or not to.active:
        raise ServiceError(_("Choose an active caller of the same campaign."), field="to")
    moved = _unleased(
        CallTask.objects.filter(caller=source, status=CallTask.Status.PENDING)
    ).update(caller=to)
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=source.campaign,
        detail={"moved": moved, "from_caller": source.pk, "to_caller": to.pk},
    )
    return moved


def _unleased(rows: QuerySet[CallTask]) -> QuerySet[CallTask]:
    now = timezone.now()
    return rows.filter(Q(leased_until__isnull=True) | Q(leased_until__lt=now))


def quotas(total: int, weights: dict[int, int]) -> dict[int, int]:
    """Split `total` by weight (largest remainder): the shares add up to `total` exactly."""
    if not weights:
        return {}
    whole = sum(weights.values())
    raw = {k: total * w / whole for k, w in weights.items()}
    out = {k: int(v) for k, v in raw.items()}
    left = total - sum(out.values())
    for k in sorted(raw, key=lambda k: (-(raw[k] - out[k]), k))[:left]:
        out[k] += 1
    return out


def rebalance(*, campaign: Campaign) -> int:
    """Share the calls nobody has started (and any left without a caller) among the active
    callers by capacity; each keeps what they have up to their share. Returns entries moved."""
    callers = {c.pk: c.capacity for c in campaign.callers.filter(active=True)}
    if not callers:
        return 0
    movable = _unleased(
        CallTask.objects.filter(campaign=campaign, status=CallTask.Status.PENDING).filter(
            Q(attempts=0) | Q(caller__isnull=True)
        )
    )
    rows = list(movable.order_by("id").values_list("pk", "caller_id"))
    share = quotas(len(rows), callers)
    kept: dict[int, int] = dict.fromkeys(callers, 0)
    pool: list[int] = []
    for pk, caller_id in rows:
        if caller_id in kept and kept[caller_id] < share[caller_id]:
            kept[caller_id] += 1
        else:
            pool.append(pk)
    moved = 0
    for caller_id in callers:
        need = share[caller_id] - kept[caller_id]
        if need <= 0:
            continue
        take, pool = pool[:need], pool[need:]
        for start in range(0, len(take), BULK):
            moved += _unleased(CallTask.objects.filter(pk__in=take[start : start + BULK])).update(
                caller_id=caller_id
            )
    return moved


@transaction.atomic
def campaign_launch(*, actor: Actor, campaign: Campaign) -> Job:
    """Build the call list on the worker (with progress) and start the campaign."""
    actor.check(Perm.CAMPAIGN_MANAGE)
    _community_check(actor, campaign.community_id)
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status != Campaign.Status.DRAFT:
        raise ServiceError(_("This campaign has already been launched."), code="conflict")
    campaign.status = Campaign.Status.BUILDING
    job = job_start(
        actor=actor,
        kind="screening_campaign_build",
        params={
            "campaign_id": campaign.pk,
            "next": reverse("screening:campaign_detail", kwargs={"pk": campaign.pk}),
        },
    )
    campaign.job = job
    campaign.save(update_fields=["status", "job"])
    audit_record(
        actor=actor, action=AuditEntry.Action.UPDATE, obj=campaign, detail={"launch": True}
    )
    return job


def campaign_build(*, campaign_id: int, report: Any = None) -> int:
    """Build the call list with bulk inserts and split it among the callers by capacity."""
    report = report or (lambda done, total, message="": None)
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
        if campaign.status not in (Campaign.Status.DRAFT, Campaign.Status.BUILDING):
            return campaign.total
        target = queries.Target.from_json(campaign.target)
        people = list(
            queries.target_people(campaign.community_id, target)
            .order_by("enterprise_id", "id")
            .values_list("pk", "enterprise_id")
        )
        total = len(people)
        report(0, total, "")
        callers = list(campaign.callers.filter(active=True).order_by("id"))
        share = quotas(total, {c.pk: c.capacity for c in callers})
        owners: list[int | None] = []
        for c in callers:
            owners += [c.pk] * share[c.pk]
        if not callers:
            owners = [None] * total
        now = timezone.now()
        rows = [
            {
                "campaign_id": campaign.pk,
                "employee_id": pk,
                "community_id": campaign.community_id,
                "enterprise_id": enterprise_id,
                "caller_id": owner,
                "next_attempt_at": now,
            }
            for (pk, enterprise_id), owner in zip(people, owners, strict=True)
        ]
        for start in range(0, total, 5000):
            insert_rows(CallTask, rows[start : start + 5000])
            report(min(total, start + 5000), total, "")
        campaign.status = Campaign.Status.RUNNING
        campaign.total = total
        campaign.launched_at = now
        campaign.save(update_fields=["status", "total", "launched_at"])
    return total


def campaign_build_run(job: Job, report: Any) -> dict[str, Any]:
    """Job runner "screening_campaign_build"."""
    total = campaign_build(campaign_id=int(job.params["campaign_id"]), report=report)
    return {"total": total}


@transaction.atomic
def campaign_close(*, actor: Actor, campaign: Campaign) -> Campaign:
    actor.check(Perm.CAMPAIGN_MANAGE)
    _community_check(actor, campaign.community_id)
    if campaign.status != Campaign.Status.RUNNING:
        raise ServiceError(_("Only a running campaign can be closed."), code="conflict")
    campaign.status = Campaign.Status.CLOSED
    campaign.closed_at = timezone.now()
    campaign.save(update_fields=["status", "closed_at"])
    audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=campaign, detail={"close": True})
    return campaign


# --- The caller's queue -----------------------------------------------------------------------


def _first_locked(rows: QuerySet[CallTask]) -> CallTask | None:
    """The first row nobody else is locking. On PostgreSQL, FOR UPDATE SKIP LOCKED: two callers
    asking at once get different people without waiting. On SQLite the transaction is
    IMMEDIATE (settings), so writers are serialised and the plain read is safe."""
    if connection.vendor == "postgresql":
        return rows.select_for_update(skip_locked=True, of=("self",)).first()
    return rows.first()


@transaction.atomic
def call_next(*, actor: Actor, campaign: Campaign, request: Any = None) -> CallTask | None:
    """The next person for this caller, leased to them for the campaign's lease time.

    Their own list first (due entries in order), then entries left without a caller, then
    unstarted entries from other callers' lists (taken over), so nobody idles while calls wait.
    The number is shown to the caller from now on: that unmasked read is audited, once per lease.
    """
    actor.check(Perm.CALL_WORK)
    caller = queries.caller_for(actor=actor, campaign_pk=campaign.pk)
    now = timezone.now()
    held = (
        CallTask.objects.filter(
            campaign=campaign,
            status=CallTask.Status.PENDING,
            leased_by=actor.user,
            leased_until__gt=now,
        )
        .order_by("id")
        .first()
    )
    if held is not None:
        return held
    due = CallTask.objects.filter(
        campaign=campaign, status=CallTask.Status.PENDING, next_attempt_at__lte=now
    ).filter(Q(leased_until__isnull=True) | Q(leased_until__lt=now))
    candidates = (
        due.filter(caller=caller).order_by("next_attempt_at", "id"),
        due.filter(caller__isnull=True).order_by("next_attempt_at", "id"),
        due.filter(attempts=0).exclude(caller=caller).order_by("-id"),
    )
    task = None
    for rows in candidates:
        task = _first_locked(rows)
        if task is not None:
            break
    if task is None:
        return None
    task.caller = caller
    task.leased_by = actor.user
    task.leased_until = now + dt.timedelta(minutes=campaign.lease_minutes)
    task.save(update_fields=["caller", "leased_by", "leased_until"])
    employee = Employee.objects.only("id", "name", "id_number", "enterprise_id").get(
        pk=task.employee_id
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.REVEAL,
        obj=employee,
        object_repr=employee.audit_label,
        detail={"field": "mobile", "via": "call", "campaign": campaign.pk, "task": task.pk},
        request=request,
    )
    return task


@transaction.atomic
def call_release(*, actor: Actor, task: CallTask) -> None:
    """Give a person back without a call (the caller has to stop)."""
    actor.check(Perm.CALL_WORK)
    updated = CallTask.objects.filter(
        pk=task.pk, leased_by=actor.user, status=CallTask.Status.PENDING
    ).update(leased_by=None, leased_until=None)
    if not updated:
        raise ServiceError(_("You are not calling this person."), code="conflict")


@dataclass
class Outcome:
    """What a caller enters after a call (the form and the API)."""

    client_id: uuid.UUID
    outcome: str
    region: Region | None = None
    address: str = ""
    return_date: dt.date | None = None
    return_means: str = ""
    delay_agreed: bool = False
    quarantine_needed: bool = False
    contact_with_case: bool = False
    notes: str = ""


def call_record(*, actor: Actor, task: CallTask, data: Outcome) -> tuple[CallAttempt, bool]:
    """Record a call once per client id: a repeat (double tap, retry on a flaky network) gets the
    first attempt back with created=False."""
    actor.check(Perm.CALL_WORK)
    first = CallAttempt.objects.filter(client_id=data.client_id).first()
    if first is not None:
        if first.community_id != actor.community_id or first.task_id != task.pk:
            raise ServiceError(_("This call id was already used."), code="conflict")
        return first, False
    if data.outcome not in CallAttempt.Outcome.values:
        raise ServiceError(_("Choose what happened on the call."), field="outcome")
    if data.return_means and data.return_means not in ("train", "plane", "coach", "car", "other"):
        raise ServiceError(_("Choose a means of travel from the list."), field="return_means")
    try:
        with transaction.atomic():
            return _call_record(actor=actor, task=task, data=data)
    except IntegrityError:
        # The same client id committed by a concurrent request (a double tap on two sockets).
        first = CallAttempt.objects.filter(client_id=data.client_id).first()
        if first is None:
            raise
        return first, False


def _call_record(*, actor: Actor, task: CallTask, data: Outcome) -> tuple[CallAttempt, bool]:
    now = timezone.now()
    rows = CallTask.objects.filter(pk=task.pk, community_id=actor.community_id)
    if connection.vendor == "postgresql":
        rows = rows.select_for_update(of=("self",))
    task = rows.select_related("campaign").get()
    campaign = task.campaign
    # A twin request may have committed while this one waited for the lock on the task.
    twin = CallAttempt.objects.filter(client_id=data.client_id, task=task).first()
    if twin is not None:
        return twin, False
    if task.status != CallTask.Status.PENDING:
        raise ServiceError(_("This person's calls are already finished."), code="conflict")
    if task.leased_by_id != getattr(actor.user, "pk", None):
        raise ServiceError(
            _("Another caller has this person now. Ask for the next person."), code="conflict"
        )
    employee = Employee.objects.select_related("current_region").get(pk=task.employee_id)
    levels = queries.region_levels(task.community_id)
    policy = queries.policy_of(task.community_id)
    reached = data.outcome == CallAttempt.Outcome.REACHED
    region = data.region if reached else None
    attempt = CallAttempt.objects.create(
        client_id=data.client_id,
        task=task,
        campaign=campaign,
        employee=employee,
        community_id=task.community_id,
        caller=actor.user,
        caller_label=actor.label,
        at=now,
        outcome=data.outcome,
        region=region,
        address=data.address[:200] if reached else "",
        return_date=data.return_date if reached else None,
        return_means=data.return_means if reached else "",
        delay_agreed=data.delay_agreed and reached,
        quarantine_needed=data.quarantine_needed and reached,
        contact_with_case=data.contact_with_case and reached,
        notes=data.notes[:500],
    )
    task.attempts += 1
    task.last_outcome = data.outcome
    task.leased_by = None
    task.leased_until = None
    task.updated_at = now
    if data.outcome == CallAttempt.Outcome.NO_ANSWER:
        if task.attempts >= campaign.max_attempts:
            task.status = CallTask.Status.EXHAUSTED
        else:
            task.next_attempt_at = now + dt.timedelta(minutes=campaign.retry_minutes)
    else:
        task.status = CallTask.Status.DONE
    timeline_params: dict[str, Any] = {"outcome": data.outcome, "campaign": campaign.name}
    if reached:
        if data.contact_with_case:
            CaseContact.objects.create(
                employee=employee,
                community_id=employee.community_id,
                enterprise_id=employee.enterprise_id,
                contact_date=timezone.localdate(),
                note=_("Reported on a call"),
                reported_by_label=actor.label,
            )
        employee_whereabouts_confirm(
            actor=actor,
            employee=employee,
            region=region,
            address=data.address,
            arrival_date=data.return_date,
            job_status=Employee.JobStatus.DELAYED if data.delay_agreed else None,
        )
        where = employee.current_region
        task.reached = True
        task.region = where
        task.region_level = levels.level(where.code if where else None)
        task.delay_agreed = data.delay_agreed
        assessment = assess(
            queries.facts_of(
                employee, since=timezone.localdate() - dt.timedelta(days=policy.window_days)
            ),
            levels,
            policy,
            timezone.localdate(),
        )
        task.quarantine_needed = data.quarantine_needed or (
            task.region_level in policy.quarantine_levels or assessment.quarantine_needed
        )
        timeline_params.update(
            region=where.full_name if where else "",
            delay=data.delay_agreed,
            return_date=str(data.return_date or ""),
        )
        _risk_after_call(
            actor=actor, employee=employee, level=assessment.level, reasons=assessment.reasons
        )
        if not employee.arrived and (data.return_date or data.delay_agreed or where):
            _return_plan_write(
                actor=actor,
                employee=employee,
                campaign=campaign,
                region=where,
                arrival_date=data.return_date,
                means=data.return_means or "other",
                delayed=data.delay_agreed,
                quarantine=task.quarantine_needed,
                reason="caller"
                if data.quarantine_needed
                else ("region" if task.region_level in policy.quarantine_levels else "person"),
            )
    task.save()
    timeline_add(
        employee=employee, kind="screening.call", params=timeline_params, actor_label=actor.label
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=attempt,
        object_repr=f"{campaign.name}: {data.outcome}",
        enterprise_id=employee.enterprise_id,
        detail={"campaign": campaign.pk, "task": task.pk, "outcome": data.outcome},
    )
    return attempt, True


def _risk_after_call(*, actor: Actor, employee: Employee, level: str, reasons: Any) -> None:
    old = employee.risk_level
    if level == old:
        return
    employees_risk_set(levels={employee.pk: level})
    TimelineEvent.objects.create(
        employee=employee,
        kind="screening.risk",
        params={"from": old, "to": level, "reasons": [r.as_dict() for r in reasons]},
        actor_label=actor.label,
    )
    employee.risk_level = level


def _return_plan_write(
    *,
    actor: Actor,
    employee: Employee,
    campaign: Campaign | None,
    region: Region | None,
    arrival_date: dt.date | None,
    means: str,
    delayed: bool,
    quarantine: bool,
    reason: str,
) -> ReturnPlan:
    from workgate.core.models import Community

    community = Community.objects.only("name").get(pk=employee.community_id)
    route = f"{region.full_name if region else '?'} → {community.name}"
    plan, _created = ReturnPlan.objects.update_or_create(
        employee=employee,
        defaults={
            "community_id": employee.community_id,
            "enterprise_id": employee.enterprise_id,
            "from_region": region,
            "arrival_date": arrival_date,
            "means": means,
            "route": route[:200],
            "status": ReturnPlan.Status.DELAYED if delayed else ReturnPlan.Status.PLANNED,
            "quarantine_needed": quarantine,
            "quarantine_reason": reason if quarantine else "",
            "campaign": campaign,
            "updated_at": timezone.now(),
            "updated_by_label": actor.label,
        },
    )
    timeline_add(
        employee=employee,
        kind="screening.return_plan",
        params={
            "date": str(arrival_date or ""),
            "means": means,
            "delayed": delayed,
            "quarantine": quarantine,
        },
        actor_label=actor.label,
    )
    return plan
