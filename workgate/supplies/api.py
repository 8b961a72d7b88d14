"""API of supplies and the supply-chain supermarket: the catalogue, each enterprise's stock with
its burn rate and days of supply, the ledger and hand movements, needs and proposals,
suppliers and their offers, allocation runs with their proof and explained lines, and the
orders they become (confirmed by the supplier, received in one or several deliveries).

Handlers are thin: writes go through `services`, reads through `queries` and `scope`. Counts,
prices and dates are taken as people type them ("1,000", "¥1.20", "2026年11月24日") and refused
by the services with a message naming the field."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.pagination import paginate
from pydantic import Field

from workgate.core.access import Actor, Perm, actor_of, api_require, fetch, scope
from workgate.core.models import Enterprise
from workgate.core.services import ServiceError
from workgate.supplies import queries, services
from workgate.supplies.explain import describe
from workgate.supplies.models import (
    AllocationLine,
    AllocationRule,
    AllocationRun,
    DeliveryArea,
    LedgerEntry,
    Material,
    Need,
    Offer,
    Order,
    Supplier,
)

router = Router(tags=["supplies"])

API = "/supplies"

# What people type: a whole count ("1,000", "１０００") or a price ("1.20", "¥1.2"). A number
# with a fraction reaches the service, which says why it is refused (rather than a type error).
Count = int | float | str
Price = str | int | float


def _enterprise(actor: Actor, enterprise_id: int | None, perm: Perm) -> Enterprise:
    """The enterprise named, inside the actor's tenant; an officer's own when none is named."""
    if enterprise_id is None:
        enterprise_id = actor.enterprise_id
        if enterprise_id is None:
            raise ServiceError(_("Choose an enterprise."), field="enterprise")
    return fetch(actor, Enterprise.objects.all(), perm, pk=enterprise_id)


def _material(actor: Actor, material_id: int | None, field: str = "material") -> Material:
    """A material of the actor's community. Materials are the community's catalogue (no
    enterprise field), so they are looked up by community for every role."""
    material = (
        Material.objects.filter(community_id=actor.community_id, pk=material_id).first()
        if material_id is not None
        else None
    )
    if material is None:
        raise ServiceError(_("Choose a material."), field=field)
    return material


def _areas(actor: Actor, ids: list[int] | None) -> list[DeliveryArea] | None:
    if ids is None:
        return None
    areas = list(DeliveryArea.objects.filter(community_id=actor.community_id, pk__in=set(ids)))
    if len(areas) != len(set(ids)):
        raise ServiceError(_("Choose delivery areas of this community."), field="areas")
    return areas


def _conflict(request: HttpRequest, exc: ServiceError) -> Any:
    """A refusal because the figures changed meanwhile (or it was done already): 409."""
    from workgate.api import error_response

    fields = {exc.field: exc.message} if exc.field else {}
    return error_response(request, 409, exc.code, exc.message, fields)


# --- The catalogue --------------------------------------------------------------------------


class MaterialOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    category: str
    unit: str
    unit_en: str
    durable: bool
    use_per_person_day: Decimal
    per_hundred: Decimal
    position: int
    active: bool


class MaterialIn(Schema):
    code: str = Field(description="A short code, e.g. mask-kn95")
    name: str
    name_en: str = ""
    category: str = Field("other", description="mask, thermometer, disinfectant, gloves, …")
    unit: str
    unit_en: str = ""
    durable: bool = False
    use_per_person_day: Decimal = Field(Decimal(0), ge=0)
    per_hundred: Decimal = Field(Decimal(0), ge=0, description="Durable: per 100 on duty")
    position: int = Field(0, ge=0)
    active: bool = True


def _catalogue(actor: Actor) -> list[Material]:
    services.ensure_catalogue(actor.community_id)
    return list(Material.objects.filter(community_id=actor.community_id))


@router.get(f"{API}/materials", response=list[MaterialOut])
@api_require(Perm.SUPPLIES_VIEW)
def material_list(request: HttpRequest) -> Any:
    """The community's materials (the default catalogue the first time)."""
    return _catalogue(actor_of(request))


