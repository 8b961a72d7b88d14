"""API of duty rosters: posts (create, read, change; DELETE retires a post, keeping its past
shifts), planning and repeating a week, the week's roster as JSON (a page of posts in a fixed
number of queries), the gaps a week ahead, putting volunteers on shifts and taking them off,
a volunteer's own shifts and swaps (ask, answer, withdraw), the managers' decisions, and who
is on duty at a gate now.

Handlers are thin: writes go through `services`, reads through `queries` and `scope`."""

import datetime as dt
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.pagination import paginate
from pydantic import Field

from workgate.core.access import Actor, Perm, actor_of, api_require, fetch
from workgate.core.services import ServiceError
from workgate.duty import queries, services
from workgate.duty.models import Assignment, Post, Shift, Swap
from workgate.duty.views.roster import POSTS_PER_PAGE, week_of
from workgate.health.models import Gate
from workgate.volunteers.models import Volunteer
from workgate.volunteers.services import volunteer_of

router = Router(tags=["duty"])

API = "/duty"


def _day(value: str | None, field: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError as exc:
        raise ServiceError(
            _("“%(value)s” is not a date; write it as 2026-11-23.") % {"value": value[:20]},
            field=field,
        ) from exc


def _me(actor: Actor) -> Volunteer:
    me = volunteer_of(actor)
    if me is None:
        raise ServiceError(
            _("Your account is not linked to a volunteer profile."), code="no_profile"
        )
    return me


# --- Posts ---------------------------------------------------------------------------------


class PostOut(Schema):
    id: int
    kind: str
    name: str
    enterprise_id: int | None
    gate_id: int | None
    needed: int
    shift_times: list[list[str]]
    remind_minutes: int
    active: bool


class PostIn(Schema):
    kind: str = Field("gate", description="gate, round, call_centre or other")
    name: str = Field("", description="Empty for a gate post: the enterprise and gate names")
    gate: int | None = Field(None, description="Gate id (a gate post); sets the enterprise")
    enterprise: int | None = Field(None, description="Enterprise id (a round); none: community")
    needed: int | str = Field(1, description="People per shift, 1-50")
    shift_times: str | list[list[str]] = Field(
        description='The day\'s shifts: "07:00-15:00, 15:00-23:00" or [["07:00","15:00"]]'
    )
    remind_minutes: int | str = Field(60, description="Remind 5 min to 24 h before a shift")
    active: bool = True


class PostPatch(Schema):
    kind: str | None = None
    name: str | None = None
    gate: int | None = None
    enterprise: int | None = None
    needed: int | str | None = None
    shift_times: str | list[list[str]] | None = None
    remind_minutes: int | str | None = None
    active: bool | None = None


def _post(actor: Actor, post_id: int, perm: Perm) -> Post:
    return fetch(actor, Post.objects.select_related("gate__enterprise"), perm, pk=post_id)


@router.get(f"{API}/posts", response=list[PostOut])
@api_require(Perm.DUTY_VIEW)
@paginate
def post_list(
    request: HttpRequest,
    kind: str = "",
    enterprise: int | None = None,
    q: str = "",
    inactive: bool = False,
) -> Any:
    """The posts the caller sees (an officer: their enterprise's), active ones unless
    `inactive`."""
    return queries.posts(
        actor_of(request), kind=kind, enterprise_id=enterprise, search=q, include_inactive=inactive
    )


@router.post(f"{API}/posts", response={201: PostOut})
@api_require(Perm.DUTY_MANAGE)
def post_create(request: HttpRequest, payload: PostIn) -> Any:
    post = services.save_post(actor_of(request), None, payload.dict())
    return Status(201, post)


@router.get(f"{API}/posts/{{post_id}}", response=PostOut)
@api_require(Perm.DUTY_VIEW)
def post_get(request: HttpRequest, post_id: int) -> Any:
    return _post(actor_of(request), post_id, Perm.DUTY_VIEW)


@router.patch(f"{API}/posts/{{post_id}}", response=PostOut)
@api_require(Perm.DUTY_MANAGE)
def post_update(request: HttpRequest, post_id: int, payload: PostPatch) -> Any:
    """Change what is sent; the gate and enterprise are changed only when sent."""
    actor = actor_of(request)
    post = _post(actor, post_id, Perm.DUTY_MANAGE)
    data = payload.dict(exclude_unset=True)
    return services.save_post(actor, post, data)


@router.delete(f"{API}/posts/{{post_id}}", response={204: None})
@api_require(Perm.DUTY_MANAGE)
def post_retire(request: HttpRequest, post_id: int) -> Any:
    """Retire a post: it is no longer planned nor shown on the roster; its shifts stay."""
    actor = actor_of(request)
    services.save_post(actor, _post(actor, post_id, Perm.DUTY_MANAGE), {"active": False})
    return Status(204, None)


# --- Planning ------------------------------------------------------------------------------


class PlanIn(Schema):
    start: str = Field(description="First day, YYYY-MM-DD")
    days: int = Field(7, description="How many days, 1-31")
    posts: list[int] | None = Field(None, description="Post ids; default every active post")


class PlanOut(Schema):
    created: int


@router.post(f"{API}/plan", response=PlanOut)
@api_require(Perm.DUTY_MANAGE)
def plan(request: HttpRequest, payload: PlanIn) -> Any:
    """Create the shifts of the days from each post's pattern; existing shifts are kept."""
    actor = actor_of(request)
    start = _day(payload.start, "start")
    posts = None
    if payload.posts is not None:
        posts = [_post(actor, pk, Perm.DUTY_MANAGE) for pk in payload.posts]
    return {"created": services.plan_shifts(actor, start, payload.days, posts=posts)}


class RepeatIn(Schema):
    source: str = Field(description="First day of the week to copy, YYYY-MM-DD")
    target: str = Field(description="First day of the week to fill (a later week)")


class RepeatOut(Schema):
    assigned: int
    skipped: list[str]


@router.post(f"{API}/repeat", response=RepeatOut)
@api_require(Perm.DUTY_MANAGE)
def repeat(request: HttpRequest, payload: RepeatIn) -> Any:
    """Plan the target week and put on its shifts the people of the source week's same shifts;
    `skipped` says why each one that could not be was not."""
    done, skipped = services.repeat_week(
        actor_of(request), _day(payload.source, "source"), _day(payload.target, "target")
    )
    return {"assigned": done, "skipped": skipped}


# --- Roster and gaps -----------------------------------------------------------------------


class PersonOut(Schema):
    assignment_id: int
    name: str


class CellOut(Schema):
    id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    needed: int
    short: int
    people: list[PersonOut]


class RowOut(Schema):
    post: PostOut
    days: list[list[CellOut]]
    short: int


class RosterOut(Schema):
    start: dt.date
    days: list[dt.date]
    count: int = Field(description="Posts matching, all pages")
    page: int
    pages: int
    rows: list[RowOut]


@router.get(f"{API}/roster", response=RosterOut)
@api_require(Perm.DUTY_VIEW)
def roster(
    request: HttpRequest,
    start: str = "",
    kind: str = "",
    enterprise: int | None = None,
    q: str = "",
    page: int = 1,
) -> Any:
    """The week from the Monday of `start` (this week by default): each post with its shifts
    day by day and the people on them, 50 posts a page."""
    actor = actor_of(request)
    monday = week_of(_day(start, "start").isoformat() if start else None)
    qs = queries.posts(actor, kind=kind, enterprise_id=enterprise, search=q)
    chosen = Paginator(qs, POSTS_PER_PAGE).get_page(page)
    week = queries.roster(actor, monday, chosen.object_list, 7)
    return {
        "start": monday,
        "days": week.days,
        "count": chosen.paginator.count,
        "page": chosen.number,
        "pages": chosen.paginator.num_pages,
        "rows": [
            {
                "post": r.post,
                "short": r.short,
                "days": [
                    [
                        {
                            "id": c.pk,
                            "starts_at": c.starts_at,
                            "ends_at": c.ends_at,
                            "needed": c.needed,
                            "short": c.short,
                            "people": [{"assignment_id": a, "name": n} for a, n in c.people],
                        }
                        for c in cells
                    ]
                    for cells in r.days
                ],
            }
            for r in week.rows
        ],
    }


class GapOut(Schema):
    post_id: int
    post: str
    day: dt.date
    shift_id: int | None = Field(description="None: no shift planned that day")
    starts_at: dt.datetime | None
    ends_at: dt.datetime | None
    needed: int
    have: int
    short: int


@router.get(f"{API}/gaps", response=list[GapOut])
@api_require(Perm.DUTY_VIEW)
@paginate
def gap_list(request: HttpRequest, start: str = "", days: int = 7) -> Any:
    """Short shifts and unplanned days from `start` (today by default), soonest first."""
    first = _day(start, "start") or timezone.localdate()
    if not 1 <= days <= 31:
        raise ServiceError(_("Look between 1 and 31 days ahead."), field="days")
    return [
        {
            "post_id": g.post.pk,
            "post": g.post.name,
            "day": g.day,
            "shift_id": g.shift_id,
            "starts_at": g.starts_at,
            "ends_at": g.ends_at,
            "needed": g.needed,
            "have": g.have,
            "short": g.short,
        }
        for g in queries.gaps(actor_of(request), first, days)
    ]


# --- Assignments ---------------------------------------------------------------------------


class AssignIn(Schema):
    volunteer: int


class AssignmentOut(Schema):
    id: int
    shift_id: int
    volunteer_id: int
    name: str = Field(validation_alias="volunteer.name")


def _shift(actor: Actor, shift_id: int, perm: Perm) -> Shift:
    return fetch(actor, Shift.objects.select_related("post"), perm, pk=shift_id)


@router.post(f"{API}/shifts/{{shift_id}}/assignments", response={201: AssignmentOut})
@api_require(Perm.DUTY_MANAGE)
def assign(request: HttpRequest, shift_id: int, payload: AssignIn) -> Any:
    """Put an active volunteer on the shift: refused (400, code full / busy) when the shift
    has its people or the volunteer is on duty elsewhere at an overlapping time."""
    actor = actor_of(request)
    shift = _shift(actor, shift_id, Perm.DUTY_MANAGE)
    volunteer = Volunteer.objects.filter(community_id=actor.community_id, pk=payload.volunteer)
    found = volunteer.first()
    if found is None:
        raise ServiceError(_("Choose a volunteer."), field="volunteer")
    row = services.assign(actor, shift, found)
    return Status(201, Assignment.objects.select_related("volunteer").get(pk=row.pk))


@router.delete(f"{API}/shifts/{{shift_id}}/assignments/{{assignment_id}}", response={204: None})
@api_require(Perm.DUTY_MANAGE)
def unassign(request: HttpRequest, shift_id: int, assignment_id: int) -> Any:
    actor = actor_of(request)
    shift = _shift(actor, shift_id, Perm.DUTY_MANAGE)
    row = shift.assignments.select_related("volunteer", "shift__post").filter(pk=assignment_id)
    found = row.first()
    if found is None:
        raise Http404
    services.unassign(actor, found)
    return Status(204, None)


# --- My shifts and swaps -------------------------------------------------------------------


class MyShiftOut(Schema):
    assignment_id: int = Field(validation_alias="pk")
    shift_id: int
    post: str = Field(validation_alias="shift.post.name")
    starts_at: dt.datetime = Field(validation_alias="shift.starts_at")
    ends_at: dt.datetime = Field(validation_alias="shift.ends_at")


@router.get(f"{API}/mine", response=list[MyShiftOut])
@api_require(Perm.DUTY_OWN)
def my_shifts(request: HttpRequest) -> Any:
    """The caller's shifts that have not ended, soonest first (empty without a volunteer
    profile)."""
    me = volunteer_of(actor_of(request))
    return list(queries.my_shifts(me)) if me is not None else []


class SwapOut(Schema):
    id: int
    state: str
    shift_id: int
    post: str = Field(validation_alias="shift.post.name")
    starts_at: dt.datetime = Field(validation_alias="shift.starts_at")
    from_volunteer_id: int
    from_name: str = Field(validation_alias="from_volunteer.name")
    to_volunteer_id: int
    to_name: str = Field(validation_alias="to_volunteer.name")
    in_return_id: int | None
    reason: str
    decision_note: str
    requested_at: dt.datetime
    decided_at: dt.datetime | None


def _swap_out(pk: int) -> Swap:
    return Swap.objects.select_related("shift__post", "from_volunteer", "to_volunteer").get(pk=pk)


def _own_swap(actor: Actor, swap_id: int) -> Swap:
    me = _me(actor)
    swap = (
        Swap.objects.filter(community_id=actor.community_id, pk=swap_id)
        .filter(Q(from_volunteer=me) | Q(to_volunteer=me))
        .first()
    )
    if swap is None:
        raise Http404
    return swap


@router.get(f"{API}/swaps", response=list[SwapOut])
@api_require(Perm.DUTY_OWN)
def swap_list(request: HttpRequest, waiting: bool = False) -> Any:
    """The caller's own swaps (asked or asked of them, last two weeks); `waiting=true` for a
    manager: the agreed swaps of their posts waiting for approval."""
    actor = actor_of(request)
    if waiting:
        actor.check(Perm.DUTY_MANAGE)
        return list(queries.swaps_to_decide(actor))
    me = volunteer_of(actor)
    return list(queries.swaps_of(me)) if me is not None else []


class SwapIn(Schema):
    shift: int = Field(description="Your shift")
    to_volunteer: int = Field(description="The colleague asked to take it")
    in_return: int | None = Field(None, description="Their shift you take in return")
    reason: str = Field("", max_length=200)


@router.post(f"{API}/swaps", response={201: SwapOut})
@api_require(Perm.DUTY_OWN)
def swap_request(request: HttpRequest, payload: SwapIn) -> Any:
    actor = actor_of(request)
    me = _me(actor)
    mine = Assignment.objects.filter(volunteer=me, shift_id=payload.shift).first()
    if mine is None:
        raise Http404
    colleague = Volunteer.objects.filter(
        community_id=actor.community_id, pk=payload.to_volunteer
    ).first()
    if colleague is None:
        raise ServiceError(_("Choose the colleague to ask."), field="to_volunteer")
    in_return = None
    if payload.in_return is not None:
        in_return = Shift.objects.filter(
            community_id=actor.community_id, pk=payload.in_return
        ).first()
        if in_return is None:
            raise ServiceError(_("Choose one of the colleague's shifts."), field="in_return")
    swap = services.request_swap(
        actor,
        Shift.objects.select_related("post").get(pk=mine.shift_id),
        colleague,
        in_return=in_return,
        reason=payload.reason,
    )
    return Status(201, _swap_out(swap.pk))


class AnswerIn(Schema):
    agree: bool


@router.post(f"{API}/swaps/{{swap_id}}/answer", response=SwapOut)
@api_require(Perm.DUTY_OWN)
def swap_answer(request: HttpRequest, swap_id: int, payload: AnswerIn) -> Any:
    """The colleague agrees (the swap goes to a manager) or declines."""
    actor = actor_of(request)
    swap = services.answer_swap(actor, _own_swap(actor, swap_id), payload.agree)
    return _swap_out(swap.pk)


@router.post(f"{API}/swaps/{{swap_id}}/withdraw", response=SwapOut)
@api_require(Perm.DUTY_OWN)
def swap_withdraw(request: HttpRequest, swap_id: int) -> Any:
    actor = actor_of(request)
    swap = services.withdraw_swap(actor, _own_swap(actor, swap_id))
    return _swap_out(swap.pk)


class DecideIn(Schema):
    approve: bool
    note: str = Field("", max_length=200)


@router.post(f"{API}/swaps/{{swap_id}}/decide", response=SwapOut)
@api_require(Perm.DUTY_MANAGE)
def swap_decide(request: HttpRequest, swap_id: int, payload: DecideIn) -> Any:
    """Approve an agreed swap (the people change places on the roster) or refuse it."""
    actor = actor_of(request)
    swap = fetch(actor, Swap.objects.all(), Perm.DUTY_MANAGE, pk=swap_id)
    swap = services.decide_swap(actor, swap, payload.approve, payload.note)
    return _swap_out(swap.pk)


# --- On duty -------------------------------------------------------------------------------


class OnDutyOut(Schema):
    post: str
    name: str
    starts_at: dt.datetime
    ends_at: dt.datetime


@router.get(f"{API}/on-duty", response=list[OnDutyOut])
@api_require(Perm.CHECK_VIEW)
def on_duty(request: HttpRequest, gate_id: int) -> Any:
    """Who is on duty at the gate now (for the gate station)."""
    actor = actor_of(request)
    gate = fetch(actor, Gate.objects.all(), Perm.CHECK_VIEW, pk=gate_id)
    return queries.on_duty(actor.community_id, gate_id=gate.pk)
