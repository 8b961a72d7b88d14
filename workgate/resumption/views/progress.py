"""The back-to-work dashboard (plan against actual, per day), a day's enterprises, the daily
report upward (printable and xlsx) and the planned resumption batches."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _

from workgate.core.access import Actor, Perm, actor_of, fetch, require, scope
from workgate.core.models import Community, Enterprise
from workgate.core.services import ServiceError
from workgate.resumption import queries, services
from workgate.resumption.models import Batch
from workgate.resumption.reporting import report_audit, report_export

SHOWS = ("at_work", "new", "planned")


def _today(actor: Actor) -> dt.date:
    return services.local_today(actor.community_id)


def _day(request: HttpRequest, today: dt.date, name: str = "day") -> dt.date:
    try:
        day = dt.date.fromisoformat(request.GET.get(name, ""))
    except ValueError:
        return today
    return min(day, today + dt.timedelta(days=30))


def _chart(board: queries.Dashboard) -> dict[str, Any]:
    return {
        "days": [d.day.isoformat() for d in board.days],
        "planned": [d.planned_enterprises for d in board.days],
        "resumed": [d.resumed_enterprises if d.day <= board.today else None for d in board.days],
        "planned_people": [d.planned_employees for d in board.days],
        "on_duty": [d.on_duty if d.day <= board.today else None for d in board.days],
        "labels": {
            "planned": _("Enterprises planned"),
            "resumed": _("Enterprises back at work"),
            "planned_people": _("Employees planned"),
            "on_duty": _("Employees on duty (checked)"),
        },
    }


@require(Perm.RESUMPTION_DASHBOARD)
def dashboard(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    today = _today(actor)
    since = _day(request, today, "since") if request.GET.get("since") else None
    if since is not None:
        since = max(min(since, today), today - dt.timedelta(days=180))
    board = queries.dashboard(actor, today, since)
    return render(
        request,
        "resumption/dashboard.html",
        {
            "board": board,
            "today": today,
            "chart": _chart(board),
            "days": list(reversed(board.days)),
            "statuses": [(s, label, board.statuses[s]) for s, label in Enterprise.Status.choices],
        },
    )


@require(Perm.RESUMPTION_DASHBOARD)
def day(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    today = _today(actor)
    on = _day(request, today)
    show = request.GET.get("show", "at_work")
    if show not in SHOWS:
        show = "at_work"
    rows = queries.day_rows(actor, on, only=show, with_conditions=False)
    return render(
        request,
        "resumption/day.html",
        {
            "day": on,
            "today": today,
            "show": show,
            "rows": rows,
            "totals": {
                "on_duty": sum(r.on_duty for r in rows),
                "roster": sum(r.roster for r in rows),
            },
            "prev": on - dt.timedelta(days=1),
            "next": on + dt.timedelta(days=1) if on < today else None,
        },
    )


@require(Perm.RESUMPTION_REPORT)
def report(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    today = _today(actor)
    on = min(_day(request, today), today)
    rows = queries.day_rows(actor, on)
    report_audit(actor=actor, day=on, rows=len(rows), kind="page", request=request)
    return render(
        request,
        "resumption/report.html",
        {
            "day": on,
            "today": today,
            "rows": rows,
            "community": Community.objects.get(pk=actor.community_id),
            "totals": {
                "on_duty": sum(r.on_duty for r in rows),
                "non_local": sum(r.non_local_on_duty for r in rows),
                "quarantine": sum(r.in_quarantine for r in rows),
            },
        },
    )


@require(Perm.RESUMPTION_REPORT)
def report_xlsx(request: HttpRequest) -> FileResponse:
    actor = actor_of(request)
    today = _today(actor)
    on = min(_day(request, today), today)
    name, handle = report_export(actor=actor, day=on, request=request)
    return FileResponse(handle, as_attachment=True, filename=name)


@require(Perm.RESUMPTION_DASHBOARD)
def batches(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    rows = list(queries.batches(actor))
    return render(
        request,
        "resumption/batches.html",
        {
            "batches": rows,
            "can_edit": actor.can(Perm.RESUMPTION_CONFIGURE),
            "today": _today(actor),
        },
    )


def _batch_form(
    request: HttpRequest,
    batch: Batch | None,
    *,
    errors: dict[str, str] | None = None,
    posted: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = actor_of(request)
    chosen = (
        set(posted["enterprises"])
        if posted
        else (set(batch.enterprises.values_list("pk", flat=True)) if batch else set())
    )
    enterprises = scope(actor, Enterprise.objects.all()).order_by("status", "name")
    return render(
        request,
        "resumption/batch_form.html",
        {
            "batch": batch,
            "enterprises": enterprises.only("pk", "name", "status"),
            "chosen": chosen,
            "errors": errors or {},
            "posted": posted or {},
            "today": _today(actor),
        },
        status=status,
    )


def _save_batch(request: HttpRequest, batch: Batch | None) -> HttpResponse:
    actor = actor_of(request)
    if request.method != "POST":
        return _batch_form(request, batch)
    ids = []
    for raw in request.POST.getlist("enterprises"):
        if raw.isdigit():
            ids.append(int(raw))
    posted = {
        "date": request.POST.get("date", ""),
        "name": request.POST.get("name", ""),
        "enterprises": ids,
    }
    try:
        saved = services.batch_save(
            actor=actor, batch=batch, date=posted["date"], name=posted["name"], enterprise_ids=ids
        )
    except ServiceError as exc:
        return _batch_form(
            request, batch, errors={exc.field or "date": exc.message}, posted=posted, status=400
        )
    messages.success(request, _("Batch “%(name)s” saved.") % {"name": saved.name})
    return redirect("resumption:batches")


@require(Perm.RESUMPTION_CONFIGURE)
def batch_new(request: HttpRequest) -> HttpResponse:
    return _save_batch(request, None)


@require(Perm.RESUMPTION_CONFIGURE)
def batch_edit(request: HttpRequest, pk: int) -> HttpResponse:
    batch = fetch(actor_of(request), Batch.objects.all(), Perm.RESUMPTION_CONFIGURE, pk=pk)
    return _save_batch(request, batch)


urlpatterns: list[URLPattern] = [
    path("dashboard/", dashboard, name="dashboard"),
    path("dashboard/day/", day, name="day"),
    path("report/", report, name="report"),
    path("report.xlsx", report_xlsx, name="report_xlsx"),
    path("batches/", batches, name="batches"),
    path("batches/new/", batch_new, name="batch_new"),
    path("batches/<int:pk>/", batch_edit, name="batch_edit"),
]
