"""How daily health reads on a person's timeline: incident steps are stored events; checks and
declarations come from their own tables through a timeline source."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from workgate.registry.models import Employee
from workgate.registry.timeline import Entry, register_kind, register_source


def _temp(value: Any) -> str:
    return _("%(t)s °C") % {"t": value}


def check_text(kind: str, temperature: Any, gate: str, masks: int, fever: bool) -> str:
    where = {
        "gate": _("Gate check at %(gate)s") % {"gate": gate} if gate else _("Gate check"),
        "round": _("Round check"),
        "recheck": _("Re-check"),
    }.get(kind, kind)
    text = f"{where}: {_temp(temperature)}"
    if fever:
        text += " · " + _("fever")
    if masks:
        text += " · " + _("%(n)s masks issued") % {"n": masks}
    return text


def _checks(employee: Employee, limit: int) -> list[Entry]:
    from workgate.health import queries

    return [
        Entry(
            at=row.taken_at,
            text=check_text(row.kind, row.temperature, row.gate_name, row.masks_issued, row.fever),
            actor_label=row.recorded_by,
            alert=row.fever,
        )
        for row in queries.checks_of(employee=employee, limit=limit)
    ]


def _declarations(employee: Employee, limit: int) -> list[Entry]:
    from workgate.health import queries

    rows = []
    for d in queries.declarations_of(employee=employee, limit=limit):
        text = _("Health declaration: %(t)s") % {"t": _temp(d.temperature)}
        if d.symptoms:
            text += " · " + _("symptoms declared")
        if d.contact_with_case:
            text += " · " + _("contact with a case")
        rows.append(
            Entry(at=d.submitted_at, text=text, alert=bool(d.symptoms) or d.contact_with_case)
        )
    return rows


def _incident(p: dict[str, Any]) -> str:
    state = p.get("state", "")
    if state == "opened":
        return _("Fever incident opened: %(t)s") % {"t": _temp(p.get("temperature", ""))}
    if state == "escalated":
        return _("Fever incident overdue, escalated (level %(n)s)") % {"n": p.get("level", "")}
    from workgate.health.models import Incident

    label = dict(Incident.State.choices).get(state, state)
    outcome = dict(Incident.Outcome.choices).get(p.get("outcome", ""), "")
    text = _("Fever incident: %(state)s") % {"state": label}
    if outcome:
        text += f" ({outcome})"
    if p.get("temperature"):
        text += " · " + _temp(p["temperature"])
    return text


def register() -> None:
    register_kind("health.incident", _incident)
    register_source(_checks)
    register_source(_declarations)
