"""How volunteers' notifications read (registered with workgate.core.notify).

- "volunteers.callout" (title, place, needed, starts) to every asked volunteer with an account.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from workgate.core.notify import register_kind


def callout_title(p: dict[str, Any]) -> str:
    return _("Volunteers needed: %(title)s") % p


def callout_body(p: dict[str, Any]) -> str:
    return _("%(needed)s people at %(place)s from %(starts)s. Accept or decline.") % p


def register() -> None:
    register_kind("volunteers.callout", callout_title, callout_body)
