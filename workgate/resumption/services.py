"""Every write of work resumption: conditions and what enterprises enter for them, evidence,
applications and each review step, batches, and the enterprise's status.

Each function checks the actor's permission and tenant, refuses what the state does not allow
with a message the user can act on, writes in one transaction and audits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from workgate.core.access import Actor, Perm, require_own_enterprise
from workgate.core.audit import audit_record
from workgate.core.models import AuditEntry, Enterprise, Membership, Role, User
from workgate.core.notify import notify, recipients
from workgate.core.services import ServiceError, clean_or_refuse
from workgate.resumption import conditions as rules
from workgate.resumption import uploads
from workgate.resumption.models import (
    Application,
    ApplicationStep,
    Batch,
    Condition,
    ConditionEntry,
    Evidence,
    Indicator,
    Pillar,
    ResumptionSettings,
    StatusChange,
    StepPhoto,
)

State = Application.State
Action = ApplicationStep.Action
Status = Enterprise.Status

MAX_PHOTOS_PER_STEP = 12
# A reason, justification or return note: "有确诊" says enough; a lone "x" or "." does not.
MIN_REASON = 2


# --- Settings and conditions ----------------------------------------------------------------


def settings_for(community_id: int) -> ResumptionSettings:
    row, _created = ResumptionSettings.objects.get_or_create(community_id=community_id)
    return row


def settings_update(*, actor: Actor, changes: dict[str, Any]) -> ResumptionSettings:
    actor.check(Perm.RESUMPTION_CONFIGURE)
    with transaction.atomic():
        row = settings_for(actor.community_id)
        before = {k: str(getattr(row, k)) for k in changes}
        for k, v in changes.items():
            setattr(row, k, v)
        row.updated_at, row.updated_by_label = timezone.now(), actor.label
        clean_or_refuse(row)
        row.save()
        audit_record(
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            obj=row,
            object_repr="resumption settings",
            detail={"before": before, "after": {k: str(v) for k, v in changes.items()}},
        )
    return row


# (pillar, indicator, threshold, mandatory, evidence required): the four in place as the
# districts of the seed set them; each community changes them on its conditions page.
DEFAULT_CONDITIONS: list[tuple[str, str, Decimal | None, bool, bool]] = [
    (Pillar.MECHANISM, Indicator.OFFICER_NAMED, None, True, False),
    (Pillar.MECHANISM, Indicator.EMERGENCY_PLAN, None, True, True),
    (Pillar.SCREENING, Indicator.SCREENED_SHARE, Decimal(100), True, False),
    (Pillar.SCREENING, Indicator.REACHED_SHARE, Decimal(90), True, False),
    (Pillar.FACILITIES, Indicator.MASK_DAYS, Decimal(7), True, False),
    (Pillar.FACILITIES, Indicator.THERMOMETERS_PER_GATE, Decimal(2), True, False),
    (Pillar.FACILITIES, Indicator.ISOLATION_ROOM, None, True, True),
    (Pillar.MANAGEMENT, Indicator.SHIFTS_STAGGERED, None, False, False),
    (Pillar.MANAGEMENT, Indicator.TRAINED_SHARE, Decimal(100), True, False),
]


def conditions_ensure(community_id: int) -> list[Condition]:
    """The community's conditions; the default set the first time anyone asks."""
    with transaction.atomic():
        if not Condition.objects.filter(community_id=community_id).exists():
            Condition.objects.bulk_create(
                Condition(
                    community_id=community_id,
                    pillar=p,
                    indicator=ind,
                    threshold=t,
                    mandatory=m,
                    evidence_required=e,
                    position=i * 10,
                )
                for i, (p, ind, t, m, e) in enumerate(DEFAULT_CONDITIONS)
            )
    return list(Condition.objects.filter(community_id=community_id))


SHARE_INDICATORS = {Indicator.SCREENED_SHARE, Indicator.REACHED_SHARE, Indicator.TRAINED_SHARE}
THRESHOLD_INDICATORS = SHARE_INDICATORS | {Indicator.MASK_DAYS, Indicator.THERMOMETERS_PER_GATE}