@router.get(f"{API}/catalogue", response=list[MaterialOut])
@api_require(Perm.SUPPLIER_VIEW)
def material_catalogue(request: HttpRequest) -> Any:
    """The same catalogue for suppliers (who do not see enterprises' stock): what offers can
    be made for."""
    return _catalogue(actor_of(request))


@router.post(f"{API}/materials", response={201: MaterialOut})
@api_require(Perm.SUPPLIES_CONFIGURE)
def material_create(request: HttpRequest, payload: MaterialIn) -> Any:
    actor = actor_of(request)
    services.ensure_catalogue(actor.community_id)
    material = services.save_material(actor, None, payload.dict())
    return Status(201, Material.objects.get(pk=material.pk))  # as stored, e.g. 5.00


# --- Stock and the ledger -------------------------------------------------------------------


class SupplyOut(Schema):
    enterprise_id: int | None
    material_id: int
    material_code: str
    material_name: str
    unit: str
    durable: bool
    people: int
    stock: int
    burn: float | None = Field(description="Units per day")
    burn_source: str = Field(description="history, policy, or empty when not known")
    days: float | None = Field(description="Days of supply; none when not meaningful")
    target: int | None = Field(description="Durable: how many the people on duty need")
    shortage: bool


def _supply(s: queries.Supply) -> dict[str, Any]:
    return {
        "enterprise_id": s.enterprise_id,
        "material_id": s.material.pk,
        "material_code": s.material.code,
        "material_name": s.material.name,
        "unit": s.material.unit,
        "durable": s.material.durable,
        "people": s.people,
        "stock": s.stock,
        "burn": None if s.burn is None else round(s.burn, 3),
        "burn_source": s.burn_source,
        "days": None if s.days is None else round(s.days, 1),
        "target": s.target,
        "shortage": s.shortage,
    }


@router.get(f"{API}/stock", response=list[SupplyOut])
@api_require(Perm.SUPPLIES_VIEW)
def stock_list(request: HttpRequest, enterprise: int | None = None) -> Any:
    """Per material: stock, burn rate (from the ledger's last days, else the use per person on
    duty), days of supply, the target count of durables, and whether it is short. Without
    `enterprise`: an officer's own; for community staff, the community reserve."""
    actor = actor_of(request)
    if enterprise is None and actor.community_wide:
        stock = queries.reserve_stock(actor.community_id)
        return [
            {
                "enterprise_id": None,
                "material_id": m.pk,
                "material_code": m.code,
                "material_name": m.name,
                "unit": m.unit,
                "durable": m.durable,
                "people": 0,
                "stock": stock.get(m.pk, 0),
                "burn": None,
                "burn_source": "",
                "days": None,
                "target": None,
                "shortage": False,
            }
            for m in Material.objects.filter(community_id=actor.community_id, active=True)
        ]
    ent = _enterprise(actor, enterprise, Perm.SUPPLIES_VIEW)
    return [_supply(s) for s in queries.enterprise_supplies(actor, ent)]


class LedgerOut(Schema):
    id: int
    enterprise_id: int | None = Field(validation_alias="holder.enterprise_id")
    material_id: int
    kind: str
    quantity: int
    balance: int
    day: dt.date
    note: str
    source: str
    order_id: int | None
    by: str = Field(validation_alias="actor_label")
    created_at: dt.datetime


@router.get(f"{API}/ledger", response=list[LedgerOut])
@api_require(Perm.SUPPLIES_VIEW)
@paginate
def ledger_list(
    request: HttpRequest, enterprise: int | None = None, material: int | None = None
) -> Any:
    """Every movement, latest first. Without `enterprise`: an officer's own; for community
    staff, the community reserve."""
    actor = actor_of(request)
    rows = scope(actor, LedgerEntry.objects.select_related("holder"))
    if enterprise is None and actor.community_wide:
        rows = rows.filter(holder__enterprise__isnull=True)
    else:
        ent = _enterprise(actor, enterprise, Perm.SUPPLIES_VIEW)
        rows = rows.filter(holder__enterprise_id=ent.pk)
    if material is not None:
        rows = rows.filter(material=_material(actor, material))
    return rows.order_by("-day", "-created_at", "-pk")


