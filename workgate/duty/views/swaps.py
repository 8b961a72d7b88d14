"""Pages of swaps: a volunteer's own shifts on their phone (ask a colleague to take one, answer
what colleagues ask, withdraw a request) and the managers' approvals."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from workgate.core.access import Actor, Perm, actor_of, fetch, require
from workgate.core.services import ServiceError
from workgate.core.text import whole_number
from workgate.duty import queries, services
from workgate.duty.models import Assignment, Shift, Swap
from workgate.volunteers.models import Volunteer
from workgate.volunteers.services import volunteer_of


def _own_swap(actor: Actor, me: Volunteer, pk: int) -> Swap:
    """A swap the volunteer asked for or was asked to take; anything else is not found."""
    swap = (
        Swap.objects.filter(community_id=actor.community_id, pk=pk)
        .filter(Q(from_volunteer=me) | Q(to_volunteer=me))
        .first()
    )
    if swap is None:
        raise Http404
    return swap


def _me(request: HttpRequest) -> Volunteer:
    me = volunteer_of(actor_of(request))
    if me is None:
        raise Http404
    return me


def _mine_page(
    request: HttpRequest,
    *,
    errors: dict[str, str] | None = None,
    posted: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = actor_of(request)
    me = volunteer_of(actor)
    if me is None:
        return render(request, "duty/mine.html", {"me": None}, status=status)
    posted = posted or {}
    shifts = list(queries.my_shifts(me))
    swaps = list(queries.swaps_of(me))
    open_from_me = {
        s.shift_id for s in swaps if s.from_volunteer_id == me.pk and s.state in ("asked", "agreed")
    }
    asking = whole_number(request.GET.get("swap") or posted.get("shift"))
    asked_shift = next((a.shift for a in shifts if a.shift_id == asking), None)
    search = (request.GET.get("q") or posted.get("q") or "").strip()[:50]
    found: list[Volunteer] = []
    offers: dict[int, list[Assignment]] = {}
    if asked_shift is not None:
        found = queries.colleagues(actor, me, search, limit=30)
        offers = queries.upcoming_by_volunteer([v.pk for v in found])
    return render(
        request,
        "duty/mine.html",
        {
            "me": me,
            "shifts": shifts,
            "open_from_me": open_from_me,
            "asked_of_me": [s for s in swaps if s.to_volunteer_id == me.pk and s.state == "asked"],
            "my_requests": [s for s in swaps if s.from_volunteer_id == me.pk],
            "others": [s for s in swaps if s.to_volunteer_id == me.pk and s.state != "asked"],
            "asked_shift": asked_shift,
            "colleagues": [(v, offers.get(v.pk, [])) for v in found],
            "search": search,
            "errors": errors or {},
            "posted": posted,
        },
        status=status,
    )


@require(Perm.DUTY_OWN)
def mine(request: HttpRequest) -> HttpResponse:
    """My upcoming shifts, swaps asked of me, and my own requests."""
    return _mine_page(request)


@require_POST
@require(Perm.DUTY_OWN)
def swap_request(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    me = _me(request)
    posted = {k: request.POST.get(k, "") for k in ("shift", "to_volunteer", "in_return", "reason")}
    posted["q"] = request.POST.get("q", "")
    mine_row = (
        Assignment.objects.filter(volunteer=me, shift_id=whole_number(posted["shift"]))
        .select_related("shift__post")
        .first()
    )
    if mine_row is None:
        raise Http404
    colleague = Volunteer.objects.filter(
        community_id=actor.community_id, pk=whole_number(posted["to_volunteer"])
    ).first()
    if colleague is None:
        return _mine_page(
            request,
            errors={"to_volunteer": _("Choose the colleague to ask.")},
            posted=posted,
            status=400,
        )
    in_return = None
    if posted["in_return"]:
        in_return = Shift.objects.filter(
            community_id=actor.community_id, pk=whole_number(posted["in_return"])
        ).first()
        if in_return is None:
            return _mine_page(
                request,
                errors={"in_return": _("Choose one of the colleague's shifts.")},
                posted=posted,
                status=400,
            )
    try:
        services.request_swap(
            actor, mine_row.shift, colleague, in_return=in_return, reason=posted["reason"]
        )
    except ServiceError as exc:
        return _mine_page(
            request, errors={exc.field or "form": exc.message}, posted=posted, status=400
        )
    messages.success(
        request,
        _("%(name)s is asked to take your shift; a manager approves once they agree.")
        % {"name": colleague.name},
    )
    return redirect("duty:mine")


@require_POST
@require(Perm.DUTY_OWN)
def swap_answer(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    swap = _own_swap(actor, _me(request), pk)
    agree = request.POST.get("agree") == "1"
    try:
        services.answer_swap(actor, swap, agree)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("You agreed; a manager approves the swap next.")
            if agree
            else _("You declined the swap."),
        )
    return redirect("duty:mine")


@require_POST
@require(Perm.DUTY_OWN)
def swap_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    swap = _own_swap(actor, _me(request), pk)
    try:
        services.withdraw_swap(actor, swap)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your swap request is withdrawn."))
    return redirect("duty:mine")


@require(Perm.DUTY_MANAGE)
def swap_list(request: HttpRequest) -> HttpResponse:
    """Agreed swaps waiting for a manager, and the decisions of the last two weeks."""
    actor = actor_of(request)
    return render(
        request,
        "duty/swaps.html",
        {
            "waiting": list(queries.swaps_to_decide(actor)[:200]),
            "asked": queries.swaps(actor).filter(state=Swap.State.ASKED).count(),
            "decided": list(queries.decided_swaps(actor)[:100]),
        },
    )


@require_POST
@require(Perm.DUTY_MANAGE)
def swap_decide(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    swap = fetch(actor, Swap.objects.all(), Perm.DUTY_MANAGE, pk=pk)
    approve = request.POST.get("approve") == "1"
    try:
        services.decide_swap(actor, swap, approve, request.POST.get("note", ""))
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("Swap approved: the roster is changed.") if approve else _("Swap refused.")
        )
    return redirect("duty:swaps")


urlpatterns: list[URLPattern] = [
    path("mine/", mine, name="mine"),
    path("mine/swap/", swap_request, name="swap_request"),
    path("mine/swaps/<int:pk>/answer/", swap_answer, name="swap_answer"),
    path("mine/swaps/<int:pk>/withdraw/", swap_withdraw, name="swap_withdraw"),
    path("swaps/", swap_list, name="swaps"),
    path("swaps/<int:pk>/decide/", swap_decide, name="swap_decide"),
]
