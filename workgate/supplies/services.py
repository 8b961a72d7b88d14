"""Every write of supplies: the catalogue and areas, the stock ledger, suppliers and offers,
needs, allocation runs with their pins and exclusions, and orders with their deliveries.

Stock changes only through `_post` (one ledger entry and the stock row, locked, in one
transaction), so stock always equals the sum of its ledger. Each function checks the actor's
permission and tenant, refuses with a message that names the field and the reason, and audits.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from workgate.core.access import Actor, Perm, require_own_enterprise
from workgate.core.audit import audit_record
from workgate.core.models import AuditEntry, Enterprise, Role
from workgate.core.services import ServiceError, clean_or_refuse, normalise_credit_code
from workgate.core.text import compact, normalise_text
from workgate.supplies import allocation
from workgate.supplies.models import (
    AllocationLine,
    AllocationRule,
    AllocationRun,
    Category,
    Delivery,
    DeliveryArea,
    EnterpriseArea,
    Holder,
    LedgerEntry,
    Material,
    Need,
    Offer,
    Order,
    Stock,
    Supplier,
    SuppliesSettings,
)
from workgate.supplies.templatetags.supplies_tags import display_name, display_unit

Kind = LedgerEntry.Kind
MAX_QUANTITY = 100_000_000


def local_today(community_id: int) -> dt.date:
    from workgate.resumption.services import local_today as today

    return today(community_id)


def settings_for(community_id: int) -> SuppliesSettings:
    row, _created = SuppliesSettings.objects.get_or_create(community_id=community_id)
    return row


# --- Parsing what people type --------------------------------------------------------------


def parse_count(value: Any, *, field: str = "quantity", allow_zero: bool = False) -> int:
    """A whole count of units as a tired clerk types it: "1,000", "１０００", " 500 " are fine;
    "2.5", "-3", "ten" are refused with the reason."""
    if isinstance(value, bool):
        raise ServiceError(_("Enter a whole number."), field=field)
    if isinstance(value, int):
        number = value
    else:
        text = compact(normalise_text(str(value if value is not None else ""))).replace(",", "")
        text = text.replace("，", "")
        if not text:
            raise ServiceError(_("Enter a quantity."), field=field)
        try:
            dec = Decimal(text)
        except InvalidOperation as exc:
            raise ServiceError(
                _("“%(value)s” is not a number.") % {"value": str(value)[:20]}, field=field
            ) from exc
        if dec != dec.to_integral_value():
            raise ServiceError(
                _("Materials are counted in whole units; “%(value)s” is not a whole number.")
                % {"value": str(value)[:20]},
                field=field,
            )
        number = int(dec)
    if number < 0:
        raise ServiceError(_("The quantity cannot be negative."), field=field)
    if number == 0 and not allow_zero:
        raise ServiceError(_("The quantity must be at least 1."), field=field)
    if number > MAX_QUANTITY:
        raise ServiceError(
            _("%(n)s is more than this platform counts in one go; check the figure.")
            % {"n": number},
            field=field,
        )
    return number


def parse_price(value: Any, *, field: str = "unit_price") -> Decimal:
    text = compact(normalise_text(str(value if value is not None else ""))).replace(",", "")
    text = text.removeprefix("¥").removeprefix("￥").removesuffix("元")
    try:
        price = Decimal(text)
    except InvalidOperation as exc:
        raise ServiceError(_("Enter the unit price in yuan, e.g. 1.20."), field=field) from exc
    if price < 0:
        raise ServiceError(_("The price cannot be negative."), field=field)
    if price != price.quantize(Decimal("0.01")):
        raise ServiceError(_("Prices have at most two decimals (fen)."), field=field)
    if price >= Decimal("100000000"):
        raise ServiceError(_("The unit price is too large; check the figure."), field=field)
    return price


def parse_day(value: Any, *, field: str, community_id: int, future: bool = True) -> dt.date | None:
    """A date as people type it (the roster import's parser: 2026-11-24, 2026/11/24,
    2026.11.24, 2026年11月24日, 20261124)."""
    from workgate.registry.importing.columns import CellError, parse_date

    if value in (None, ""):
        return None
    try:
        day = parse_date(value)
    except CellError:
        day = None
    if day is None:
        raise ServiceError(
            _("Enter the date as YYYY-MM-DD, e.g. %(eg)s.") % {"eg": local_today(community_id)},
            field=field,
        )
    if future and day < local_today(community_id):
        raise ServiceError(_("The date %(day)s is in the past.") % {"day": day}, field=field)
    return day


# --- Catalogue, areas, settings --------------------------------------------------------------

# (code, category, Chinese name, English name, unit zh, unit en, durable, use/person/day,
#  per 100 people)
DEFAULT_CATALOGUE = (
    (
        "mask-medical",
        Category.MASK,
        "一次性医用口罩",
        "Disposable medical mask",
        "只",
        "piece",
        False,
        "2",
        "0",
    ),
    (
        "mask-surgical",
        Category.MASK,
        "医用外科口罩",
        "Surgical mask",
        "只",
        "piece",
        False,
        "0",
        "0",
    ),
    (
        "mask-kn95",
        Category.MASK,
        "KN95/N95 口罩",
        "KN95/N95 respirator",
        "只",
        "piece",
        False,
        "0",
        "0",
    ),
    (
        "thermometer-forehead",
        Category.THERMOMETER,
        "额温枪",
        "Forehead thermometer",
        "个",
        "unit",
        True,
        "0",
        "1",
    ),
    (
        "thermometer-ear",
        Category.THERMOMETER,
        "耳温枪",
        "Ear thermometer",
        "个",
        "unit",
        True,
        "0",
        "0",
    ),
    (
        "disinfectant-chlorine",
        Category.DISINFECTANT,
        "84 消毒液(500 ml)",
        "Chlorine disinfectant (500 ml)",
        "瓶",
        "bottle",
        False,
        "0.02",
        "0",
    ),
    (
        "disinfectant-alcohol",
        Category.DISINFECTANT,
        "75% 酒精(500 ml)",
        "75% alcohol (500 ml)",
        "瓶",
        "bottle",
        False,
        "0.01",
        "0",
    ),
    ("gloves", Category.GLOVES, "一次性手套", "Disposable gloves", "副", "pair", False, "0", "0"),
    ("goggles", Category.GOGGLES, "护目镜", "Goggles", "副", "pair", True, "0", "2"),
    ("suit", Category.SUIT, "防护服", "Protective suit", "套", "suit", False, "0", "0"),
)


def ensure_catalogue(community_id: int) -> list[Material]:
    """The default catalogue (idempotent): what a community starts with and then extends."""
    existing = set(
        Material.objects.filter(community_id=community_id).values_list("code", flat=True)
    )
    new = [
        Material(
            community_id=community_id,
            code=code,
            category=cat,
            name=zh,
            name_en=en,
            unit=unit_zh,
            unit_en=unit_en,
            durable=durable,
            use_per_person_day=Decimal(use),
            per_hundred=Decimal(per100),
            position=i,
        )
        for i, (code, cat, zh, en, unit_zh, unit_en, durable, use, per100) in enumerate(
            DEFAULT_CATALOGUE
        )
        if code not in existing
    ]
    Material.objects.bulk_create(new)
    cfg = settings_for(community_id)
    if cfg.gate_material_id is None:
        cfg.gate_material = Material.objects.filter(
            community_id=community_id, code="mask-medical"
        ).first()
        cfg.save(update_fields=["gate_material"])
    return list(Material.objects.filter(community_id=community_id))


MATERIAL_FIELDS = (
    "name",
    "name_en",
    "category",
    "unit",
    "unit_en",
    "durable",
    "use_per_person_day",
    "per_hundred",
    "position",
    "active",
)


@transaction.atomic
def save_material(actor: Actor, material: Material | None, data: dict[str, Any]) -> Material:
    actor.check(Perm.SUPPLIES_CONFIGURE)
    if material is not None and material.community_id != actor.community_id:
        raise PermissionDenied
    creating = material is None
    if material is None:
        material = Material(community_id=actor.community_id)
        code = compact(str(data.get("code") or "")).lower()
        if not code:
            raise ServiceError(_("Enter a short code, e.g. mask-kn95."), field="code")
        if Material.objects.filter(community_id=actor.community_id, code=code).exists():
            raise ServiceError(_("Another material already has this code."), field="code")
        material.code = code
    for name in MATERIAL_FIELDS:
        if name in data:
            setattr(material, name, data[name])
    material.name = normalise_text(material.name or "")
    if not material.name:
        raise ServiceError(_("Enter the material's name."), field="name")
    if not normalise_text(material.unit or ""):
        raise ServiceError(_("Enter the unit it is counted in."), field="unit")
    clean_or_refuse(material, unique=False, constraints=False)
    material.save()
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE if creating else AuditEntry.Action.UPDATE,
        obj=material,
        community_id=actor.community_id,
    )
    return material


@transaction.atomic
def save_area(actor: Actor, name: str) -> DeliveryArea:
    actor.check(Perm.SUPPLIES_CONFIGURE)
    name = normalise_text(name or "")
    if not name:
        raise ServiceError(_("Enter the area's name."), field="name")
    area, created = DeliveryArea.objects.get_or_create(community_id=actor.community_id, name=name)
    if created:
        audit_record(
            actor=actor, action=AuditEntry.Action.CREATE, obj=area, community_id=actor.community_id
        )
    return area


@transaction.atomic
def assign_area(actor: Actor, enterprise: Enterprise, area: DeliveryArea | None) -> None:
    actor.check(Perm.SUPPLIES_CONFIGURE)
    if enterprise.community_id != actor.community_id or (
        area is not None and area.community_id != actor.community_id
    ):
        raise PermissionDenied
    if area is None:
        EnterpriseArea.objects.filter(enterprise=enterprise).delete()
    else:
        EnterpriseArea.objects.update_or_create(enterprise=enterprise, defaults={"area": area})
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=enterprise,
        detail={"delivery_area": area.name if area else ""},
        community_id=actor.community_id,
    )


@transaction.atomic
def save_settings(actor: Actor, data: dict[str, Any]) -> SuppliesSettings:
    actor.check(Perm.SUPPLIES_CONFIGURE)
    cfg = settings_for(actor.community_id)
    for name in ("shortage_days", "history_days", "cover_days"):
        if name in data:
            setattr(cfg, name, data[name])
    if "gate_material" in data:
        mat = data["gate_material"]
        if mat is not None and mat.community_id != actor.community_id:
            raise PermissionDenied
        cfg.gate_material = mat
    clean_or_refuse(cfg, unique=False, constraints=False)
    cfg.updated_at = timezone.now()
    cfg.save()
    audit_record(
        actor=actor, action=AuditEntry.Action.UPDATE, obj=cfg, community_id=actor.community_id
    )
    return cfg


# --- The ledger ------------------------------------------------------------------------------


def holder_of(community_id: int, enterprise_id: int | None) -> Holder:
    """The enterprise's stock holder, or the community reserve (None)."""
    if enterprise_id is None:
        row = Holder.objects.filter(community_id=community_id, enterprise__isnull=True).first()
        return row or Holder.objects.create(community_id=community_id)
    row, _created = Holder.objects.get_or_create(
        enterprise_id=enterprise_id, defaults={"community_id": community_id}
    )
    return row


