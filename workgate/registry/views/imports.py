"""Roster import pages: upload → confirm the column mapping → check every row → import."""

from __future__ import annotations

from pathlib import Path

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from workgate.core.access import Perm, fetch, require
from workgate.core.files import media_download
from workgate.core.models import Enterprise
from workgate.core.services import ServiceError
from workgate.registry import queries, services
from workgate.registry.forms import PolicyForm, UploadForm
from workgate.registry.models import RosterImport


def _import(request: HttpRequest, pk: object) -> RosterImport:
    return fetch(
        request.actor,  # type: ignore[attr-defined]
        RosterImport.objects.select_related("enterprise", "job", "uploaded_by"),
        Perm.EMPLOYEE_MANAGE,
        pk=pk,
    )


@require(Perm.EMPLOYEE_MANAGE)
def import_list(request: HttpRequest) -> HttpResponse:
    rows = queries.roster_imports(actor=request.actor)[:100]  # type: ignore[attr-defined]
    return render(request, "registry/import_list.html", {"imports": rows})


@require(Perm.EMPLOYEE_MANAGE)
def upload(request: HttpRequest, enterprise_pk: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    enterprise = fetch(actor, Enterprise.objects.all(), Perm.EMPLOYEE_MANAGE, pk=enterprise_pk)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            roster_import = services.roster_import_create(
                actor=actor, enterprise=enterprise, upload=form.cleaned_data["file"]
            )
        except ServiceError as exc:
            form.add_error("file", exc.message)
        else:
            return redirect("registry:import_detail", pk=roster_import.pk)
    return render(request, "registry/import_upload.html", {"form": form, "enterprise": enterprise})


def _mapping_context(roster_import: RosterImport) -> dict[str, object]:
    from workgate.registry.importing.columns import COLUMNS
    from workgate.registry.importing.pipeline import ImportFileError, analyse, file_path

    try:
        analysis = analyse(file_path(roster_import), enterprise=roster_import.enterprise)
    except ImportFileError as exc:
        return {"file_error": str(exc)}
    chosen = roster_import.mapping or {str(k): v for k, v in analysis.proposed.items()}
    columns = [
        {
            "index": i,
            "header": header,
            "field": chosen.get(str(i), ""),
            "samples": [row[i] if i < len(row) else "" for row in analysis.sample_rows[:3]],
        }
        for i, header in enumerate(analysis.headers)
    ]
    return {
        "analysis": analysis,
        "columns": columns,
        "fields": [(c.field, c.label) for c in COLUMNS],
    }


@require(Perm.EMPLOYEE_MANAGE)
def import_detail(request: HttpRequest, pk: object) -> HttpResponse:
    roster_import = _import(request, pk)
    context: dict[str, object] = {"imp": roster_import, "statuses": RosterImport.Status}
    if roster_import.status == RosterImport.Status.UPLOADED:
        context.update(_mapping_context(roster_import))
    elif roster_import.status == RosterImport.Status.PREVIEWED:
        context["policy_form"] = PolicyForm(initial={"policy": roster_import.policy})
    return render(request, "registry/import_detail.html", context)


@require_POST
@require(Perm.EMPLOYEE_MANAGE)
def import_check(request: HttpRequest, pk: object) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    roster_import = _import(request, pk)
    mapping = {
        key.removeprefix("col_"): value
        for key, value in request.POST.items()
        if key.startswith("col_") and key.removeprefix("col_").isdigit() and value
    }
    header_row = request.POST.get("header_row", "0")
    try:
        services.roster_import_check(
            actor=actor,
            roster_import=roster_import,
            header_row=int(header_row) if header_row.isdigit() else 0,
            mapping=mapping,
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("registry:import_detail", pk=roster_import.pk)


@require_POST
@require(Perm.EMPLOYEE_MANAGE)
def import_run(request: HttpRequest, pk: object) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    roster_import = _import(request, pk)
    form = PolicyForm(request.POST)
    policy = form.cleaned_data["policy"] if form.is_valid() else ""
    try:
        services.roster_import_start(actor=actor, roster_import=roster_import, policy=policy)
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("registry:import_detail", pk=roster_import.pk)


@require(Perm.EMPLOYEE_MANAGE)
def import_report(request: HttpRequest, pk: object) -> HttpResponse:
    roster_import = _import(request, pk)
    services.roster_import_report_read(
        actor=request.actor,  # type: ignore[attr-defined]
        roster_import=roster_import,
        request=request,
    )
    stem = Path(roster_import.original_name).stem
    return media_download(roster_import.report_file, _("%(name)s-report.xlsx") % {"name": stem})
