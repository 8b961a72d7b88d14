"""Reads of volunteers: a call-out's live progress, the volunteer body's search and filters,
teams with their groups, call-out lists (open first) and a volunteer's own answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.http import Http404

from workgate.core.access import Actor, scope
from workgate.core.text import normalise_text
from workgate.volunteers.models import Answer, CallOut, Group, Team, Volunteer


@dataclass
class Progress:
    asked: int = 0
    accepted: int = 0
    waiting: int = 0
    declined: int = 0
    # Minutes from the call-out to each acceptance, in order (the seed: 84 in 30 minutes).
    accept_minutes: list[float] = field(default_factory=list)

    @property
    def unanswered(self) -> int:
        return self.asked - self.accepted - self.waiting - self.declined


def progress(callout: CallOut) -> Progress:
    """Counts by answer and the time to each acceptance, in two queries."""
    p = Progress()
    for reply, n in (
        Answer.objects.filter(callout=callout).values_list("reply").annotate(n=Count("pk"))
    ):
        p.asked += n
        if reply == Answer.Reply.ACCEPTED:
            p.accepted = n
        elif reply == Answer.Reply.WAITING:
            p.waiting = n
        elif reply == Answer.Reply.DECLINED:
            p.declined = n
    times = (
        Answer.objects.filter(
            callout=callout, reply=Answer.Reply.ACCEPTED, answered_at__isnull=False
        )
        .order_by("answered_at")
        .values_list("answered_at", flat=True)
    )
    p.accept_minutes = [round((t - callout.posted_at).total_seconds() / 60, 1) for t in times]
    return p


def response_minutes(callout: CallOut) -> list[float]:
    """Minutes from the call-out to each answer of any kind, in order."""
    times = (
        Answer.objects.filter(callout=callout, answered_at__isnull=False)
        .exclude(reply=Answer.Reply.NONE)
        .order_by("answered_at")
        .values_list("answered_at", flat=True)
    )
    return [round((t - callout.posted_at).total_seconds() / 60, 1) for t in times]


# --- The volunteer body ----------------------------------------------------------------------


@dataclass
class VolunteerFilters:
    """The list's search and filters, read from the query string."""

    q: str = ""
    kind: str = ""
    group: int | None = None
    skill: str = ""
    active: str = "yes"  # yes, no, or all

    @classmethod
    def from_params(cls, params: Any) -> VolunteerFilters:
        group = str(params.get("group") or "")
        active = str(params.get("active") or "yes")
        kind = str(params.get("kind") or "")
        return cls(
            q=normalise_text(str(params.get("q") or ""))[:50],
            kind=kind if kind in Volunteer.Kind.values else "",
            group=int(group) if group.isdigit() else None,
            skill=normalise_text(str(params.get("skill") or ""))[:50],
            active=active if active in ("yes", "no", "all") else "yes",
        )


def volunteer_rows(actor: Actor, filters: VolunteerFilters) -> QuerySet[Volunteer]:
    """The community's volunteers matching the search (name, or the last digits of a mobile)
    and filters, by name."""
    qs = scope(actor, Volunteer.objects.all()).select_related("enterprise", "user")
    if filters.q:
        digits = filters.q.replace(" ", "")
        if digits.isdigit():
            qs = qs.filter(mobile__endswith=digits)
        else:
            qs = qs.filter(name__icontains=filters.q)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.group is not None:
        qs = qs.filter(groups__pk=filters.group)
    if filters.active != "all":
        qs = qs.filter(active=filters.active == "yes")
    if filters.skill:
        # Skills are a JSON list; matched here so SQLite and PostgreSQL agree.
        wanted = filters.skill
        ids = [pk for pk, have in qs.values_list("pk", "skills") if wanted in (have or [])]
        qs = qs.filter(pk__in=ids)
    return qs.prefetch_related("groups__team").distinct().order_by("name", "pk")


def skills_in_use(community_id: int) -> list[str]:
    found: set[str] = set()
    for have in Volunteer.objects.filter(community_id=community_id).values_list(
        "skills", flat=True
    ):
        found.update(have or [])
    return sorted(found)


def groups_of(community_id: int) -> QuerySet[Group]:
    return Group.objects.filter(team__community_id=community_id).select_related("team")


def teams(actor: Actor) -> list[Team]:
    """The community's teams with their groups, each group's members and leader."""
    return list(
        scope(actor, Team.objects.all())
        .select_related("leader", "robot")
        .prefetch_related(
            Prefetch(
                "groups",
                queryset=Group.objects.select_related("leader").prefetch_related(
                    Prefetch("members", queryset=Volunteer.objects.order_by("name", "pk"))
                ),
            )
        )
    )


# --- Call-outs -------------------------------------------------------------------------------

STATE_ORDER = Case(
    When(state=CallOut.State.OPEN, then=Value(0)),
    When(state=CallOut.State.FILLED, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def callout_rows(actor: Actor) -> QuerySet[CallOut]:
    """The community's call-outs, open ones first, newest first within each."""
    return (
        scope(actor, CallOut.objects.all())
        .annotate(
            state_order=STATE_ORDER,
            asked=Count("answers"),
            waiting=Count("answers", filter=Q(answers__reply=Answer.Reply.WAITING)),
        )
        .order_by("state_order", "-posted_at", "-pk")
    )


def my_answers(volunteer: Volunteer | None) -> QuerySet[Answer]:
    """The call-outs a volunteer was asked in (their answer rows), open ones first."""
    if volunteer is None:
        return Answer.objects.none()
    return (
        Answer.objects.filter(volunteer=volunteer, callout__community_id=volunteer.community_id)
        .select_related("callout")
        .annotate(
            state_order=Case(
                When(callout__state=CallOut.State.OPEN, then=Value(0)),
                When(callout__state=CallOut.State.FILLED, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
        .order_by("state_order", "-callout__starts_at", "-pk")
    )


def asked_answer(actor: Actor, callout_id: int) -> Answer:
    """The actor's own answer row of a call-out of their community: no active volunteer profile
    linked to their account → refused (403); not asked, or another community's → 404."""
    from workgate.volunteers.services import volunteer_of

    volunteer = volunteer_of(actor)
    if volunteer is None:
        raise PermissionDenied("no volunteer profile")
    row = (
        Answer.objects.select_related("callout", "volunteer")
        .filter(
            callout_id=callout_id, callout__community_id=actor.community_id, volunteer=volunteer
        )
        .first()
    )
    if row is None:
        raise Http404
    return row


def waiting_position(row: Answer) -> int | None:
    """1 for the first on the waiting list, and so on; None when not waiting."""
    if row.reply != Answer.Reply.WAITING or row.answered_at is None:
        return None
    ahead = Answer.objects.filter(callout_id=row.callout_id, reply=Answer.Reply.WAITING).filter(
        Q(answered_at__lt=row.answered_at) | Q(answered_at=row.answered_at, pk__lt=row.pk)
    )
    return ahead.count() + 1


ANSWER_LIST_LIMIT = 200


def answered_people(callout: CallOut) -> dict[str, list[Answer]]:
    """Who accepted, waits (in order) and declined, up to ANSWER_LIST_LIMIT of each."""
    out: dict[str, list[Answer]] = {}
    for reply in (Answer.Reply.ACCEPTED, Answer.Reply.WAITING, Answer.Reply.DECLINED):
        out[str(reply)] = list(
            Answer.objects.filter(callout=callout, reply=reply)
            .select_related("volunteer")
            .order_by("answered_at", "pk")[:ANSWER_LIST_LIMIT]
        )
    return out
