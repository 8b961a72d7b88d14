"""A person's timeline: how each kind of stored event reads, and the sources that add rows kept
in other apps' own tables.

Rare events (a file changed, a call, an incident step) are stored as TimelineEvent rows through
`services.timeline_add`. Frequent ones (three temperature checks a day, a daily declaration)
stay in their own time-series tables; their app registers a *source* that returns the person's
recent rows as `Entry`s, and the file page merges everything by time. Copying 18 million checks
into the timeline table would double the busiest write path for no reader's gain.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext as _

from workgate.registry.models import Employee, TimelineEvent

Describe = Callable[[dict[str, Any]], str]
KINDS: dict[str, Describe] = {}


@dataclass(frozen=True, slots=True)
class Entry:
    """One line of the timeline as the file page shows it."""

    at: dt.datetime
    text: str
    actor_label: str = ""
    alert: bool = False


Source = Callable[[Employee, int], list[Entry]]
SOURCES: list[Source] = []


def register_kind(kind: str, describe: Describe) -> None:
    KINDS[kind] = describe


def register_source(source: Source) -> None:
    """Add a source of timeline entries: `source(employee, limit)` → the newest `limit`."""
    if source not in SOURCES:
        SOURCES.append(source)


def describe(event: TimelineEvent) -> str:
    render = KINDS.get(event.kind)
    return render(event.params) if render else event.kind


def entries(employee: Employee, limit: int = 100) -> list[Entry]:
    """The person's newest `limit` entries from the stored events and every source."""
    rows = [
        Entry(at=event.at, text=describe(event), actor_label=event.actor_label)
        for event in employee.timeline.all()[:limit]
    ]
    for source in SOURCES:
        rows.extend(source(employee, limit))
    rows.sort(key=lambda entry: entry.at, reverse=True)
    return rows[:limit]


def _field_labels(names: list[str]) -> str:
    labels = []
    for name in names:
        try:
            labels.append(str(Employee._meta.get_field(name).verbose_name))
        except FieldDoesNotExist:
            labels.append(name)
    return "、".join(labels)


register_kind("registry.registered", lambda p: _("File opened"))
register_kind(
    "registry.updated",
    lambda p: _("File changed: %(fields)s") % {"fields": _field_labels(p.get("fields", []))},
)
register_kind("registry.imported", lambda p: _("File opened by a roster import"))
register_kind(
    "registry.travel",
    lambda p: (
        _("Travel recorded: %(region)s from %(start)s")
        % {"region": p.get("region", ""), "start": p.get("from", "")}
    ),
)
