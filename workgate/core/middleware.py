"""Attach the acting membership (`request.actor`) to every signed-in request."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from workgate.core.access import Actor, memberships_of

SESSION_KEY = "workgate_membership"


def _actor_for(request: HttpRequest) -> Actor | None:
    user = request.user
    if not user.is_authenticated:
        return None
    memberships = memberships_of(user)
    request.memberships = memberships  # type: ignore[attr-defined]
    if not memberships:
        return None
    chosen = request.session.get(SESSION_KEY)
    membership = next((m for m in memberships if m.pk == chosen), memberships[0])
    return Actor.from_membership(membership)


class ActorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.actor = _actor_for(request)  # type: ignore[attr-defined]
        return self.get_response(request)
