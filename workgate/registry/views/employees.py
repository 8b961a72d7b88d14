"""Employee pages: the list, one person's file with reveal and travel, add / edit, export."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from workgate.core.access import Perm, fetch, require
from workgate.core.masking import mask_id_number, mask_phone
from workgate.core.models import Enterprise
from workgate.core.services import ServiceError
from workgate.health.file_panel import panel as health_file_panel
from workgate.registry import exporting, queries, services
from workgate.registry.forms import EmployeeForm, TravelForm
from workgate.registry.models import Employee
from workgate.registry.timeline import entries


def _list_context(request: HttpRequest) -> dict[str, object]:
    actor = request.actor  # type: ignore[attr-defined]
    filters = queries.EmployeeFilters.from_params(request.GET)
    rows = queries.employee_rows(actor=actor, filters=filters)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return {"page": page, "filters": filters, "query": query.urlencode()}


@require(Perm.EMPLOYEE_VIEW)
def employee_list(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    context = _list_context(request)
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "registry/employee_list.html#results", context)
    filters: queries.EmployeeFilters = context["filters"]  # type: ignore[assignment]
    enterprise_id = filters.enterprise if actor.community_wide else actor.enterprise_id
    context.update(
        enterprises=queries.enterprises(actor=actor).only("id", "name")
        if actor.community_wide
        else [],
        workshops=queries.workshops_for(actor=actor, enterprise_id=enterprise_id)
        if enterprise_id
        else [],
        provinces=queries.provinces(),
        job_statuses=Employee.JobStatus.choices,
        health_statuses=Employee.Health.choices,
        can_manage=actor.can(Perm.EMPLOYEE_MANAGE),
        own_enterprise=actor.enterprise_id,
    )
    return render(request, "registry/employee_list.html", context)


def _file_context(request: HttpRequest, employee: Employee) -> dict[str, object]:
    actor = request.actor  # type: ignore[attr-defined]
    return {
        "employee": employee,
        "masked_id": mask_id_number(employee.id_number),
        "masked_mobile": mask_phone(employee.mobile),
        "can_reveal": actor.can(Perm.PERSONAL_DATA_REVEAL),
        "can_manage": actor.can(Perm.EMPLOYEE_MANAGE),
        "can_see_risk": actor.can(Perm.RISK_VIEW),
        "travels": employee.travels.select_related("region"),
        "timeline": entries(employee),
        "travel_form": TravelForm(),
        "prefectures": queries.prefectures(),
        "health_panel": health_file_panel(actor, employee),
    }


@require(Perm.EMPLOYEE_VIEW)
def employee_file(request: HttpRequest, pk: int) -> HttpResponse:
    employee = queries.employee_file(actor=request.actor, pk=pk)  # type: ignore[attr-defined]
    return render(request, "registry/employee_file.html", _file_context(request, employee))


@require(Perm.OWN_FILE_VIEW)
def own_file(request: HttpRequest) -> HttpResponse:
    employee = queries.own_file(actor=request.actor)  # type: ignore[attr-defined]
    if employee is None:
        raise Http404
    context = _file_context(request, employee)
    context.update(own=True, can_manage=False)
    return render(request, "registry/employee_file.html", context)


@require_POST
@require(Perm.PERSONAL_DATA_REVEAL)
def reveal(request: HttpRequest, pk: int, field: str) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    employee = queries.employee_file(actor=actor, pk=pk)
    try:
        value = services.personal_data_reveal(
            actor=actor, employee=employee, field=field, request=request
        )
    except ServiceError as exc:
        raise Http404 from exc
    return render(request, "registry/partials/revealed.html", {"field": field, "value": value})


def _employee_input(form: EmployeeForm) -> services.EmployeeInput:
    data = form.cleaned_data
    return services.EmployeeInput(
        name=data["name"],
        id_number=data["id_number"],
        mobile=data["mobile"],
        current_region=data["current_region"],
        current_address=data["current_address"],
        arrival_date=data["arrival_date"],
        arrived=data["arrived"],
        workshop=data["workshop"],
        shift=data["shift"],
        dorm_room=data["dorm_room"],
        job_status=data["job_status"],
    )


@require(Perm.EMPLOYEE_MANAGE)
def employee_new(request: HttpRequest, enterprise_pk: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    enterprise = fetch(actor, Enterprise.objects.all(), Perm.EMPLOYEE_MANAGE, pk=enterprise_pk)
    form = EmployeeForm(request.POST or None, enterprise=enterprise)
    if request.method == "POST" and form.is_valid():
        try:
            employee = services.employee_register(
                actor=actor, enterprise=enterprise, data=_employee_input(form)
            )
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("The file has been opened."))
            return redirect("registry:employee_file", pk=employee.pk)
    return render(
        request,
        "registry/employee_form.html",
        {
            "form": form,
            "enterprise": enterprise,
            "employee": None,
            "prefectures": queries.prefectures(),
        },
    )


@require(Perm.EMPLOYEE_MANAGE)
def employee_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    employee = queries.employee_file(actor=actor, pk=pk)
    if request.method != "POST":
        services.employee_edit_opened(actor=actor, employee=employee, request=request)
    form = EmployeeForm(
        request.POST or None,
        enterprise=employee.enterprise,
        initial=EmployeeForm.initial_from(employee),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.employee_update(actor=actor, employee=employee, data=_employee_input(form))
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Saved."))
            return redirect("registry:employee_file", pk=employee.pk)
    return render(
        request,
        "registry/employee_form.html",
        {
            "form": form,
            "enterprise": employee.enterprise,
            "employee": employee,
            "prefectures": queries.prefectures(),
        },
    )


@require_POST
@require(Perm.EMPLOYEE_MANAGE)
def travel_add(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    employee = queries.employee_file(actor=actor, pk=pk)
    form = TravelForm(request.POST)
    if form.is_valid():
        try:
            services.travel_add(actor=actor, employee=employee, **form.cleaned_data)
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Travel recorded."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("registry:employee_file", pk=pk)


@require_POST
@require(Perm.EMPLOYEE_VIEW)
def export_start(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    filters = queries.EmployeeFilters.from_params(request.POST)
    file_format = request.POST.get("format", "xlsx")
    job = exporting.export_start(actor=actor, filters=filters, file_format=file_format)
    return render(request, "core/partials/job.html", {"job": job})
