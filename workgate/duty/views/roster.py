"""Pages of the roster for managers and the leader: the week (posts × days), the gaps a week
ahead, the posts and their form, planning and repeating a week, one shift with its people."""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from workgate.core.access import Actor, Perm, actor_of, fetch, require, scope
from workgate.core.models import Enterprise
from workgate.core.services import ServiceError
from workgate.core.text import whole_number
from workgate.duty import queries, services
from workgate.duty.models import Assignment, Post, Shift
from workgate.health.models import Gate
from workgate.volunteers.models import Volunteer

POSTS_PER_PAGE = 50
GAPS_PER_PAGE = 100
SKIPPED_SHOWN = 20
POST_FIELDS = ("kind", "name", "needed", "shift_times", "remind_minutes")


def week_of(raw: str | None, default: dt.date | None = None) -> dt.date:
    """The Monday of the week holding the date asked for (this week by default)."""
    day = default or timezone.localdate()
    with contextlib.suppress(ValueError, TypeError):
        day = dt.date.fromisoformat(raw or "")
    return day - dt.timedelta(days=day.weekday())


def _query(**params: Any) -> str:
    return urlencode({k: v for k, v in params.items() if v not in (None, "")})


def _roster_url(start: dt.date, **params: Any) -> str:
    q = _query(week=start.isoformat(), **params)
    return f"{reverse('duty:roster')}?{q}"


@require(Perm.DUTY_VIEW)
def roster(request: HttpRequest) -> HttpResponse:
    """The week: each post a row, each day its shifts with the people on them and how many are
    missing. A page of posts costs the same queries whether it holds 10 posts or 50."""
    actor = actor_of(request)
    start = week_of(request.GET.get("week"))
    kind = request.GET.get("kind", "")
    kind = kind if kind in Post.Kind.values else ""
    enterprise_id = whole_number(request.GET.get("enterprise"))
    search = request.GET.get("q", "").strip()[:60]
    post_qs = queries.posts(actor, kind=kind, enterprise_id=enterprise_id, search=search)
    page = Paginator(post_qs, POSTS_PER_PAGE).get_page(request.GET.get("page"))
    week = queries.roster(actor, start, page.object_list, 7)
    today = timezone.localdate()
    filters = {"kind": kind, "enterprise": enterprise_id, "q": search}
    return render(
        request,
        "duty/roster.html",
        {
            "week": week,
            "page": page,
            "start": start,
            "end": start + dt.timedelta(days=6),
            "today": today,
            "tab": (today - start).days if start <= today < start + dt.timedelta(days=7) else 0,
            "prev_url": _roster_url(start - dt.timedelta(days=7), **filters),
            "next_url": _roster_url(start + dt.timedelta(days=7), **filters),
            "this_url": _roster_url(week_of(None), **filters),
            "all_url": _roster_url(start),
            "query": _query(week=start.isoformat(), **filters),
            "kinds": Post.Kind.choices,
            "kind": kind,
            "enterprise_id": enterprise_id,
            "search": search,
            "enterprises": list(
                scope(actor, Enterprise.objects.all()).order_by("name").values_list("pk", "name")
            ),
            "can_manage": actor.can(Perm.DUTY_MANAGE),
        },
    )


@require_POST
@require(Perm.DUTY_MANAGE)
def plan(request: HttpRequest) -> HttpResponse:
    """Plan the shifts of the week shown (or of one post's day, from the gaps page)."""
    actor = actor_of(request)
    start = week_of(request.POST.get("week"))
    posts = None
    days = 7
    post_id = whole_number(request.POST.get("post"))
    if post_id is not None:
        posts = [fetch(actor, Post.objects.all(), Perm.DUTY_MANAGE, pk=post_id)]
        with contextlib.suppress(ValueError):
            start = dt.date.fromisoformat(request.POST.get("day", ""))
            days = 1
    try:
        created = services.plan_shifts(actor, start, days, posts=posts)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(n)s shifts planned.") % {"n": created})
    back = request.POST.get("next", "")
    if back.startswith("/duty/"):
        return redirect(back)
    return redirect(_roster_url(start))


@require_POST
@require(Perm.DUTY_MANAGE)
def repeat(request: HttpRequest) -> HttpResponse:
    """Put last week's people on this week's same shifts; say who could not be and why."""
    actor = actor_of(request)
    target = week_of(request.POST.get("week"))
    try:
        done, skipped = services.repeat_week(actor, target - dt.timedelta(days=7), target)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect(_roster_url(target))
    messages.success(request, _("Last week repeated: %(n)s people assigned.") % {"n": done})
    for reason in skipped[:SKIPPED_SHOWN]:
        messages.warning(request, _("Not assigned: %(reason)s") % {"reason": reason})
    if len(skipped) > SKIPPED_SHOWN:
        messages.warning(
            request,
            _("… and %(n)s more not assigned.") % {"n": len(skipped) - SKIPPED_SHOWN},
        )
    return redirect(_roster_url(target))


