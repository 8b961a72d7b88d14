"""How each kind of timeline event reads on a person's file. Apps register their own kinds."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext as _

from workgate.registry.models import Employee, TimelineEvent

Describe = Callable[[dict[str, Any]], str]
KINDS: dict[str, Describe] = {}


def register_kind(kind: str, describe: Describe) -> None:
    KINDS[kind] = describe


def describe(event: TimelineEvent) -> str:
    render = KINDS.get(event.kind)
    return render(event.params) if render else event.kind


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
