"""How supplies' notifications read (registered with workgate.core.notify).

- "supplies.order" (material, quantity, enterprise) to the supplier's accounts when an order is
  issued to them, and to the enterprise's officers ("an order is on its way");
- "supplies.shortage" (material, days) to the enterprise's officers once a day while a material
  lasts under the shortage threshold.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from workgate.core.models import Role
from workgate.core.notify import notify, recipients, register_kind


def _material(p: dict[str, Any]) -> dict[str, Any]:
    """The parameters with the material's name in the reader's language (both are stored)."""
    from django.utils.translation import get_language

    english = (get_language() or "").startswith("en")
    return {**p, "material": (p.get("material_en") if english else None) or p.get("material", "")}


def order_title(p: dict[str, Any]) -> str:
    return _("New order: %(quantity)s × %(material)s") % _material(p)


def order_body(p: dict[str, Any]) -> str:
    return _("For %(enterprise)s, from the supply-chain supermarket's allocation.") % p


def shortage_title(p: dict[str, Any]) -> str:
    return _("%(material)s runs short: %(days)s days left") % _material(p)


def shortage_body(p: dict[str, Any]) -> str:
    return _("Post a need in the supply-chain supermarket, or record a delivery received.")


def register() -> None:
    register_kind("supplies.order", order_title, order_body)
    register_kind("supplies.shortage", shortage_title, shortage_body)


def orders_issued(community_id: int, orders: list[Any]) -> None:
    """Tell each supplier and each enterprise about its orders (one notification per order).

    A group robot subscribed to "supplies.order" hears each order once: from the first call
    (the supplier's), or from the officers' when the order has no supplier.
    """
    from workgate.supplies.models import Supplier

    accounts: dict[int, list[Any]] = defaultdict(list)
    for s in Supplier.objects.filter(pk__in={o.supplier_id for o in orders if o.supplier_id}):
        accounts[s.pk] = list(s.accounts.filter(is_active=True))
    url = reverse("supplies:orders")
    for o in orders:
        params = {
            "quantity": o.quantity,
            "material": o.material.name,
            "material_en": o.material.name_en,
            "enterprise": o.enterprise.name,
        }
        if o.supplier_id:
            notify(
                users=accounts[o.supplier_id],
                community_id=community_id,
                kind="supplies.order",
                params=params,
                url=url,
            )
        notify(
            users=recipients(
                community_id=community_id, roles=[Role.OFFICER], enterprise_id=o.enterprise_id
            ),
            community_id=community_id,
            kind="supplies.order",
            params=params,
            url=url,
            enterprise_id=o.enterprise_id,
            robots_too=not o.supplier_id,
        )