class MovementIn(Schema):
    enterprise: int | None = Field(None, description="None: the community reserve (staff)")
    material: int
    kind: str = Field(description="received, consumed, or adjusted (the figure counted)")
    quantity: Count = Field(description="Received or used: how many; adjusted: the count")
    note: str = Field("", max_length=200)
    day: str | None = Field(None, description="YYYY-MM-DD; default today")


@router.post(f"{API}/movements", response={201: LedgerOut})
@api_require(Perm.STOCK_MANAGE)
def movement_create(request: HttpRequest, payload: MovementIn) -> Any:
    """Stock received, used, or counted (an adjustment says why)."""
    actor = actor_of(request)
    if payload.kind not in (
        LedgerEntry.Kind.RECEIVED,
        LedgerEntry.Kind.CONSUMED,
        LedgerEntry.Kind.ADJUSTED,
    ):
        raise ServiceError(_("Choose received, used or counted."), field="kind")
    if payload.enterprise is None:
        if not actor.community_wide:
            raise PermissionDenied("the reserve is kept by community staff")
        ent_id = None
    else:
        ent_id = _enterprise(actor, payload.enterprise, Perm.STOCK_MANAGE).pk
    material = _material(actor, payload.material)
    holder = services.holder_of(actor.community_id, ent_id)
    entry = services.record_movement(
        actor, holder, material, payload.kind, payload.quantity, note=payload.note, day=payload.day
    )
    return Status(201, LedgerEntry.objects.select_related("holder").get(pk=entry.pk))


# --- Needs ----------------------------------------------------------------------------------


class NeedOut(Schema):
    id: int
    enterprise_id: int
    enterprise_name: str = Field(validation_alias="enterprise.name")
    material_id: int
    quantity: int
    ordered: int
    outstanding: int
    by_date: dt.date | None
    note: str
    proposed: bool
    state: str
    posted_at: dt.datetime
    posted_by: str = Field(validation_alias="posted_by_label")


class NeedIn(Schema):
    enterprise: int | None = Field(None, description="Default: the officer's own")
    material: int
    quantity: Count
    by_date: str | None = Field(None, description="YYYY-MM-DD (also 2026/11/24, 2026年11月24日)")
    note: str = Field("", max_length=200)


def _need(need_id: int) -> Need:
    return Need.objects.select_related("enterprise").get(pk=need_id)


@router.get(f"{API}/needs", response=list[NeedOut])
@api_require(Perm.SUPPLIES_VIEW)
@paginate
def need_list(
    request: HttpRequest, state: str = "", enterprise: int | None = None, open: bool = False
) -> Any:
    """Needs, latest first (an officer sees their enterprise's). `open`: not yet all ordered."""
    rows = scope(actor_of(request), Need.objects.select_related("enterprise"))
    if state:
        if state not in Need.State.values:
            raise ServiceError(_("Unknown state."), field="state")
        rows = rows.filter(state=state)
    if open:
        rows = rows.filter(state__in=[Need.State.OPEN, Need.State.PARTLY])
    if enterprise is not None:
        rows = rows.filter(enterprise_id=enterprise)
    return rows.order_by("-posted_at", "-pk")


@router.post(f"{API}/needs", response={201: NeedOut})
@api_require(Perm.NEED_POST)
def need_create(request: HttpRequest, payload: NeedIn) -> Any:
    actor = actor_of(request)
    ent = _enterprise(actor, payload.enterprise, Perm.NEED_POST)
    need = services.post_need(
        actor,
        ent,
        _material(actor, payload.material),
        payload.quantity,
        by_date=payload.by_date,
        note=payload.note,
    )
    return Status(201, _need(need.pk))


@router.post(f"{API}/needs/{{need_id}}/withdraw", response=NeedOut)
@api_require(Perm.NEED_POST)
def need_withdraw(request: HttpRequest, need_id: int) -> Any:
    actor = actor_of(request)
    need = fetch(actor, Need.objects.select_related("enterprise"), Perm.NEED_POST, pk=need_id)
    services.withdraw_need(actor, need)
    return _need(need.pk)


class ProposalOut(Schema):
    material_id: int
    material_name: str
    unit: str
    quantity: int
    stock: int
    days: float | None
    target: int | None


