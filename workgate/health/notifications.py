"""How daily health's notifications read (registered with workgate.core.notify).

A notification stores its kind and parameters; these functions write its text when it is shown,
in the reader's language. The services send:

- "health.fever" (incident, name, temperature) to the enterprise officer and community staff
  when a fever opens an incident;
- "health.outcome" (incident, name, outcome) when the clinic's outcome is suspected or
  confirmed, to the leader as well;
- "health.overdue" (incident, name, state, level) when a step is past its time limit.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _


def _state_label(state: str) -> str:
    from workgate.health.models import Incident

    return str(dict(Incident.State.choices).get(state, state))


def fever_title(p: dict[str, Any]) -> str:
    return _("Fever: %(name)s, %(t)s °C") % {"name": p.get("name", ""), "t": p.get("temperature")}


def fever_body(p: dict[str, Any]) -> str:
    return _(
        "A fever incident was opened. Re-check the temperature and isolate the person on site if "
        "the fever is confirmed."
    )


def outcome_title(p: dict[str, Any]) -> str:
    if p.get("outcome") == "confirmed":
        return _("Confirmed case: %(name)s") % {"name": p.get("name", "")}
    if p.get("outcome") == "suspected":
        return _("Suspected case: %(name)s") % {"name": p.get("name", "")}
    return _("Fever clinic outcome: %(name)s") % {"name": p.get("name", "")}


def outcome_body(p: dict[str, Any]) -> str:
    return _("The fever clinic's outcome is recorded; the person's pass is red from now on.")


def overdue_title(p: dict[str, Any]) -> str:
    return _("Overdue: fever incident of %(name)s") % {"name": p.get("name", "")}


def overdue_body(p: dict[str, Any]) -> str:
    return _(
        "The step “%(state)s” is past its time limit (escalation %(level)s). Take the next step "
        "or record why it waits."
    ) % {"state": _state_label(p.get("state", "")), "level": p.get("level", "")}


def register() -> None:
    from workgate.core.notify import register_kind

    register_kind("health.fever", fever_title, fever_body)
    register_kind("health.outcome", outcome_title, outcome_body)
    register_kind("health.overdue", overdue_title, overdue_body)
