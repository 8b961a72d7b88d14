"""API of volunteers: the volunteer body (mobiles masked; an audited reveal for staff), teams
with their groups, call-outs with their live progress and the minutes to each acceptance, a
volunteer's answer, closing and cancelling.

Handlers are thin: writes go through `services`, reads through `queries` and `scope`.
Refusals come as ServiceError, in the API's one error format, naming the field."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.pagination import paginate
from pydantic import Field

from workgate.core.access import Actor, Perm, actor_of, api_require, fetch, scope
from workgate.core.masking import mask_phone
from workgate.core.models import Enterprise, GroupRobot, User
from workgate.core.services import ServiceError
from workgate.volunteers import queries, services
from workgate.volunteers.models import Answer, CallOut, Group, Team, Volunteer

router = Router(tags=["volunteers"])

API = "/volunteers"


def _conflict(request: HttpRequest, exc: ServiceError) -> Any:
    """Already done (a double tap, a closed call-out): 409 in the one error format."""
    from workgate.api import error_response

    fields = {exc.field: exc.message} if exc.field else {}
    return error_response(request, 409, exc.code, exc.message, fields)


def _volunteer(actor: Actor, pk: int | None, field: str) -> Volunteer | None:
    if pk is None:
        return None
    found = Volunteer.objects.filter(community_id=actor.community_id, pk=pk).first()
    if found is None:
        raise ServiceError(_("Choose a volunteer of this community."), field=field)
    return found


# --- The volunteer body ----------------------------------------------------------------------


class GroupRef(Schema):
    id: int
    name: str
    team_id: int
    team_name: str


class VolunteerOut(Schema):
    id: int
    name: str
    mobile_masked: str
    kind: str
    skills: list[str]
    availability: str
    enterprise_id: int | None
    user: str | None = Field(description="The linked account's user name")
    active: bool
    groups: list[GroupRef]

    @staticmethod
    def resolve_mobile_masked(obj: Volunteer) -> str:
        return mask_phone(obj.mobile)

    @staticmethod
    def resolve_skills(obj: Volunteer) -> list[str]:
        return list(obj.skills or [])

    @staticmethod
    def resolve_user(obj: Volunteer) -> str | None:
        return obj.user.get_username() if obj.user_id else None

    @staticmethod
    def resolve_groups(obj: Volunteer) -> list[dict[str, Any]]:
        return [
            {"id": g.pk, "name": g.name, "team_id": g.team_id, "team_name": g.team.name}
            for g in obj.groups.all()
        ]


class VolunteerIn(Schema):
    name: str | None = None
    mobile: str | None = None
    kind: str | None = Field(None, description="party, staff or resident")
    skills: list[str] | str | None = Field(None, description="A list, or a comma list")
    availability: str | None = None
    enterprise: int | None = None
    user: str | None = Field(None, description="User name of an account of this community")
    active: bool | None = None


def _volunteer_data(actor: Actor, payload: VolunteerIn) -> dict[str, Any]:
    sent = payload.dict(exclude_unset=True)
    data = {k: v for k, v in sent.items() if k not in ("enterprise", "user")}
    if "enterprise" in sent:
        data["enterprise"] = None
        if sent["enterprise"] is not None:
            data["enterprise"] = Enterprise.objects.filter(
                community_id=actor.community_id, pk=sent["enterprise"]
            ).first()
            if data["enterprise"] is None:
                raise ServiceError(_("Choose an enterprise of this community."), field="enterprise")
    if "user" in sent:
        data["user"] = None
        if sent["user"]:
            data["user"] = User.objects.filter(
                username=sent["user"],
                memberships__community_id=actor.community_id,
                memberships__is_active=True,
            ).first()
            if data["user"] is None:
                raise ServiceError(
                    _("No account of this community is called “%(name)s”.")
                    % {"name": str(sent["user"])[:50]},
                    field="user",
                )
    return data


def _with_groups(actor: Actor, pk: int, perm: Perm) -> Volunteer:
    return fetch(
        actor,
        Volunteer.objects.select_related("user").prefetch_related("groups__team"),
        perm,
        pk=pk,
    )


@router.get(f"{API}/volunteers", response=list[VolunteerOut])
@api_require(Perm.VOLUNTEER_VIEW)
@paginate
def volunteer_list(
    request: HttpRequest,
    q: str = "",
    kind: str = "",
    group: int | None = None,
    skill: str = "",
    active: str = "yes",
) -> Any:
    """The volunteer body: `q` searches names or the last digits of mobiles; `active` is yes,
    no or all."""
    filters = queries.VolunteerFilters.from_params(
        {"q": q, "kind": kind, "group": group or "", "skill": skill, "active": active}
    )
    return queries.volunteer_rows(actor_of(request), filters)


@router.post(f"{API}/volunteers", response={201: VolunteerOut})
@api_require(Perm.VOLUNTEER_MANAGE)
def volunteer_create(request: HttpRequest, payload: VolunteerIn) -> Any:
    actor = actor_of(request)
    volunteer = services.save_volunteer(actor, None, _volunteer_data(actor, payload))
    return Status(201, _with_groups(actor, volunteer.pk, Perm.VOLUNTEER_MANAGE))


@router.get(f"{API}/volunteers/{{volunteer_id}}", response=VolunteerOut)
@api_require(Perm.VOLUNTEER_VIEW)
def volunteer_read(request: HttpRequest, volunteer_id: int) -> Any:
    return _with_groups(actor_of(request), volunteer_id, Perm.VOLUNTEER_VIEW)


@router.patch(f"{API}/volunteers/{{volunteer_id}}", response=VolunteerOut)
@api_require(Perm.VOLUNTEER_MANAGE)
def volunteer_update(request: HttpRequest, volunteer_id: int, payload: VolunteerIn) -> Any:
    """Change some fields; `active: false` deactivates (no more call-outs)."""
    actor = actor_of(request)
    volunteer = _with_groups(actor, volunteer_id, Perm.VOLUNTEER_MANAGE)
    services.save_volunteer(actor, volunteer, _volunteer_data(actor, payload))
    return _with_groups(actor, volunteer_id, Perm.VOLUNTEER_MANAGE)


class RevealOut(Schema):
    mobile: str


@router.post(f"{API}/volunteers/{{volunteer_id}}/reveal", response=RevealOut)
@api_require(Perm.VOLUNTEER_MANAGE)
def volunteer_reveal(request: HttpRequest, volunteer_id: int) -> Any:
    """The full mobile number; every reveal is recorded in the audit log."""
    actor = actor_of(request)
    volunteer = fetch(actor, Volunteer.objects.all(), Perm.VOLUNTEER_MANAGE, pk=volunteer_id)
    return {"mobile": services.reveal_mobile(actor, volunteer, request=request)}


# --- Teams and groups ------------------------------------------------------------------------


class GroupOut(Schema):
    id: int
    team_id: int
    name: str
    position: int
    leader_id: int | None
    members: list[int]


class TeamOut(Schema):
    id: int
    name: str
    leader_id: int | None
    robot_id: int | None
    groups: list[GroupOut]


def _group_out(g: Group) -> dict[str, Any]:
    return {
        "id": g.pk,
        "team_id": g.team_id,
        "name": g.name,
        "position": g.position,
        "leader_id": g.leader_id,
        "members": sorted(m.pk for m in g.members.all()),
    }


def _team_out(t: Team) -> dict[str, Any]:
    return {
        "id": t.pk,
        "name": t.name,
        "leader_id": t.leader_id,
        "robot_id": t.robot_id,
        "groups": [_group_out(g) for g in t.groups.all()],
    }


def _team(actor: Actor, pk: int, perm: Perm) -> Team:
    return fetch(actor, Team.objects.prefetch_related("groups__members"), perm, pk=pk)


class TeamIn(Schema):
    name: str
    groups: list[str] | None = Field(
        None, description="Group names; 联络组, 后勤组, 物资保障组 when not given"
    )
    leader: int | None = None
    robot: int | None = None


class TeamChange(Schema):
    name: str | None = None
    leader: int | None = None
    robot: int | None = None


def _robot(actor: Actor, pk: int | None) -> GroupRobot | None:
    if pk is None:
        return None
    robot = GroupRobot.objects.filter(community_id=actor.community_id, pk=pk).first()
    if robot is None:
        raise ServiceError(_("Choose a group robot of this community."), field="robot")
    return robot


@router.get(f"{API}/teams", response=list[TeamOut])
@api_require(Perm.VOLUNTEER_VIEW)
def team_list(request: HttpRequest) -> Any:
    return [_team_out(t) for t in queries.teams(actor_of(request))]


@router.post(f"{API}/teams", response={201: TeamOut})
@api_require(Perm.VOLUNTEER_MANAGE)
def team_create(request: HttpRequest, payload: TeamIn) -> Any:
    actor = actor_of(request)
    leader = _volunteer(actor, payload.leader, "leader")
    robot = _robot(actor, payload.robot)
    groups = tuple(payload.groups) if payload.groups is not None else services.DEFAULT_GROUPS
    team = services.save_team(actor, payload.name, groups=groups, leader=leader)
    if robot is not None:
        services.update_team(actor, team, {"robot": robot})
    return Status(201, _team_out(_team(actor, team.pk, Perm.VOLUNTEER_MANAGE)))


@router.patch(f"{API}/teams/{{team_id}}", response=TeamOut)
@api_require(Perm.VOLUNTEER_MANAGE)
def team_update(request: HttpRequest, team_id: int, payload: TeamChange) -> Any:
    """Rename, name the leader, choose the group robot (null clears leader or robot)."""
    actor = actor_of(request)
    team = _team(actor, team_id, Perm.VOLUNTEER_MANAGE)
    sent = payload.dict(exclude_unset=True)
    data: dict[str, Any] = {}
    if "name" in sent:
        data["name"] = sent["name"]
    if "leader" in sent:
        data["leader"] = _volunteer(actor, sent["leader"], "leader")
    if "robot" in sent:
        data["robot"] = _robot(actor, sent["robot"])
    services.update_team(actor, team, data)
    return _team_out(_team(actor, team_id, Perm.VOLUNTEER_MANAGE))


class GroupIn(Schema):
    name: str


class GroupChange(Schema):
    name: str | None = None
    members: list[int] | None = Field(None, description="Volunteer ids: the whole membership")
    leader: int | None = Field(None, description="One of the members; null clears it")


def _group(actor: Actor, pk: int) -> Group:
    return fetch(
        actor,
        Group.objects.select_related("team").prefetch_related("members"),
        Perm.VOLUNTEER_MANAGE,
        pk=pk,
    )


@router.post(f"{API}/teams/{{team_id}}/groups", response={201: GroupOut})
@api_require(Perm.VOLUNTEER_MANAGE)
def group_create(request: HttpRequest, team_id: int, payload: GroupIn) -> Any:
    actor = actor_of(request)
    team = _team(actor, team_id, Perm.VOLUNTEER_MANAGE)
    group = services.add_group(actor, team, payload.name)
    return Status(201, _group_out(_group(actor, group.pk)))


@router.patch(f"{API}/groups/{{group_id}}", response=GroupOut)
@api_require(Perm.VOLUNTEER_MANAGE)
def group_update(request: HttpRequest, group_id: int, payload: GroupChange) -> Any:
    """Rename a group and/or set its members (the whole list) and leader."""
    actor = actor_of(request)
    group = _group(actor, group_id)
    sent = payload.dict(exclude_unset=True)
    if "members" in sent:
        ids = set(sent["members"] or [])
        members = list(Volunteer.objects.filter(community_id=actor.community_id, pk__in=ids))
        if len(members) != len(ids):
            raise ServiceError(_("Choose volunteers of this community."), field="members")
    else:
        members = list(group.members.all())
    if "leader" in sent:
        leader = _volunteer(actor, sent["leader"], "leader")
    else:
        leader = group.leader
        if leader is not None and leader not in members:
            leader = None
    services.edit_group(actor, group, name=sent.get("name"), members=members, leader=leader)
    return _group_out(_group(actor, group_id))


@router.delete(f"{API}/groups/{{group_id}}", response={204: None})
@api_require(Perm.VOLUNTEER_MANAGE)
def group_delete(request: HttpRequest, group_id: int) -> Any:
    actor = actor_of(request)
    services.remove_group(actor, _group(actor, group_id))
    return Status(204, None)


# --- Call-outs -------------------------------------------------------------------------------


class CallOutOut(Schema):
    id: int
    title: str
    place: str
    starts_at: dt.datetime
    ends_at: dt.datetime | None
    needed: int
    groups: list[int]
    skills: list[str]
    state: str
    accepted: int
    posted_by: str
    posted_at: dt.datetime
    filled_at: dt.datetime | None
    closed_at: dt.datetime | None

    @staticmethod
    def resolve_groups(obj: CallOut) -> list[int]:
        return sorted(g.pk for g in obj.groups.all())

    @staticmethod
    def resolve_skills(obj: CallOut) -> list[str]:
        return list(obj.skills or [])

    @staticmethod
    def resolve_posted_by(obj: CallOut) -> str:
        return obj.posted_by_label


class ProgressOut(Schema):
    asked: int
    accepted: int
    waiting: int
    declined: int
    unanswered: int
    accept_minutes: list[float] = Field(
        description="Minutes from posting to each acceptance, in order"
    )


class CallOutDetail(CallOutOut):
    progress: ProgressOut

    @staticmethod
    def resolve_progress(obj: CallOut) -> dict[str, Any]:
        p = queries.progress(obj)
        return {
            "asked": p.asked,
            "accepted": p.accepted,
            "waiting": p.waiting,
            "declined": p.declined,
            "unanswered": p.unanswered,
            "accept_minutes": p.accept_minutes,
        }


class CallOutIn(Schema):
    title: str
    place: str
    starts_at: str = Field(description="e.g. 2026-11-24T08:00 (local time) or ISO with offset")
    ends_at: str | None = None
    needed: int | str
    groups: list[int] = Field(default_factory=list, description="Group ids; none: every group")
    skills: list[str] | str | None = None


def _callout(actor: Actor, pk: int) -> CallOut:
    return fetch(actor, CallOut.objects.prefetch_related("groups"), Perm.CALLOUT_POST, pk=pk)


@router.get(f"{API}/callouts", response=list[CallOutOut])
@api_require(Perm.CALLOUT_POST)
@paginate
def callout_list(request: HttpRequest) -> Any:
    """Call-outs, open ones first."""
    return queries.callout_rows(actor_of(request)).prefetch_related("groups")


@router.post(f"{API}/callouts", response={201: CallOutDetail})
@api_require(Perm.CALLOUT_POST)
def callout_create(request: HttpRequest, payload: CallOutIn) -> Any:
    """Post a call-out: every matching active volunteer is asked at once and notified."""
    actor = actor_of(request)
    ids = set(payload.groups)
    groups = list(scope(actor, Group.objects.select_related("team")).filter(pk__in=ids))
    if len(groups) != len(ids):
        raise ServiceError(_("Choose groups of this community."), field="groups")
    callout = services.post_callout(
        actor,
        title=payload.title,
        place=payload.place,
        starts_at=services.parse_when(payload.starts_at, "starts_at"),  # type: ignore[arg-type]
        ends_at=services.parse_when(payload.ends_at, "ends_at", required=False),
        needed=payload.needed,
        groups=groups,
        skills=payload.skills,
    )
    return Status(201, _callout(actor, callout.pk))


@router.get(f"{API}/callouts/{{callout_id}}", response=CallOutDetail)
@api_require(Perm.CALLOUT_POST)
def callout_read(request: HttpRequest, callout_id: int) -> Any:
    """One call-out with its progress: counts by answer and the minutes to each acceptance."""
    return _callout(actor_of(request), callout_id)


@router.post(f"{API}/callouts/{{callout_id}}/close", response={200: CallOutDetail, 409: Any})
@api_require(Perm.CALLOUT_POST)
def callout_close(request: HttpRequest, callout_id: int) -> Any:
    actor = actor_of(request)
    try:
        services.close_callout(actor, _callout(actor, callout_id))
    except ServiceError as exc:
        return _conflict(request, exc)
    return _callout(actor, callout_id)


@router.post(f"{API}/callouts/{{callout_id}}/cancel", response={200: CallOutDetail, 409: Any})
@api_require(Perm.CALLOUT_POST)
def callout_cancel(request: HttpRequest, callout_id: int) -> Any:
    actor = actor_of(request)
    try:
        services.close_callout(actor, _callout(actor, callout_id), cancel=True)
    except ServiceError as exc:
        return _conflict(request, exc)
    return _callout(actor, callout_id)


# --- The volunteer's side --------------------------------------------------------------------


class AnswerIn(Schema):
    answer: str = Field(description="accept or decline")


class AnswerOut(Schema):
    callout_id: int
    title: str
    place: str
    starts_at: dt.datetime
    ends_at: dt.datetime | None
    state: str
    needed: int
    still_needed: int
    reply: str = Field(description="accepted, waiting, declined, or empty: not answered yet")
    waiting_position: int | None
    answered_at: dt.datetime | None

    @staticmethod
    def resolve_title(obj: Answer) -> str:
        return obj.callout.title

    @staticmethod
    def resolve_place(obj: Answer) -> str:
        return obj.callout.place

    @staticmethod
    def resolve_starts_at(obj: Answer) -> dt.datetime:
        return obj.callout.starts_at

    @staticmethod
    def resolve_ends_at(obj: Answer) -> dt.datetime | None:
        return obj.callout.ends_at

    @staticmethod
    def resolve_state(obj: Answer) -> str:
        return obj.callout.state

    @staticmethod
    def resolve_needed(obj: Answer) -> int:
        return obj.callout.needed

    @staticmethod
    def resolve_still_needed(obj: Answer) -> int:
        return max(obj.callout.needed - obj.callout.accepted, 0)

    @staticmethod
    def resolve_waiting_position(obj: Answer) -> int | None:
        return queries.waiting_position(obj)


@router.get(f"{API}/my-callouts", response=list[AnswerOut])
@api_require(Perm.CALLOUT_ANSWER)
@paginate
def my_callouts(request: HttpRequest) -> Any:
    """The call-outs the signed-in volunteer was asked in, open ones first."""
    volunteer = services.volunteer_of(actor_of(request))
    return queries.my_answers(volunteer)


@router.post(f"{API}/callouts/{{callout_id}}/answer", response={200: AnswerOut, 409: Any})
@api_require(Perm.CALLOUT_ANSWER)
def callout_answer(request: HttpRequest, callout_id: int, payload: AnswerIn) -> Any:
    """Accept or decline. A full call-out puts an acceptance on the waiting list; the same
    answer twice, or an answer to a closed call-out, is refused with 409."""
    actor = actor_of(request)
    if payload.answer not in ("accept", "decline"):
        raise ServiceError(_("Answer accept or decline."), field="answer")
    row = queries.asked_answer(actor, callout_id)
    try:
        services.answer(actor, row.callout, payload.answer == "accept")
    except ServiceError as exc:
        return _conflict(request, exc)
    return queries.asked_answer(actor, callout_id)