@router.get(f"{API}/needs/proposals", response=list[ProposalOut])
@api_require(Perm.SUPPLIES_VIEW)
def need_proposals(request: HttpRequest, enterprise: int | None = None) -> Any:
    """What the enterprise should ask for: enough to cover the community's cover days (the
    target count of durables), less stock and needs already posted, for short materials."""
    actor = actor_of(request)
    ent = _enterprise(actor, enterprise, Perm.SUPPLIES_VIEW)
    return [
        {
            "material_id": p["material"].pk,
            "material_name": p["material"].name,
            "unit": p["material"].unit,
            "quantity": p["quantity"],
            "stock": p["supply"].stock,
            "days": None if p["supply"].days is None else round(p["supply"].days, 1),
            "target": p["supply"].target,
        }
        for p in queries.proposals(actor, ent)
    ]


# --- Suppliers and offers -------------------------------------------------------------------


class SupplierOut(Schema):
    id: int
    name: str
    credit_code: str
    contact_name: str
    contact_phone: str
    address: str
    areas: list[int]
    active: bool
    created_at: dt.datetime

    @staticmethod
    def resolve_areas(obj: Supplier) -> list[int]:
        return sorted(a.pk for a in obj.areas.all())


class SupplierIn(Schema):
    name: str
    credit_code: str = Field(description="Unified social credit code (18 characters)")
    contact_name: str
    contact_phone: str
    address: str = ""
    areas: list[int] | None = Field(None, description="Delivery area ids; none: everywhere")


@router.get(f"{API}/suppliers", response=list[SupplierOut])
@api_require(Perm.SUPPLIER_VIEW)
@paginate
def supplier_list(request: HttpRequest) -> Any:
    """The community's suppliers (a supplier's account sees its own)."""
    return scope(actor_of(request), Supplier.objects.prefetch_related("areas"))


@router.post(f"{API}/suppliers", response={201: SupplierOut})
@api_require(Perm.SUPPLIER_MANAGE)
def supplier_create(request: HttpRequest, payload: SupplierIn) -> Any:
    actor = actor_of(request)
    data = payload.dict(exclude={"areas"})
    supplier = services.save_supplier(actor, None, data, areas=_areas(actor, payload.areas))
    return Status(201, supplier)


@router.get(f"{API}/suppliers/{{supplier_id}}", response=SupplierOut)
@api_require(Perm.SUPPLIER_VIEW)
def supplier_detail(request: HttpRequest, supplier_id: int) -> Any:
    return fetch(actor_of(request), Supplier.objects.all(), Perm.SUPPLIER_VIEW, pk=supplier_id)


class OfferOut(Schema):
    id: int
    supplier_id: int
    supplier_name: str = Field(validation_alias="supplier.name")
    material_id: int
    quantity: int
    unit_price: Decimal
    min_order: int
    lead_days: int
    areas: list[int]
    active: bool
    version: int
    updated_at: dt.datetime
    updated_by: str = Field(validation_alias="updated_by_label")

    @staticmethod
    def resolve_areas(obj: Offer) -> list[int]:
        return sorted(a.pk for a in obj.areas.all())


class OfferIn(Schema):
    supplier: int | None = Field(None, description="Default: the supplier the account keeps")
    material: int
    quantity: Count
    unit_price: Price = Field(description="Yuan, e.g. 0.80")
    min_order: Count = 1
    lead_days: Count = Field(1, description="Delivered within this many days")
    areas: list[int] | None = Field(None, description="None: wherever the supplier delivers")


class OfferPatch(Schema):
    quantity: Count | None = None
    unit_price: Price | None = None
    min_order: Count | None = None
    lead_days: Count | None = None
    active: bool | None = None
    areas: list[int] | None = None


def _offer_out(offer_id: int) -> Offer:
    return Offer.objects.select_related("supplier").prefetch_related("areas").get(pk=offer_id)