def _check_holder(actor: Actor, holder: Holder) -> None:
    actor.check(Perm.STOCK_MANAGE)
    if holder.community_id != actor.community_id:
        raise PermissionDenied
    if not actor.community_wide and holder.enterprise_id != actor.enterprise_id:
        raise PermissionDenied


def _post(
    *,
    holder: Holder,
    material: Material,
    kind: str,
    quantity: int,
    label: str,
    day: dt.date | None = None,
    note: str = "",
    source: str = "",
    order: Order | None = None,
    allow_negative: bool = False,
) -> LedgerEntry:
    """The one way stock changes: lock the stock row, add the entry, move the balance."""
    if material.community_id != holder.community_id:
        raise PermissionDenied
    Stock.objects.get_or_create(holder=holder, material=material)
    stock = Stock.objects.select_for_update().get(holder=holder, material=material)
    balance = stock.quantity + quantity
    if balance < 0 and not allow_negative:
        raise ServiceError(
            _("Only %(n)s %(unit)s of %(material)s in stock; %(want)s cannot go out.")
            % {
                "n": stock.quantity,
                "unit": display_unit(material),
                "material": display_name(material),
                "want": -quantity,
            },
            field="quantity",
            code="short",
        )
    entry = LedgerEntry.objects.create(
        holder=holder,
        material=material,
        kind=kind,
        quantity=quantity,
        balance=balance,
        day=day or local_today(holder.community_id),
        note=note[:200],
        source=source[:120],
        order=order,
        actor_label=label,
    )
    stock.quantity = balance
    stock.updated_at = timezone.now()
    stock.save(update_fields=["quantity", "updated_at"])
    return entry