def condition_save(*, actor: Actor, condition: Condition | None, data: dict[str, Any]) -> Condition:
    """Create or change one of the community's conditions."""
    actor.check(Perm.RESUMPTION_CONFIGURE)
    if condition is not None and condition.community_id != actor.community_id:
        raise PermissionDenied
    c = condition or Condition(community_id=actor.community_id)
    indicator = data.get("indicator", c.indicator)
    if indicator not in Indicator.values:
        raise ServiceError(_("Choose how the condition is judged."), field="indicator")
    if data.get("pillar", c.pillar) not in Pillar.values:
        raise ServiceError(_("Choose one of the four pillars."), field="pillar")
    threshold = data.get("threshold", c.threshold)
    if indicator in THRESHOLD_INDICATORS:
        try:
            threshold = Decimal(str(threshold).strip().rstrip("%").strip())
        except (InvalidOperation, ValueError):
            raise ServiceError(
                _("Enter the least value that meets the condition, e.g. 90."), field="threshold"
            ) from None
        if indicator in SHARE_INDICATORS and not 0 <= threshold <= 100:
            raise ServiceError(_("A share is between 0 and 100 %."), field="threshold")
        if threshold < 0:
            raise ServiceError(_("The value cannot be negative."), field="threshold")
    else:
        threshold = None
    with transaction.atomic():
        for k in ("pillar", "title", "guidance", "mandatory", "evidence_required", "position"):
            if k in data:
                setattr(c, k, data[k])
        c.active = data.get("active", c.active)
        c.indicator, c.threshold = indicator, threshold
        clean_or_refuse(c)
        c.save()
        audit_record(
            actor=actor,
            action=AuditEntry.Action.UPDATE if condition else AuditEntry.Action.CREATE,
            obj=c,
            detail={"indicator": indicator, "threshold": str(threshold), "mandatory": c.mandatory},
        )
    return c


# --- What the enterprise enters -------------------------------------------------------------


def _count(raw: Any, field: str = "value") -> int | None:
    """A whole number of things from what a tired clerk typed: "1,200", "１２００", " 35 "."""
    if raw is None:
        return None
    text = str(raw).strip().translate(_FULL_WIDTH).replace(",", "").replace("，", "")
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ServiceError(_("Enter a whole number, e.g. 1200."), field=field) from None
    if number < 0:
        raise ServiceError(_("A count cannot be negative."), field=field)
    if number != number.to_integral_value():
        raise ServiceError(_("Enter a whole number, not a fraction."), field=field)
    if number > 10_000_000:
        raise ServiceError(_("That number is too large to be a count."), field=field)
    return int(number)


_FULL_WIDTH = str.maketrans("０１２３４５６７８９．", "0123456789.")


def entry_save(
    *,
    actor: Actor,
    enterprise: Enterprise,
    condition: Condition,
    value: Any = None,
    text: str | None = None,
    confirmed: bool | None = None,
) -> ConditionEntry:
    require_own_enterprise(actor, enterprise, Perm.RESUMPTION_PREPARE)
    if condition.community_id != enterprise.community_id:
        raise PermissionDenied
    number = _count(value)
    with transaction.atomic():
        entry, _created = ConditionEntry.objects.select_for_update().get_or_create(
            enterprise=enterprise, condition=condition
        )
        if value is not None:
            entry.value = number
        if text is not None:
            entry.text = text.strip()[:200]
        if confirmed is not None:
            entry.confirmed = confirmed
        entry.updated_at, entry.updated_by_label = timezone.now(), actor.label
        entry.save()
        audit_record(
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            obj=entry,
            object_repr=f"{enterprise.name}: {condition.display_title}"[:200],
            enterprise_id=enterprise.pk,
            detail={"value": entry.value, "confirmed": entry.confirmed},
        )
    return entry


def evidence_add(
    *, actor: Actor, enterprise: Enterprise, condition: Condition, upload: IO[bytes], kind: str
) -> Evidence:
    """Keep a photo or a document for a condition (checked for what it really is)."""
    require_own_enterprise(actor, enterprise, Perm.RESUMPTION_PREPARE)
    if condition.community_id != enterprise.community_id:
        raise PermissionDenied
    max_mb = settings_for(enterprise.community_id).photo_max_mb
    folder = f"evidence/{enterprise.pk}"
    if kind == Evidence.Kind.PHOTO:
        stored = uploads.photo_store(upload, folder=folder, max_mb=max_mb)
    else:
        stored = uploads.document_store(upload, folder=folder, max_mb=max_mb)
    try:
        with transaction.atomic():
            ev = Evidence.objects.create(
                enterprise=enterprise,
                condition=condition,
                kind=stored.kind,
                path=stored.path,
                original_name=stored.original_name,
                size=stored.size,
                uploaded_by_label=actor.label,
            )
            audit_record(
                actor=actor,
                action=AuditEntry.Action.CREATE,
                obj=ev,
                enterprise_id=enterprise.pk,
                detail={"condition": condition.pk, "kind": stored.kind, "size": stored.size},
            )
    except Exception:
        uploads.remove(stored.path)
        raise
    return ev