@router.get(f"{API}/offers", response=list[OfferOut])
@api_require(Perm.SUPPLIER_VIEW)
@paginate
def offer_list(
    request: HttpRequest,
    supplier: int | None = None,
    material: int | None = None,
    active: bool | None = None,
) -> Any:
    """Offers (a supplier's account sees its own)."""
    rows = scope(
        actor_of(request), Offer.objects.select_related("supplier").prefetch_related("areas")
    )
    if supplier is not None:
        rows = rows.filter(supplier_id=supplier)
    if material is not None:
        rows = rows.filter(material_id=material)
    if active is not None:
        rows = rows.filter(active=active)
    return rows.order_by("material_id", "unit_price", "pk")


@router.post(f"{API}/offers", response={201: OfferOut})
@api_require(Perm.OFFER_MANAGE)
def offer_create(request: HttpRequest, payload: OfferIn) -> Any:
    actor = actor_of(request)
    if payload.supplier is None:
        supplier = services.supplier_of(actor)
        if supplier is None:
            raise ServiceError(_("Choose the supplier."), field="supplier")
    else:
        supplier = fetch(actor, Supplier.objects.all(), Perm.OFFER_MANAGE, pk=payload.supplier)
    data = payload.dict(exclude={"supplier", "areas"})
    data["material"] = _material(actor, payload.material)
    offer = services.save_offer(actor, supplier, None, data, areas=_areas(actor, payload.areas))
    return Status(201, _offer_out(offer.pk))


@router.patch(f"{API}/offers/{{offer_id}}", response=OfferOut)
@api_require(Perm.OFFER_MANAGE)
def offer_change(request: HttpRequest, offer_id: int, payload: OfferPatch) -> Any:
    """Change the figures; every change raises the offer's version, so an allocation run on
    the older figures must be run again before its orders are issued."""
    actor = actor_of(request)
    offer = fetch(actor, Offer.objects.select_related("supplier"), Perm.OFFER_MANAGE, pk=offer_id)
    data = {
        k: v
        for k, v in payload.dict(exclude_unset=True, exclude={"areas"}).items()
        if v is not None
    }
    areas = _areas(actor, payload.areas) if "areas" in payload.model_fields_set else None
    services.save_offer(actor, offer.supplier, offer, data, areas=areas)
    return _offer_out(offer.pk)


# --- Allocation -----------------------------------------------------------------------------


class RunOut(Schema):
    id: int
    created_at: dt.datetime
    started_by: str = Field(validation_alias="started_by_label")
    optimal: bool
    status: str
    weighted_met: float = Field(description="Urgency-weighted units met (stage one)")
    weighted_bound: float = Field(description="No allocation can meet more than this")
    weighted_total: float = Field(description="Every need met in full")
    gap: float = Field(description="(bound − met) / bound: 0 when proven optimal")
    cost: Decimal = Field(description="Yuan, stage two: least cost meeting as much")
    cost_bound: Decimal
    greedy_weighted_met: float = Field(description="First come, first served, for comparison")
    greedy_cost: Decimal
    needs: int
    offers: int
    seconds: float
    issued_at: dt.datetime | None

    @staticmethod
    def resolve_gap(obj: AllocationRun) -> float:
        if obj.weighted_bound <= 0:
            return 0.0
        return round(max(obj.weighted_bound - obj.weighted_met, 0) / obj.weighted_bound, 6)


class LineOut(Schema):
    id: int
    need_id: int
    enterprise_id: int
    enterprise_name: str
    material_id: int
    offer_id: int | None
    supplier_id: int | None
    supplier_name: str
    from_reserve: bool
    quantity: int
    unit_price: Decimal
    urgency: float
    pinned: bool
    why: dict[str, Any] = Field(description="The facts behind the line")
    explanation: list[str] = Field(description="The facts as sentences, in your language")


class RunDetailOut(RunOut):
    lines: list[LineOut]

    @staticmethod
    def resolve_lines(obj: AllocationRun) -> list[dict[str, Any]]:
        lines = obj.lines.select_related("need__enterprise", "offer__supplier")
        return [_line(ln) for ln in lines.order_by("-urgency", "pk")]


