"""Enterprise pages: list, detail with sites / workshops / shifts, create, edit."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from workgate.core import services as core_services
from workgate.core.access import Perm, fetch, require
from workgate.core.models import Enterprise
from workgate.core.services import ServiceError
from workgate.registry import queries, services
from workgate.registry.forms import EnterpriseForm, PartForm
from workgate.registry.models import Shift, Site, Workshop


def _form_error(form, exc: ServiceError) -> None:  # type: ignore[no-untyped-def]
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


@require(Perm.ENTERPRISE_VIEW)
def enterprise_list(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    search = request.GET.get("q", "")
    status = request.GET.get("status", "")
    if status not in Enterprise.Status.values:
        status = ""
    rows = queries.enterprise_rows(actor=actor, search=search, status=status)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    template = "registry/enterprise_list.html"
    if request.htmx:  # type: ignore[attr-defined]
        template += "#results"
    return render(
        request,
        template,
        {
            "page": page,
            "search": search,
            "status": status,
            "statuses": Enterprise.Status.choices,
            "query": query.urlencode(),
            "can_create": actor.can(Perm.ENTERPRISE_CREATE),
        },
    )


@require(Perm.ENTERPRISE_VIEW)
def enterprise_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    enterprise = queries.enterprise_detail(actor=actor, pk=pk)
    return render(
        request,
        "registry/enterprise_detail.html",
        {
            "enterprise": enterprise,
            "head_count": enterprise.employees.count(),
            "can_manage": actor.can(Perm.ENTERPRISE_MANAGE),
            "part_form": PartForm(),
        },
    )


@require(Perm.ENTERPRISE_CREATE)
def enterprise_create(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    form = EnterpriseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            enterprise = core_services.enterprise_create(actor=actor, data=form.cleaned_data)
        except ServiceError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The enterprise has been registered."))
            return redirect("registry:enterprise_detail", pk=enterprise.pk)
    return render(request, "registry/enterprise_form.html", {"form": form, "enterprise": None})


@require(Perm.ENTERPRISE_MANAGE)
def enterprise_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    enterprise = fetch(actor, Enterprise.objects.all(), Perm.ENTERPRISE_MANAGE, pk=pk)
    initial = {f: getattr(enterprise, f) for f in core_services.ENTERPRISE_FIELDS}
    form = EnterpriseForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            core_services.enterprise_update(
                actor=actor, enterprise=enterprise, data=form.cleaned_data
            )
        except ServiceError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("registry:enterprise_detail", pk=enterprise.pk)
    return render(
        request, "registry/enterprise_form.html", {"form": form, "enterprise": enterprise}
    )


@require_POST
@require(Perm.ENTERPRISE_MANAGE)
def part_add(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    enterprise = fetch(actor, Enterprise.objects.all(), Perm.ENTERPRISE_MANAGE, pk=pk)
    form = PartForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter a name."))
        return redirect("registry:enterprise_detail", pk=pk)
    data = form.cleaned_data
    try:
        if data["kind"] == "site":
            services.site_add(actor=actor, enterprise=enterprise, name=data["name"])
        elif data["kind"] == "workshop":
            services.workshop_add(actor=actor, enterprise=enterprise, name=data["name"])
        else:
            if not data.get("starts") or not data.get("ends"):
                raise ServiceError(_("Give the shift's start and end times."), field="starts")
            services.shift_add(
                actor=actor,
                enterprise=enterprise,
                name=data["name"],
                starts=data["starts"],
                ends=data["ends"],
            )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Added."))
    return redirect("registry:enterprise_detail", pk=pk)


PART_MODELS = {"site": Site, "workshop": Workshop, "shift": Shift}


@require_POST
@require(Perm.ENTERPRISE_MANAGE)
def part_remove(request: HttpRequest, pk: int, kind: str, part_pk: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    model = PART_MODELS.get(kind)
    if model is None:
        return redirect("registry:enterprise_detail", pk=pk)
    part = fetch(
        actor,
        model.objects.select_related("enterprise"),
        Perm.ENTERPRISE_MANAGE,
        pk=part_pk,
        enterprise_id=pk,
    )
    services.part_remove(actor=actor, part=part)
    messages.success(request, _("Removed."))
    return redirect("registry:enterprise_detail", pk=pk)