def evidence_delete(*, actor: Actor, evidence: Evidence) -> None:
    require_own_enterprise(actor, evidence.enterprise, Perm.RESUMPTION_PREPARE)
    with transaction.atomic():
        audit_record(actor=actor, action=AuditEntry.Action.DELETE, obj=evidence)
        path = evidence.path
        evidence.delete()
        transaction.on_commit(lambda: uploads.remove(path))


# --- Enterprise status ----------------------------------------------------------------------


def local_today(community_id: int) -> dt.date:
    from workgate.health.rules import settings_for as health_settings

    _hs, tz = health_settings(community_id)
    return timezone.localdate(timezone=tz)


def _set_status(
    actor: Actor,
    enterprise: Enterprise,
    to: str,
    *,
    reason: str = "",
    on: dt.date | None = None,
) -> None:
    """Change the status and keep the change: who, when, why. Call inside a transaction."""
    before = enterprise.status
    if before == to:
        return
    on = on or local_today(enterprise.community_id)
    enterprise.status = to
    fields = ["status", "updated_at"]
    if to == Status.RESUMED and enterprise.resumed_on is None:
        enterprise.resumed_on = on
        fields.append("resumed_on")
    enterprise.save(update_fields=fields)
    StatusChange.objects.create(
        community_id=enterprise.community_id,
        enterprise=enterprise,
        from_status=before,
        to_status=to,
        on=on,
        actor_label=actor.label,
        reason=reason[:500],
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=enterprise,
        detail={"status": [before, to], "reason": reason[:200]},
    )


def _locked(enterprise: Enterprise) -> Enterprise:
    return Enterprise.objects.select_for_update().get(pk=enterprise.pk)


def enterprise_suspend(*, actor: Actor, enterprise: Enterprise, reason: str) -> Enterprise:
    """Stop an enterprise's work (after a confirmed case, say): staff only, with a reason."""
    require_own_enterprise(actor, enterprise, Perm.ENTERPRISE_SUSPEND)
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON:
        raise ServiceError(_("Give the reason for the suspension."), field="reason")
    with transaction.atomic():
        enterprise = _locked(enterprise)
        if enterprise.status == Status.SUSPENDED:
            raise ServiceError(_("This enterprise is already suspended."), code="already")
        if enterprise.status not in (Status.RESUMED, Status.APPROVED):
            raise ServiceError(
                _("Only an enterprise that is approved or back at work can be suspended."),
                code="state",
            )
        _set_status(actor, enterprise, Status.SUSPENDED, reason=reason)
        _notify_officers(enterprise, "resumption.suspended", {"reason": reason[:200]})
    return enterprise


def enterprise_lift_suspension(*, actor: Actor, enterprise: Enterprise, reason: str) -> Enterprise:
    require_own_enterprise(actor, enterprise, Perm.ENTERPRISE_SUSPEND)
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON:
        raise ServiceError(_("Say why work may start again."), field="reason")
    with transaction.atomic():
        enterprise = _locked(enterprise)
        if enterprise.status != Status.SUSPENDED:
            raise ServiceError(_("This enterprise is not suspended."), code="state")
        back = Status.RESUMED if enterprise.resumed_on else Status.APPROVED
        _set_status(actor, enterprise, back, reason=reason)
        _notify_officers(enterprise, "resumption.lifted", {"reason": reason[:200]})
    return enterprise


def enterprise_mark_resumed(
    *, actor: Actor, enterprise: Enterprise, on: dt.date | None = None
) -> Enterprise:
    """An approved enterprise has started work (the officer says so, or the first gate checks
    on or after the planned date show it)."""
    require_own_enterprise(actor, enterprise, Perm.RESUMPTION_PREPARE)
    with transaction.atomic():
        enterprise = _locked(enterprise)
        if enterprise.status == Status.RESUMED:
            return enterprise
        if enterprise.status != Status.APPROVED:
            raise ServiceError(
                _("Work can start only after the application is approved."), code="state"
            )
        _set_status(actor, enterprise, Status.RESUMED, on=on)
    return enterprise