def _line(line: AllocationLine) -> dict[str, Any]:
    supplier = line.offer.supplier if line.offer_id else None
    return {
        "id": line.pk,
        "need_id": line.need_id,
        "enterprise_id": line.need.enterprise_id,
        "enterprise_name": line.need.enterprise.name,
        "material_id": line.need.material_id,
        "offer_id": line.offer_id,
        "supplier_id": supplier.pk if supplier else None,
        "supplier_name": supplier.name if supplier else "",
        "from_reserve": line.from_reserve,
        "quantity": line.quantity,
        "unit_price": line.unit_price,
        "urgency": line.urgency,
        "pinned": line.pinned,
        "why": line.why,
        "explanation": describe(line.why, supplier.name if supplier else ""),
    }


@router.get(f"{API}/allocations", response=list[RunOut])
@api_require(Perm.ALLOCATION_VIEW)
@paginate
def allocation_list(request: HttpRequest) -> Any:
    """Allocation runs, latest first."""
    return scope(actor_of(request), AllocationRun.objects.all()).order_by("-created_at", "-pk")


@router.post(f"{API}/allocations", response={201: RunDetailOut})
@api_require(Perm.ALLOCATION_RUN)
def allocation_run(request: HttpRequest) -> Any:
    """Solve the allocation for every open need against live offers and the reserve: first the
    most urgency-weighted units met, then the least cost for that, each proven by the solver
    (`optimal`, and the bounds beside what was found), with the greedy first-come-first-served
    result for comparison."""
    actor = actor_of(request)
    run = services.run_allocation(actor)
    return Status(201, _run_detail(actor, run.pk))


def _run_detail(actor: Actor, run_id: int) -> AllocationRun:
    return fetch(actor, AllocationRun.objects.all(), Perm.ALLOCATION_VIEW, pk=run_id)


@router.get(f"{API}/allocations/{{run_id}}", response=RunDetailOut)
@api_require(Perm.ALLOCATION_VIEW)
def allocation_detail(request: HttpRequest, run_id: int) -> Any:
    """A run's proof and its lines, each with the facts and the explanation in words."""
    return _run_detail(actor_of(request), run_id)


class OrderOut(Schema):
    id: int
    enterprise_id: int
    enterprise_name: str = Field(validation_alias="enterprise.name")
    supplier_id: int | None
    supplier_name: str
    from_reserve: bool
    offer_id: int | None
    material_id: int
    need_id: int
    line_id: int | None
    quantity: int
    delivered: int
    outstanding: int
    unit_price: Decimal
    state: str
    created_at: dt.datetime
    confirmed_at: dt.datetime | None
    closed_at: dt.datetime | None
    note: str

    @staticmethod
    def resolve_supplier_name(obj: Order) -> str:
        return obj.supplier.name if obj.supplier_id else ""


class DeliveryOut(Schema):
    id: int
    quantity: int
    received_by: str = Field(validation_alias="received_by_label")
    received_at: dt.datetime
    note: str


class OrderDetailOut(OrderOut):
    deliveries: list[DeliveryOut]

    @staticmethod
    def resolve_deliveries(obj: Order) -> list[Any]:
        return list(obj.deliveries.order_by("received_at", "pk"))


def _orders() -> QuerySet[Order]:
    return Order.objects.select_related("enterprise", "supplier")


@router.post(f"{API}/allocations/{{run_id}}/issue", response={201: list[OrderOut], 409: Any})
@api_require(Perm.ALLOCATION_RUN)
def allocation_issue(request: HttpRequest, run_id: int) -> Any:
    """Turn the run's lines into orders. 409 when an offer, a need or the reserve changed
    since the run (run it again), or when the run was already issued."""
    actor = actor_of(request)
    run = fetch(actor, AllocationRun.objects.all(), Perm.ALLOCATION_RUN, pk=run_id)
    try:
        orders = services.issue_orders(actor, run)
    except ServiceError as exc:
        if exc.code in ("stale", "already"):
            return _conflict(request, exc)
        raise
    return Status(201, list(_orders().filter(pk__in=[o.pk for o in orders]).order_by("pk")))


class RuleIn(Schema):
    kind: str = Field(description="pin: this need gets this much from this offer; exclude")
    quantity: Count | None = Field(None, description="Pin: how many (default the line's)")


class RuleOut(Schema):
    id: int
    need_id: int
    offer_id: int | None
    kind: str
    quantity: int
    created_at: dt.datetime
    created_by: str = Field(validation_alias="created_by_label")


