"""Every write of volunteers: the volunteer body, teams and groups, call-outs and answers.

A call-out is sent to every matching volunteer at once (bulk rows and one notification call, so
5,000 volunteers are asked in one transaction); answers lock the call-out row, so concurrent
accepts are counted exactly: the first `needed` are accepted, the rest wait, and a decline by an
accepted volunteer gives the place to the first on the waiting list. A second tap of the same
answer is "already recorded" and changes nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from workgate.core.access import Actor, Perm
from workgate.core.audit import audit_record
from workgate.core.models import AuditEntry, GroupRobot, User
from workgate.core.notify import insert_rows, notify
from workgate.core.phones import normalise_mobile
from workgate.core.services import ServiceError
from workgate.core.text import normalise_text
from workgate.volunteers.models import Answer, CallOut, Group, Team, Volunteer

DEFAULT_GROUPS = ("联络组", "后勤组", "物资保障组")
Reply = Answer.Reply


# --- The volunteer body ----------------------------------------------------------------------


def _skills(value: Any) -> list[str]:
    if isinstance(value, str):
        value = value.replace("，", ",").replace("、", ",").split(",")
    return sorted({normalise_text(str(s)) for s in value or [] if normalise_text(str(s))})


@transaction.atomic
def save_volunteer(actor: Actor, volunteer: Volunteer | None, data: dict[str, Any]) -> Volunteer:
    actor.check(Perm.VOLUNTEER_MANAGE)
    if volunteer is not None and volunteer.community_id != actor.community_id:
        raise PermissionDenied
    creating = volunteer is None
    volunteer = volunteer or Volunteer(community_id=actor.community_id)
    if "name" in data or creating:
        volunteer.name = normalise_text(str(data.get("name") or ""))
        if not volunteer.name:
            raise ServiceError(_("Enter the volunteer's name."), field="name")
    if "mobile" in data or creating:
        mobile = normalise_mobile(data.get("mobile"))
        if not mobile:
            raise ServiceError(
                _("“%(value)s” is not a mainland mobile number.")
                % {"value": str(data.get("mobile") or "")[:20]},
                field="mobile",
            )
        clash = Volunteer.objects.filter(community_id=actor.community_id, mobile=mobile)
        if volunteer.pk:
            clash = clash.exclude(pk=volunteer.pk)
        if clash.exists():
            raise ServiceError(_("Another volunteer has this mobile number."), field="mobile")
        volunteer.mobile = mobile
    if "kind" in data:
        if data["kind"] not in Volunteer.Kind.values:
            raise ServiceError(
                _("Choose party member, enterprise staff or resident."), field="kind"
            )
        volunteer.kind = data["kind"]
    if "skills" in data:
        volunteer.skills = _skills(data["skills"])
    if "availability" in data:
        volunteer.availability = normalise_text(str(data["availability"] or ""))[:120]
    if "active" in data:
        volunteer.active = bool(data["active"])
    if "enterprise" in data:
        enterprise = data["enterprise"]
        if enterprise is not None and enterprise.community_id != actor.community_id:
            raise ServiceError(_("Choose an enterprise of this community."), field="enterprise")
        volunteer.enterprise = enterprise
    if "user" in data:
        user = data["user"]
        if (
            user is not None
            and not user.memberships.filter(
                community_id=actor.community_id, is_active=True
            ).exists()
        ):
            raise ServiceError(_("Choose an account of this community."), field="user")
        volunteer.user = user
    volunteer.save()
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE if creating else AuditEntry.Action.UPDATE,
        obj=volunteer,
        community_id=actor.community_id,
    )
    return volunteer


@transaction.atomic
def save_team(
    actor: Actor,
    name: str,
    *,
    groups: tuple[str, ...] = DEFAULT_GROUPS,
    leader: Volunteer | None = None,
) -> Team:
    """A team with its groups (the three of Laosan's party volunteer team by default)."""
    actor.check(Perm.VOLUNTEER_MANAGE)
    name = normalise_text(name or "")
    if not name:
        raise ServiceError(_("Enter the team's name."), field="name")
    if leader is not None and leader.community_id != actor.community_id:
        raise PermissionDenied
    team = Team.objects.create(community_id=actor.community_id, name=name, leader=leader)
    Group.objects.bulk_create(
        Group(team=team, name=normalise_text(g), position=i)
        for i, g in enumerate(dict.fromkeys(groups))
        if normalise_text(g)
    )
    audit_record(
        actor=actor, action=AuditEntry.Action.CREATE, obj=team, community_id=actor.community_id
    )
    return team


@transaction.atomic
def set_group_members(
    actor: Actor, group: Group, volunteers: list[Volunteer], *, leader: Volunteer | None = None
) -> Group:
    actor.check(Perm.VOLUNTEER_MANAGE)
    if group.team.community_id != actor.community_id or any(
        v.community_id != actor.community_id for v in volunteers
    ):
        raise PermissionDenied
    group.members.set(volunteers)
    if leader is not None:
        if leader not in volunteers:
            raise ServiceError(_("The group's leader must be one of its members."), field="leader")
        group.leader = leader
        group.save(update_fields=["leader"])
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=group,
        detail={"members": len(volunteers)},
        community_id=actor.community_id,
    )
    return group


