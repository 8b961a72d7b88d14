"""How resumption's notifications read (registered with workgate.core.notify).

- "resumption.submitted" (application, enterprise, planned, due) to community staff;
- "resumption.assigned" to the reviewer named;
- "resumption.returned" (… reason) and "resumption.approved" to the enterprise's officers;
- "resumption.overdue" (… state) to leaders and staff, once a day per application;
- "resumption.suspended" / "resumption.lifted" (enterprise, reason) to the officers.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _


def _state(p: dict[str, Any]) -> str:
    from workgate.resumption.models import Application

    return str(dict(Application.State.choices).get(p.get("state", ""), p.get("state", "")))


def submitted_title(p: dict[str, Any]) -> str:
    return _("Resumption application: %(enterprise)s") % p


def submitted_body(p: dict[str, Any]) -> str:
    return _(
        "Planned for %(planned)s; review due %(due)s. Assign a reviewer for the field survey."
    ) % {
        "planned": p.get("planned", ""),
        "due": p.get("due", ""),
    }


def assigned_title(p: dict[str, Any]) -> str:
    return _("You review %(enterprise)s's resumption application") % p


def assigned_body(p: dict[str, Any]) -> str:
    return _("Survey the site, verify and report upward today if you can.")


def returned_title(p: dict[str, Any]) -> str:
    return _("Application returned: %(enterprise)s") % p


def returned_body(p: dict[str, Any]) -> str:
    return _("Reasons: %(reason)s. Fix what is asked and submit again.") % {
        "reason": p.get("reason", "")
    }


def approved_title(p: dict[str, Any]) -> str:
    return _("Resumption approved: %(enterprise)s") % p


def approved_body(p: dict[str, Any]) -> str:
    return _("Work may resume from %(planned)s. Check every person at the gate.") % {
        "planned": p.get("planned", "")
    }


def overdue_title(p: dict[str, Any]) -> str:
    return _("Overdue review: %(enterprise)s") % p


def overdue_body(p: dict[str, Any]) -> str:
    return _("The application is still “%(state)s”, past its same-day deadline.") % {
        "state": _state(p)
    }


def suspended_title(p: dict[str, Any]) -> str:
    return _("Work suspended: %(enterprise)s") % p


def suspended_body(p: dict[str, Any]) -> str:
    return _("Reason: %(reason)s") % {"reason": p.get("reason", "")}


def lifted_title(p: dict[str, Any]) -> str:
    return _("Suspension lifted: %(enterprise)s") % p


def register() -> None:
    from workgate.core.notify import register_kind

    register_kind("resumption.submitted", submitted_title, submitted_body)
    register_kind("resumption.assigned", assigned_title, assigned_body)
    register_kind("resumption.returned", returned_title, returned_body)
    register_kind("resumption.approved", approved_title, approved_body)
    register_kind("resumption.overdue", overdue_title, overdue_body)
    register_kind("resumption.suspended", suspended_title, suspended_body)
    register_kind("resumption.lifted", lifted_title, suspended_body)
