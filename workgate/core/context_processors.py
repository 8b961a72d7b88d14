"""What every page's shell needs: the menu for the role, the memberships to switch between, the
number of unread notifications."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import resolve
from django.urls.exceptions import Resolver404

from workgate.core.nav import nav_for, sections_for
from workgate.core.notify import unread_count


def shell(request: HttpRequest) -> dict[str, Any]:
    actor = getattr(request, "actor", None)
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {"nav_items": [], "nav_sections": [], "actor": None}
    try:
        match = resolve(request.path_info)
        current = f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name
    except Resolver404:
        current = ""
    actor = actor or None
    sections = sections_for(actor)
    memberships = getattr(request, "memberships", [])
    return {
        "actor": actor,
        "nav_items": nav_for(actor),
        "nav_sections": sections,
        "nav_current_section": next((s.key for s in sections if s.holds(current)), ""),
        "notif_unread": unread_count(request.user) if actor else 0,  # type: ignore[arg-type]
        "nav_current": current,
        "memberships": memberships,
        "current_membership": next(
            (m for m in memberships if actor and m.pk == actor.membership_id), None
        ),
    }