@router.post(f"{API}/allocations/lines/{{line_id}}/rule", response={201: RuleOut})
@api_require(Perm.ALLOCATION_RUN)
def allocation_rule(request: HttpRequest, line_id: int, payload: RuleIn) -> Any:
    """Pin a line or exclude it; kept for the next runs until the need is closed."""
    actor = actor_of(request)
    line = fetch(
        actor, AllocationLine.objects.select_related("run"), Perm.ALLOCATION_RUN, pk=line_id
    )
    return Status(201, services.set_rule(actor, line, payload.kind, payload.quantity))


@router.delete(f"{API}/allocations/rules/{{rule_id}}", response={204: None})
@api_require(Perm.ALLOCATION_RUN)
def allocation_rule_clear(request: HttpRequest, rule_id: int) -> Any:
    actor = actor_of(request)
    rule = fetch(
        actor,
        AllocationRule.objects.select_related("need__enterprise"),
        Perm.ALLOCATION_RUN,
        pk=rule_id,
    )
    services.clear_rule(actor, rule)
    return Status(204, None)


# --- Orders ---------------------------------------------------------------------------------


@router.get(f"{API}/orders", response=list[OrderOut])
@api_require(Perm.ORDER_VIEW)
@paginate
def order_list(
    request: HttpRequest, state: str = "", enterprise: int | None = None, open: bool = False
) -> Any:
    """Orders, latest first: an officer sees their enterprise's, a supplier's account its own.
    `open`: not yet delivered, cancelled or closed."""
    rows = scope(actor_of(request), _orders())
    if state:
        if state not in Order.State.values:
            raise ServiceError(_("Unknown state."), field="state")
        rows = rows.filter(state=state)
    if open:
        rows = rows.filter(
            state__in=[Order.State.ISSUED, Order.State.CONFIRMED, Order.State.PARTLY]
        )
    if enterprise is not None:
        rows = rows.filter(enterprise_id=enterprise)
    return rows.order_by("-created_at", "-pk")


@router.get(f"{API}/orders/{{order_id}}", response=OrderDetailOut)
@api_require(Perm.ORDER_VIEW)
def order_detail(request: HttpRequest, order_id: int) -> Any:
    return fetch(actor_of(request), _orders(), Perm.ORDER_VIEW, pk=order_id)


def _order(request: HttpRequest, order_id: int, perm: Perm) -> Order:
    return fetch(actor_of(request), _orders(), perm, pk=order_id)


@router.post(f"{API}/orders/{{order_id}}/confirm", response=OrderDetailOut)
@api_require(Perm.ORDER_CONFIRM)
def order_confirm(request: HttpRequest, order_id: int) -> Any:
    """The supplier confirms it will deliver."""
    order = _order(request, order_id, Perm.ORDER_CONFIRM)
    services.confirm_order(actor_of(request), order)
    return _orders().get(pk=order.pk)


class DeliveryIn(Schema):
    quantity: Count
    note: str = Field("", max_length=200)


@router.post(f"{API}/orders/{{order_id}}/deliveries", response={201: OrderDetailOut})
@api_require(Perm.ORDER_RECEIVE)
def order_receive(request: HttpRequest, order_id: int, payload: DeliveryIn) -> Any:
    """The enterprise received part or all of the order; its stock rises by as much. More
    than is still to come is refused."""
    order = _order(request, order_id, Perm.ORDER_RECEIVE)
    services.receive(actor_of(request), order, payload.quantity, note=payload.note)
    return Status(201, _orders().get(pk=order.pk))


class CancelIn(Schema):
    reason: str = ""


@router.post(f"{API}/orders/{{order_id}}/cancel", response=OrderDetailOut)
@api_require(Perm.ORDER_CANCEL)
def order_cancel(request: HttpRequest, order_id: int, payload: CancelIn) -> Any:
    """Cancel what is not yet delivered (either side; the reason is required): it goes back to
    the offer or the reserve, and the need is open for it again."""
    order = _order(request, order_id, Perm.ORDER_VIEW)
    services.cancel_order(actor_of(request), order, payload.reason)
    return _orders().get(pk=order.pk)
