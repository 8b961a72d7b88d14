"""Call-outs: the list (open first), posting one, its page with the live count and the time to
each answer, closing or cancelling it; and the volunteer's side: the phone page the
notification links to (accept / decline) and "my call-outs"."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from workgate.core.access import Actor, Perm, actor_of, fetch, require
from workgate.core.masking import mask_phone
from workgate.core.services import ServiceError
from workgate.volunteers import queries, services
from workgate.volunteers.models import CallOut, Group

PAGE_SIZE = 30
FIELDS = ("title", "place", "starts_at", "ends_at", "needed", "skills")
LIVE_SECONDS = 3


def _callout(actor: Actor, pk: int) -> CallOut:
    return fetch(actor, CallOut.objects.all(), Perm.CALLOUT_POST, pk=pk)


@require(Perm.CALLOUT_POST)
def callout_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    page = Paginator(queries.callout_rows(actor), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "volunteers/callout_list.html", {"page": page})


def _groups(actor: Actor) -> list[Group]:
    return list(queries.groups_of(actor.community_id).order_by("team__name", "position", "pk"))


@require(Perm.CALLOUT_POST)
def callout_new(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    errors: dict[str, str] = {}
    posted: dict[str, Any] = {"needed": "", "groups": []}
    status = 200
    if request.method == "POST":
        posted = {name: request.POST.get(name, "") for name in FIELDS}
        ids = [int(v) for v in request.POST.getlist("groups") if v.isdigit()]
        posted["groups"] = ids
        groups = [g for g in _groups(actor) if g.pk in ids]
        try:
            starts_at = services.parse_when(posted["starts_at"], "starts_at")
            ends_at = services.parse_when(posted["ends_at"], "ends_at", required=False)
            callout = services.post_callout(
                actor,
                title=posted["title"],
                place=posted["place"],
                starts_at=starts_at,  # type: ignore[arg-type]
                ends_at=ends_at,
                needed=posted["needed"],
                groups=groups,
                skills=posted["skills"],
            )
        except ServiceError as exc:
            errors = {exc.field or "form": exc.message}
            status = 400
        else:
            messages.success(
                request,
                _("Call-out posted: %(n)s volunteers were asked.") % {"n": callout.answers.count()},
            )
            return redirect("volunteers:callout_detail", pk=callout.pk)
    return render(
        request,
        "volunteers/callout_new.html",
        {
            "groups": _groups(actor),
            "skills": queries.skills_in_use(actor.community_id),
            "errors": errors,
            "posted": posted,
        },
        status=status,
    )


def _live_context(callout: CallOut) -> dict[str, Any]:
    progress = queries.progress(callout)
    people = queries.answered_people(callout)
    for rows in people.values():
        for row in rows:
            row.masked_mobile = mask_phone(row.volunteer.mobile)
    chart = {
        "accepted": progress.accept_minutes,
        "answered": queries.response_minutes(callout),
        "needed": callout.needed,
        "labels": {
            "accepted": str(_("Accepted")),
            "answered": str(_("Answered (accepted, waiting or declined)")),
            "needed": str(_("Needed")),
            "minutes": str(_("Minutes since posting")),
            "people": str(_("People")),
        },
    }
    return {
        "callout": callout,
        "p": progress,
        "people": people,
        "limit": queries.ANSWER_LIST_LIMIT,
        "live": callout.state in (CallOut.State.OPEN, CallOut.State.FILLED),
        "live_seconds": LIVE_SECONDS,
        "chart_json": json.dumps(chart, ensure_ascii=False),
    }


@require(Perm.CALLOUT_POST)
def callout_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    callout = _callout(actor, pk)
    context = _live_context(callout)
    context["groups"] = callout.groups.select_related("team")
    return render(request, "volunteers/callout_detail.html", context)


@require(Perm.CALLOUT_POST)
def callout_live(request: HttpRequest, pk: int) -> HttpResponse:
    """The live part of a call-out's page, which the page asks for every few seconds."""
    callout = _callout(actor_of(request), pk)
    return render(request, "volunteers/partials/live.html", _live_context(callout))


@require_POST
@require(Perm.CALLOUT_POST)
def callout_close(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    callout = _callout(actor, pk)
    cancel = request.POST.get("action") == "cancel"
    try:
        services.close_callout(actor, callout, cancel=cancel)
    except ServiceError as exc:
        messages.info(request, exc.message)
    else:
        messages.success(
            request, _("The call-out was cancelled.") if cancel else _("The call-out is closed.")
        )
    return redirect("volunteers:callout_detail", pk=callout.pk)


# --- The volunteer's side ---------------------------------------------------------------------


@require(Perm.CALLOUT_ANSWER)
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    """The page a call-out's notification opens: what, where, when, how many are still needed,
    and Accept / Decline. A second tap of the same answer says it is already recorded."""
    actor = actor_of(request)
    row = queries.asked_answer(actor, pk)
    if request.method == "POST":
        accept = request.POST.get("answer") == "accept"
        try:
            services.answer(actor, row.callout, accept)
        except ServiceError as exc:
            # A double tap, or a call-out closed meanwhile: said on the same page.
            messages.info(request, exc.message)
        return redirect("volunteers:answer", pk=pk)
    callout = row.callout
    return render(
        request,
        "volunteers/answer.html",
        {
            "row": row,
            "callout": callout,
            "still_needed": max(callout.needed - callout.accepted, 0),
            "position": queries.waiting_position(row),
            "open": callout.state in (CallOut.State.OPEN, CallOut.State.FILLED),
        },
    )


@require(Perm.CALLOUT_ANSWER)
def my_callouts(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    volunteer = services.volunteer_of(actor)
    page = Paginator(queries.my_answers(volunteer), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "volunteers/my_callouts.html", {"page": page, "volunteer": volunteer})


urlpatterns: list[URLPattern] = [
    path("callouts/", callout_list, name="callout_list"),
    path("callouts/new/", callout_new, name="callout_new"),
    path("callouts/mine/", my_callouts, name="my_callouts"),
    path("callouts/<int:pk>/", callout_detail, name="callout_detail"),
    path("callouts/<int:pk>/live/", callout_live, name="callout_live"),
    path("callouts/<int:pk>/close/", callout_close, name="callout_close"),
    path("callouts/<int:pk>/answer/", answer, name="answer"),
]