def resumptions_detect(*, now: dt.datetime | None = None) -> int:
    """Approved enterprises whose people came through the gate on or after the planned date
    are back at work from that day. Run by the scheduler every few minutes."""
    from workgate.health.models import Check

    now = now or timezone.now()
    done = 0
    approved = Application.objects.filter(
        state=State.APPROVED, enterprise__status=Status.APPROVED
    ).values_list("enterprise_id", "community_id", "planned_date")
    for ent_id, community_id, planned in approved:
        first = (
            Check.objects.filter(enterprise_id=ent_id, taken_on__gte=planned, kind="gate")
            .order_by("taken_on")
            .values_list("taken_on", flat=True)
            .first()
        )
        if first is None or first > timezone.localdate(now):
            continue
        with transaction.atomic():
            enterprise = _locked(Enterprise(pk=ent_id))
            if enterprise.status == Status.APPROVED:
                _set_status(Actor.system(community_id), enterprise, Status.RESUMED, on=first)
                done += 1
    return done


# --- Applications ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ApplicationInput:
    planned_date: Any
    plan: str = ""
    plan_file: IO[bytes] | None = None


def _planned_date(raw: Any, today: dt.date) -> dt.date:
    if isinstance(raw, dt.datetime):
        raw = raw.date()
    if isinstance(raw, dt.date):
        day = raw
    else:
        text = str(raw or "").strip().replace("/", "-").replace(".", "-")
        text = text.replace("年", "-").replace("月", "-").replace("日", "")
        try:
            y, m, d = (int(p) for p in text.split("-"))
            day = dt.date(y, m, d)
        except ValueError:
            raise ServiceError(
                _("Enter the planned date as YYYY-MM-DD, e.g. %(eg)s.") % {"eg": today},
                field="planned_date",
            ) from None
    if day < today:
        raise ServiceError(
            _("The planned date %(day)s is in the past; choose today or a later day.")
            % {"day": day},
            field="planned_date",
        )
    if day > today + dt.timedelta(days=366):
        raise ServiceError(_("Plan no more than a year ahead."), field="planned_date")
    return day


def application_save(
    *,
    actor: Actor,
    enterprise: Enterprise,
    data: ApplicationInput,
    application: Application | None = None,
) -> Application:
    """Create the enterprise's draft, or change a draft or returned application."""
    require_own_enterprise(actor, enterprise, Perm.RESUMPTION_APPLY)
    today = local_today(enterprise.community_id)
    day = _planned_date(data.planned_date, today)
    plan = (data.plan or "").strip()
    if len(plan) > 5000:
        raise ServiceError(
            _("Keep the plan under 5,000 characters; attach the full plan as a document."),
            field="plan",
        )
    stored = None
    if data.plan_file is not None:
        stored = uploads.document_store(
            data.plan_file,
            folder=f"plans/{enterprise.pk}",
            max_mb=settings_for(enterprise.community_id).photo_max_mb,
        )
    try:
        with transaction.atomic():
            if application is None:
                application = (
                    Application.objects.select_for_update()
                    .filter(enterprise=enterprise, state__in=Application.ACTIVE)
                    .first()
                )
            else:
                application = Application.objects.select_for_update().get(pk=application.pk)
            if application is None:
                if enterprise.status in (Status.APPROVED, Status.RESUMED):
                    raise ServiceError(
                        _("This enterprise is already approved to work."), code="state"
                    )
                application = Application(
                    community_id=enterprise.community_id, enterprise=enterprise
                )
            elif application.state not in (State.DRAFT, State.RETURNED):
                raise ServiceError(
                    _("The application is under review (%(state)s) and cannot be changed now.")
                    % {"state": application.get_state_display()},
                    code="state",
                )
            old_file = application.plan_path
            application.planned_date, application.plan = day, plan
            if stored is not None:
                application.plan_path, application.plan_name = stored.path, stored.original_name
            application.updated_at = timezone.now()
            created = application.pk is None
            application.save()
            audit_record(
                actor=actor,
                action=AuditEntry.Action.CREATE if created else AuditEntry.Action.UPDATE,
                obj=application,
                detail={"planned_date": str(day), "plan_file": bool(stored)},
            )
            if stored is not None and old_file:
                transaction.on_commit(lambda: uploads.remove(old_file))
    except IntegrityError:
        # Two tabs saving the first draft at once: the other one won; nothing is lost.
        if stored is not None:
            uploads.remove(stored.path)
        raise ServiceError(
            _("The application was just created in another window; open it again."),
            code="already",
        ) from None
    except Exception:
        if stored is not None:
            uploads.remove(stored.path)
        raise
    return application


