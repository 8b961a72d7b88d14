"""Pages of the notification channels: the community's group robots (staff), each person's own
channel choices, and the delivery log with "retry now" (staff).

Webhook addresses and signing secrets are shown masked only; a form left empty keeps them.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from workgate.core import channels
from workgate.core.access import Perm, actor_of, fetch, require
from workgate.core.models import Delivery, GroupRobot
from workgate.core.services import ServiceError

ROBOT_FIELDS = ("name", "kind", "format", "language", "webhook_url")
PAGE_SIZE = 50


def _robot_data(request: HttpRequest) -> dict[str, Any]:
    data: dict[str, Any] = {name: request.POST.get(name, "").strip() for name in ROBOT_FIELDS}
    data["kinds"] = request.POST.getlist("kinds")
    data["is_active"] = request.POST.get("is_active") == "on"
    return data


def _kind_context(selected: list[str]) -> dict[str, Any]:
    return {"kind_groups": channels.kind_groups(), "selected_kinds": list(selected)}


def _robot_rows(community_id: int) -> list[GroupRobot]:
    rows = list(channels.robots_of(community_id))
    for r in rows:
        r.kind_labels = [channels.kind_label(k) for k in r.kinds or []]
        r.last_status_label = Delivery.Status(r.last_status).label if r.last_status else ""
    return rows


def _robots_page(
    request: HttpRequest,
    *,
    errors: dict[str, str] | None = None,
    posted: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = actor_of(request)
    posted = posted or {
        "kinds": [],
        "is_active": True,
        "kind": "wecom",
        "format": "text",
        "language": settings.LANGUAGE_CODE,
    }
    return render(
        request,
        "core/channels/robots.html",
        {
            "robots": _robot_rows(actor.community_id),
            "errors": errors or {},
            "posted": posted,
            "robot_kinds": GroupRobot.Kind.choices,
            "robot_formats": GroupRobot.Format.choices,
            "robot_languages": settings.LANGUAGES,
            **_kind_context(posted.get("kinds", [])),
        },
        status=status,
    )


@require(Perm.CHANNEL_MANAGE)
def robots(request: HttpRequest) -> HttpResponse:
    return _robots_page(request)


@require_POST
@require(Perm.CHANNEL_MANAGE)
def robot_add(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    data = _robot_data(request)
    try:
        robot = channels.robot_configure(
            actor=actor, robot=None, secret=request.POST.get("secret", ""), **data
        )
    except ServiceError as exc:
        return _robots_page(
            request, errors={exc.field or "form": exc.message}, posted=data, status=400
        )
    messages.success(request, _("Robot added: %(name)s.") % {"name": robot.name})
    return redirect("core:channel_robot", pk=robot.pk)


def _robot(request: HttpRequest, pk: int) -> GroupRobot:
    return fetch(actor_of(request), GroupRobot.objects.all(), Perm.CHANNEL_MANAGE, pk=pk)


def _robot_page(
    request: HttpRequest,
    robot: GroupRobot,
    *,
    errors: dict[str, str] | None = None,
    posted: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    values = posted or {
        "name": robot.name,
        "kind": robot.kind,
        "format": robot.format,
        "language": robot.language,
        "kinds": robot.kinds or [],
        "is_active": robot.is_active,
    }
    recent = list(channels.deliveries_filtered(robot.community_id, robot_id=robot.pk)[:10])
    return render(
        request,
        "core/channels/robot.html",
        {
            "robot": robot,
            "errors": errors or {},
            "posted": values,
            "recent": recent,
            "robot_kinds": GroupRobot.Kind.choices,
            "robot_formats": GroupRobot.Format.choices,
            "robot_languages": settings.LANGUAGES,
            **_kind_context(values.get("kinds", [])),
        },
        status=status,
    )


@require(Perm.CHANNEL_MANAGE)
def robot_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _robot_page(request, _robot(request, pk))


@require_POST
@require(Perm.CHANNEL_MANAGE)
def robot_edit(request: HttpRequest, pk: int) -> HttpResponse:
    robot = _robot(request, pk)
    data = _robot_data(request)
    try:
        channels.robot_configure(
            actor=actor_of(request),
            robot=robot,
            secret=request.POST.get("secret", ""),
            clear_secret=request.POST.get("clear_secret") == "on",
            **data,
        )
    except ServiceError as exc:
        robot.refresh_from_db()
        return _robot_page(
            request, robot, errors={exc.field or "form": exc.message}, posted=data, status=400
        )
    messages.success(request, _("Robot saved."))
    return redirect("core:channel_robot", pk=robot.pk)


@require_POST
@require(Perm.CHANNEL_MANAGE)
def robot_test(request: HttpRequest, pk: int) -> HttpResponse:
    robot = _robot(request, pk)
    try:
        channels.robot_test(actor=actor_of(request), robot=robot)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("A test message to %(name)s is queued; it is sent within a minute.")
            % {"name": robot.name},
        )
    return redirect("core:channel_robot", pk=robot.pk)


@require_POST
@require(Perm.CHANNEL_MANAGE)
def robot_delete(request: HttpRequest, pk: int) -> HttpResponse:
    robot = _robot(request, pk)
    name = robot.name
    channels.robot_delete(actor=actor_of(request), robot=robot)
    messages.success(request, _("Robot removed: %(name)s.") % {"name": name})
    return redirect("core:channel_robots")


# --- My channels ----------------------------------------------------------------------------


@require(Perm.CHANNEL_CHOOSE)
def mine(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    user = request.user
    choice = channels.my_channels(user)  # type: ignore[arg-type]
    errors: dict[str, str] = {}
    status = 200
    values = {
        "email_on": choice.email_on,
        "email": choice.email,
        "muted": list(choice.muted_kinds or []),
    }
    if request.method == "POST":
        values = {
            "email_on": request.POST.get("email_on") == "on",
            "email": request.POST.get("email", "").strip(),
            "muted": request.POST.getlist("muted_kinds"),
        }
        try:
            channels.my_channels_save(
                actor=actor,
                email_on=values["email_on"],
                email=values["email"],
                muted_kinds=values["muted"],
            )
        except ServiceError as exc:
            errors = {exc.field or "form": exc.message}
            status = 400
        else:
            messages.success(request, _("Your notification channels are saved."))
            return redirect("core:channel_mine")
    return render(
        request,
        "core/channels/mine.html",
        {
            "values": values,
            "account_email": user.email,  # type: ignore[union-attr]
            "errors": errors,
            **_kind_context(values["muted"]),
        },
        status=status,
    )


# --- The delivery log -----------------------------------------------------------------------


@require(Perm.CHANNEL_MANAGE)
def deliveries(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    raw = {k: request.GET.get(k, "").strip() for k in ("status", "channel", "kind", "date")}
    errors: dict[str, str] = {}
    filters: dict[str, Any] = {}
    for name in ("status", "channel", "kind", "date"):
        try:
            if name == "date":
                filters["day"] = channels.parse_day(raw["date"])
            else:
                channels.deliveries_filtered(actor.community_id, **{name: raw[name]})
                filters[name] = raw[name]
        except ServiceError as exc:
            errors[exc.field or name] = exc.message
    base = channels.deliveries_filtered(
        actor.community_id, **{k: v for k, v in filters.items() if k != "status"}
    )
    counts = channels.delivery_counts(base)
    rows = base.filter(status=filters["status"]) if filters.get("status") else base
    page = Paginator(rows.select_related("robot"), PAGE_SIZE).get_page(request.GET.get("page"))
    for d in page:
        d.kind_label = channels.kind_label(d.kind)
        d.can_retry = d.status in channels.RETRYABLE
    kept = {k: v for k, v in raw.items() if v and k not in errors}
    status_links = [
        (
            s.value,
            s.label,
            counts[s.value],
            urlencode({**{k: v for k, v in kept.items() if k != "status"}, "status": s.value}),
        )
        for s in Delivery.Status
    ]
    return render(
        request,
        "core/channels/deliveries.html",
        {
            "page": page,
            "query": urlencode(kept),
            "raw": raw,
            "errors": errors,
            "status_links": status_links,
            "total": sum(counts.values()),
            "all_link": urlencode({k: v for k, v in kept.items() if k != "status"}),
            "statuses": Delivery.Status.choices,
            "channels": Delivery.Channel.choices,
            "kind_groups": channels.kind_groups(),
            "test_kind": (channels.TEST_KIND, channels.kind_label(channels.TEST_KIND)),
        },
        status=400 if errors else 200,
    )


@require_POST
@require(Perm.CHANNEL_MANAGE)
def delivery_retry(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    delivery = fetch(actor, Delivery.objects.all(), Perm.CHANNEL_MANAGE, pk=pk)
    try:
        channels.delivery_retry(actor=actor, delivery=delivery)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The message is queued again; it is sent within a minute."))
    back = request.POST.get("next", "")  # the log's filters and page, to return to
    query = back[1:] if back.startswith("?") and "\n" not in back else ""
    return redirect(reverse("core:channel_deliveries") + (f"?{query}" if query else ""))


urlpatterns: list[URLPattern] = [
    path("channels/robots/", robots, name="channel_robots"),
    path("channels/robots/add/", robot_add, name="channel_robot_add"),
    path("channels/robots/<int:pk>/", robot_detail, name="channel_robot"),
    path("channels/robots/<int:pk>/edit/", robot_edit, name="channel_robot_edit"),
    path("channels/robots/<int:pk>/test/", robot_test, name="channel_robot_test"),
    path("channels/robots/<int:pk>/delete/", robot_delete, name="channel_robot_delete"),
    path("channels/mine/", mine, name="channel_mine"),
    path("channels/deliveries/", deliveries, name="channel_deliveries"),
    path("channels/deliveries/<int:pk>/retry/", delivery_retry, name="channel_delivery_retry"),
]
