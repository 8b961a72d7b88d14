"""How screening's events read on a person's timeline."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from workgate.registry.timeline import register_kind


def outcome_word(outcome: str) -> str:
    return {
        "reached": _("reached"),
        "no_answer": _("no answer"),
        "wrong_number": _("wrong number"),
        "refused": _("refused"),
    }.get(outcome, outcome)


def level_word(level: str) -> str:
    return {
        "high": _("High"),
        "medium": _("Medium"),
        "low": _("Low"),
        "unknown": _("Not assessed"),
    }.get(level, level)


def _call(p: dict[str, Any]) -> str:
    text = _("Call (%(campaign)s): %(outcome)s") % {
        "campaign": p.get("campaign", ""),
        "outcome": outcome_word(str(p.get("outcome", ""))),
    }
    if p.get("region"):
        text += " · " + _("in %(region)s") % {"region": p["region"]}
    if p.get("delay"):
        text += " · " + _("agreed to delay return")
    return text


def _risk(p: dict[str, Any]) -> str:
    from workgate.screening.queries import reasons_in_words

    text = _("Risk level %(old)s → %(new)s") % {
        "old": level_word(str(p.get("from", ""))),
        "new": level_word(str(p.get("to", ""))),
    }
    reasons = p.get("reasons") or []
    if reasons:
        text += ": " + "; ".join(reasons_in_words(reasons))
    return text


def _return_plan(p: dict[str, Any]) -> str:
    if p.get("delayed"):
        text = _("Return delayed")
        if p.get("date"):
            text += " " + _("until %(date)s") % {"date": p["date"]}
    else:
        text = _("Return planned for %(date)s") % {"date": p.get("date") or "?"}
    if p.get("quarantine"):
        text += " · " + _("quarantine on arrival")
    return text


def register() -> None:
    register_kind("screening.call", _call)
    register_kind("screening.risk", _risk)
    register_kind("screening.return_plan", _return_plan)