def due_on(submitted_at: dt.datetime, cutoff: dt.time, tz: Any) -> dt.date:
    """Same day if in before the cut-off, else the next day."""
    local = timezone.localtime(submitted_at, tz)
    return local.date() if local.time() < cutoff else local.date() + dt.timedelta(days=1)


def _app(application: Application) -> Application:
    return (
        Application.objects.select_for_update().select_related("enterprise").get(pk=application.pk)
    )


def _step(
    actor: Actor,
    app: Application,
    action: str,
    to: str,
    *,
    note: str = "",
    checklist: list[dict[str, Any]] | None = None,
    justifications: dict[str, str] | None = None,
) -> ApplicationStep:
    step = ApplicationStep.objects.create(
        application=app,
        action=action,
        from_state=app.state,
        to_state=to,
        submission=max(app.submissions, 1),
        actor_label=actor.label,
        actor_user=actor.user if actor.user is not None and actor.user.pk else None,
        note=note,
        checklist=checklist or [],
        justifications=justifications or {},
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=app,
        enterprise_id=app.enterprise_id,
        detail={"step": action, "from": app.state, "to": to},
    )
    app.state = to
    app.updated_at = step.at
    return step


def action_verb(action: str) -> str:
    """What a step does, as a button says it (the step's label says what was done)."""
    verbs = {
        Action.SUBMIT: _("Submit"),
        Action.ASSIGN: _("Assign a reviewer"),
        Action.SURVEY: _("Record the field survey"),
        Action.VERIFY: _("Verify"),
        Action.REPORT: _("Report upward"),
        Action.APPROVE: _("Approve"),
        Action.RETURN: _("Return"),
        Action.WITHDRAW: _("Withdraw"),
    }
    return str(verbs[Action(action)])


def _refuse_state(app: Application, action: str) -> ServiceError:
    return ServiceError(
        _("“%(action)s” is not possible while the application is “%(state)s”.")
        % {"action": action_verb(action), "state": app.get_state_display()},
        code="state",
    )


def application_submit(
    *, actor: Actor, application: Application, justifications: dict[str, str] | None = None
) -> Application:
    """Submit (or resubmit) for review. A failing mandatory condition needs a justification."""
    require_own_enterprise(actor, application.enterprise, Perm.RESUMPTION_APPLY)
    justifications = {str(k): (v or "").strip() for k, v in (justifications or {}).items()}
    with transaction.atomic():
        app = _app(application)
        if app.state in (*Application.OPEN_REVIEW, State.REPORTED, State.APPROVED):
            raise ServiceError(
                _("This application was already submitted (%(state)s).")
                % {"state": app.get_state_display()},
                code="already",
            )
        if app.state not in (State.DRAFT, State.RETURNED):
            raise _refuse_state(app, Action.SUBMIT)
        today = local_today(app.community_id)
        if app.planned_date < today:
            raise ServiceError(
                _("The planned date %(day)s has passed; choose a new date first.")
                % {"day": app.planned_date},
                field="planned_date",
            )
        judgement = rules.judge(app.enterprise)
        if not judgement.returning.total:
            raise ServiceError(
                _("No one on the roster is due back to work: import or update the roster first."),
                code="roster",
            )
        missing = [
            r
            for r in judgement.failing_mandatory
            if len(justifications.get(str(r.condition.pk), "")) < MIN_REASON
        ]
        if missing:
            first = missing[0]
            raise ServiceError(
                _(
                    "“%(title)s” is not met (%(reason)s) and is mandatory: meet it, or say why "
                    "the enterprise can resume without it."
                )
                % {"title": first.condition.display_title, "reason": first.reason},
                field=f"justify_{first.condition.pk}",
                code="condition",
            )
        kept = {
            str(r.condition.pk): justifications[str(r.condition.pk)][:500]
            for r in judgement.failing_mandatory
        }
        now = timezone.now()
        rs = settings_for(app.community_id)
        from workgate.health.rules import settings_for as health_settings

        _hs, tz = health_settings(app.community_id)
        app.submissions += 1
        _step(actor, app, Action.SUBMIT, State.SUBMITTED, justifications=kept)
        ret = judgement.returning
        app.returning_local, app.returning_non_local = ret.local, ret.non_local
        app.returning_high_risk = ret.high_risk
        snapshot = judgement.snapshot()
        for item in snapshot:
            item["justification"] = kept.get(str(item["condition"]), "")
        app.conditions = snapshot
        app.conditions_met, app.conditions_total = judgement.met, judgement.total
        app.submitted_at, app.due_on = now, due_on(now, rs.cutoff, tz)
        app.reported_at = app.decided_at = None
        app.overdue_notified_on = None
        app.save()
        enterprise = _locked(app.enterprise)
        if enterprise.status in (Status.NOT_RESUMED, Status.SUSPENDED):
            _set_status(actor, enterprise, Status.APPLYING, reason=_("Application submitted"))
        _notify_staff(app, "resumption.submitted")
    return app