@require(Perm.DUTY_VIEW)
def gaps(request: HttpRequest) -> HttpResponse:
    """A week ahead from today: short shifts and days with nothing planned, soonest first."""
    actor = actor_of(request)
    start = timezone.localdate()
    gap_list = queries.gaps(actor, start, 7)
    cover = queries.coverage(actor, start, 7, gap_list)
    page = Paginator(gap_list, GAPS_PER_PAGE).get_page(request.GET.get("page"))
    chart = {
        "series": [
            {"key": "needed", "name": _("People needed")},
            {"key": "assigned", "name": _("People assigned")},
        ],
        "rows": [
            {"label": c.day.strftime("%m-%d"), "needed": c.needed, "assigned": c.assigned}
            for c in cover
        ],
    }
    return render(
        request,
        "duty/gaps.html",
        {
            "page": page,
            "total": len(gap_list),
            "short_people": sum(g.short for g in gap_list),
            "cover": cover,
            "chart": chart,
            "start": start,
            "end": start + dt.timedelta(days=6),
            "can_manage": actor.can(Perm.DUTY_MANAGE),
        },
    )


# --- Posts ---------------------------------------------------------------------------------


def _gates(actor: Actor) -> list[Gate]:
    return list(
        scope(actor, Gate.objects.all())
        .filter(is_active=True)
        .select_related("enterprise")
        .order_by("enterprise__name", "name")
    )


def _post_data(request: HttpRequest) -> dict[str, Any]:
    data: dict[str, Any] = {name: request.POST.get(name, "") for name in POST_FIELDS}
    data["gate"] = whole_number(request.POST.get("gate"))
    data["enterprise"] = whole_number(request.POST.get("enterprise"))
    data["active"] = request.POST.get("active") == "on"
    if not data["remind_minutes"]:
        data["remind_minutes"] = "60"
    return data