@transaction.atomic
def record_movement(
    actor: Actor,
    holder: Holder,
    material: Material,
    kind: str,
    quantity: Any,
    *,
    note: str = "",
    day: Any = None,
) -> LedgerEntry:
    """Received (in), used (out) or counted (an adjustment to the figure counted), by hand."""
    _check_holder(actor, holder)
    if material.community_id != actor.community_id:
        raise PermissionDenied
    note = normalise_text(note or "")
    when = parse_day(day, field="day", community_id=actor.community_id, future=False)
    if when is not None and when > local_today(actor.community_id):
        raise ServiceError(_("The date is in the future."), field="day")
    if kind == Kind.RECEIVED:
        delta = parse_count(quantity)
    elif kind == Kind.CONSUMED:
        delta = -parse_count(quantity)
    elif kind == Kind.ADJUSTED:
        counted = parse_count(quantity, allow_zero=True)
        if len(note) < 2:
            raise ServiceError(_("Say why the count differs (e.g. stocktake)."), field="note")
        current = (
            Stock.objects.filter(holder=holder, material=material)
            .values_list("quantity", flat=True)
            .first()
            or 0
        )
        delta = counted - current
        if delta == 0:
            raise ServiceError(_("The count is what the ledger already shows."), field="quantity")
    else:
        raise ServiceError(_("Choose received, used or counted."), field="kind")
    entry = _post(
        holder=holder,
        material=material,
        kind=kind,
        quantity=delta,
        label=actor.label,
        day=when,
        note=note,
        allow_negative=kind == Kind.ADJUSTED,
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=entry,
        object_repr=f"{material.code} {delta:+d}",
        community_id=actor.community_id,
        enterprise_id=holder.enterprise_id,
    )
    return entry


def gate_draw(community_id: int, *, days: int = 3, today: dt.date | None = None) -> int:
    """Draw the masks handed out at the gates (counted by daily health) from each enterprise's
    stock: for each of the last `days` days, whatever the gate counted beyond what was already
    drawn becomes one entry. Late uploads from an offline gate are drawn on the next run;
    running twice draws nothing twice. Returns the entries written."""
    from workgate.health.queries import masks_issued_by_day

    cfg = settings_for(community_id)
    if cfg.gate_material_id is None:
        return 0
    material = cfg.gate_material
    today = today or local_today(community_id)
    first = today - dt.timedelta(days=days - 1)
    issued = masks_issued_by_day(community_id=community_id, first=first, last=today)
    drawn: dict[tuple[int, dt.date], int] = defaultdict(int)
    for ent, day, total in (
        LedgerEntry.objects.filter(
            holder__community_id=community_id,
            material=material,
            kind=Kind.GATE,
            day__gte=first,
            day__lte=today,
        )
        .values_list("holder__enterprise_id", "day")
        .annotate(total=Sum("quantity"))
        .order_by()
    ):
        drawn[(ent, day)] = -int(total)
    written = 0
    for (ent, day), masks in sorted(issued.items()):
        missing = masks - drawn.get((ent, day), 0)
        if missing <= 0:
            continue
        with transaction.atomic():
            holder = holder_of(community_id, ent)
            # Re-read under the stock lock: another worker may have drawn meanwhile.
            Stock.objects.get_or_create(holder=holder, material=material)
            Stock.objects.select_for_update().get(holder=holder, material=material)
            already = -(
                LedgerEntry.objects.filter(
                    holder=holder, material=material, kind=Kind.GATE, day=day
                ).aggregate(n=Sum("quantity"))["n"]
                or 0
            )
            missing = masks - already
            if missing <= 0:
                continue
            _post(
                holder=holder,
                material=material,
                kind=Kind.GATE,
                quantity=-missing,
                label="system",
                day=day,
                source=f"gate:{day.isoformat()}",
                allow_negative=True,
            )
            written += 1
    return written


# --- Suppliers and offers --------------------------------------------------------------------


