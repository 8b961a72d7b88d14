"""Region risk pages: levels in force with history, policy, risk-list import, people's risk."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from workgate.core.access import Perm, require
from workgate.core.services import ServiceError
from workgate.registry import queries as registry_queries
from workgate.registry.models import Employee
from workgate.screening import queries, services
from workgate.screening.forms import PolicyForm, RegionRiskForm, RiskListForm
from workgate.screening.models import Level


def _form_errors(request: HttpRequest, form: object) -> None:
    for errors in form.errors.values():  # type: ignore[attr-defined]
        for error in errors:
            messages.error(request, error)


def _job_message(request: HttpRequest, job: object) -> None:
    if job is not None:
        request.session["screening_job"] = str(job.pk)  # type: ignore[attr-defined]


@require(Perm.RISK_VIEW)
def regions(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    policy = queries.policy_row(actor.community_id)
    job = None
    if job_id := request.session.pop("screening_job", None):
        from workgate.core.queries import job_for

        job = job_for(actor=actor, job_id=job_id)
    return render(
        request,
        "screening/regions.html",
        {
            "entries": queries.region_risks(actor=actor),
            "counts": queries.risk_counts(actor=actor),
            "policy": policy,
            "can_manage": actor.can(Perm.RISK_MANAGE),
            "form": RegionRiskForm(),
            "policy_form": PolicyForm(
                initial={
                    "window_days": policy.window_days,
                    "quarantine_levels": policy.quarantine_levels,
                    "delay_levels": policy.delay_levels,
                }
            ),
            "prefectures": registry_queries.prefectures(),
            "provinces": registry_queries.provinces(),
            "job": job,
        },
    )


@require_POST
@require(Perm.RISK_MANAGE)
def region_set(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    form = RegionRiskForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            job = services.region_risk_set(
                actor=actor,
                region=data["region"],
                level=data["level"],
                effective_from=data["effective_from"],
                note=data["note"],
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            if job is None:
                messages.info(request, _("The region already has this level."))
            else:
                messages.success(request, _("Saved. Everyone is being reassessed."))
                _job_message(request, job)
    else:
        _form_errors(request, form)
    return redirect("screening:regions")


@require(Perm.RISK_VIEW)
def region_history(request: HttpRequest, code: str) -> HttpResponse:
    from django.http import Http404

    from workgate.registry.models import Region

    region = Region.objects.filter(code=code).first()
    if region is None:
        raise Http404
    rows = queries.region_history(actor=request.actor, code=code)  # type: ignore[attr-defined]
    return render(request, "screening/region_history.html", {"region": region, "rows": rows})


@require_POST
@require(Perm.RISK_MANAGE)
def policy_edit(request: HttpRequest) -> HttpResponse:
    form = PolicyForm(request.POST)
    if form.is_valid():
        try:
            job = services.policy_update(actor=request.actor, **form.cleaned_data)  # type: ignore[attr-defined]
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            if job is not None:
                messages.success(request, _("Policy saved. Everyone is being reassessed."))
                _job_message(request, job)
    else:
        _form_errors(request, form)
    return redirect("screening:regions")


@require_POST
@require(Perm.RISK_MANAGE)
def reassess(request: HttpRequest) -> HttpResponse:
    job = services.reassess_start(actor=request.actor)  # type: ignore[attr-defined]
    _job_message(request, job)
    return redirect("screening:regions")


@require(Perm.RISK_MANAGE)
def risk_lists(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    form = RiskListForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            risk_list = services.risk_list_check(
                actor=actor,
                upload=data["file"],
                effective_from=data["effective_from"],
                default_level=data["default_level"],
                replaces=data["replaces"],
            )
        except ServiceError as exc:
            form.add_error("file", exc.message)
        else:
            return redirect("screening:risk_list", pk=risk_list.pk)
    return render(
        request,
        "screening/risk_lists.html",
        {"form": form, "lists": queries.risk_lists(actor=actor)[:50]},
    )


@require(Perm.RISK_MANAGE)
def risk_list(request: HttpRequest, pk: str) -> HttpResponse:
    item = queries.risk_list(actor=request.actor, pk=pk)  # type: ignore[attr-defined]
    names = queries.region_names({r["code"] for r in item.rows if r["code"]})
    labels = dict(Level.choices)
    rows = [
        {**r, "name": names.get(r["code"], ""), "level": labels.get(r["level"], r["level"])}
        for r in item.rows
    ]
    unknown = [r for r in rows if r["error"]]
    return render(
        request,
        "screening/risk_list.html",
        {"item": item, "rows": rows[:2000], "unknown": unknown},
    )


@require_POST
@require(Perm.RISK_MANAGE)
def risk_list_apply(request: HttpRequest, pk: str) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    item = queries.risk_list(actor=actor, pk=pk)
    try:
        job = services.risk_list_apply(actor=actor, risk_list=item)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("screening:risk_list", pk=item.pk)
    messages.success(request, _("The list is applied. Everyone is being reassessed."))
    _job_message(request, job)
    return redirect("screening:regions")


@require_POST
@require(Perm.RISK_MANAGE)
def risk_list_discard(request: HttpRequest, pk: str) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    item = queries.risk_list(actor=actor, pk=pk)
    try:
        services.risk_list_discard(actor=actor, risk_list=item)
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("screening:risk_lists")


@require(Perm.RISK_VIEW)
def people(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    level = request.GET.get("level", "")
    level = level if level in ("high", "medium", "low", "unknown") else ""
    rows = queries.risk_people(actor=actor, level=level)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "screening/people.html",
        {
            "page": page,
            "level": level,
            "query": f"level={level}" if level else "",
            "counts": queries.risk_counts(actor=actor),
        },
    )


@require(Perm.RISK_VIEW)
def person(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    employee, assessment, reasons = queries.employee_risk(actor=actor, pk=pk)
    from workgate.screening.models import CallAttempt

    calls = CallAttempt.objects.filter(employee=employee).select_related("region")[:20]
    return render(
        request,
        "screening/person.html",
        {
            "employee": employee,
            "assessment": assessment,
            "level_label": Employee.Risk(assessment.level).label,
            "reasons": reasons,
            "plan": queries.return_plan_of(employee.pk),
            "calls": calls,
        },
    )