def _form_page(
    request: HttpRequest,
    post: Post | None,
    *,
    errors: dict[str, str] | None = None,
    posted: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = actor_of(request)
    if posted is None and post is not None:
        posted = {
            "kind": post.kind,
            "name": post.name,
            "gate": post.gate_id,
            "enterprise": post.enterprise_id,
            "needed": post.needed,
            "shift_times": ", ".join(f"{a}-{b}" for a, b in post.shift_times),
            "remind_minutes": post.remind_minutes,
            "active": post.active,
        }
    posted = posted or {"kind": "gate", "needed": 1, "remind_minutes": 60, "active": True}
    return render(
        request,
        "duty/post_form.html",
        {
            "post": post,
            "errors": errors or {},
            "posted": posted,
            "kinds": Post.Kind.choices,
            "gates": _gates(actor),
            "enterprises": list(scope(actor, Enterprise.objects.all()).order_by("name")),
        },
        status=status,
    )


@require(Perm.DUTY_MANAGE)
def post_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    search = request.GET.get("q", "").strip()[:60]
    qs = queries.posts(actor, search=search, include_inactive=True)
    page = Paginator(qs, POSTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "duty/posts.html",
        {"page": page, "search": search, "query": _query(q=search)},
    )


@require(Perm.DUTY_MANAGE)
def post_add(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if request.method != "POST":
        return _form_page(request, None)
    data = _post_data(request)
    try:
        post = services.save_post(actor, None, data)
    except ServiceError as exc:
        return _form_page(
            request, None, errors={exc.field or "form": exc.message}, posted=data, status=400
        )
    messages.success(request, _("Post saved: %(name)s.") % {"name": post.name})
    return redirect("duty:posts")


@require(Perm.DUTY_MANAGE)
def post_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    post = fetch(actor, Post.objects.select_related("gate__enterprise"), Perm.DUTY_MANAGE, pk=pk)
    if request.method != "POST":
        return _form_page(request, post)
    data = _post_data(request)
    try:
        services.save_post(actor, post, data)
    except ServiceError as exc:
        post.refresh_from_db()
        return _form_page(
            request, post, errors={exc.field or "form": exc.message}, posted=data, status=400
        )
    messages.success(request, _("Post saved: %(name)s.") % {"name": post.name})
    return redirect("duty:posts")


# --- One shift -----------------------------------------------------------------------------


def _candidates(actor: Actor, shift: Shift, search: str) -> list[tuple[Volunteer, str]]:
    """Active volunteers matching `search`, each with why they cannot take the shift (busy
    elsewhere at an overlapping time), or "" when they can."""
    found = queries.colleagues(actor, None, search, limit=20)
    busy: dict[int, str] = {}
    for a in (
        Assignment.objects.filter(
            volunteer__in=found,
            shift__starts_at__lt=shift.ends_at,
            shift__ends_at__gt=shift.starts_at,
        )
        .exclude(shift=shift)
        .select_related("shift__post")
    ):
        busy[a.volunteer_id] = _("on duty at %(post)s %(start)s–%(end)s") % {
            "post": a.shift.post.name,
            "start": timezone.localtime(a.shift.starts_at).strftime("%H:%M"),
            "end": timezone.localtime(a.shift.ends_at).strftime("%H:%M"),
        }
    return [(v, busy.get(v.pk, "")) for v in found]


def _shift_page(
    request: HttpRequest, shift: Shift, *, error: str = "", status: int = 200
) -> HttpResponse:
    actor = actor_of(request)
    can_manage = actor.can(Perm.DUTY_MANAGE)
    search = request.GET.get("q", request.POST.get("q", "")).strip()[:50]
    people = list(shift.assignments.select_related("volunteer").order_by("volunteer__name"))
    on_shift = {a.volunteer_id for a in people}
    candidates = (
        [(v, why) for v, why in _candidates(actor, shift, search) if v.pk not in on_shift]
        if can_manage and len(people) < shift.needed
        else []
    )
    return render(
        request,
        "duty/shift.html",
        {
            "shift": shift,
            "people": people,
            "short": max(0, shift.needed - len(people)),
            "candidates": candidates,
            "search": search,
            "error": error,
            "can_manage": can_manage,
            "started": shift.starts_at <= timezone.now(),
            "roster_url": _roster_url(week_of(shift.day.isoformat()), q=shift.post.name),
        },
        status=status,
    )


def _shift(actor: Actor, pk: int, perm: Perm) -> Shift:
    return fetch(actor, Shift.objects.select_related("post__enterprise", "post__gate"), perm, pk=pk)


@require(Perm.DUTY_VIEW)
def shift_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _shift_page(request, _shift(actor_of(request), pk, Perm.DUTY_VIEW))


@require_POST
@require(Perm.DUTY_MANAGE)
def shift_assign(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    shift = _shift(actor, pk, Perm.DUTY_MANAGE)
    volunteer = Volunteer.objects.filter(
        community_id=actor.community_id, pk=whole_number(request.POST.get("volunteer"))
    ).first()
    if volunteer is None:
        return _shift_page(request, shift, error=_("Choose a volunteer."), status=400)
    try:
        services.assign(actor, shift, volunteer)
    except ServiceError as exc:
        return _shift_page(request, shift, error=exc.message, status=400)
    messages.success(request, _("%(name)s is on this shift.") % {"name": volunteer.name})
    return redirect("duty:shift", pk=shift.pk)


@require_POST
@require(Perm.DUTY_MANAGE)
def shift_unassign(request: HttpRequest, pk: int, assignment_id: int) -> HttpResponse:
    actor = actor_of(request)
    shift = _shift(actor, pk, Perm.DUTY_MANAGE)
    assignment = shift.assignments.select_related("volunteer").filter(pk=assignment_id).first()
    if assignment is None:
        messages.error(request, _("This person is no longer on the shift."))
        return redirect("duty:shift", pk=shift.pk)
    services.unassign(actor, assignment)
    messages.success(
        request, _("%(name)s was taken off this shift.") % {"name": assignment.volunteer.name}
    )
    return redirect("duty:shift", pk=shift.pk)


urlpatterns: list[URLPattern] = [
    path("", roster, name="roster"),
    path("plan/", plan, name="plan"),
    path("repeat/", repeat, name="repeat"),
    path("gaps/", gaps, name="gaps"),
    path("posts/", post_list, name="posts"),
    path("posts/new/", post_add, name="post_add"),
    path("posts/<int:pk>/", post_edit, name="post_edit"),
    path("shifts/<int:pk>/", shift_detail, name="shift"),
    path("shifts/<int:pk>/assign/", shift_assign, name="shift_assign"),
    path(
        "shifts/<int:pk>/assignments/<int:assignment_id>/remove/",
        shift_unassign,
        name="shift_unassign",
    ),
]
