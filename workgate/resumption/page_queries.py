"""Reads behind the resumption pages: an enterprise's four in place with what it entered and
uploaded, its application and status history, the review queue and one application's steps."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Q, QuerySet

from workgate.core.access import Actor, scope
from workgate.core.models import Enterprise, Membership, Role, User
from workgate.resumption import conditions as rules
from workgate.resumption.models import (
    Application,
    ApplicationStep,
    Condition,
    ConditionEntry,
    Evidence,
    Indicator,
    StatusChange,
)

State = Application.State

# What the enterprise types for a condition: a figure, a text, a tick, or nothing (judged
# from the platform's own data, or by an uploaded document).
ENTRY_KIND = {
    Indicator.MASK_DAYS: "value",
    Indicator.THERMOMETERS_PER_GATE: "value",
    Indicator.TRAINED_SHARE: "value",
    Indicator.ISOLATION_ROOM: "text",
    Indicator.CONFIRMED: "confirm",
}


@dataclass(slots=True)
class ConditionRow:
    """One condition on the enterprise page: its judgement, entry and evidence."""

    result: rules.Result
    entry: ConditionEntry | None
    evidence: list[Evidence]
    entry_kind: str | None
    # Filled in by the page when a form of this condition was refused: the message and what
    # was typed, so nothing is lost.
    entry_error: str = ""
    evidence_error: str = ""
    typed: str | None = None
    justify: str = ""
    justify_error: str = ""

    @property
    def condition(self) -> Condition:
        return self.result.condition


@dataclass(slots=True)
class EnterprisePage:
    judgement: rules.Judgement
    pillars: list[tuple[str, str, list[ConditionRow]]]
    application: Application | None
    steps: list[ApplicationStep]
    history: list[StatusChange]
    past: list[Application] = field(default_factory=list)


def current_application(enterprise: Enterprise) -> Application | None:
    """The application in progress, else the latest one (approved, withdrawn)."""
    apps = Application.objects.filter(enterprise=enterprise).select_related("reviewer")
    return (
        apps.filter(state__in=Application.ACTIVE).first()
        or apps.order_by("-updated_at", "-id").first()
    )


def enterprise_page(enterprise: Enterprise) -> EnterprisePage:
    judgement = rules.judge(enterprise)
    ids = [r.condition.pk for r in judgement.results]
    entries = {
        e.condition_id: e
        for e in ConditionEntry.objects.filter(enterprise=enterprise, condition_id__in=ids)
    }
    evidence: dict[int, list[Evidence]] = defaultdict(list)
    for ev in Evidence.objects.filter(enterprise=enterprise, condition_id__in=ids):
        evidence[ev.condition_id].append(ev)
    rows = [
        ConditionRow(
            r,
            entries.get(r.condition.pk),
            evidence.get(r.condition.pk, []),
            ENTRY_KIND.get(r.condition.indicator),
        )
        for r in judgement.results
    ]
    pillars = rules.by_pillar(rows, lambda row: row.condition.pillar)
    app = current_application(enterprise)
    steps = application_steps(app) if app else []
    history = list(StatusChange.objects.filter(enterprise=enterprise).order_by("-at", "-id")[:20])
    return EnterprisePage(judgement, pillars, app, steps, history)


# --- The review queue -----------------------------------------------------------------------

QUEUE_TABS = (
    "open",
    "due_today",
    "overdue",
    State.SUBMITTED,
    State.ASSIGNED,
    State.SURVEYED,
    State.VERIFIED,
    State.REPORTED,
    State.APPROVED,
    State.RETURNED,
    State.DRAFT,
    State.WITHDRAWN,
    "all",
)
OPEN_STATES = (*Application.OPEN_REVIEW, State.REPORTED)


def queue(actor: Actor, show: str, today: dt.date) -> QuerySet[Application]:
    rows = scope(actor, Application.objects.all()).select_related("enterprise", "reviewer")
    if show == "open":
        rows = rows.filter(state__in=OPEN_STATES)
    elif show == "due_today":
        rows = rows.filter(state__in=Application.OPEN_REVIEW, due_on=today)
    elif show == "overdue":
        rows = rows.filter(state__in=Application.OPEN_REVIEW, due_on__lt=today)
    elif show in State.values:
        rows = rows.filter(state=show)
    return rows.order_by(F("due_on").asc(nulls_last=True), "submitted_at", "id")


def queue_counts(actor: Actor, today: dt.date) -> dict[str, int]:
    rows = scope(actor, Application.objects.all())
    open_review = Q(state__in=Application.OPEN_REVIEW)
    agg: dict[str, Any] = {s: Count("pk", filter=Q(state=s)) for s in State.values}
    agg["open"] = Count("pk", filter=Q(state__in=OPEN_STATES))
    agg["due_today"] = Count("pk", filter=open_review & Q(due_on=today))
    agg["overdue"] = Count("pk", filter=open_review & Q(due_on__lt=today))
    agg["all"] = Count("pk")
    return rows.aggregate(**agg)


# --- One application ------------------------------------------------------------------------


def application_steps(app: Application) -> list[ApplicationStep]:
    """The steps, oldest first; each submit step carries `justified`: [(title, text)]."""
    steps = list(app.steps.prefetch_related("photos"))
    ids = {int(k) for s in steps for k in s.justifications if str(k).isdigit()}
    titles = {c.pk: c.display_title for c in Condition.objects.filter(pk__in=ids)}
    for s in steps:
        s.justified = [  # type: ignore[attr-defined]
            (titles.get(int(k), k) if str(k).isdigit() else k, text)
            for k, text in s.justifications.items()
        ]
    return steps


def staff_of(community_id: int) -> list[User]:
    """Who can be named reviewer: the community's active staff."""
    ids = Membership.objects.filter(
        community_id=community_id, role=Role.STAFF, is_active=True, user__is_active=True
    ).values("user_id")
    return list(User.objects.filter(pk__in=ids).order_by("username"))


def conditions_by_pillar(community_id: int) -> list[tuple[str, str, list[Condition]]]:
    return rules.by_pillar(Condition.objects.filter(community_id=community_id), lambda c: c.pillar)
