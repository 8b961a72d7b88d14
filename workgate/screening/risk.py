"""The risk of one person: a pure function of their facts, the region levels in force and the
community's policy. No database here, so it is cheap enough for 100,000 people at once and easy
to test exhaustively; `assessment.py` gathers the facts in bulk and writes the changes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

RANK = {"unknown": -1, "low": 0, "medium": 1, "high": 2}
LEVELS = ("low", "medium", "high")


def higher(a: str, b: str) -> str:
    return a if RANK[a] >= RANK[b] else b


class RegionLevels:
    """The risk level of any region code under the levels in force.

    The most specific entry wins: a county listed by itself, else its prefecture
    (code[:4] + "00"), else its province (code[:2] + "0000"), else low. This lets a list
    name a whole province high and one of its counties low, as the 2020 lists did.
    """

    def __init__(self, explicit: Mapping[str, str]) -> None:
        self.explicit = dict(explicit)
        self._cache: dict[str, str] = {}

    def level(self, code: str | None) -> str:
        if not code:
            return "low"
        found = self._cache.get(code)
        if found is not None:
            return found
        explicit = self.explicit
        level = (
            explicit.get(code)
            or explicit.get(code[:4] + "00")
            or explicit.get(code[:2] + "0000")
            or "low"
        )
        self._cache[code] = level
        return level

    def codes_at_least(self, level: str, all_codes: Iterable[str]) -> set[str]:
        return {c for c in all_codes if RANK[self.level(c)] >= RANK[level]}


@dataclass(frozen=True)
class Policy:
    window_days: int = 14
    quarantine_levels: frozenset[str] = frozenset({"high", "medium"})
    delay_levels: frozenset[str] = frozenset({"high"})


@dataclass(frozen=True, slots=True)
class Travel:
    region: str
    date_from: dt.date
    date_to: dt.date | None = None


@dataclass(frozen=True, slots=True)
class Facts:
    """What the file says about a person, as far as risk goes."""

    hukou_code: str = ""
    current_region: str | None = None
    arrived: bool = False
    is_local: bool = True
    health_status: str = "normal"
    travels: tuple[Travel, ...] = ()
    contact_dates: tuple[dt.date, ...] = ()


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a person has a level: a code, the level it implies and the parameters of its text."""

    code: str
    level: str
    params: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "level": self.level, "params": self.params}

    def text(self, names: Mapping[str, str] | None = None) -> str:
        return reason_text(self.as_dict(), names)


@dataclass(frozen=True, slots=True)
class Assessment:
    level: str
    reasons: tuple[Reason, ...]
    quarantine_needed: bool
    delay_return: bool


def _level_word(level: str) -> str:
    return {"low": _("low risk"), "medium": _("medium risk"), "high": _("high risk")}.get(
        level, level
    )


def reason_text(reason: Mapping[str, Any], names: Mapping[str, str] | None = None) -> str:
    """A reason in words, in the active language. `names` maps region codes to full names."""
    p = dict(reason.get("params") or {})
    names = names or {}
    if "region" in p:
        p["region"] = names.get(p["region"], p["region"])
    p["level"] = _level_word(str(p.get("region_level", reason.get("level", ""))))
    code = reason.get("code")
    if code == "health":
        return {
            "confirmed": _("Health status: confirmed case"),
            "suspected": _("Health status: suspected case"),
            "fever": _("Health status: fever"),
        }.get(str(p.get("status")), _("Health status: %(status)s") % p)
    if code == "contact":
        return _("Contact with a case on %(date)s, within %(days)s days") % p
    if code == "current":
        return _("Currently in %(region)s (%(level)s)") % p
    if code == "travel":
        return _("Travelled to %(region)s from %(start)s (%(level)s), within %(days)s days") % p
    if code == "hukou_unconfirmed":
        return _("Household registration in %(region)s (%(level)s), whereabouts not confirmed") % p
    if code == "none":
        return _("No risk factor found")
    return str(code)


def assess(facts: Facts, levels: RegionLevels, policy: Policy, today: dt.date) -> Assessment:
    """The person's level (the highest of the reasons) and every reason found."""
    reasons: list[Reason] = []
    since = today - dt.timedelta(days=policy.window_days)

    if facts.health_status in ("confirmed", "suspected"):
        reasons.append(Reason("health", "high", {"status": facts.health_status}))
    elif facts.health_status == "fever":
        reasons.append(Reason("health", "medium", {"status": facts.health_status}))

    recent = [d for d in facts.contact_dates if since <= d <= today]
    if recent:
        reasons.append(
            Reason("contact", "high", {"date": max(recent).isoformat(), "days": policy.window_days})
        )

    if facts.current_region:
        level = levels.level(facts.current_region)
        if level != "low":
            reasons.append(
                Reason("current", level, {"region": facts.current_region, "region_level": level})
            )
    elif not facts.is_local and facts.hukou_code:
        level = levels.level(facts.hukou_code)
        if level != "low":
            # Not known to be elsewhere: assume home, one step below what being there means.
            reasons.append(
                Reason(
                    "hukou_unconfirmed",
                    "medium",
                    {"region": facts.hukou_code, "region_level": level},
                )
            )

    seen: set[str] = set()
    for travel in sorted(facts.travels, key=lambda t: t.date_from, reverse=True):
        end = travel.date_to or today
        if end < since or travel.date_from > today or travel.region in seen:
            continue
        level = levels.level(travel.region)
        if level == "low":
            continue
        seen.add(travel.region)
        reasons.append(
            Reason(
                "travel",
                level,
                {
                    "region": travel.region,
                    "start": travel.date_from.isoformat(),
                    "region_level": level,
                    "days": policy.window_days,
                },
            )
        )

    overall = "low"
    for reason in reasons:
        overall = higher(overall, reason.level)
    reasons.sort(key=lambda r: -RANK[r.level])
    return Assessment(
        level=overall,
        reasons=tuple(reasons),
        quarantine_needed=overall in policy.quarantine_levels,
        delay_return=overall in policy.delay_levels,
    )
