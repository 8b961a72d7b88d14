"""Reads of the round pages beyond queries.py: round labels, a round's overview with masks issued,
progress per workshop, the enterprises and workshops a duty volunteer may choose, and the
settings row the settings form edits. Every read is scoped to the actor's tenant."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from workgate.core.access import Actor, Perm, scope
from workgate.core.models import Enterprise
from workgate.health import queries
from workgate.health.models import HealthSettings
from workgate.health.queries import Tally
from workgate.health.rules import settings_for
from workgate.registry.models import Workshop

CHART_TOP = 15


@dataclass(frozen=True)
class RoundChoice:
    number: int
    time: dt.time

    @property
    def label(self) -> str:
        return _("Round %(n)s") % {"n": self.number} + f" {self.time:%H:%M}"


def round_choices(actor: Actor) -> list[RoundChoice]:
    hs, _tz = settings_for(actor.community_id)
    return [RoundChoice(n, t) for n, t in enumerate(hs.round_times, start=1)]


@dataclass
class Progress(Tally):
    """One line of a round's progress: an enterprise or a workshop."""

    key: int | None
    name: str
    on_duty: int
    checked: int
    masks: int = 0


@dataclass
class Overview(Tally):
    rows: list[Progress]
    masks_total: int
    on_duty: int = 0
    checked: int = 0
    chart: list[dict[str, object]] = field(default_factory=list)


def overview(actor: Actor, day: dt.date, round_no: int) -> Overview:
    """Per enterprise in the actor's tenant: on duty, checked and missing in the round (most
    missing first), masks issued that day; the totals; the enterprises with most missing for
    the chart."""
    summary = queries.round_summary(actor, day, round_no)
    masks = {m["enterprise_id"]: int(m["masks"] or 0) for m in queries.masks_issued(actor, day)}
    rows = [
        Progress(
            s.enterprise_id, s.enterprise_name, s.on_duty, s.checked, masks.get(s.enterprise_id, 0)
        )
        for s in summary
    ]
    out = Overview(
        rows=rows,
        masks_total=sum(masks.values()),
        on_duty=sum(r.on_duty for r in rows),
        checked=sum(r.checked for r in rows),
    )
    out.chart = [{"label": r.name, "missing": r.missing} for r in rows if r.missing > 0][:CHART_TOP]
    return out


def workshop_progress(
    actor: Actor, day: dt.date, round_no: int, enterprise_id: int
) -> list[Progress]:
    """The round's progress per workshop of one enterprise (people without a workshop last)."""
    actor.check(Perm.CHECK_VIEW)
    rows = (
        queries.on_duty(actor)
        .filter(enterprise_id=enterprise_id)
        .annotate(done=queries.checked_in_round(actor, day, round_no))
        .values("workshop_id", "workshop__name")
        .annotate(total=Count("id"), checked=Count("id", filter=Q(done=True)))
        .order_by()
    )
    out = [
        Progress(r["workshop_id"], r["workshop__name"] or "", r["total"], r["checked"])
        for r in rows
    ]
    out.sort(key=lambda p: (p.key is None, p.name))
    return out


def enterprises_to_choose(actor: Actor) -> QuerySet[Enterprise]:
    """Enterprises whose rounds the actor may see: the community's, or their own."""
    actor.check(Perm.CHECK_VIEW)
    return scope(actor, Enterprise.objects.all()).only("id", "name").order_by("name")


def enterprise_for(actor: Actor, pk: int) -> Enterprise:
    """One enterprise inside the actor's tenant, or 404."""
    found = enterprises_to_choose(actor).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def workshops_of(actor: Actor, enterprise_id: int) -> list[Workshop]:
    return list(
        scope(actor, Workshop.objects.filter(enterprise_id=enterprise_id))
        .only("id", "name")
        .order_by("name")
    )


def settings_row(actor: Actor) -> HealthSettings:
    """A fresh copy of the community's settings for the form to edit (the cached one that
    every check reads must not be touched by a form that may not validate)."""
    actor.check(Perm.HEALTH_SETTINGS_MANAGE)
    settings_for(actor.community_id)  # creates the row with defaults on first use
    return HealthSettings.objects.get(pk=actor.community_id)