@transaction.atomic
def save_supplier(
    actor: Actor,
    supplier: Supplier | None,
    data: dict[str, Any],
    areas: list[DeliveryArea] | None = None,
) -> Supplier:
    actor.check(Perm.SUPPLIER_MANAGE)
    if supplier is not None and supplier.community_id != actor.community_id:
        raise PermissionDenied
    creating = supplier is None
    supplier = supplier or Supplier(community_id=actor.community_id)
    code = normalise_credit_code(data.get("credit_code", supplier.credit_code))
    clash = Supplier.objects.filter(community_id=actor.community_id, credit_code=code)
    if supplier.pk:
        clash = clash.exclude(pk=supplier.pk)
    if clash.exists():
        raise ServiceError(_("Another supplier already has this credit code."), field="credit_code")
    supplier.credit_code = code
    for name in ("name", "contact_name", "contact_phone", "address"):
        if name in data:
            setattr(supplier, name, normalise_text(str(data[name] or "")))
    if "active" in data:
        supplier.active = bool(data["active"])
    if not supplier.name:
        raise ServiceError(_("Enter the supplier's name."), field="name")
    if not supplier.contact_name:
        raise ServiceError(_("Enter a contact person."), field="contact_name")
    from workgate.core.phones import normalise_phone

    phone = normalise_phone(supplier.contact_phone)
    if not phone:
        raise ServiceError(
            _("“%(value)s” is not a mobile or landline number.")
            % {"value": supplier.contact_phone[:20]},
            field="contact_phone",
        )
    supplier.contact_phone = phone
    clean_or_refuse(supplier, unique=False, constraints=False)
    supplier.save()
    if areas is not None:
        if any(a.community_id != actor.community_id for a in areas):
            raise PermissionDenied
        supplier.areas.set(areas)
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE if creating else AuditEntry.Action.UPDATE,
        obj=supplier,
        community_id=actor.community_id,
    )
    return supplier


def supplier_of(actor: Actor) -> Supplier | None:
    """The supplier a supplier-role account keeps."""
    if actor.role != Role.SUPPLIER or actor.user is None:
        return None
    return Supplier.objects.filter(community_id=actor.community_id, accounts=actor.user).first()


def _check_supplier(actor: Actor, supplier: Supplier) -> None:
    actor.check(Perm.OFFER_MANAGE)
    if supplier.community_id != actor.community_id:
        raise PermissionDenied
    if actor.role == Role.SUPPLIER and not supplier.accounts.filter(pk=actor.user.pk).exists():
        raise PermissionDenied


@transaction.atomic
def save_offer(
    actor: Actor,
    supplier: Supplier,
    offer: Offer | None,
    data: dict[str, Any],
    areas: list[DeliveryArea] | None = None,
) -> Offer:
    """Create or change an offer. Every change raises its version, so that an allocation
    computed on the older figures is not issued."""
    _check_supplier(actor, supplier)
    if offer is not None:
        offer = Offer.objects.select_for_update().get(pk=offer.pk)
        if offer.supplier_id != supplier.pk:
            raise PermissionDenied
    creating = offer is None
    offer = offer or Offer(supplier=supplier)
    if "material" in data:
        material = data["material"]
        if material is None or material.community_id != actor.community_id:
            raise ServiceError(_("Choose a material."), field="material")
        offer.material = material
    elif creating:
        raise ServiceError(_("Choose a material."), field="material")
    if "quantity" in data or creating:
        offer.quantity = parse_count(data.get("quantity"), allow_zero=not creating)
    if "unit_price" in data or creating:
        offer.unit_price = parse_price(data.get("unit_price"))
    if "min_order" in data:
        offer.min_order = parse_count(data.get("min_order") or 1, field="min_order")
    if "lead_days" in data:
        offer.lead_days = parse_count(
            data.get("lead_days") or 0, field="lead_days", allow_zero=True
        )
    if "active" in data:
        offer.active = bool(data["active"])
    if offer.min_order > max(offer.quantity, 1) and offer.active:
        raise ServiceError(
            _("The minimum order (%(min)s) is more than the quantity available (%(n)s).")
            % {"min": offer.min_order, "n": offer.quantity},
            field="min_order",
        )
    clean_or_refuse(offer, unique=False, constraints=False)
    if not creating:
        offer.version = F("version") + 1
    offer.updated_at = timezone.now()
    offer.updated_by_label = actor.label
    offer.save()
    offer.refresh_from_db()
    if areas is not None:
        if any(a.community_id != actor.community_id for a in areas):
            raise PermissionDenied
        offer.areas.set(areas)
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE if creating else AuditEntry.Action.UPDATE,
        obj=offer,
        community_id=actor.community_id,
        detail={
            "quantity": offer.quantity,
            "unit_price": str(offer.unit_price),
            "version": offer.version,
        },
    )
    return offer


# --- Needs -----------------------------------------------------------------------------------


@transaction.atomic
def post_need(
    actor: Actor,
    enterprise: Enterprise,
    material: Material,
    quantity: Any,
    *,
    by_date: Any = None,
    note: str = "",
    proposed: bool = False,
) -> Need:
    require_own_enterprise(actor, enterprise, Perm.NEED_POST)
    if material.community_id != actor.community_id or not material.active:
        raise ServiceError(_("Choose a material."), field="material")
    need = Need.objects.create(
        enterprise=enterprise,
        material=material,
        quantity=parse_count(quantity),
        by_date=parse_day(by_date, field="by_date", community_id=actor.community_id),
        note=normalise_text(note or "")[:200],
        proposed=proposed,
        posted_by_label=actor.label,
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=need,
        object_repr=f"{material.code} × {need.quantity}",
        community_id=actor.community_id,
        enterprise_id=enterprise.pk,
    )
    return need


@transaction.atomic
def withdraw_need(actor: Actor, need: Need) -> Need:
    need = Need.objects.select_for_update().select_related("enterprise").get(pk=need.pk)
    require_own_enterprise(actor, need.enterprise, Perm.NEED_POST)
    if need.state == Need.State.CANCELLED:
        raise ServiceError(_("This need was already withdrawn."), code="already")
    if need.state == Need.State.ORDERED:
        raise ServiceError(_("Everything of this need is ordered; cancel the orders instead."))
    need.state = Need.State.CANCELLED
    need.save(update_fields=["state"])
    AllocationRule.objects.filter(need=need).delete()
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=need,
        detail={"state": need.state},
        community_id=actor.community_id,
        enterprise_id=need.enterprise_id,
    )
    return need


def _need_state(need: Need) -> str:
    if need.state == Need.State.CANCELLED:
        return need.state
    if need.ordered >= need.quantity:
        return Need.State.ORDERED
    return Need.State.PARTLY if need.ordered else Need.State.OPEN


# --- Allocation ------------------------------------------------------------------------------