def application_withdraw(*, actor: Actor, application: Application, note: str = "") -> Application:
    require_own_enterprise(actor, application.enterprise, Perm.RESUMPTION_APPLY)
    with transaction.atomic():
        app = _app(application)
        if app.state not in (State.DRAFT, State.SUBMITTED, State.RETURNED):
            raise _refuse_state(app, Action.WITHDRAW)
        _step(actor, app, Action.WITHDRAW, State.WITHDRAWN, note=note.strip()[:2000])
        app.save()
        enterprise = _locked(app.enterprise)
        if enterprise.status == Status.APPLYING:
            last = (
                StatusChange.objects.filter(enterprise=enterprise, to_status=Status.APPLYING)
                .order_by("-at", "-id")
                .first()
            )
            back = last.from_status if last else Status.NOT_RESUMED
            _set_status(actor, enterprise, back, reason=_("Application withdrawn"))
    return app


def _review(actor: Actor, application: Application, perm: Perm) -> Application:
    actor.check(perm)
    if application.community_id != actor.community_id:
        raise PermissionDenied
    return _app(application)


def application_assign(*, actor: Actor, application: Application, reviewer: User) -> Application:
    """Name the staff member who surveys and reviews (again, to hand it to someone else)."""
    with transaction.atomic():
        app = _review(actor, application, Perm.RESUMPTION_REVIEW)
        if app.state not in (State.SUBMITTED, State.ASSIGNED):
            raise _refuse_state(app, Action.ASSIGN)
        if not Membership.objects.filter(
            user=reviewer, community_id=app.community_id, role=Role.STAFF, is_active=True
        ).exists():
            raise ServiceError(
                _("The reviewer must be a member of the community staff."), field="reviewer"
            )
        if app.state == State.ASSIGNED and app.reviewer_id == reviewer.pk:
            raise ServiceError(
                _("%(name)s is already the reviewer.") % {"name": reviewer}, code="already"
            )
        app.reviewer = reviewer
        _step(actor, app, Action.ASSIGN, State.ASSIGNED, note=str(reviewer))
        app.save()
        if actor.user is None or reviewer.pk != actor.user.pk:
            notify(
                users=[reviewer],
                community_id=app.community_id,
                enterprise_id=app.enterprise_id,
                kind="resumption.assigned",
                params=_params(app),
                url=reverse("resumption:application", args=[app.pk]),
            )
    return app


@dataclass(frozen=True, slots=True)
class SurveyItem:
    condition: int
    ok: bool
    note: str = ""