@transaction.atomic
def update_team(actor: Actor, team: Team, data: dict[str, Any]) -> Team:
    """Rename a team, name its leader (a volunteer of the community, or none) and choose the
    group robot (a GroupRobot of the community, or none) that hears its call-outs."""
    actor.check(Perm.VOLUNTEER_MANAGE)
    if team.community_id != actor.community_id:
        raise PermissionDenied
    if "name" in data:
        name = normalise_text(str(data["name"] or ""))
        if not name:
            raise ServiceError(_("Enter the team's name."), field="name")
        team.name = name[:80]
    if "leader" in data:
        leader = data["leader"]
        if leader is not None and leader.community_id != actor.community_id:
            raise ServiceError(_("Choose a volunteer of this community."), field="leader")
        team.leader = leader
    if "robot" in data:
        robot = data["robot"]
        if robot is not None and (
            not isinstance(robot, GroupRobot) or robot.community_id != actor.community_id
        ):
            raise ServiceError(_("Choose a group robot of this community."), field="robot")
        team.robot = robot
    team.save()
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=team,
        detail={k: getattr(data[k], "pk", data[k]) for k in ("leader", "robot") if k in data},
        community_id=actor.community_id,
    )
    return team


def _group_name(team: Team, name: Any, group: Group | None = None) -> str:
    name = normalise_text(str(name or ""))[:60]
    if not name:
        raise ServiceError(_("Enter the group's name."), field="name")
    clash = Group.objects.filter(team=team, name=name)
    if group is not None:
        clash = clash.exclude(pk=group.pk)
    if clash.exists():
        raise ServiceError(
            _("The team already has a group called “%(name)s”.") % {"name": name}, field="name"
        )
    return name


@transaction.atomic
def add_group(actor: Actor, team: Team, name: str) -> Group:
    actor.check(Perm.VOLUNTEER_MANAGE)
    if team.community_id != actor.community_id:
        raise PermissionDenied
    name = _group_name(team, name)
    last = team.groups.order_by("-position").values_list("position", flat=True).first()
    group = Group.objects.create(team=team, name=name, position=(last or 0) + 1)
    audit_record(
        actor=actor, action=AuditEntry.Action.CREATE, obj=group, community_id=actor.community_id
    )
    return group


@transaction.atomic
def rename_group(actor: Actor, group: Group, name: str) -> Group:
    actor.check(Perm.VOLUNTEER_MANAGE)
    if group.team.community_id != actor.community_id:
        raise PermissionDenied
    old = group.name
    group.name = _group_name(group.team, name, group)
    group.save(update_fields=["name"])
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=group,
        detail={"was": old},
        community_id=actor.community_id,
    )
    return group


@transaction.atomic
def edit_group(
    actor: Actor,
    group: Group,
    *,
    name: str | None = None,
    members: list[Volunteer],
    leader: Volunteer | None = None,
) -> Group:
    """Rename a group (when `name` differs) and set its members and leader (none clears it),
    all or nothing."""
    if name is not None and normalise_text(name) != group.name:
        rename_group(actor, group, name)
    set_group_members(actor, group, members, leader=leader)
    if leader is None and group.leader_id is not None:
        group.leader = None
        group.save(update_fields=["leader"])
    return group