@dataclass
class RunInput:
    needs: list[allocation.Need]
    offers: list[allocation.Offer]
    need_rows: dict[int, Need]
    offer_rows: dict[int, Offer]
    facts: dict[int, dict[str, Any]]  # need id → urgency facts for the explanation


def reserve_id(material_id: int) -> int:
    """The reserve of a material as the solver sees it: an offer with a negative id."""
    return -material_id


def gather(community_id: int, *, with_empty: bool = False, weigh: bool = True) -> RunInput:
    """Open needs, live offers and reserve stock, as the solver's plain records (`with_empty`:
    also offers with nothing left, to say why a need went unmet; `weigh=False`: skip reading
    stock and people for the urgency, when only who could reach whom matters)."""
    from workgate.supplies.queries import supply_facts

    today = local_today(community_id)
    cfg = settings_for(community_id)
    need_rows = {
        n.pk: n
        for n in Need.objects.filter(
            enterprise__community_id=community_id,
            state__in=[Need.State.OPEN, Need.State.PARTLY],
            material__active=True,
        ).select_related("material", "enterprise")
        if n.outstanding > 0
    }
    areas = dict(
        EnterpriseArea.objects.filter(enterprise__community_id=community_id).values_list(
            "enterprise_id", "area_id"
        )
    )
    pairs = {(n.enterprise_id, n.material_id) for n in need_rows.values()}
    facts_by = supply_facts(community_id, pairs) if weigh else {}
    needs: list[allocation.Need] = []
    facts: dict[int, dict[str, Any]] = {}
    for i, n in enumerate(sorted(need_rows.values(), key=lambda n: (n.posted_at, n.pk))):
        f = facts_by.get((n.enterprise_id, n.material_id), {})
        people = max(int(f.get("people", 0)), 1)
        days, target, stock = f.get("days"), f.get("target"), int(f.get("stock", 0))
        if days is None and target:
            # A durable (thermometers): ×3 with none at all, ×2 with fewer than needed.
            tier = 3 if stock <= 0 else 2 if stock < target else 1
        else:
            tier = urgency_tier(days, cfg.shortage_days)
        facts[n.pk] = {
            "people": people,
            "days": days,
            "tier": tier,
            "stock": stock,
            "target": target,
        }
        needs.append(
            allocation.Need(
                id=n.pk,
                material=n.material_id,
                quantity=n.outstanding,
                urgency=float(people * tier),
                area=areas.get(n.enterprise_id),
                by_day=(n.by_date - today).days if n.by_date else None,
                order=i,
            )
        )
    offer_rows = {
        o.pk: o
        for o in Offer.objects.filter(
            supplier__community_id=community_id,
            supplier__active=True,
            active=True,
            quantity__gte=0 if with_empty else 1,
            material__active=True,
        ).select_related("supplier", "material")
    }
    offer_areas: dict[int, set[int]] = defaultdict(set)
    for oid, aid in Offer.areas.through.objects.filter(offer_id__in=offer_rows).values_list(
        "offer_id", "deliveryarea_id"
    ):
        offer_areas[oid].add(aid)
    supplier_areas: dict[int, set[int]] = defaultdict(set)
    for sid, aid in Supplier.areas.through.objects.filter(
        supplier__community_id=community_id
    ).values_list("supplier_id", "deliveryarea_id"):
        supplier_areas[sid].add(aid)
    offers = []
    for o in offer_rows.values():
        areas_o = offer_areas.get(o.pk) or supplier_areas.get(o.supplier_id)
        offers.append(
            allocation.Offer(
                id=o.pk,
                material=o.material_id,
                available=o.quantity,
                min_order=o.min_order,
                price=int(o.unit_price * 100),
                lead_days=o.lead_days,
                areas=frozenset(areas_o) if areas_o else None,
                order=o.pk,
            )
        )
    reserve = reserve_available(community_id)
    for material_id, units in reserve.items():
        if units > 0:
            offers.append(
                allocation.Offer(
                    id=reserve_id(material_id),
                    material=material_id,
                    available=units,
                    min_order=1,
                    price=0,
                    lead_days=0,
                )
            )
    return RunInput(needs, offers, need_rows, offer_rows, facts)


def urgency_tier(days: float | None, shortage_days: int) -> int:
    """×3 when stock is gone or lasts under a day, ×2 under the shortage threshold, else ×1."""
    if days is None:
        return 1
    if days < 1:
        return 3
    return 2 if days < shortage_days else 1


def reserve_available(community_id: int) -> dict[int, int]:
    """Reserve stock per material, less what open reserve orders will take."""
    from workgate.supplies.queries import reserve_stock

    stock = reserve_stock(community_id)
    for material_id, quantity, delivered in Order.objects.filter(
        community_id=community_id,
        supplier__isnull=True,
        state__in=[Order.State.ISSUED, Order.State.CONFIRMED, Order.State.PARTLY],
    ).values_list("material_id", "quantity", "delivered"):
        stock[material_id] = stock.get(material_id, 0) - (quantity - delivered)
    return stock


