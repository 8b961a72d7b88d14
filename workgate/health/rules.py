"""Pure rules of daily health: which round a time falls in, what a reading means, what colour a
pass is and why. No database writes here; services and pages both use these."""

from __future__ import annotations

import datetime as dt
import time
import zoneinfo
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from workgate.health.models import PLAUSIBLE_HIGH, PLAUSIBLE_LOW, HealthSettings

_SETTINGS_TTL = 30.0  # seconds: a changed setting reaches every worker within half a minute
_settings_cache: dict[int, tuple[float, HealthSettings, zoneinfo.ZoneInfo]] = {}


def settings_for(community_id: int) -> tuple[HealthSettings, zoneinfo.ZoneInfo]:
    """The community's health settings (created with defaults on first use) and time zone.

    Cached per process for a few seconds: every single check-in needs them, and they change
    perhaps once a season.
    """
    now = time.monotonic()
    hit = _settings_cache.get(community_id)
    if hit and now - hit[0] < _SETTINGS_TTL:
        return hit[1], hit[2]
    hs, _created = HealthSettings.objects.select_related("community").get_or_create(
        community_id=community_id
    )
    tz = zoneinfo.ZoneInfo(hs.community.time_zone)
    _settings_cache[community_id] = (now, hs, tz)
    return hs, tz


def settings_forget(community_id: int | None = None) -> None:
    if community_id is None:
        _settings_cache.clear()
    else:
        _settings_cache.pop(community_id, None)


def _minutes(t: dt.time) -> int:
    return t.hour * 60 + t.minute


# A round opens this long before its time: the duty volunteer starts a little early, and a
# check made late still counts for the round that has passed, not for one hours ahead.
ROUND_LEAD_MINUTES = 60


def round_opens(hs: HealthSettings) -> list[int]:
    """The minute of the day each round opens."""
    return [_minutes(t) - ROUND_LEAD_MINUTES for t in hs.round_times]


def round_of(local_time: dt.time, hs: HealthSettings) -> int:
    """The round (1–3) a local time counts for: the last round opened by then (a round opens
    an hour before its time). With rounds at 08:00, 13:00 and 18:00, a gate check at 07:40 and
    a late check at 10:50 count for round 1, a check from 12:00 for round 2."""
    return round_at(local_time.hour * 60 + local_time.minute, round_opens(hs))


def round_at(minute: int, opens: list[int]) -> int:
    """round_of for a minute of the day, with the rounds' opening minutes worked out once."""
    if minute >= opens[2]:
        return 3
    if minute >= opens[1]:
        return 2
    return 1


def current_round(now: dt.datetime, hs: HealthSettings, tz: dt.tzinfo) -> tuple[dt.date, int]:
    local = now.astimezone(tz)
    return local.date(), round_of(local.time(), hs)


class ReadingError(ValueError):
    """A temperature that cannot be a person's: the message says why, in the user's language."""


def parse_temperature(raw: object) -> Decimal:
    """A reading as typed or sent: '36.5', '36,5', '３６．５', 36.5 → Decimal('36.5').

    Refuses what is not a number and what no living person reads (below 34 or above 43 °C:
    a mistyped 365 or a thermometer pointed at a wall)."""
    if isinstance(raw, Decimal):
        value = raw
    else:
        text = str(raw).strip().translate(_FULLWIDTH).replace(",", ".").replace("°C", "").strip()
        try:
            value = Decimal(text)
        except InvalidOperation as exc:
            raise ReadingError(_("“%(value)s” is not a temperature.") % {"value": raw}) from exc
    if not value.is_finite():
        raise ReadingError(_("“%(value)s” is not a temperature.") % {"value": raw})
    value = value.quantize(_TENTH)
    if value < PLAUSIBLE_LOW or value > PLAUSIBLE_HIGH:
        raise ReadingError(
            _("%(value)s °C cannot be right: readings must be between %(low)s and %(high)s °C.")
            % {"value": value, "low": PLAUSIBLE_LOW, "high": PLAUSIBLE_HIGH}
        )
    return value


_TENTH = Decimal("0.1")
_FULLWIDTH = str.maketrans("０１２３４５６７８９．，", "0123456789.,")


def is_fever(temperature: Decimal, hs: HealthSettings) -> bool:
    return temperature >= hs.fever_threshold


# --- Pass colour ----------------------------------------------------------------------------

GREEN, YELLOW, RED = "green", "yellow", "red"
_RANK = {GREEN: 0, YELLOW: 1, RED: 2}


@dataclass
class PassVerdict:
    colour: str = GREEN
    reasons: list[str] = field(default_factory=list)

    def raise_to(self, colour: str, reason: str) -> None:
        if _RANK[colour] > _RANK[self.colour]:
            self.colour = colour
        self.reasons.append(reason)

    @property
    def label(self) -> str:
        return {GREEN: _("Green"), YELLOW: _("Yellow"), RED: _("Red")}[self.colour]

    @property
    def may_enter(self) -> bool:
        """Red stops a person at the gate; yellow lets them in with its reasons shown."""
        return self.colour != RED


def pass_verdict(
    *,
    health_status: str,
    quarantine_status: str,
    risk_level: str,
    open_incident: bool,
    declared_today: bool,
    symptoms_today: bool,
    contact_recent: bool,
) -> PassVerdict:
    """The pass colour and every reason for it.

    Red: a fever being followed, a suspected or confirmed case, quarantine, high risk, or a
    declared contact with a case. Yellow: medium risk, risk not yet assessed, symptoms declared
    today, or no declaration today. Green otherwise.
    """
    v = PassVerdict()
    if health_status == "confirmed":
        v.raise_to(RED, _("Confirmed case."))
    elif health_status == "suspected":
        v.raise_to(RED, _("Suspected case: waiting for the test result."))
    elif health_status == "fever" or open_incident:
        v.raise_to(RED, _("A fever is being followed up."))
    if quarantine_status != "none":
        v.raise_to(RED, _("In quarantine."))
    if risk_level == "high":
        v.raise_to(RED, _("High risk: stayed in or came through a high-risk region."))
    if contact_recent:
        v.raise_to(RED, _("Declared contact with a case in the last 14 days."))
    if risk_level == "medium":
        v.raise_to(YELLOW, _("Medium risk: came from a medium-risk region."))
    elif risk_level == "unknown":
        v.raise_to(YELLOW, _("Risk not assessed yet."))
    if symptoms_today:
        v.raise_to(YELLOW, _("Symptoms declared today."))
    if not declared_today:
        v.raise_to(YELLOW, _("No health declaration today."))
    if not v.reasons:
        v.reasons.append(_("Declared today, no fever, low risk, not in quarantine."))
    return v