@transaction.atomic
def remove_group(actor: Actor, group: Group) -> None:
    """Remove a group; its members stay volunteers (and stay in their other groups)."""
    actor.check(Perm.VOLUNTEER_MANAGE)
    if group.team.community_id != actor.community_id:
        raise PermissionDenied
    audit_record(
        actor=actor,
        action=AuditEntry.Action.DELETE,
        obj=group,
        detail={"members": group.members.count()},
        community_id=actor.community_id,
    )
    group.delete()


@transaction.atomic
def reveal_mobile(actor: Actor, volunteer: Volunteer, *, request: Any = None) -> str:
    """A volunteer's full mobile number, for staff who call them; every reveal is audited."""
    actor.check(Perm.VOLUNTEER_MANAGE)
    actor.check(Perm.PERSONAL_DATA_REVEAL)
    if volunteer.community_id != actor.community_id:
        raise PermissionDenied
    audit_record(
        actor=actor,
        action=AuditEntry.Action.REVEAL,
        obj=volunteer,
        detail={"field": "mobile"},
        request=request,
        community_id=actor.community_id,
    )
    return volunteer.mobile


def parse_when(value: Any, field: str, *, required: bool = True) -> dt.datetime | None:
    """A date and time as a form or an API caller sends it ("2026-11-24T08:00",
    "2026-11-24 08:00", ISO with an offset), in the community's time zone when it has none."""
    if isinstance(value, dt.datetime):
        parsed: dt.datetime | None = value
    else:
        text = normalise_text(str(value or "")).replace("T", " ").replace("/", "-")
        if not text:
            if required:
                raise ServiceError(_("Enter a date and time."), field=field)
            return None
        try:
            parsed = dt.datetime.fromisoformat(text)
        except ValueError:
            parsed = None
        if parsed is None:
            raise ServiceError(
                _("“%(value)s” is not a date and time, e.g. 2026-11-24 08:00.")
                % {"value": str(value)[:40]},
                field=field,
            )
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


# --- Call-outs -------------------------------------------------------------------------------


def matching(community_id: int, groups: list[Group], skills: list[str]) -> Any:
    """Active volunteers in any of `groups` (all, if none) who have every one of `skills`."""
    qs = Volunteer.objects.filter(community_id=community_id, active=True)
    if groups:
        qs = qs.filter(groups__in=groups).distinct()
    rows = list(qs.values_list("pk", "skills", "user_id"))
    wanted = set(skills)
    return [(pk, user) for pk, have, user in rows if wanted <= set(have or [])]


@transaction.atomic
def post_callout(
    actor: Actor,
    *,
    title: str,
    place: str,
    starts_at: dt.datetime,
    needed: Any,
    ends_at: dt.datetime | None = None,
    groups: list[Group] | None = None,
    skills: Any = None,
) -> CallOut:
    """Ask every matching volunteer at once; each linked account is notified (in the app and on
    the channels it chose)."""
    actor.check(Perm.CALLOUT_POST)
    groups = groups or []
    if any(g.team.community_id != actor.community_id for g in groups):
        raise PermissionDenied
    title, place = normalise_text(title or ""), normalise_text(place or "")
    if not title:
        raise ServiceError(_("Say what the volunteers are needed for."), field="title")
    if not place:
        raise ServiceError(_("Say where."), field="place")
    try:
        count = int(str(needed).strip())
    except ValueError:
        raise ServiceError(
            _("Enter how many people are needed, e.g. 20."), field="needed"
        ) from None
    if not 1 <= count <= 10000:
        raise ServiceError(_("Between 1 and 10,000 people can be asked for."), field="needed")
    if ends_at is not None and ends_at <= starts_at:
        raise ServiceError(_("The end is before the start."), field="ends_at")
    wanted = _skills(skills)
    targets = matching(actor.community_id, groups, wanted)
    if not targets:
        raise ServiceError(
            _("No active volunteer matches these groups and skills."), field="groups"
        )
    now = timezone.now()
    callout = CallOut.objects.create(
        community_id=actor.community_id,
        title=title,
        place=place,
        starts_at=starts_at,
        ends_at=ends_at,
        needed=count,
        skills=wanted,
        posted_by_label=actor.label,
        posted_at=now,
    )
    callout.groups.set(groups)
    # Thousands of rows: inserted as plain rows, the accounts to notify read by a subquery.
    insert_rows(
        Answer,
        "volunteer_id",
        [pk for pk, _user in targets],
        {"callout_id": callout.pk, "reply": Reply.NONE, "asked_at": now},
    )
    users = User.objects.filter(
        is_active=True,
        pk__in=Answer.objects.filter(callout=callout).values("volunteer__user_id"),
    ).only("pk", "is_active")
    robots = [g.team.robot for g in groups if g.team.robot_id is not None]
    notify(
        robots=robots,
        users=users,
        community_id=actor.community_id,
        kind="volunteers.callout",
        params={
            "title": title,
            "place": place,
            "needed": count,
            "starts": timezone.localtime(starts_at).strftime("%m-%d %H:%M"),
        },
        url=f"/volunteers/callouts/{callout.pk}/answer/",
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=callout,
        detail={"asked": len(targets), "needed": count},
        community_id=actor.community_id,
    )
    return callout


