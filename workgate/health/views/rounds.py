"""Pages: the three rounds a day (overview, missing-check list and its download, the duty
volunteer's grid) and the community's health settings."""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from workgate.core.access import Actor, Perm, actor_of, require
from workgate.core.services import ServiceError
from workgate.core.text import whole_number
from workgate.duty import queries as duty_queries
from workgate.health import queries, round_queries, services
from workgate.health.forms import HealthSettingsForm
from workgate.health.models import Check
from workgate.health.round_exporting import missing_export
from workgate.health.services import CheckItem, CheckResult

ROWS_PER_PAGE = 50
# Three inputs a row: 200 rows stay well under Django's 1,000 fields a request.
GRID_ROWS_PER_PAGE = 200

_FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")


def _when(request: HttpRequest, actor: Actor) -> tuple[dt.date, int]:
    """The day and round asked for; the current ones by default."""
    day, round_no = queries.now_round(actor)
    raw = request.GET.get("day", "")
    with contextlib.suppress(ValueError):
        day = dt.date.fromisoformat(raw) if raw else day
    if request.GET.get("round") in ("1", "2", "3"):
        round_no = int(request.GET["round"])
    return day, round_no


def _query(**params: Any) -> str:
    return urlencode({k: v for k, v in params.items() if v not in (None, "")})