def application_survey(
    *,
    actor: Actor,
    application: Application,
    items: Iterable[SurveyItem],
    note: str = "",
    photos: Iterable[IO[bytes]] = (),
) -> Application:
    """The field survey (踏勘): each condition seen on site, notes and photos."""
    photos = list(photos)
    if len(photos) > MAX_PHOTOS_PER_STEP:
        raise ServiceError(
            _("Up to %(n)s photos per survey.") % {"n": MAX_PHOTOS_PER_STEP}, field="photos"
        )
    actor.check(Perm.RESUMPTION_REVIEW)
    if application.community_id != actor.community_id:
        raise PermissionDenied
    if application.state != State.ASSIGNED:
        raise _refuse_state(application, Action.SURVEY)
    if actor.user is None or application.reviewer_id != actor.user.pk:
        raise ServiceError(
            _("Only the assigned reviewer records the field survey; assign yourself first."),
            code="reviewer",
        )
    titles = {c.pk: c.display_title for c in rules.active_conditions(application.community_id)}
    checklist = []
    for item in items:
        if item.condition not in titles:
            continue
        checklist.append(
            {
                "condition": item.condition,
                "title": titles[item.condition],
                "ok": bool(item.ok),
                "note": item.note.strip()[:300],
            }
        )
    seen = {i["condition"] for i in checklist}
    unseen = [t for pk, t in titles.items() if pk not in seen]
    if unseen:
        raise ServiceError(
            _("Say for each condition whether it was found in place; missing: %(list)s.")
            % {"list": "、".join(unseen)},
            field="checklist",
        )
    max_mb = settings_for(application.community_id).photo_max_mb
    stored = []
    try:
        for photo in photos:
            stored.append(
                uploads.photo_store(
                    photo, folder=f"survey/{application.enterprise_id}", max_mb=max_mb
                )
            )
        with transaction.atomic():
            app = _app(application)
            if app.state != State.ASSIGNED:
                raise _refuse_state(app, Action.SURVEY)
            step = _step(
                actor,
                app,
                Action.SURVEY,
                State.SURVEYED,
                note=note.strip()[:2000],
                checklist=checklist,
            )
            app.save()
            StepPhoto.objects.bulk_create(
                StepPhoto(step=step, path=s.path, original_name=s.original_name, size=s.size)
                for s in stored
            )
    except Exception:
        for s in stored:
            uploads.remove(s.path)
        raise
    return app


def _simple(
    actor: Actor,
    application: Application,
    *,
    perm: Perm,
    action: str,
    allowed: tuple[str, ...],
    to: str,
    note: str,
    note_required: bool = False,
) -> Application:
    note = (note or "").strip()
    if note_required and len(note) < MIN_REASON:
        raise ServiceError(
            _("Give the reasons, so the enterprise knows what to fix."), field="note"
        )
    with transaction.atomic():
        app = _review(actor, application, perm)
        if app.state == to and action != Action.RETURN:
            raise ServiceError(
                _(
                    "This step was already recorded. “%(action)s” is done: the application "
                    "is “%(state)s”."
                )
                % {
                    "action": ApplicationStep.Action(action).label,
                    "state": app.get_state_display(),
                },
                code="already",
            )
        if app.state not in allowed:
            raise _refuse_state(app, action)
        _step(actor, app, action, to, note=note[:2000])
        now = timezone.now()
        if action == Action.REPORT:
            app.reported_at = now
        if action in (Action.APPROVE, Action.RETURN):
            app.decided_at = now
        app.save()
        if action == Action.APPROVE:
            enterprise = _locked(app.enterprise)
            _set_status(actor, enterprise, Status.APPROVED, reason=note[:500])
            _notify_officers(app.enterprise, "resumption.approved", _params(app), app)
        elif action == Action.RETURN:
            _notify_officers(
                app.enterprise, "resumption.returned", {**_params(app), "reason": note[:200]}, app
            )
    return app


def application_verify(*, actor: Actor, application: Application, note: str = "") -> Application:
    return _simple(
        actor, application, perm=Perm.RESUMPTION_REVIEW, action=Action.VERIFY,
        allowed=(State.SURVEYED,), to=State.VERIFIED, note=note,
    )  # fmt: skip


def application_report(*, actor: Actor, application: Application, note: str = "") -> Application:
    return _simple(
        actor, application, perm=Perm.RESUMPTION_REVIEW, action=Action.REPORT,
        allowed=(State.VERIFIED,), to=State.REPORTED, note=note,
    )  # fmt: skip


def application_approve(*, actor: Actor, application: Application, note: str = "") -> Application:
    return _simple(
        actor, application, perm=Perm.RESUMPTION_APPROVE, action=Action.APPROVE,
        allowed=(State.REPORTED,), to=State.APPROVED, note=note,
    )  # fmt: skip


def application_return(*, actor: Actor, application: Application, note: str) -> Application:
    return _simple(
        actor, application, perm=Perm.RESUMPTION_REVIEW, action=Action.RETURN,
        allowed=(*Application.OPEN_REVIEW, State.REPORTED), to=State.RETURNED, note=note,
        note_required=True,
    )  # fmt: skip


