"""How duty rosters' notifications read (registered with workgate.core.notify).

Each carries the post's name and the shift's times only ("post", "starts", "ends"); swap
notices add the colleague's name ("name") and decisions whether it was approved ("approved").
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from workgate.core.notify import register_kind


def assigned_title(p: dict[str, Any]) -> str:
    return _("You are on duty: %(post)s") % p


def shift_body(p: dict[str, Any]) -> str:
    return _("%(starts)s–%(ends)s at %(post)s.") % p


def reminder_title(p: dict[str, Any]) -> str:
    return _("Your shift starts soon: %(post)s") % p


def swap_asked_title(p: dict[str, Any]) -> str:
    return _("%(name)s asks you to take a shift") % p


def swap_agreed_title(p: dict[str, Any]) -> str:
    return _("A shift swap waits for approval: %(post)s") % p


def swap_declined_title(p: dict[str, Any]) -> str:
    return _("%(name)s declined your shift swap") % p


def swap_decided_title(p: dict[str, Any]) -> str:
    if p.get("approved"):
        return _("Shift swap approved: %(post)s") % p
    return _("Shift swap not approved: %(post)s") % p


def register() -> None:
    register_kind("duty.assigned", assigned_title, shift_body)
    register_kind("duty.reminder", reminder_title, shift_body)
    register_kind("duty.swap_asked", swap_asked_title, shift_body)
    register_kind("duty.swap_agreed", swap_agreed_title, shift_body)
    register_kind("duty.swap_declined", swap_declined_title, shift_body)
    register_kind("duty.swap_decided", swap_decided_title, shift_body)