@transaction.atomic
def run_allocation(actor: Actor) -> AllocationRun:
    """Solve the allocation for every open need, prove it optimal, explain each line."""
    actor.check(Perm.ALLOCATION_RUN)
    data = gather(actor.community_id)
    pins: dict[tuple[int, int], int] = {}
    excluded: set[tuple[int, int]] = set()
    for rule in AllocationRule.objects.filter(need_id__in=data.need_rows):
        key = (rule.need_id, rule.offer_id or reserve_id(data.need_rows[rule.need_id].material_id))
        if rule.kind == AllocationRule.Kind.PIN:
            pins[key] = rule.quantity
        else:
            excluded.add(key)
    try:
        result = allocation.solve(data.needs, data.offers, pins=pins, excluded=excluded)
    except allocation.PinConflict as exc:
        raise ServiceError(_pin_message(exc, data), field="rules", code="infeasible") from exc
    greedy = allocation.greedy(data.needs, data.offers)
    p = result.proof
    run = AllocationRun.objects.create(
        community_id=actor.community_id,
        started_by_label=actor.label,
        optimal=p.optimal,
        status=p.status,
        weighted_met=p.weighted_met,
        weighted_bound=p.weighted_bound,
        weighted_total=p.weighted_total,
        cost=Decimal(p.cost) / 100,
        cost_bound=Decimal(p.cost_bound) / 100,
        greedy_weighted_met=greedy.proof.weighted_met,
        greedy_cost=Decimal(greedy.proof.cost) / 100,
        needs=len(data.needs),
        offers=len(data.offers),
        columns=p.columns,
        nodes=p.nodes,
        seconds=p.seconds,
    )
    from workgate.supplies.explain import explain

    whys = explain(data, result, pins, excluded)
    urgency = {n.id: n.urgency for n in data.needs}
    AllocationLine.objects.bulk_create(
        AllocationLine(
            run=run,
            need_id=line.need,
            offer_id=line.offer if line.offer > 0 else None,
            offer_version=data.offer_rows[line.offer].version if line.offer > 0 else 0,
            quantity=line.quantity,
            unit_price=data.offer_rows[line.offer].unit_price if line.offer > 0 else Decimal(0),
            urgency=urgency[line.need],
            pinned=(line.need, line.offer) in pins,
            why=whys.get((line.need, line.offer), {}),
        )
        for line in result.lines
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=run,
        community_id=actor.community_id,
        detail={
            "lines": len(result.lines),
            "optimal": p.optimal,
            "weighted_met": round(p.weighted_met, 3),
        },
    )
    return run


def _pin_message(exc: allocation.PinConflict, data: RunInput) -> str:
    parts = []
    for code, need_id, offer_id in exc.problems:
        need = data.need_rows.get(need_id)
        offer = data.offer_rows.get(offer_id)
        who = need.enterprise.name if need else ""
        what = offer.supplier.name if offer else _("the community reserve")
        if code == "ineligible":
            parts.append(
                _("%(who)s cannot be served by %(what)s (area, date or material).")
                % {"who": who, "what": what}
            )
        elif code == "under_minimum":
            parts.append(
                _("The pin of %(who)s on %(what)s is under its minimum order.")
                % {"who": who, "what": what}
            )
        elif code == "offer_short":
            parts.append(_("The pins on %(what)s add up to more than it has.") % {"what": what})
        else:
            parts.append(_("The pins for %(who)s add up to more than it needs.") % {"who": who})
    return _("The pinned lines cannot all hold: %(why)s Change or remove a pin and run again.") % {
        "why": " ".join(parts)
    }


@transaction.atomic
def set_rule(actor: Actor, line: AllocationLine, kind: str, quantity: Any = None) -> AllocationRule:
    """Pin a line (this need gets this much from this offer in the next runs) or exclude it."""
    actor.check(Perm.ALLOCATION_RUN)
    if line.run.community_id != actor.community_id:
        raise PermissionDenied
    if kind not in AllocationRule.Kind.values:
        raise ServiceError(_("Choose pin or exclude."), field="kind")
    qty = (
        parse_count(quantity if quantity not in (None, "") else line.quantity)
        if kind == "pin"
        else 0
    )
    AllocationRule.objects.filter(need_id=line.need_id, offer_id=line.offer_id).delete()
    rule = AllocationRule.objects.create(
        need_id=line.need_id,
        offer_id=line.offer_id,
        kind=kind,
        quantity=qty,
        created_by_label=actor.label,
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=rule,
        object_repr=f"{kind} need {line.need_id}",
        community_id=actor.community_id,
    )
    return rule


@transaction.atomic
def clear_rule(actor: Actor, rule: AllocationRule) -> None:
    actor.check(Perm.ALLOCATION_RUN)
    if rule.need.enterprise.community_id != actor.community_id:
        raise PermissionDenied
    audit_record(
        actor=actor,
        action=AuditEntry.Action.DELETE,
        obj=rule,
        object_repr=f"{rule.kind} need {rule.need_id}",
        community_id=actor.community_id,
    )
    rule.delete()


@transaction.atomic
def issue_orders(actor: Actor, run: AllocationRun) -> list[Order]:
    """Turn a run's lines into orders. Refused whole if an offer changed since the run (the
    supplier edited it, or another run's orders took from it): the allocation must be run
    again on the current figures. Nothing is issued twice."""
    actor.check(Perm.ALLOCATION_RUN)
    run = AllocationRun.objects.select_for_update().get(pk=run.pk)
    if run.community_id != actor.community_id:
        raise PermissionDenied
    if run.issued_at is not None:
        raise ServiceError(_("The orders of this run were already issued."), code="already")
    latest = (
        AllocationRun.objects.filter(community_id=run.community_id)
        .order_by("-created_at", "-pk")
        .first()
    )
    if latest is not None and latest.pk != run.pk:
        raise ServiceError(_("A newer allocation has been run; issue that one."), code="stale")
    lines = list(run.lines.select_related("need__enterprise", "need__material", "offer__supplier"))
    offers = {
        o.pk: o
        for o in Offer.objects.select_for_update().filter(
            pk__in={ln.offer_id for ln in lines if ln.offer_id}
        )
    }
    changed = sorted(
        {
            f"{o.supplier.name} · {o.material.name}"
            for ln in lines
            if ln.offer_id
            for o in [offers[ln.offer_id]]
            if o.version != ln.offer_version or not o.active
        }
    )
    if changed:
        raise ServiceError(
            _(
                "These offers changed after the allocation was run: %(offers)s. Run the allocation "
                "again to use the current figures."
            )
            % {"offers": "; ".join(changed)},
            code="stale",
        )
    needs = {
        n.pk: n
        for n in Need.objects.select_for_update().filter(pk__in={ln.need_id for ln in lines})
    }
    reserve = reserve_available(run.community_id)
    taken: dict[int, int] = defaultdict(int)
    for ln in lines:
        need = needs[ln.need_id]
        if need.state == Need.State.CANCELLED or need.outstanding < ln.quantity:
            raise ServiceError(
                _("The need of %(who)s changed after the allocation was run. Run it again.")
                % {"who": ln.need.enterprise.name},
                code="stale",
            )
        if ln.offer_id is None:
            taken[need.material_id] += ln.quantity
    for material_id, qty in taken.items():
        if qty > reserve.get(material_id, 0):
            raise ServiceError(
                _("The reserve changed after the allocation was run. Run it again."), code="stale"
            )
    orders = []
    for ln in lines:
        need = needs[ln.need_id]
        offer = offers.get(ln.offer_id) if ln.offer_id else None
        if offer is not None:
            if ln.quantity > offer.quantity:
                raise ServiceError(
                    _("The offers changed after the allocation was run. Run it again."),
                    code="stale",
                )
            offer.quantity -= ln.quantity
            offer.version += 1
        need.ordered += ln.quantity
        need.state = _need_state(need)
        orders.append(
            Order(
                community_id=run.community_id,
                enterprise_id=need.enterprise_id,
                supplier_id=offer.supplier_id if offer else None,
                offer=offer,
                material_id=need.material_id,
                need=need,
                line=ln,
                quantity=ln.quantity,
                unit_price=ln.unit_price,
            )
        )
    for offer in offers.values():
        offer.save(update_fields=["quantity", "version"])
    for need in needs.values():
        need.save(update_fields=["ordered", "state"])
    Order.objects.bulk_create(orders)
    run.issued_at = timezone.now()
    run.save(update_fields=["issued_at"])
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=run,
        detail={"orders": len(orders)},
        community_id=run.community_id,
    )
    from workgate.supplies.notifications import orders_issued

    orders_issued(run.community_id, orders)
    return orders


