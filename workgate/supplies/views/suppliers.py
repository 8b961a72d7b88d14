"""Pages of the supermarket's suppliers: the list (staff and leader), one supplier with its
offers and certifications, and a supplier account's own offers (`my_offers`)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from workgate.core.access import Actor, Perm, actor_of, fetch, require, scope
from workgate.core.files import media_download
from workgate.core.models import Membership, Role, User
from workgate.core.services import ServiceError
from workgate.supplies import services
from workgate.supplies.models import Certification, DeliveryArea, Material, Offer, Supplier

SUPPLIER_FIELDS = ("name", "credit_code", "contact_name", "contact_phone", "address")


def _suppliers(actor: Actor) -> Any:
    return scope(actor, Supplier.objects.all()).annotate(
        live_offers=Count("offers", filter=Q(offers__active=True, offers__quantity__gt=0))
    )


def _areas(actor: Actor, request: HttpRequest) -> list[DeliveryArea]:
    ids = [int(v) for v in request.POST.getlist("areas") if v.isdigit()]
    return list(DeliveryArea.objects.filter(community_id=actor.community_id, pk__in=ids))


def _supplier_accounts(actor: Actor) -> list[User]:
    ids = Membership.objects.filter(
        community_id=actor.community_id, role=Role.SUPPLIER, is_active=True
    ).values_list("user_id", flat=True)
    return list(User.objects.filter(pk__in=ids).order_by("username"))


@require(Perm.SUPPLIER_VIEW)
def supplier_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if actor.role == Role.SUPPLIER:
        return redirect("supplies:my_offers")
    return _list_page(request)


def _list_page(
    request: HttpRequest,
    *,
    errors: dict[str, str] | None = None,
    posted: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = actor_of(request)
    suppliers = list(_suppliers(actor).prefetch_related("areas", "accounts"))
    return render(
        request,
        "supplies/supplier_list.html",
        {
            "suppliers": suppliers,
            "can_manage": actor.can(Perm.SUPPLIER_MANAGE),
            "areas": DeliveryArea.objects.filter(community_id=actor.community_id),
            "accounts": _supplier_accounts(actor),
            "errors": errors or {},
            "posted": posted or {},
        },
        status=status,
    )


@require_POST
@require(Perm.SUPPLIER_MANAGE)
def supplier_add(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    data = {name: request.POST.get(name, "") for name in SUPPLIER_FIELDS}
    areas = _areas(actor, request)
    account = _account(actor, request.POST.get("account", ""))
    try:
        supplier = services.save_supplier(actor, None, data, areas=areas)
        if account is not None:
            services.link_supplier_account(actor, supplier, account)
    except ServiceError as exc:
        posted = {**data, "areas": [a.pk for a in areas], "account": request.POST.get("account")}
        return _list_page(
            request, errors={exc.field or "form": exc.message}, posted=posted, status=400
        )
    messages.success(request, _("Supplier added: %(name)s.") % {"name": supplier.name})
    return redirect("supplies:supplier", pk=supplier.pk)


def _account(actor: Actor, raw: str) -> User | None:
    if not raw.isdigit():
        return None
    return next((u for u in _supplier_accounts(actor) if u.pk == int(raw)), None)


def _detail(
    request: HttpRequest,
    supplier: Supplier | None,
    *,
    errors: dict[str, str] | None = None,
    form: str = "",
    posted: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    """One supplier's page; `form` names the form `errors` and `posted` belong to."""
    actor = actor_of(request)
    errors = errors or {}
    posted = posted or {}
    own = actor.role == Role.SUPPLIER
    if supplier is None:
        return render(request, "supplies/supplier_detail.html", {"own": own, "supplier": None})
    offers = list(
        supplier.offers.select_related("material").prefetch_related("areas").order_by("-active")
    )
    for offer in offers:
        key = f"offer-{offer.pk}"
        offer.form_errors = errors if form == key else {}
        offer.posted = posted if form == key else {}
        offer.area_ids = [a.pk for a in offer.areas.all()]
    supplier_areas = list(supplier.areas.all())
    return render(
        request,
        "supplies/supplier_detail.html",
        {
            "own": own,
            "supplier": supplier,
            "offers": offers,
            "certifications": supplier.certifications.order_by("-uploaded_at"),
            "supplier_areas": supplier_areas,
            "supplier_area_ids": [a.pk for a in supplier_areas],
            "accounts_linked": list(supplier.accounts.order_by("username")),
            "accounts": _supplier_accounts(actor) if actor.can(Perm.SUPPLIER_MANAGE) else [],
            "can_manage": actor.can(Perm.SUPPLIER_MANAGE),
            "can_offer": actor.can(Perm.OFFER_MANAGE),
            "areas": DeliveryArea.objects.filter(community_id=actor.community_id),
            "materials": Material.objects.filter(community_id=actor.community_id, active=True),
            "form": form,
            "errors": errors,
            "posted": posted,
        },
        status=status,
    )


def _supplier(actor: Actor, pk: int, perm: Perm = Perm.SUPPLIER_VIEW) -> Supplier:
    return fetch(actor, Supplier.objects.all(), perm, pk=pk)


@require(Perm.SUPPLIER_VIEW)
def supplier_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _supplier(actor_of(request), pk))