@require(Perm.CHECK_VIEW)
def rounds(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    day, round_no = _when(request, actor)
    view = round_queries.overview(actor, day, round_no)
    page = Paginator(view.rows, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    workshops: list[round_queries.Progress] = []
    if not actor.community_wide and actor.enterprise_id:
        workshops = round_queries.workshop_progress(actor, day, round_no, actor.enterprise_id)
    return render(
        request,
        "health/rounds.html",
        {
            "day": day,
            "round_no": round_no,
            "today": queries.now_round(actor)[0],
            "rounds": round_queries.round_choices(actor),
            "view": view,
            "page": page,
            "query": _query(day=day.isoformat(), round=round_no),
            "community_wide": actor.community_wide,
            "workshops": workshops if len(workshops) > 1 or any(w.key for w in workshops) else [],
            "can_record": actor.can(Perm.CHECK_RECORD),
            # Duty rosters: who is on the temperature round now (an officer: their enterprise).
            "duty_now": duty_queries.on_duty(
                actor.community_id,
                enterprise_id=None if actor.community_wide else actor.enterprise_id,
                kind="round",
            ),
        },
    )


@require(Perm.CHECK_VIEW)
def missing(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    day, round_no = _when(request, actor)
    enterprise_id = whole_number(request.GET.get("enterprise")) if actor.community_wide else None
    enterprise = round_queries.enterprise_for(actor, enterprise_id) if enterprise_id else None
    workshop_id = whole_number(request.GET.get("workshop"))
    ws_of = enterprise_id or (None if actor.community_wide else actor.enterprise_id)
    workshops = round_queries.workshops_of(actor, ws_of) if ws_of else []
    if workshop_id not in {w.pk for w in workshops}:
        workshop_id = None
    rows = queries.missing_people(
        actor, day, round_no, enterprise_id=enterprise_id, workshop_id=workshop_id
    )
    page = Paginator(rows, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    filters = {
        "day": day.isoformat(),
        "round": round_no,
        "enterprise": enterprise_id,
        "workshop": workshop_id,
    }
    return render(
        request,
        "health/missing.html",
        {
            "day": day,
            "round_no": round_no,
            "rounds": round_queries.round_choices(actor),
            "page": page,
            "query": _query(**filters),
            "export_query": _query(**filters),
            "enterprise": enterprise,
            "enterprise_id": enterprise_id,
            "enterprises": round_queries.enterprises_to_choose(actor)
            if actor.community_wide
            else [],
            "workshops": workshops,
            "workshop_id": workshop_id,
            "community_wide": actor.community_wide,
            "can_view_files": actor.can(Perm.EMPLOYEE_VIEW),
            "can_record": actor.can(Perm.CHECK_RECORD),
        },
    )


@require(Perm.EMPLOYEE_VIEW)
def missing_download(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    day, round_no = _when(request, actor)
    enterprise_id = whole_number(request.GET.get("enterprise")) if actor.community_wide else None
    if enterprise_id:
        round_queries.enterprise_for(actor, enterprise_id)
    name, handle = missing_export(
        actor=actor,
        day=day,
        round_no=round_no,
        enterprise_id=enterprise_id,
        workshop_id=whole_number(request.GET.get("workshop")),
        request=request,
    )
    return FileResponse(
        handle,
        as_attachment=True,
        filename=name,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


# --- The duty volunteer's grid ----------------------------------------------------------------


@dataclass
class GridRow:
    """One person on the grid as the page shows them."""

    employee: Any
    check: Check | None
    client_id: str
    temperature: str = ""
    masks: str = ""
    error: str = ""
    status: str = ""  # created | duplicate | "" (nothing sent this time)
    fever: bool = False
    incident_id: int | None = None
    incident_url: str = ""


def _masks(raw: str) -> int | None:
    """Masks as typed: blank is none; None when it is not a whole number."""
    text = raw.strip().translate(_FULLWIDTH)
    if not text:
        return 0
    return int(text) if text.isdigit() else None


def _incident_url(pk: int) -> str:
    """The incident's page, once the incident pages exist."""
    try:
        return reverse("health:incident", args=[pk])
    except NoReverseMatch:
        return ""


def _grid_place(
    request: HttpRequest, actor: Actor
) -> tuple[Any, list[Any], int | None, str] | None:
    """The enterprise, its workshops, the chosen workshop (None: everyone) and the workshop
    parameter as given; None while community staff have not chosen an enterprise."""
    if actor.community_wide:
        pk = whole_number(request.GET.get("enterprise"))
        if pk is None:
            return None
        enterprise = round_queries.enterprise_for(actor, pk)
    else:
        enterprise = round_queries.enterprise_for(actor, actor.enterprise_id or 0)
    workshops = round_queries.workshops_of(actor, enterprise.pk)
    raw = request.GET.get("workshop", "")
    if raw == "all" or not workshops:
        return enterprise, workshops, None, "all" if workshops else ""
    chosen = whole_number(raw)
    if chosen not in {w.pk for w in workshops}:
        chosen = workshops[0].pk
    return enterprise, workshops, chosen, str(chosen)


def _record(
    request: HttpRequest, actor: Actor, people: list[tuple[Any, Check | None]]
) -> tuple[dict[int, GridRow], dict[str, int]]:
    """Read the posted rows, send those with a reading to the one check service, and say per
    row what happened. Rows left blank are not checked; a bad row is refused on its own and
    the others are stored (the volunteer corrects it and saves again)."""
    posted: dict[int, GridRow] = {}
    items: list[CheckItem] = []
    owners: list[int] = []
    now = timezone.now()
    for employee, check in people:
        key = f"u-{employee.pk}"
        if key not in request.POST:
            continue
        try:
            client_id = uuid.UUID(request.POST[key])
        except ValueError:
            client_id = uuid.uuid4()
        row = GridRow(
            employee=employee,
            check=check,
            client_id=str(client_id),
            temperature=request.POST.get(f"t-{employee.pk}", "").strip()[:10],
            masks=request.POST.get(f"m-{employee.pk}", "").strip()[:4],
        )
        posted[employee.pk] = row
        masks = _masks(row.masks)
        if not row.temperature:
            if masks:
                row.error = _("Enter the temperature too, or clear the masks.")
            continue
        if masks is None:
            row.error = _("Masks issued must be a whole number.")
            continue
        items.append(
            CheckItem(
                uuid=client_id,
                temperature=row.temperature,
                employee_id=employee.pk,
                masks_issued=masks,
                taken_at=now,
                kind=Check.Kind.ROUND,
            )
        )
        owners.append(employee.pk)
    results: list[CheckResult] = []
    if items:
        try:
            results = services.checks_record(actor=actor, items=items, source="grid", now=now)
        except ServiceError as exc:
            messages.error(request, exc.message)
    for pk, result in zip(owners, results, strict=False):
        row = posted[pk]
        if result.status == "rejected":
            row.error = result.reason
        else:
            row.status, row.fever, row.incident_id = result.status, result.fever, result.incident_id
            if result.incident_id and actor.can(Perm.INCIDENT_VIEW):
                row.incident_url = _incident_url(result.incident_id)
    counts = {
        "created": sum(1 for r in results if r.status == "created"),
        "duplicate": sum(1 for r in results if r.status == "duplicate"),
        "fevers": sum(1 for r in results if r.status == "created" and r.fever),
        "refused": sum(1 for r in posted.values() if r.error),
    }
    return posted, counts


@require(Perm.CHECK_RECORD)
def grid(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    day, round_no = queries.now_round(actor)
    rounds = round_queries.round_choices(actor)
    place = _grid_place(request, actor)
    if place is None:
        return render(
            request,
            "health/round_grid.html",
            {
                "choose": True,
                "enterprises": round_queries.enterprises_to_choose(actor),
                "day": day,
                "round": rounds[round_no - 1],
            },
        )
    enterprise, workshops, workshop_id, workshop_param = place
    people = queries.round_grid(
        actor, day, round_no, enterprise_id=enterprise.pk, workshop_id=workshop_id
    )
    posted: dict[int, GridRow] = {}
    counts: dict[str, int] | None = None
    if request.method == "POST":
        posted, counts = _record(request, actor, people)
        if request.POST.get("round") not in ("", None, str(round_no)):
            messages.info(
                request,
                _("Round %(n)s has begun: these readings count for round %(n)s.") % {"n": round_no},
            )
        if any(r.status for r in posted.values()):
            # Show the checks just stored (and any stored meanwhile by someone else).
            people = queries.round_grid(
                actor, day, round_no, enterprise_id=enterprise.pk, workshop_id=workshop_id
            )
    rows = []
    for employee, check in people:
        row = posted.get(employee.pk)
        if row is None:
            row = GridRow(employee=employee, check=check, client_id=str(uuid.uuid4()))
        else:
            row.check = check if not row.error else None
        rows.append(row)
    page = Paginator(rows, GRID_ROWS_PER_PAGE).get_page(request.GET.get("page"))
    place_query = _query(
        enterprise=enterprise.pk if actor.community_wide else None, workshop=workshop_param
    )
    return render(
        request,
        "health/round_grid.html",
        {
            "choose": False,
            "enterprise": enterprise,
            "workshops": workshops,
            "workshop_id": workshop_id,
            "workshop_param": workshop_param,
            "community_wide": actor.community_wide,
            "day": day,
            "round_no": round_no,
            "round": rounds[round_no - 1],
            "page": page,
            "query": place_query,
            "action": f"?{place_query}&page={page.number}"
            if place_query
            else f"?page={page.number}",
            "counts": counts,
            "done": sum(1 for r in rows if r.check is not None),
            "total": len(rows),
            # Duty rosters: who is on this enterprise's temperature round now.
            "duty_now": duty_queries.on_duty(
                actor.community_id, enterprise_id=enterprise.pk, kind="round"
            ),
        },
    )


# --- Settings ---------------------------------------------------------------------------------


@require(Perm.HEALTH_SETTINGS_MANAGE)
def settings_edit(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    form = HealthSettingsForm(request.POST or None, instance=round_queries.settings_row(actor))
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        if not changes:
            messages.info(request, _("Nothing changed."))
            return redirect("health:settings")
        try:
            services.settings_update(actor=actor, changes=changes)
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Health settings saved."))
            return redirect("health:settings")
    return render(
        request,
        "health/settings.html",
        {"form": form},
    )


urlpatterns: list[URLPattern] = [
    path("rounds/", rounds, name="rounds"),
    path("rounds/missing/", missing, name="missing"),
    path("rounds/missing/download/", missing_download, name="missing_download"),
    path("rounds/grid/", grid, name="round_grid"),
    path("settings/", settings_edit, name="settings"),
]