# The review steps a page offers: action → (service, permission, states it starts from).
REVIEW_STEPS: dict[str, tuple[Any, Perm, tuple[str, ...]]] = {
    Action.VERIFY: (application_verify, Perm.RESUMPTION_REVIEW, (State.SURVEYED,)),
    Action.REPORT: (application_report, Perm.RESUMPTION_REVIEW, (State.VERIFIED,)),
    Action.APPROVE: (application_approve, Perm.RESUMPTION_APPROVE, (State.REPORTED,)),
    Action.RETURN: (
        application_return,
        Perm.RESUMPTION_REVIEW,
        (*Application.OPEN_REVIEW, State.REPORTED),
    ),
}


def applications_overdue_notify(*, now: dt.datetime | None = None) -> int:
    """Tell the leaders (and staff) once a day about applications past their same-day clock."""
    from workgate.health.rules import settings_for as health_settings

    now = now or timezone.now()
    sent = 0
    # A day's margin for communities ahead of the server's clock; each is judged on its own.
    overdue = Application.objects.filter(
        state__in=Application.OPEN_REVIEW,
        due_on__lt=timezone.localdate(now) + dt.timedelta(days=1),
    ).select_related("enterprise")
    for app in overdue:
        today = timezone.localdate(now, timezone=health_settings(app.community_id)[1])
        if app.due_on is None or app.due_on >= today or app.overdue_notified_on == today:
            continue
        with transaction.atomic():
            users = recipients(community_id=app.community_id, roles=[Role.LEADER, Role.STAFF])
            notify(
                users=users,
                community_id=app.community_id,
                enterprise_id=app.enterprise_id,
                kind="resumption.overdue",
                params={**_params(app), "state": app.state},
                url=reverse("resumption:application", args=[app.pk]),
            )
            Application.objects.filter(pk=app.pk).update(overdue_notified_on=today)
        sent += 1
    return sent


# --- Batches --------------------------------------------------------------------------------


def batch_save(
    *,
    actor: Actor,
    batch: Batch | None,
    date: Any,
    name: str,
    enterprise_ids: Iterable[int],
) -> Batch:
    actor.check(Perm.RESUMPTION_CONFIGURE)
    if batch is not None and batch.community_id != actor.community_id:
        raise PermissionDenied
    if isinstance(date, dt.date):
        day = date
    else:
        try:
            day = dt.date.fromisoformat(str(date).strip())
        except ValueError:
            raise ServiceError(_("Enter the date as YYYY-MM-DD."), field="date") from None
    name = (name or "").strip() or _("Batch of %(day)s") % {"day": day}
    ids = set(enterprise_ids)
    found = set(
        Enterprise.objects.filter(community_id=actor.community_id, pk__in=ids).values_list(
            "pk", flat=True
        )
    )
    if ids - found:
        raise ServiceError(_("Some enterprises are not in this community."), field="enterprises")
    with transaction.atomic():
        b = batch or Batch(community_id=actor.community_id)
        b.date, b.name = day, name[:100]
        b.save()
        b.enterprises.set(found)
        audit_record(
            actor=actor,
            action=AuditEntry.Action.UPDATE if batch else AuditEntry.Action.CREATE,
            obj=b,
            detail={"date": str(day), "enterprises": len(found)},
        )
    return b


# --- Notifications --------------------------------------------------------------------------


def _params(app: Application) -> dict[str, Any]:
    return {
        "application": app.pk,
        "enterprise": app.enterprise.name,
        "planned": str(app.planned_date),
    }


def _notify_staff(app: Application, kind: str) -> None:
    users = recipients(community_id=app.community_id, roles=[Role.STAFF])
    notify(
        users=users,
        community_id=app.community_id,
        enterprise_id=app.enterprise_id,
        kind=kind,
        params={**_params(app), "due": str(app.due_on)},
        url=reverse("resumption:application", args=[app.pk]),
    )


def _notify_officers(
    enterprise: Enterprise, kind: str, params: dict[str, Any], app: Application | None = None
) -> None:
    users = list(
        recipients(
            community_id=enterprise.community_id, roles=[Role.OFFICER], enterprise_id=enterprise.pk
        )
    )
    url = (
        reverse("resumption:application", args=[app.pk])
        if app is not None
        else reverse("resumption:enterprise", args=[enterprise.pk])
    )
    notify(
        users=users,
        community_id=enterprise.community_id,
        enterprise_id=enterprise.pk,
        kind=kind,
        params={"enterprise": enterprise.name, **params},
        url=url,
    )