def volunteer_of(actor: Actor) -> Volunteer | None:
    if actor.user is None:
        return None
    return Volunteer.objects.filter(
        community_id=actor.community_id, user=actor.user, active=True
    ).first()


@transaction.atomic
def answer(actor: Actor, callout: CallOut, accept: bool) -> Answer:
    """A volunteer's answer. Accepting a full call-out puts them on the waiting list; declining
    after accepting gives the place to the first who waits; the same answer twice is refused as
    already recorded (a double tap changes nothing)."""
    actor.check(Perm.CALLOUT_ANSWER)
    volunteer = volunteer_of(actor)
    if volunteer is None or callout.community_id != actor.community_id:
        raise PermissionDenied
    callout = CallOut.objects.select_for_update().get(pk=callout.pk)
    try:
        row = Answer.objects.select_for_update().get(callout=callout, volunteer=volunteer)
    except Answer.DoesNotExist:
        raise PermissionDenied from None
    if callout.state in (CallOut.State.CLOSED, CallOut.State.CANCELLED):
        raise ServiceError(
            _("This call-out is %(state)s.") % {"state": callout.get_state_display()}, code="state"
        )
    now = timezone.now()
    if accept:
        if row.reply in (Reply.ACCEPTED, Reply.WAITING):
            raise ServiceError(_("Your answer is already recorded."), code="already")
        if callout.accepted < callout.needed:
            row.reply = Reply.ACCEPTED
            callout.accepted += 1
        else:
            row.reply = Reply.WAITING
    else:
        if row.reply == Reply.DECLINED:
            raise ServiceError(_("Your answer is already recorded."), code="already")
        was_accepted = row.reply == Reply.ACCEPTED
        row.reply = Reply.DECLINED
        if was_accepted:
            callout.accepted -= 1
            first = (
                Answer.objects.select_for_update()
                .filter(callout=callout, reply=Reply.WAITING)
                .order_by("answered_at", "pk")
                .first()
            )
            if first is not None:
                first.reply = Reply.ACCEPTED
                first.save(update_fields=["reply"])
                callout.accepted += 1
    row.answered_at = now
    row.save(update_fields=["reply", "answered_at"])
    full = callout.accepted >= callout.needed
    if full and callout.state == CallOut.State.OPEN:
        callout.state, callout.filled_at = CallOut.State.FILLED, now
    elif not full and callout.state == CallOut.State.FILLED:
        callout.state, callout.filled_at = CallOut.State.OPEN, None
    callout.save(update_fields=["accepted", "state", "filled_at"])
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=callout,
        detail={"volunteer": volunteer.pk, "reply": row.reply},
        community_id=actor.community_id,
    )
    return row


@transaction.atomic
def close_callout(actor: Actor, callout: CallOut, *, cancel: bool = False) -> CallOut:
    actor.check(Perm.CALLOUT_POST)
    callout = CallOut.objects.select_for_update().get(pk=callout.pk)
    if callout.community_id != actor.community_id:
        raise PermissionDenied
    if callout.state in (CallOut.State.CLOSED, CallOut.State.CANCELLED):
        raise ServiceError(
            _("This call-out is already %(state)s.") % {"state": callout.get_state_display()},
            code="already",
        )
    callout.state = CallOut.State.CANCELLED if cancel else CallOut.State.CLOSED
    callout.closed_at = timezone.now()
    callout.save(update_fields=["state", "closed_at"])
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=callout,
        detail={"state": callout.state},
        community_id=actor.community_id,
    )
    return callout
