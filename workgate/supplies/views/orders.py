"""The orders page, per role: staff and the leader see every order (filter by state,
material, supplier); an officer sees their enterprise's and receives (in parts if need be) or
cancels; a supplier sees its own and confirms or cancels; staff confirm the reserve's."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import Resolver404, URLPattern, path, resolve
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from workgate.core.access import Actor, Perm, actor_of, fetch, require, scope
from workgate.core.models import Role
from workgate.core.services import ServiceError
from workgate.supplies import services
from workgate.supplies.models import Material, Order, Supplier
from workgate.supplies.templatetags.supplies_tags import display_name, display_unit

OPEN = (Order.State.ISSUED, Order.State.CONFIRMED, Order.State.PARTLY)


def _actions(actor: Actor, order: Order) -> dict[str, bool]:
    """Which buttons this reader gets on this order (the services decide in the end)."""
    live = order.state in OPEN
    if actor.role == Role.SUPPLIER:
        confirm = True
    elif actor.role == Role.STAFF:
        confirm = order.from_reserve
    else:
        confirm = False
    return {
        "confirm": live and order.state == Order.State.ISSUED and confirm,
        "receive": live
        and actor.can(Perm.ORDER_RECEIVE)
        and (order.from_reserve or order.state != Order.State.ISSUED),
        "cancel": live and actor.can(Perm.ORDER_CANCEL),
    }


def _orders(actor: Actor) -> Any:
    return scope(actor, Order.objects.all()).select_related(
        "enterprise", "supplier", "material", "need"
    )


def _decorate(
    actor: Actor, orders: list[Order], errors: dict[int, dict[str, str]], posted: dict[str, str]
) -> None:
    for order in orders:
        order.can = _actions(actor, order)
        order.form_errors = errors.get(order.pk, {})
        order.posted = posted if order.pk in errors else {}
        order.shown_deliveries = list(order.deliveries.order_by("received_at", "pk"))
        order.percent = round(100 * order.delivered / order.quantity) if order.quantity else 0


def _list_page(
    request: HttpRequest,
    *,
    errors: dict[int, dict[str, str]] | None = None,
    posted: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = actor_of(request)
    errors = errors or {}
    qs = _orders(actor)
    state = request.GET.get("state", "")
    if state == "open":
        qs = qs.filter(state__in=OPEN)
    elif state in Order.State.values:
        qs = qs.filter(state=state)
    material = request.GET.get("material", "")
    if material.isdigit():
        qs = qs.filter(material_id=int(material))
    supplier = request.GET.get("supplier", "")
    wide = actor.community_wide
    if wide and supplier == "reserve":
        qs = qs.filter(supplier__isnull=True)
    elif wide and supplier.isdigit():
        qs = qs.filter(supplier_id=int(supplier))
    page = Paginator(qs.order_by("-created_at", "-pk"), 50).get_page(request.GET.get("page"))
    orders = list(page.object_list)
    shown = {o.pk for o in orders}
    # A refused form stays on the page even when the order is not on this page's list.
    orders[:0] = list(_orders(actor).filter(pk__in=set(errors) - shown))
    _decorate(actor, orders, errors, posted or {})
    query = "&".join(
        f"{k}={v}"
        for k, v in (("state", state), ("material", material), ("supplier", supplier))
        if v
    )
    return render(
        request,
        "supplies/order_list.html",
        {
            "orders": orders,
            "page": page,
            "query": query,
            "state": state,
            "states": [("open", _("Open (not yet delivered)")), *Order.State.choices],
            "material": material,
            "materials": Material.objects.filter(community_id=actor.community_id),
            "supplier": supplier,
            "suppliers": Supplier.objects.filter(community_id=actor.community_id) if wide else [],
            "wide": wide,
            "role": actor.role,
        },
        status=status,
    )


@require(Perm.ORDER_VIEW)
def orders(request: HttpRequest) -> HttpResponse:
    return _list_page(request)


def _order(actor: Actor, pk: int, perm: Perm = Perm.ORDER_VIEW) -> Order:
    return fetch(actor, _orders(actor), perm, pk=pk)


@require(Perm.ORDER_VIEW)
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    order = _order(actor, pk)
    _decorate(actor, [order], {}, {})
    return render(
        request, "supplies/order_detail.html", {"order": order, "wide": actor.community_wide}
    )


def _back(request: HttpRequest) -> HttpResponse:
    """Back to the page the form was on: the list (with its filters) or the order. A form shown
    again after a refusal sits at its action's address, which only takes POST: go to the list."""
    target = request.POST.get("next", "")
    if target.startswith("/") and not target.startswith("//"):
        try:
            match = resolve(target.split("?", 1)[0])
        except Resolver404:
            match = None
        if match is not None and match.url_name in ("orders", "order"):
            return redirect(target)
    return redirect("supplies:orders")


def _refused(
    request: HttpRequest, order: Order, exc: ServiceError, posted: dict[str, str]
) -> HttpResponse:
    field = exc.field or "action"
    return _list_page(request, errors={order.pk: {field: exc.message}}, posted=posted, status=400)


@require_POST
@require(Perm.ORDER_CONFIRM)
def confirm(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    order = _order(actor, pk, Perm.ORDER_CONFIRM)
    try:
        services.confirm_order(actor, order)
    except ServiceError as exc:
        if exc.code == "already":
            messages.info(request, exc.message)
            return _back(request)
        return _refused(request, order, exc, {})
    messages.success(request, _("Order confirmed."))
    return _back(request)


@require_POST
@require(Perm.ORDER_RECEIVE)
def receive(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    order = _order(actor, pk, Perm.ORDER_RECEIVE)
    posted = {"quantity": request.POST.get("quantity", ""), "note": request.POST.get("note", "")}
    try:
        delivery = services.receive(actor, order, posted["quantity"], note=posted["note"])
    except ServiceError as exc:
        return _refused(request, order, exc, posted)
    messages.success(
        request,
        _("Received %(n)s %(unit)s of %(material)s.")
        % {
            "n": delivery.quantity,
            "unit": display_unit(order.material),
            "material": display_name(order.material),
        },
    )
    return _back(request)


@require_POST
@require(Perm.ORDER_CANCEL)
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    order = _order(actor, pk)
    posted = {"reason": request.POST.get("reason", "")}
    try:
        services.cancel_order(actor, order, posted["reason"])
    except ServiceError as exc:
        return _refused(request, order, exc, posted)
    messages.success(request, _("Order cancelled; what was not delivered is free again."))
    return _back(request)


urlpatterns: list[URLPattern] = [
    path("orders/", orders, name="orders"),
    path("orders/<int:pk>/", order_detail, name="order"),
    path("orders/<int:pk>/confirm/", confirm, name="order_confirm"),
    path("orders/<int:pk>/receive/", receive, name="order_receive"),
    path("orders/<int:pk>/cancel/", cancel, name="order_cancel"),
]