# --- Orders ----------------------------------------------------------------------------------


def _lock_order(order: Order) -> Order:
    return (
        Order.objects.select_for_update(of=("self",))
        .select_related("material", "supplier", "enterprise")
        .get(pk=order.pk)
    )


def _check_order_side(actor: Actor, order: Order, perm: Perm) -> None:
    actor.check(perm)
    if order.community_id != actor.community_id:
        raise PermissionDenied
    if actor.community_wide:
        return
    if actor.role == Role.SUPPLIER:
        if (
            order.supplier_id is None
            or not order.supplier.accounts.filter(pk=actor.user.pk).exists()
        ):
            raise PermissionDenied
        return
    if order.enterprise_id != actor.enterprise_id:
        raise PermissionDenied


@transaction.atomic
def confirm_order(actor: Actor, order: Order) -> Order:
    order = _lock_order(order)
    _check_order_side(actor, order, Perm.ORDER_CONFIRM)
    if order.state == Order.State.CONFIRMED:
        raise ServiceError(_("This order is already confirmed."), code="already")
    if order.state != Order.State.ISSUED:
        raise ServiceError(
            _("Only an issued order can be confirmed; this one is %(state)s.")
            % {"state": order.get_state_display()},
            code="state",
        )
    order.state = Order.State.CONFIRMED
    order.confirmed_at = timezone.now()
    order.save(update_fields=["state", "confirmed_at"])
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=order,
        detail={"state": order.state},
        community_id=order.community_id,
    )
    return order


@transaction.atomic
def receive(actor: Actor, order: Order, quantity: Any, *, note: str = "") -> Delivery:
    """The enterprise received part or all of an order: a delivery, and the stock rises.
    More than is still outstanding is refused."""
    order = _lock_order(order)
    _check_order_side(actor, order, Perm.ORDER_RECEIVE)
    if actor.role == Role.SUPPLIER:
        raise PermissionDenied
    if order.state not in (Order.State.ISSUED, Order.State.CONFIRMED, Order.State.PARTLY):
        raise ServiceError(
            _("Nothing more can be received on this order; it is %(state)s.")
            % {"state": order.get_state_display()},
            code="state",
        )
    if order.from_reserve is False and order.state == Order.State.ISSUED:
        raise ServiceError(_("The supplier has not confirmed this order yet."), code="state")
    qty = parse_count(quantity)
    if qty > order.outstanding:
        raise ServiceError(
            _("%(n)s is more than is still to come on this order (%(left)s of %(ordered)s).")
            % {"n": qty, "left": order.outstanding, "ordered": order.quantity},
            field="quantity",
        )
    note = normalise_text(note or "")
    delivery = Delivery.objects.create(
        order=order, quantity=qty, received_by_label=actor.label, note=note[:200]
    )
    if order.from_reserve:
        reserve = holder_of(order.community_id, None)
        _post(
            holder=reserve,
            material=order.material,
            kind=Kind.TRANSFER_OUT,
            quantity=-qty,
            label=actor.label,
            order=order,
            source=f"order:{order.pk}",
            note=order.enterprise.name,
        )
    holder = holder_of(order.community_id, order.enterprise_id)
    _post(
        holder=holder,
        material=order.material,
        kind=Kind.RECEIVED,
        quantity=qty,
        label=actor.label,
        order=order,
        source=f"order:{order.pk}",
        note=note,
    )
    order.delivered += qty
    order.state = Order.State.DELIVERED if order.outstanding == 0 else Order.State.PARTLY
    if order.state == Order.State.DELIVERED:
        order.closed_at = timezone.now()
    order.save(update_fields=["delivered", "state", "closed_at"])
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=delivery,
        object_repr=f"order {order.pk} +{qty}",
        community_id=order.community_id,
        enterprise_id=order.enterprise_id,
    )
    return delivery