@require(Perm.OFFER_MANAGE)
def my_offers(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if actor.role != Role.SUPPLIER:
        return redirect("supplies:suppliers")
    return _detail(request, services.supplier_of(actor))


def _back(actor: Actor, supplier: Supplier) -> HttpResponse:
    if actor.role == Role.SUPPLIER:
        return redirect("supplies:my_offers")
    return redirect("supplies:supplier", pk=supplier.pk)


@require_POST
@require(Perm.SUPPLIER_MANAGE)
def supplier_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    supplier = _supplier(actor, pk, Perm.SUPPLIER_MANAGE)
    data: dict[str, Any] = {name: request.POST.get(name, "") for name in SUPPLIER_FIELDS}
    data["active"] = request.POST.get("active") == "on"
    areas = _areas(actor, request)
    try:
        services.save_supplier(actor, supplier, data, areas=areas)
    except ServiceError as exc:
        supplier.refresh_from_db()
        posted = {**data, "areas": [a.pk for a in areas]}
        return _detail(
            request,
            supplier,
            errors={exc.field or "form": exc.message},
            form="supplier",
            posted=posted,
            status=400,
        )
    messages.success(request, _("Supplier saved."))
    return redirect("supplies:supplier", pk=supplier.pk)


@require_POST
@require(Perm.SUPPLIER_MANAGE)
def supplier_account(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    supplier = _supplier(actor, pk, Perm.SUPPLIER_MANAGE)
    link = request.POST.get("action", "link") != "unlink"
    raw = request.POST.get("account", "")
    user = _account(actor, raw) if link else supplier.accounts.filter(pk=raw or 0).first()
    try:
        services.link_supplier_account(actor, supplier, user, link=link)
    except ServiceError as exc:
        return _detail(
            request,
            supplier,
            errors={exc.field or "account": exc.message},
            form="account",
            status=400,
        )
    if link:
        messages.success(request, _("%(name)s now keeps this supplier's offers.") % {"name": user})
    else:
        messages.success(request, _("The account was unlinked."))
    return redirect("supplies:supplier", pk=supplier.pk)


def _offer_data(request: HttpRequest, actor: Actor) -> dict[str, Any]:
    data: dict[str, Any] = {
        name: request.POST.get(name, "")
        for name in ("quantity", "unit_price", "min_order", "lead_days")
    }
    raw = request.POST.get("material", "")
    if "material" in request.POST:
        data["material"] = (
            Material.objects.filter(community_id=actor.community_id, pk=raw).first()
            if raw.isdigit()
            else None
        )
    data["active"] = request.POST.get("active") == "on"
    return data


@require_POST
@require(Perm.OFFER_MANAGE)
def offer_save(request: HttpRequest, pk: int) -> HttpResponse:
    """Add an offer (no `offer` field) or change one."""
    actor = actor_of(request)
    supplier = _supplier(actor, pk, Perm.OFFER_MANAGE)
    raw = request.POST.get("offer", "")
    offer = (
        fetch(actor, Offer.objects.filter(supplier=supplier), Perm.OFFER_MANAGE, pk=int(raw))
        if raw.isdigit()
        else None
    )
    data = _offer_data(request, actor)
    areas = _areas(actor, request)
    try:
        services.save_offer(actor, supplier, offer, data, areas=areas)
    except ServiceError as exc:
        posted = {
            **{k: v for k, v in data.items() if k != "material"},
            "material": request.POST.get("material", ""),
            "areas": [a.pk for a in areas],
        }
        return _detail(
            request,
            supplier,
            errors={exc.field or "form": exc.message},
            form=f"offer-{offer.pk}" if offer else "offer-new",
            posted=posted,
            status=400,
        )
    messages.success(request, _("Offer saved.") if offer else _("Offer added."))
    return _back(actor, supplier)


@require_POST
@require(Perm.OFFER_MANAGE)
def certification_add(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    supplier = _supplier(actor, pk, Perm.OFFER_MANAGE)
    title = request.POST.get("title", "")
    try:
        services.add_certification(actor, supplier, title, request.FILES.get("file"))
    except ServiceError as exc:
        return _detail(
            request,
            supplier,
            errors={exc.field or "file": exc.message},
            form="cert",
            posted={"title": title},
            status=400,
        )
    messages.success(request, _("Certification uploaded."))
    return _back(actor, supplier)


@require(Perm.SUPPLIER_VIEW)
def certification_file(request: HttpRequest, pk: int) -> HttpResponse:
    cert = fetch(actor_of(request), Certification.objects.all(), Perm.SUPPLIER_VIEW, pk=pk)
    ext = cert.file.name.rsplit(".", 1)[-1]
    return media_download(cert.file.name, filename=f"{cert.title}.{ext}")


urlpatterns: list[URLPattern] = [
    path("suppliers/", supplier_list, name="suppliers"),
    path("suppliers/add/", supplier_add, name="supplier_add"),
    path("suppliers/<int:pk>/", supplier_detail, name="supplier"),
    path("suppliers/<int:pk>/edit/", supplier_edit, name="supplier_edit"),
    path("suppliers/<int:pk>/accounts/", supplier_account, name="supplier_account"),
    path("suppliers/<int:pk>/offers/", offer_save, name="offer_save"),
    path("suppliers/<int:pk>/certifications/", certification_add, name="certification_add"),
    path("certifications/<int:pk>/", certification_file, name="certification"),
    path("my-offers/", my_offers, name="my_offers"),
]
