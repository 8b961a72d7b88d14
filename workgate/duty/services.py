"""Every write of duty rosters: posts, planning shifts from a post's pattern, assigning
volunteers, swaps between volunteers with a manager's approval, and reminders before a shift.

Assigning locks the volunteer's row, so two managers putting the same person on overlapping
shifts at different posts cannot both succeed; it also locks the shift, so a shift never gets
more people than it needs. A swap changes nothing on the roster until a manager approves it,
and approval checks everything again under the same locks.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from workgate.core.access import Actor, Perm, require_own_enterprise
from workgate.core.audit import audit_record
from workgate.core.models import AuditEntry, Enterprise, Role, User
from workgate.core.notify import notify, recipients
from workgate.core.services import ServiceError
from workgate.core.text import normalise_text
from workgate.duty.models import Assignment, Post, Shift, Swap
from workgate.health.models import Gate
from workgate.volunteers.models import Volunteer
from workgate.volunteers.services import volunteer_of

MAX_PLAN_DAYS = 31
_TIME = re.compile(r"^(\d{1,2})[:：.](\d{2})$")
_RANGE_SPLIT = re.compile(r"\s*(?:-|－|–|—|~|～|到|至)\s*")


# --- Posts ---------------------------------------------------------------------------------


def _time(text: str) -> dt.time | None:
    m = _TIME.match(text.strip())
    if not m:
        return None
    hour, minute = int(m.group(1)), int(m.group(2))
    if hour > 24 or minute > 59 or (hour == 24 and minute):
        return None
    return dt.time(0, minute) if hour == 24 else dt.time(hour, minute)


def parse_shift_times(value: Any) -> list[list[str]]:
    """A post's day as [["07:00", "15:00"], …] from what a clerk types: "07:00-15:00,
    15:00-23:00", full-width colons and dashes, 到 / 至, one range per line, or a list of pairs.
    A range that ends at or before it starts runs past midnight. Raises ServiceError naming the
    range at fault."""
    if isinstance(value, str):
        text = normalise_text(value.replace("\n", ",")).replace("，", ",").replace("、", ",")
        parts = [p for p in (s.strip() for s in text.replace(";", ",").split(",")) if p]
        pairs = [_RANGE_SPLIT.split(p) for p in parts]
    else:
        pairs = [list(p) for p in value or []]
        parts = ["–".join(str(x) for x in p) for p in pairs]
    if not pairs:
        raise ServiceError(
            _("Enter the post's shifts, e.g. 07:00-15:00, 15:00-23:00."), field="shift_times"
        )
    out: list[list[str]] = []
    for text, pair in zip(parts, pairs, strict=True):
        start = _time(str(pair[0])) if len(pair) == 2 else None
        end = _time(str(pair[1])) if len(pair) == 2 else None
        if start is None or end is None or start == end:
            raise ServiceError(
                _("“%(value)s” is not a shift; write it as 07:00-15:00.") % {"value": text[:30]},
                field="shift_times",
            )
        out.append([start.strftime("%H:%M"), end.strftime("%H:%M")])
    out.sort()
    if len({tuple(p) for p in out}) != len(out):
        raise ServiceError(_("The same shift is listed twice."), field="shift_times")
    return out


def _manage(actor: Actor, post: Post) -> None:
    """Staff manage every post; an officer only the posts of their own enterprise."""
    actor.check(Perm.DUTY_MANAGE)
    if post.community_id != actor.community_id:
        raise PermissionDenied
    if not actor.community_wide and (
        post.enterprise_id is None or post.enterprise_id != actor.enterprise_id
    ):
        raise PermissionDenied


@transaction.atomic
def save_post(actor: Actor, post: Post | None, data: dict[str, Any]) -> Post:
    actor.check(Perm.DUTY_MANAGE)
    creating = post is None
    if post is not None:
        _manage(actor, post)
    post = post or Post(community_id=actor.community_id)
    if "kind" in data or creating:
        kind = data.get("kind") or Post.Kind.GATE
        if kind not in Post.Kind.values:
            raise ServiceError(_("Choose the kind of post."), field="kind")
        post.kind = kind
    if "gate" in data:
        gate = data["gate"]
        if gate is not None:
            if not isinstance(gate, Gate):
                gate = Gate.objects.filter(pk=gate).select_related("enterprise").first()
            if gate is None or gate.enterprise.community_id != actor.community_id:
                raise ServiceError(_("Choose a gate of this community."), field="gate")
            post.gate = gate
            post.enterprise_id = gate.enterprise_id
        else:
            post.gate = None
    if "enterprise" in data and not post.gate_id:
        enterprise = data["enterprise"]
        if enterprise is not None and not isinstance(enterprise, Enterprise):
            enterprise = Enterprise.objects.filter(pk=enterprise).first()
        if enterprise is not None and enterprise.community_id != actor.community_id:
            raise ServiceError(_("Choose an enterprise of this community."), field="enterprise")
        post.enterprise = enterprise
    if post.kind == Post.Kind.GATE and not post.gate_id:
        raise ServiceError(_("A gate post needs its gate."), field="gate")
    if post.kind == Post.Kind.ROUND and not post.enterprise_id:
        raise ServiceError(_("A temperature round belongs to an enterprise."), field="enterprise")
    if post.enterprise_id is not None:
        require_own_enterprise(actor, post.enterprise, Perm.DUTY_MANAGE)
    elif not actor.community_wide:
        raise PermissionDenied
    if "name" in data or creating:
        name = normalise_text(str(data.get("name") or ""))
        if not name and post.gate_id:
            name = f"{post.gate.enterprise.name} {post.gate.name}"
        if not name:
            raise ServiceError(_("Enter the post's name."), field="name")
        clash = Post.objects.filter(community_id=actor.community_id, name=name)
        if post.pk:
            clash = clash.exclude(pk=post.pk)
        if clash.exists():
            raise ServiceError(_("Another post has this name."), field="name")
        post.name = name[:120]
    if "needed" in data or creating:
        try:
            needed = int(str(data.get("needed") or 1).strip())
        except ValueError:
            needed = 0
        if not 1 <= needed <= 50:
            raise ServiceError(_("A shift needs between 1 and 50 people."), field="needed")
        post.needed = needed
    if "shift_times" in data or creating:
        post.shift_times = parse_shift_times(data.get("shift_times") or "")
    if "remind_minutes" in data:
        try:
            minutes = int(str(data["remind_minutes"]).strip())
        except ValueError:
            minutes = 0
        if not 5 <= minutes <= 24 * 60:
            raise ServiceError(
                _("Remind between 5 minutes and 24 hours before the shift."),
                field="remind_minutes",
            )
        post.remind_minutes = minutes
    if "active" in data:
        post.active = bool(data["active"])
    post.save()
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE if creating else AuditEntry.Action.UPDATE,
        obj=post,
        community_id=actor.community_id,
    )
    return post


# --- Shifts --------------------------------------------------------------------------------


def shift_bounds(day: dt.date, start: str, end: str) -> tuple[dt.datetime, dt.datetime]:
    """Aware (starts, ends) of a pattern's shift on `day`; an end at or before the start is the
    next day."""
    tz = timezone.get_current_timezone()
    s = dt.datetime.combine(day, dt.time.fromisoformat(start), tz)
    e = dt.datetime.combine(day, dt.time.fromisoformat(end), tz)
    if e <= s:
        e += dt.timedelta(days=1)
    return s, e


@transaction.atomic
def plan_shifts(
    actor: Actor, start: dt.date, days: int = 7, posts: list[Post] | None = None
) -> int:
    """Create the shifts of `days` days from `start` for each active post (all the actor may
    manage, or `posts`) from its pattern; shifts that exist are kept as they are. Returns how
    many were created."""
    actor.check(Perm.DUTY_MANAGE)
    if not 1 <= days <= MAX_PLAN_DAYS:
        raise ServiceError(_("Plan between 1 and 31 days at a time."), field="days")
    if posts is None:
        qs = Post.objects.filter(community_id=actor.community_id, active=True)
        if not actor.community_wide:
            qs = qs.filter(enterprise_id=actor.enterprise_id)
        posts = list(qs)
    for post in posts:
        _manage(actor, post)
    rows = [
        Shift(
            post=post,
            community_id=post.community_id,
            day=day,
            starts_at=s,
            ends_at=e,
            needed=post.needed,
        )
        for post in posts
        if post.active
        for day in (start + dt.timedelta(days=i) for i in range(days))
        for s, e in (shift_bounds(day, a, b) for a, b in post.shift_times)
    ]
    before = Shift.objects.filter(post__in=posts, day__gte=start).count()
    Shift.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
    created = Shift.objects.filter(post__in=posts, day__gte=start).count() - before
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        object_type="duty.shift",
        object_repr=f"{start:%Y-%m-%d} +{days}",
        detail={"posts": len(posts), "created": created},
        community_id=actor.community_id,
    )
    return created


def _overlap(volunteer: Volunteer, start: dt.datetime, end: dt.datetime, *, exclude: list[int]):
    return (
        Assignment.objects.filter(
            volunteer=volunteer, shift__starts_at__lt=end, shift__ends_at__gt=start
        )
        .exclude(shift_id__in=exclude)
        .select_related("shift__post")
        .first()
    )


def _busy_error(volunteer: Volunteer, clash: Assignment) -> ServiceError:
    return ServiceError(
        _("%(name)s is already on duty at %(post)s from %(start)s to %(end)s.")
        % {
            "name": volunteer.name,
            "post": clash.shift.post.name,
            "start": timezone.localtime(clash.shift.starts_at).strftime("%m-%d %H:%M"),
            "end": timezone.localtime(clash.shift.ends_at).strftime("%H:%M"),
        },
        field="volunteer",
        code="busy",
    )


def _params(shift: Shift) -> dict[str, str]:
    return {
        "post": shift.post.name,
        "starts": timezone.localtime(shift.starts_at).strftime("%m-%d %H:%M"),
        "ends": timezone.localtime(shift.ends_at).strftime("%H:%M"),
    }


def _users(volunteers: list[Volunteer]) -> list[User]:
    ids = [v.user_id for v in volunteers if v.user_id]
    return list(User.objects.filter(pk__in=ids, is_active=True)) if ids else []


@transaction.atomic
def assign(actor: Actor, shift: Shift, volunteer: Volunteer, *, tell: bool = True) -> Assignment:
    """Put a volunteer on a shift: refused when the shift has its people, when the volunteer is
    inactive, or already on duty at an overlapping time anywhere."""
    _manage(actor, shift.post)
    if volunteer.community_id != actor.community_id:
        raise PermissionDenied
    volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    shift = Shift.objects.select_for_update().select_related("post").get(pk=shift.pk)
    if not volunteer.active:
        raise ServiceError(
            _("%(name)s is not an active volunteer.") % {"name": volunteer.name},
            field="volunteer",
        )
    if Assignment.objects.filter(shift=shift, volunteer=volunteer).exists():
        raise ServiceError(
            _("%(name)s is already on this shift.") % {"name": volunteer.name}, code="already"
        )
    if shift.assignments.count() >= shift.needed:
        raise ServiceError(
            _("The shift already has the %(n)s people it needs.") % {"n": shift.needed},
            code="full",
        )
    clash = _overlap(volunteer, shift.starts_at, shift.ends_at, exclude=[shift.pk])
    if clash is not None:
        raise _busy_error(volunteer, clash)
    row = Assignment.objects.create(shift=shift, volunteer=volunteer, assigned_by_label=actor.label)
    if tell:
        notify(
            users=_users([volunteer]),
            community_id=actor.community_id,
            kind="duty.assigned",
            params=_params(shift),
            url="/duty/mine/",
        )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=row,
        object_repr=f"{volunteer.name} @ {shift}",
        community_id=actor.community_id,
        enterprise_id=shift.post.enterprise_id,
    )
    return row


@transaction.atomic
def unassign(actor: Actor, assignment: Assignment) -> None:
    shift = assignment.shift
    _manage(actor, shift.post)
    audit_record(
        actor=actor,
        action=AuditEntry.Action.DELETE,
        obj=assignment,
        object_repr=f"{assignment.volunteer.name} @ {shift}",
        community_id=actor.community_id,
        enterprise_id=shift.post.enterprise_id,
    )
    Swap.objects.filter(
        shift=shift,
        from_volunteer_id=assignment.volunteer_id,
        state__in=[Swap.State.ASKED, Swap.State.AGREED],
    ).update(state=Swap.State.WITHDRAWN)
    assignment.delete()


@transaction.atomic
def repeat_week(actor: Actor, source: dt.date, target: dt.date) -> tuple[int, list[str]]:
    """Plan the week from `target` and put on each of its shifts the people who held the same
    shift (same post, same time of day, same weekday) in the week from `source`. Returns how
    many were assigned and, for each one that could not be, why (full, busy, inactive)."""
    actor.check(Perm.DUTY_MANAGE)
    offset = target - source
    if offset.days % 7 or offset.days <= 0:
        raise ServiceError(
            _("Repeat a week onto a later week starting on the same weekday."), field="target"
        )
    plan_shifts(actor, target, 7)
    posts = Post.objects.filter(community_id=actor.community_id, active=True)
    if not actor.community_wide:
        posts = posts.filter(enterprise_id=actor.enterprise_id)
    targets = {
        (s.post_id, s.starts_at): s
        for s in Shift.objects.filter(
            post__in=posts, day__gte=target, day__lt=target + dt.timedelta(days=7)
        ).select_related("post")
    }
    done, skipped = 0, []
    for a in (
        Assignment.objects.filter(
            shift__post__in=posts,
            shift__day__gte=source,
            shift__day__lt=source + dt.timedelta(days=7),
        )
        .select_related("shift", "volunteer")
        .order_by("shift__starts_at", "pk")
    ):
        shift = targets.get((a.shift.post_id, a.shift.starts_at + offset))
        if shift is None:
            continue
        try:
            with transaction.atomic():
                assign(actor, shift, a.volunteer, tell=False)
            done += 1
        except ServiceError as exc:
            if exc.code != "already":
                skipped.append(exc.message)
    return done, skipped


# --- Swaps ---------------------------------------------------------------------------------


def _me(actor: Actor) -> Volunteer:
    actor.check(Perm.DUTY_OWN)
    me = volunteer_of(actor)
    if me is None:
        raise PermissionDenied
    return me


def _open_swap_states() -> list[str]:
    return [Swap.State.ASKED, Swap.State.AGREED]


@transaction.atomic
def request_swap(
    actor: Actor,
    shift: Shift,
    to_volunteer: Volunteer,
    *,
    in_return: Shift | None = None,
    reason: str = "",
) -> Swap:
    """The volunteer on `shift` asks `to_volunteer` to take it (and, for an exchange, to give
    them `in_return`, a shift of theirs). The colleague is told and answers first."""
    me = _me(actor)
    if shift.community_id != actor.community_id or to_volunteer.community_id != actor.community_id:
        raise PermissionDenied
    if not Assignment.objects.filter(shift=shift, volunteer=me).exists():
        raise ServiceError(_("You are not on this shift."), code="state")
    now = timezone.now()
    if shift.starts_at <= now:
        raise ServiceError(_("This shift has already started."), code="state")
    if to_volunteer.pk == me.pk:
        raise ServiceError(_("Choose a colleague, not yourself."), field="to_volunteer")
    if not to_volunteer.active:
        raise ServiceError(
            _("%(name)s is not an active volunteer.") % {"name": to_volunteer.name},
            field="to_volunteer",
        )
    if Assignment.objects.filter(shift=shift, volunteer=to_volunteer).exists():
        raise ServiceError(
            _("%(name)s is already on this shift.") % {"name": to_volunteer.name},
            field="to_volunteer",
        )
    if in_return is not None:
        if in_return.community_id != actor.community_id:
            raise PermissionDenied
        if not Assignment.objects.filter(shift=in_return, volunteer=to_volunteer).exists():
            raise ServiceError(
                _("%(name)s is not on the shift offered in return.") % {"name": to_volunteer.name},
                field="in_return",
            )
        if in_return.starts_at <= now:
            raise ServiceError(
                _("The shift offered in return has already started."), field="in_return"
            )
        if Assignment.objects.filter(shift=in_return, volunteer=me).exists():
            raise ServiceError(
                _("You are already on the shift offered in return."), field="in_return"
            )
    leaving = [in_return.pk] if in_return else []
    clash = _overlap(to_volunteer, shift.starts_at, shift.ends_at, exclude=leaving)
    if clash is not None:
        raise _busy_error(to_volunteer, clash)
    if in_return is not None:
        clash = _overlap(me, in_return.starts_at, in_return.ends_at, exclude=[shift.pk])
        if clash is not None:
            raise _busy_error(me, clash)
    if Swap.objects.filter(shift=shift, from_volunteer=me, state__in=_open_swap_states()).exists():
        raise ServiceError(_("You have already asked for a swap of this shift."), code="already")
    swap = Swap.objects.create(
        community_id=actor.community_id,
        shift=shift,
        from_volunteer=me,
        to_volunteer=to_volunteer,
        in_return=in_return,
        reason=normalise_text(reason or "")[:200],
        requested_by_label=actor.label,
    )
    notify(
        users=_users([to_volunteer]),
        community_id=actor.community_id,
        kind="duty.swap_asked",
        params={**_params(shift), "name": me.name},
        url="/duty/mine/",
    )
    audit_record(
        actor=actor, action=AuditEntry.Action.CREATE, obj=swap, community_id=actor.community_id
    )
    return swap


@transaction.atomic
def answer_swap(actor: Actor, swap: Swap, agree: bool) -> Swap:
    """The colleague agrees (the swap goes to a manager) or declines (it ends)."""
    me = _me(actor)
    swap = Swap.objects.select_for_update().select_related("shift__post").get(pk=swap.pk)
    if swap.community_id != actor.community_id or swap.to_volunteer_id != me.pk:
        raise PermissionDenied
    if swap.state != Swap.State.ASKED:
        raise ServiceError(
            _("This swap is %(state)s.") % {"state": swap.get_state_display()}, code="state"
        )
    swap.state = Swap.State.AGREED if agree else Swap.State.DECLINED
    swap.answered_at = timezone.now()
    swap.save(update_fields=["state", "answered_at"])
    params = {**_params(swap.shift), "name": me.name}
    if agree:
        enterprise_id = swap.shift.post.enterprise_id
        managers = recipients(
            community_id=actor.community_id,
            roles=[Role.STAFF, Role.OFFICER] if enterprise_id else [Role.STAFF],
            enterprise_id=enterprise_id,
        )
        notify(
            users=managers,
            community_id=actor.community_id,
            enterprise_id=swap.shift.post.enterprise_id,
            kind="duty.swap_agreed",
            params=params,
            url="/duty/swaps/",
        )
    else:
        notify(
            users=_users([swap.from_volunteer]),
            community_id=actor.community_id,
            kind="duty.swap_declined",
            params=params,
            url="/duty/mine/",
        )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=swap,
        detail={"state": swap.state},
        community_id=actor.community_id,
    )
    return swap


@transaction.atomic
def withdraw_swap(actor: Actor, swap: Swap) -> Swap:
    me = _me(actor)
    swap = Swap.objects.select_for_update().get(pk=swap.pk)
    if swap.community_id != actor.community_id or swap.from_volunteer_id != me.pk:
        raise PermissionDenied
    if swap.state not in _open_swap_states():
        raise ServiceError(
            _("This swap is %(state)s.") % {"state": swap.get_state_display()}, code="state"
        )
    swap.state = Swap.State.WITHDRAWN
    swap.save(update_fields=["state"])
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=swap,
        detail={"state": swap.state},
        community_id=actor.community_id,
    )
    return swap


@transaction.atomic
def decide_swap(actor: Actor, swap: Swap, approve: bool, note: str = "") -> Swap:
    """A manager approves an agreed swap (the assignments move, checked again) or refuses it."""
    swap = Swap.objects.select_for_update().select_related("shift__post").get(pk=swap.pk)
    _manage(actor, swap.shift.post)
    if swap.in_return_id:
        _manage(actor, swap.in_return.post)
    if swap.state != Swap.State.AGREED:
        if swap.state == Swap.State.ASKED:
            raise ServiceError(_("The colleague has not agreed yet."), code="state")
        raise ServiceError(
            _("This swap is %(state)s.") % {"state": swap.get_state_display()}, code="state"
        )
    now = timezone.now()
    if approve:
        giver, taker = (
            Volunteer.objects.select_for_update().get(pk=pk)
            for pk in (swap.from_volunteer_id, swap.to_volunteer_id)
        )
        if swap.shift.starts_at <= now:
            raise ServiceError(_("This shift has already started."), code="state")
        mine = Assignment.objects.filter(shift=swap.shift, volunteer=giver).first()
        if mine is None:
            raise ServiceError(
                _("%(name)s is no longer on this shift.") % {"name": giver.name}, code="state"
            )
        theirs = None
        if swap.in_return_id:
            theirs = Assignment.objects.filter(shift=swap.in_return, volunteer=taker).first()
            if theirs is None:
                raise ServiceError(
                    _("%(name)s is no longer on the shift offered in return.")
                    % {"name": taker.name},
                    code="state",
                )
        leaving = [swap.in_return_id] if swap.in_return_id else []
        clash = _overlap(taker, swap.shift.starts_at, swap.shift.ends_at, exclude=leaving)
        if clash is not None:
            raise _busy_error(taker, clash)
        if theirs is not None:
            clash = _overlap(
                giver, swap.in_return.starts_at, swap.in_return.ends_at, exclude=[swap.shift_id]
            )
            if clash is not None:
                raise _busy_error(giver, clash)
        if Assignment.objects.filter(shift=swap.shift, volunteer=taker).exists():
            raise ServiceError(
                _("%(name)s is already on this shift.") % {"name": taker.name}, code="state"
            )
        mine.volunteer, mine.reminded_at = taker, None
        mine.assigned_by_label, mine.assigned_at = actor.label, now
        mine.save(update_fields=["volunteer", "reminded_at", "assigned_by_label", "assigned_at"])
        if theirs is not None:
            theirs.volunteer, theirs.reminded_at = giver, None
            theirs.assigned_by_label, theirs.assigned_at = actor.label, now
            theirs.save(
                update_fields=["volunteer", "reminded_at", "assigned_by_label", "assigned_at"]
            )
    swap.state = Swap.State.APPROVED if approve else Swap.State.REJECTED
    swap.decided_at, swap.decided_by_label = now, actor.label
    swap.decision_note = normalise_text(note or "")[:200]
    swap.save(update_fields=["state", "decided_at", "decided_by_label", "decision_note"])
    notify(
        users=_users([swap.from_volunteer, swap.to_volunteer]),
        community_id=actor.community_id,
        kind="duty.swap_decided",
        params={**_params(swap.shift), "approved": approve},
        url="/duty/mine/",
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=swap,
        detail={"state": swap.state},
        community_id=actor.community_id,
        enterprise_id=swap.shift.post.enterprise_id,
    )
    return swap


# --- Reminders ------------------------------------------------------------------------------


def send_reminders(now: dt.datetime | None = None) -> int:
    """Tell each volunteer on a shift that starts within its post's reminder time (once per
    assignment; one notification call per shift). Returns how many people were reminded."""
    now = now or timezone.now()
    horizon = now + dt.timedelta(minutes=24 * 60)
    told = 0
    with transaction.atomic():
        due = [
            a
            for a in Assignment.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                reminded_at__isnull=True,
                shift__starts_at__gt=now,
                shift__starts_at__lte=horizon,
            )
            .select_related("shift__post", "volunteer")
            .order_by("shift__starts_at", "pk")
            if a.shift.starts_at - dt.timedelta(minutes=a.shift.post.remind_minutes) <= now
        ]
        by_shift: dict[int, list[Assignment]] = defaultdict(list)
        for a in due:
            by_shift[a.shift_id].append(a)
        for rows in by_shift.values():
            shift = rows[0].shift
            told += notify(
                users=_users([a.volunteer for a in rows]),
                community_id=shift.community_id,
                enterprise_id=shift.post.enterprise_id,
                kind="duty.reminder",
                params=_params(shift),
                url="/duty/mine/",
            )
        Assignment.objects.filter(pk__in=[a.pk for a in due]).update(reminded_at=now)
    return told