@transaction.atomic
def cancel_order(actor: Actor, order: Order, reason: str) -> Order:
    """Cancel what is not yet delivered: it goes back to the offer (or the reserve) and the
    need is open for it again. An order with deliveries is closed short, not cancelled."""
    order = _lock_order(order)
    _check_order_side(actor, order, Perm.ORDER_CANCEL)
    reason = normalise_text(reason or "")
    if len(reason) < 2:
        raise ServiceError(_("Say why the order is cancelled."), field="reason")
    if order.state in (Order.State.DELIVERED, Order.State.CANCELLED, Order.State.CLOSED):
        raise ServiceError(
            _("This order is %(state)s; there is nothing left to cancel.")
            % {"state": order.get_state_display()},
            code="state",
        )
    left = order.outstanding
    if order.offer_id:
        Offer.objects.filter(pk=order.offer_id).update(
            quantity=F("quantity") + left, version=F("version") + 1
        )
    need = Need.objects.select_for_update().get(pk=order.need_id)
    need.ordered = max(need.ordered - left, 0)
    need.state = _need_state(need)
    need.save(update_fields=["ordered", "state"])
    order.state = Order.State.CLOSED if order.delivered else Order.State.CANCELLED
    order.closed_at = timezone.now()
    order.note = reason[:200]
    order.save(update_fields=["state", "closed_at", "note"])
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=order,
        detail={"state": order.state, "returned": left},
        community_id=order.community_id,
    )
    return order


def shortages_notify(community_id: int) -> int:
    """Once a day per (enterprise, material): a notification to its officers while the material
    lasts under the shortage threshold. Returns notifications sent."""
    from workgate.core.models import Notification, Role
    from workgate.core.notify import notify, recipients
    from workgate.supplies.queries import supplies

    today = local_today(community_id)
    sent_today = set(
        Notification.objects.filter(
            community_id=community_id,
            kind="supplies.shortage",
            created_at__date__gte=today - dt.timedelta(days=1),
        ).values_list("enterprise_id", "params__code")
    )
    sent = 0
    for s in supplies(community_id):
        if not s.shortage or s.days is None or not s.people:
            continue
        if (s.enterprise_id, s.material.code) in sent_today:
            continue
        sent += notify(
            users=recipients(
                community_id=community_id, roles=[Role.OFFICER], enterprise_id=s.enterprise_id
            ),
            community_id=community_id,
            kind="supplies.shortage",
            params={
                "material": s.material.name,
                "material_en": s.material.name_en,
                "code": s.material.code,
                "days": round(s.days, 1),
            },
            enterprise_id=s.enterprise_id,
        )
    return sent


# --- Supplier pages: accounts and certifications (added with the supermarket pages) ---------

CERT_MAX_MB = 10


@transaction.atomic
def link_supplier_account(
    actor: Actor, supplier: Supplier, user: Any, *, link: bool = True
) -> None:
    """Let a supplier-role account of the community keep this supplier's offers (or stop)."""
    from workgate.core.models import Membership

    actor.check(Perm.SUPPLIER_MANAGE)
    if supplier.community_id != actor.community_id:
        raise PermissionDenied
    if link:
        if (
            user is None
            or not Membership.objects.filter(
                user=user, community_id=actor.community_id, role=Role.SUPPLIER, is_active=True
            ).exists()
        ):
            raise ServiceError(_("Choose an account with the supplier role."), field="account")
        supplier.accounts.add(user)
    else:
        supplier.accounts.remove(user)
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=supplier,
        detail={"account": user.get_username() if user else "", "linked": link},
        community_id=actor.community_id,
    )


def _certificate_bytes(upload: Any) -> tuple[bytes, str, str]:
    """A PDF as it is, or a JPEG/PNG re-encoded (which drops EXIF and anything hidden in it);
    anything else is refused by what it is, not what its name says."""
    import io
    from pathlib import Path

    from PIL import Image, ImageOps, UnidentifiedImageError

    name = Path(getattr(upload, "name", "") or "file").name[:200]
    limit = CERT_MAX_MB * 1024 * 1024
    size = getattr(upload, "size", None)
    data = b"" if size is not None and size > limit else upload.read(limit + 1)
    if (size is not None and size > limit) or len(data) > limit:
        raise ServiceError(
            _("“%(name)s” is larger than %(max)s MB; files up to %(max)s MB are accepted.")
            % {"name": name, "max": CERT_MAX_MB},
            field="file",
        )
    if not data:
        raise ServiceError(_("Choose the file to upload."), field="file")
    if data.startswith(b"%PDF-"):
        return data, "application/pdf", "pdf"
    try:
        with Image.open(io.BytesIO(data)) as img:
            fmt = img.format
            if fmt not in ("JPEG", "PNG"):
                raise UnidentifiedImageError(fmt)
            img.load()
            img = ImageOps.exif_transpose(img)
            out = io.BytesIO()
            if fmt == "PNG":
                img.save(out, "PNG", optimize=True)
            else:
                img.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise ServiceError(
            _("“%(name)s” is not a PDF, JPEG or PNG file.") % {"name": name}, field="file"
        ) from None
    if fmt == "PNG":
        return out.getvalue(), "image/png", "png"
    return out.getvalue(), "image/jpeg", "jpg"


@transaction.atomic
def add_certification(actor: Actor, supplier: Supplier, title: str, upload: Any) -> Any:
    """Keep a licence or certificate of the supplier (PDF, JPEG or PNG up to 10 MB)."""
    import uuid

    from django.core.files.base import ContentFile

    from workgate.supplies.models import Certification

    _check_supplier(actor, supplier)
    title = normalise_text(title or "")
    if not title:
        raise ServiceError(_("Enter what the document is, e.g. business licence."), field="title")
    if upload is None:
        raise ServiceError(_("Choose the file to upload."), field="file")
    data, content_type, ext = _certificate_bytes(upload)
    cert = Certification(
        supplier=supplier,
        title=title[:120],
        content_type=content_type,
        size=len(data),
        uploaded_by_label=actor.label,
    )
    cert.file.save(f"{uuid.uuid4().hex}.{ext}", ContentFile(data), save=False)
    cert.save()
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=cert,
        community_id=actor.community_id,
    )
    return cert


# --- end of the supplier pages' block --------------------------------------------------------
