"""Pages of supplies: the catalogue of materials, the delivery areas with the enterprises in
them, and the community's supplies settings (staff)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from workgate.core.access import Perm, actor_of, fetch, require, scope
from workgate.core.models import Enterprise
from workgate.core.services import ServiceError
from workgate.supplies import services
from workgate.supplies.models import Category, DeliveryArea, Material
from workgate.supplies.templatetags.supplies_tags import display_name

TEXT_FIELDS = (
    "name",
    "name_en",
    "category",
    "unit",
    "unit_en",
    "use_per_person_day",
    "per_hundred",
    "position",
)
FLAG_FIELDS = ("durable", "active")
SETTINGS_FIELDS = ("shortage_days", "history_days", "cover_days", "gate_material")
FOUND_LIMIT = 40


def _render(
    request: HttpRequest,
    *,
    errors: dict[str, dict[str, str]] | None = None,
    posted: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    """`errors` and `posted` are keyed by the form at fault: "m<pk>" (a material), "new",
    "area", "settings", "assign"."""
    actor = actor_of(request)
    services.ensure_catalogue(actor.community_id)
    q = request.GET.get("q", "").strip()
    found: list[Enterprise] = []
    if q:
        found = list(
            scope(actor, Enterprise.objects.filter(name__icontains=q))
            .select_related("delivery_area__area")
            .order_by("name")[:FOUND_LIMIT]
        )
    areas = list(
        DeliveryArea.objects.filter(community_id=actor.community_id).annotate(
            n=Count("enterprises")
        )
    )
    unassigned = scope(actor, Enterprise.objects.all()).exclude(delivery_area__isnull=False).count()
    errors = errors or {}
    posted = posted or {}
    materials = list(Material.objects.filter(community_id=actor.community_id))
    for m in materials:
        m.form_errors = errors.get(f"m{m.pk}")  # type: ignore[attr-defined]
        m.form_posted = posted.get(f"m{m.pk}")  # type: ignore[attr-defined]
    return render(
        request,
        "supplies/catalogue.html",
        {
            "materials": materials,
            "categories": Category.choices,
            "areas": areas,
            "unassigned": unassigned,
            "settings": services.settings_for(actor.community_id),
            "q": q,
            "found": found,
            "found_limit": FOUND_LIMIT,
            "errors": errors,
            "posted": posted,
        },
        status=status,
    )


@require(Perm.SUPPLIES_CONFIGURE)
def catalogue(request: HttpRequest) -> HttpResponse:
    return _render(request)


def _back(anchor: str, q: str = "") -> HttpResponse:
    url = reverse("supplies:catalogue")
    if q:
        url += "?" + urlencode({"q": q})
    return redirect(f"{url}#{anchor}")


@require_POST
@require(Perm.SUPPLIES_CONFIGURE)
def material_save(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    actor = actor_of(request)
    material = None
    if pk is not None:
        material = fetch(actor, Material.objects.all(), Perm.SUPPLIES_CONFIGURE, pk=pk)
    key = f"m{pk}" if pk is not None else "new"
    data: dict[str, Any] = {
        name: request.POST.get(name, "").strip() for name in TEXT_FIELDS if name in request.POST
    }
    for name in FLAG_FIELDS:
        data[name] = request.POST.get(name) == "1"
    if material is None:
        data["code"] = request.POST.get("code", "")
    for name in ("use_per_person_day", "per_hundred", "position"):
        if data.get(name) == "":
            data[name] = "0"
    try:
        material = services.save_material(actor, material, data)
    except ServiceError as exc:
        return _render(
            request,
            errors={key: {exc.field or "form": exc.message}},
            posted={key: {**data, "code": request.POST.get("code", "")}},
            status=400,
        )
    messages.success(request, _("Saved: %(name)s.") % {"name": display_name(material)})
    return _back(f"material-{material.pk}")


@require_POST
@require(Perm.SUPPLIES_CONFIGURE)
def area_save(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    try:
        area = services.save_area(actor, request.POST.get("name", ""))
    except ServiceError as exc:
        return _render(
            request,
            errors={"area": {"name": exc.message}},
            posted={"area": {"name": request.POST.get("name", "")}},
            status=400,
        )
    messages.success(request, _("Delivery area saved: %(name)s.") % {"name": area.name})
    return _back("areas")


@require_POST
@require(Perm.SUPPLIES_CONFIGURE)
def area_assign(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    enterprise = fetch(actor, Enterprise.objects.all(), Perm.SUPPLIES_CONFIGURE, pk=pk)
    raw = request.POST.get("area", "")
    area = None
    if raw:
        try:
            area = DeliveryArea.objects.get(community_id=actor.community_id, pk=int(raw))
        except (ValueError, DeliveryArea.DoesNotExist):
            raise Http404 from None
    services.assign_area(actor, enterprise, area)
    if area is None:
        messages.success(
            request, _("%(enterprise)s is in no delivery area now.") % {"enterprise": enterprise}
        )
    else:
        messages.success(
            request,
            _("%(enterprise)s is in delivery area %(area)s.")
            % {"enterprise": enterprise.name, "area": area.name},
        )
    return _back("assign", request.POST.get("q", ""))


@require_POST
@require(Perm.SUPPLIES_CONFIGURE)
def settings_save(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    data: dict[str, Any] = {
        name: request.POST.get(name, "").strip() for name in SETTINGS_FIELDS[:3]
    }
    raw = request.POST.get("gate_material", "")
    posted = {**data, "gate_material": raw}
    try:
        if raw:
            try:
                data["gate_material"] = Material.objects.get(
                    community_id=actor.community_id, pk=int(raw)
                )
            except (ValueError, Material.DoesNotExist):
                raise ServiceError(_("Choose a material."), field="gate_material") from None
        else:
            data["gate_material"] = None
        services.save_settings(actor, data)
    except ServiceError as exc:
        return _render(
            request,
            errors={"settings": {exc.field or "form": exc.message}},
            posted={"settings": posted},
            status=400,
        )
    messages.success(request, _("Supplies settings saved."))
    return _back("settings")


urlpatterns: list[URLPattern] = [
    path("catalogue/", catalogue, name="catalogue"),
    path("catalogue/materials/new/", material_save, name="material_add"),
    path("catalogue/materials/<int:pk>/", material_save, name="material_edit"),
    path("catalogue/areas/", area_save, name="area_save"),
    path("catalogue/areas/assign/<int:pk>/", area_assign, name="area_assign"),
    path("catalogue/settings/", settings_save, name="settings_save"),
]
