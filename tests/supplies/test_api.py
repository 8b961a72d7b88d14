"""The supplies API as its callers use it: the demo story end to end (staff add a supplier, the
supplier offers, the officer posts a need, staff run the allocation and issue the orders, the
supplier confirms, the officer receives in two deliveries and the stock shows them); refusals
naming the field; a stale run refused with 409; and every endpoint refusing a weaker role (403)
and another tenant (404 for an object, nothing of ours in a list)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.conftest import PERSONAS, World
from workgate.core.access import POLICY, Actor, Perm
from workgate.core.models import Membership
from workgate.supplies import services
from workgate.supplies.api import router
from workgate.supplies.models import (
    AllocationRule,
    AllocationRun,
    LedgerEntry,
    Material,
    Need,
    Offer,
    Order,
    Stock,
    Supplier,
)

API = "/api/v1/supplies"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
SUPPLIER_NAME = "宁波康护医疗用品有限公司"


def call(world: World, persona: str, method: str, url: str, body: Any = None, **kw: Any) -> Any:
    client = world.client(persona)
    if method == "get":
        return client.get(url, body or {}, **kw)
    return getattr(client, method)(
        url, json.dumps(body or {}), content_type="application/json", **kw
    )


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content.decode()
    return response.json() if response.content else None


def items(body: Any) -> list[dict[str, Any]]:
    return body["items"] if isinstance(body, dict) else body


def actor(world: World, persona: str) -> Actor:
    return Actor.from_membership(Membership.objects.get(user=world.users[persona]))


def mask_id(world: World) -> int:
    services.ensure_catalogue(world.community.pk)
    return Material.objects.get(community=world.community, code="mask-medical").pk


# --- The demo story through the API --------------------------------------------------------


def test_supplier_offer_need_allocation_orders_deliveries_stock(world: World) -> None:
    w = world
    materials = ok(call(w, "staff", "get", f"{API}/materials"))
    mask = next(m for m in materials if m["code"] == "mask-medical")
    # Suppliers read the same catalogue through their own endpoint.
    catalogue = ok(call(w, "supplier", "get", f"{API}/catalogue"))
    assert mask["id"] in {m["id"] for m in catalogue}

    sup = ok(
        call(
            w,
            "staff",
            "post",
            f"{API}/suppliers",
            {
                "name": SUPPLIER_NAME,
                "credit_code": "91330206MA2AFUBX4E",
                "contact_name": "钱经理",
                "contact_phone": "138 5740 1234",
            },
        ),
        201,
    )
    assert sup["contact_phone"] == "13857401234"
    supplier = Supplier.objects.get(pk=sup["id"])
    supplier.accounts.add(w.users["supplier"])
    assert [s["id"] for s in ok(call(w, "supplier", "get", f"{API}/suppliers"))["items"]] == [
        sup["id"]
    ]

    offer = ok(
        call(
            w,
            "supplier",
            "post",
            f"{API}/offers",
            {
                "material": mask["id"],
                "quantity": "5,000",
                "unit_price": "0.80",
                "min_order": "1000",
                "lead_days": 1,
            },
        ),
        201,
    )
    assert (offer["supplier_id"], offer["quantity"], offer["unit_price"]) == (
        sup["id"],
        5000,
        "0.80",
    )

    need = ok(
        call(
            w, "officer_a", "post", f"{API}/needs", {"material": mask["id"], "quantity": "２０００"}
        ),
        201,
    )
    assert (need["enterprise_id"], need["quantity"], need["state"]) == (
        w.enterprise_a.pk,
        2000,
        "open",
    )

    run = ok(call(w, "staff", "post", f"{API}/allocations", **EN), 201)
    assert run["optimal"] is True
    assert run["gap"] == 0
    assert run["weighted_met"] == pytest.approx(run["weighted_bound"])
    assert run["cost"] == "1600.00"
    for key in ("weighted_total", "cost_bound", "greedy_weighted_met", "greedy_cost", "seconds"):
        assert key in run
    [line] = run["lines"]
    assert (line["need_id"], line["offer_id"], line["supplier_id"], line["quantity"]) == (
        need["id"],
        offer["id"],
        sup["id"],
        2000,
    )
    assert line["enterprise_id"] == w.enterprise_a.pk
    assert line["why"]["met"] == 2000
    text = " ".join(line["explanation"])
    assert SUPPLIER_NAME in text and "met in full" in text
    # The detail reads the same, in the reader's language.
    detail = ok(call(w, "leader", "get", f"{API}/allocations/{run['id']}", **EN))
    assert detail["lines"][0]["explanation"] == line["explanation"]

    [order] = ok(call(w, "staff", "post", f"{API}/allocations/{run['id']}/issue"), 201)
    assert (order["quantity"], order["state"], order["supplier_name"]) == (
        2000,
        "issued",
        SUPPLIER_NAME,
    )
    assert Offer.objects.get(pk=offer["id"]).quantity == 3000
    again = call(w, "staff", "post", f"{API}/allocations/{run['id']}/issue", **EN)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already"

    assert [o["id"] for o in ok(call(w, "supplier", "get", f"{API}/orders"))["items"]] == [
        order["id"]
    ]
    early = call(w, "officer_a", "post", f"{API}/orders/{order['id']}/deliveries", {"quantity": 5})
    assert early.status_code == 400  # not confirmed yet
    confirmed = ok(call(w, "supplier", "post", f"{API}/orders/{order['id']}/confirm"))
    assert confirmed["state"] == "confirmed"

    url = f"{API}/orders/{order['id']}/deliveries"
    too_many = call(w, "officer_a", "post", url, {"quantity": 2500}, **EN)
    assert too_many.status_code == 400
    assert "more than is still to come" in too_many.json()["error"]["fields"]["quantity"]
    first = ok(call(w, "officer_a", "post", url, {"quantity": "1,500", "note": "第一批"}), 201)
    assert (first["state"], first["delivered"], first["outstanding"]) == ("partly", 1500, 500)
    second = ok(call(w, "officer_a", "post", url, {"quantity": 500}), 201)
    assert (second["state"], second["delivered"]) == ("delivered", 2000)
    assert [d["quantity"] for d in second["deliveries"]] == [1500, 500]

    stock = ok(call(w, "officer_a", "get", f"{API}/stock", {"enterprise": w.enterprise_a.pk}))
    row = next(s for s in stock if s["material_id"] == mask["id"])
    assert row["stock"] == 2000 == sum(d["quantity"] for d in second["deliveries"])
    ledger = ok(
        call(
            w,
            "officer_a",
            "get",
            f"{API}/ledger",
            {"enterprise": w.enterprise_a.pk, "material": mask["id"]},
        )
    )
    assert ledger["count"] == 2
    assert sorted(e["quantity"] for e in ledger["items"]) == [500, 1500]
    assert {e["order_id"] for e in ledger["items"]} == {order["id"]}


def test_stale_run_is_refused_with_409(world: World) -> None:
    w = world
    mask = mask_id(w)
    sup = services.save_supplier(
        actor(w, "staff"),
        None,
        {
            "name": SUPPLIER_NAME,
            "credit_code": "91330206MA2AFUBX4E",
            "contact_name": "钱经理",
            "contact_phone": "13857401234",
        },
    )
    sup.accounts.add(w.users["supplier"])
    offer = ok(
        call(
            w,
            "supplier",
            "post",
            f"{API}/offers",
            {"material": mask, "quantity": 5000, "unit_price": 0.8},
        ),
        201,
    )
    ok(call(w, "officer_a", "post", f"{API}/needs", {"material": mask, "quantity": 100}), 201)
    run = ok(call(w, "staff", "post", f"{API}/allocations"), 201)
    changed = ok(
        call(w, "supplier", "patch", f"{API}/offers/{offer['id']}", {"unit_price": "1.20"})
    )
    assert (changed["unit_price"], changed["version"]) == ("1.20", offer["version"] + 1)
    stale = call(w, "staff", "post", f"{API}/allocations/{run['id']}/issue", **EN)
    assert stale.status_code == 409
    error = stale.json()["error"]
    assert error["code"] == "stale"
    assert "changed after the allocation was run" in error["message"]
    assert not Order.objects.exists()


def test_movements_keep_stock_equal_to_the_ledger(world: World) -> None:
    w = world
    mask = mask_id(w)
    ent = w.enterprise_a.pk
    url = f"{API}/movements"
    ok(
        call(
            w,
            "officer_a",
            "post",
            url,
            {"enterprise": ent, "material": mask, "kind": "received", "quantity": 300},
        ),
        201,
    )
    used = ok(
        call(
            w,
            "officer_a",
            "post",
            url,
            {"enterprise": ent, "material": mask, "kind": "consumed", "quantity": "120"},
        ),
        201,
    )
    assert (used["quantity"], used["balance"]) == (-120, 180)
    short = call(
        w,
        "officer_a",
        "post",
        url,
        {"enterprise": ent, "material": mask, "kind": "consumed", "quantity": 999},
        **EN,
    )
    assert short.status_code == 400
    assert "quantity" in short.json()["error"]["fields"]
    no_reason = call(
        w,
        "officer_a",
        "post",
        url,
        {"enterprise": ent, "material": mask, "kind": "adjusted", "quantity": 170},
        **EN,
    )
    assert set(no_reason.json()["error"]["fields"]) == {"note"}
    counted = ok(
        call(
            w,
            "officer_a",
            "post",
            url,
            {
                "enterprise": ent,
                "material": mask,
                "kind": "adjusted",
                "quantity": 170,
                "note": "盘点",
            },
        ),
        201,
    )
    assert (counted["quantity"], counted["balance"]) == (-10, 170)
    # The reserve is staff's.
    assert (
        call(
            w,
            "officer_a",
            "post",
            url,
            {"enterprise": None, "material": mask, "kind": "received", "quantity": 5},
        ).status_code
        == 403
    )
    reserve = ok(
        call(
            w,
            "staff",
            "post",
            url,
            {
                "enterprise": None,
                "material": mask,
                "kind": "received",
                "quantity": 1000,
                "note": "捐赠",
            },
        ),
        201,
    )
    assert reserve["enterprise_id"] is None
    rows = ok(call(w, "staff", "get", f"{API}/stock"))
    assert next(r for r in rows if r["material_id"] == mask)["stock"] == 1000
    stock = Stock.objects.get(holder__enterprise=w.enterprise_a, material_id=mask)
    assert (
        stock.quantity
        == 170
        == sum(LedgerEntry.objects.filter(holder=stock.holder).values_list("quantity", flat=True))
    )


# --- Bad input: clear per-field messages ---------------------------------------------------


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("2.5", "whole number"),
        (2.5, "whole number"),
        ("-3", "negative"),
        (-3, "negative"),
        ("ten", "not a number"),
        ("", "Enter a quantity"),
        (0, "at least 1"),
    ],
)
def test_need_quantity_refused_naming_the_field(world: World, value: Any, says: str) -> None:
    mask = mask_id(world)
    response = call(
        world, "officer_a", "post", f"{API}/needs", {"material": mask, "quantity": value}, **EN
    )
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert set(error["fields"]) == {"quantity"}
    assert says in error["fields"]["quantity"]
    assert not Need.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"unit_price": "abc"}, "unit_price"),
        ({"unit_price": "-1"}, "unit_price"),
        ({"unit_price": "0.805"}, "unit_price"),
        ({"quantity": "1.5"}, "quantity"),
        ({"min_order": "0"}, "min_order"),
        ({"min_order": 9000}, "min_order"),
        ({"material": 987654}, "material"),
        ({"areas": [987654]}, "areas"),
    ],
)
def test_offer_refused_naming_the_field(world: World, change: dict[str, Any], field: str) -> None:
    mask = mask_id(world)
    sup = services.save_supplier(
        actor(world, "staff"),
        None,
        {
            "name": "甲",
            "credit_code": "91330206MA2AFUBX4E",
            "contact_name": "钱",
            "contact_phone": "13857401234",
        },
    )
    body = {"supplier": sup.pk, "material": mask, "quantity": 5000, "unit_price": "0.80"}
    response = call(world, "staff", "post", f"{API}/offers", {**body, **change}, **EN)
    assert response.status_code == 400, response.content
    assert set(response.json()["error"]["fields"]) == {field}
    assert not Offer.objects.exists()


def test_other_refusals_name_the_field(world: World) -> None:
    w = world
    mask = mask_id(w)
    past = call(
        w,
        "officer_a",
        "post",
        f"{API}/needs",
        {"material": mask, "quantity": 5, "by_date": "2020-01-01"},
        **EN,
    )
    assert set(past.json()["error"]["fields"]) == {"by_date"}
    bad_day = call(
        w,
        "officer_a",
        "post",
        f"{API}/needs",
        {"material": mask, "quantity": 5, "by_date": "soon"},
        **EN,
    )
    assert set(bad_day.json()["error"]["fields"]) == {"by_date"}
    unknown = call(w, "officer_a", "post", f"{API}/needs", {"material": 987654, "quantity": 5})
    assert unknown.status_code == 400
    assert set(unknown.json()["error"]["fields"]) == {"material"}
    # Another community's material is unknown here.
    services.ensure_catalogue(w.other_community.pk)
    theirs = Material.objects.filter(community=w.other_community).first()
    assert theirs is not None
    foreign = call(w, "officer_a", "post", f"{API}/needs", {"material": theirs.pk, "quantity": 5})
    assert set(foreign.json()["error"]["fields"]) == {"material"}
    kind = call(
        w,
        "officer_a",
        "post",
        f"{API}/movements",
        {"enterprise": w.enterprise_a.pk, "material": mask, "kind": "stolen", "quantity": 1},
    )
    assert set(kind.json()["error"]["fields"]) == {"kind"}
    missing = call(w, "officer_a", "post", f"{API}/needs", {"quantity": 5})
    assert missing.status_code == 422
    assert "material" in missing.json()["error"]["fields"]
    phone = call(
        w,
        "staff",
        "post",
        f"{API}/suppliers",
        {
            "name": "甲",
            "credit_code": "91330206MA2AFUBX4E",
            "contact_name": "钱",
            "contact_phone": "call me",
        },
    )
    assert set(phone.json()["error"]["fields"]) == {"contact_phone"}
    material = call(
        w,
        "staff",
        "post",
        f"{API}/materials",
        {"code": "mask-medical", "name": "口罩", "unit": "只"},
    )
    assert set(material.json()["error"]["fields"]) == {"code"}
    created = ok(
        call(
            w,
            "staff",
            "post",
            f"{API}/materials",
            {
                "code": "face-shield",
                "name": "防护面屏",
                "unit": "个",
                "category": "other",
                "durable": True,
                "per_hundred": "5",
            },
        ),
        201,
    )
    assert (created["code"], created["per_hundred"]) == ("face-shield", "5.00")


# --- Every endpoint: a weaker role 403, another tenant 404 or nothing of ours --------------


@dataclass
class Market:
    world: World
    mask: int
    supplier: int
    offer: int
    need: int
    run: int
    line: int
    rule: int
    order: int


@pytest.fixture
def market(world: World) -> Market:
    w = world
    staff = actor(w, "staff")
    mask = mask_id(w)
    sup = services.save_supplier(
        staff,
        None,
        {
            "name": SUPPLIER_NAME,
            "credit_code": "91330206MA2AFUBX4E",
            "contact_name": "钱经理",
            "contact_phone": "13857401234",
        },
    )
    sup.accounts.add(w.users["supplier"])
    material = Material.objects.get(pk=mask)
    offer = services.save_offer(
        actor(w, "supplier"),
        sup,
        None,
        {"material": material, "quantity": 5000, "unit_price": "0.80"},
    )
    services.post_need(actor(w, "officer_a"), w.enterprise_a, material, 2000)
    run = services.run_allocation(staff)
    line = run.lines.get()
    [order] = services.issue_orders(staff, run)
    services.confirm_order(actor(w, "supplier"), order)
    services.receive(actor(w, "officer_a"), order, 10)
    # A second open need with a pinned line kept for the next run.
    need2 = services.post_need(actor(w, "officer_a"), w.enterprise_a, material, 300)
    run2 = services.run_allocation(staff)
    line2 = run2.lines.get(need=need2)
    rule = services.set_rule(staff, line2, "exclude")
    assert AllocationRun.objects.count() == 2
    return Market(w, mask, sup.pk, offer.pk, need2.pk, run.pk, line.pk, rule.pk, order.pk)


def _a(m: Market) -> int:
    return m.world.enterprise_a.pk


# (name, method, url, body, weaker personas → 403, kind): kind "object" means another tenant
# (or another enterprise, for `nosy`) gets 404; "list" means it sees nothing of ours.
Row = tuple[str, str, Callable[[Market], str], Callable[[Market], Any], tuple[str, ...], str, str]

ROWS: list[Row] = [
    (
        "materials",
        "get",
        lambda m: f"{API}/materials",
        lambda m: None,
        ("gate_a", "supplier", "employee_a"),
        "list",
        "",
    ),
    (
        "catalogue",
        "get",
        lambda m: f"{API}/catalogue",
        lambda m: None,
        ("officer_a", "gate_a", "volunteer"),
        "list",
        "",
    ),
    (
        "material create",
        "post",
        lambda m: f"{API}/materials",
        lambda m: {"code": "x-1", "name": "x", "unit": "个"},
        ("leader", "officer_a", "supplier"),
        "own",
        "",
    ),
    (
        "stock",
        "get",
        lambda m: f"{API}/stock?enterprise={_a(m)}",
        lambda m: None,
        ("gate_a", "supplier", "volunteer"),
        "object",
        "officer_b",
    ),
    (
        "ledger",
        "get",
        lambda m: f"{API}/ledger?enterprise={_a(m)}",
        lambda m: None,
        ("gate_a", "supplier"),
        "object",
        "officer_b",
    ),
    (
        "movement",
        "post",
        lambda m: f"{API}/movements",
        lambda m: {"enterprise": _a(m), "material": m.mask, "kind": "received", "quantity": 1},
        ("leader", "gate_a", "supplier"),
        "object",
        "officer_b",
    ),
    (
        "needs",
        "get",
        lambda m: f"{API}/needs",
        lambda m: None,
        ("gate_a", "supplier", "volunteer"),
        "list",
        "officer_b",
    ),
    (
        "need post",
        "post",
        lambda m: f"{API}/needs",
        lambda m: {"enterprise": _a(m), "material": m.mask, "quantity": 1},
        ("leader", "gate_a", "supplier"),
        "object",
        "officer_b",
    ),
    (
        "need withdraw",
        "post",
        lambda m: f"{API}/needs/{m.need}/withdraw",
        lambda m: None,
        ("leader", "gate_a", "supplier"),
        "object",
        "officer_b",
    ),
    (
        "proposals",
        "get",
        lambda m: f"{API}/needs/proposals?enterprise={_a(m)}",
        lambda m: None,
        ("gate_a", "supplier"),
        "object",
        "officer_b",
    ),
    (
        "suppliers",
        "get",
        lambda m: f"{API}/suppliers",
        lambda m: None,
        ("officer_a", "gate_a"),
        "list",
        "",
    ),
    (
        "supplier create",
        "post",
        lambda m: f"{API}/suppliers",
        lambda m: {
            "name": "乙",
            "credit_code": "91330206MA2AFUBX5H",
            "contact_name": "孙",
            "contact_phone": "13857401235",
        },
        ("leader", "officer_a", "supplier"),
        "own",
        "",
    ),
    (
        "supplier",
        "get",
        lambda m: f"{API}/suppliers/{m.supplier}",
        lambda m: None,
        ("officer_a", "gate_a"),
        "object",
        "",
    ),
    (
        "offers",
        "get",
        lambda m: f"{API}/offers",
        lambda m: None,
        ("officer_a", "gate_a"),
        "list",
        "",
    ),
    (
        "offer create",
        "post",
        lambda m: f"{API}/offers",
        lambda m: {"supplier": m.supplier, "material": m.mask, "quantity": 1, "unit_price": "1"},
        ("leader", "officer_a"),
        "object",
        "",
    ),
    (
        "offer change",
        "patch",
        lambda m: f"{API}/offers/{m.offer}",
        lambda m: {"unit_price": "0.70"},
        ("leader", "officer_a"),
        "object",
        "",
    ),
    (
        "runs",
        "get",
        lambda m: f"{API}/allocations",
        lambda m: None,
        ("officer_a", "supplier"),
        "list",
        "",
    ),
    (
        "run",
        "post",
        lambda m: f"{API}/allocations",
        lambda m: None,
        ("leader", "officer_a", "supplier"),
        "own",
        "",
    ),
    (
        "run detail",
        "get",
        lambda m: f"{API}/allocations/{m.run}",
        lambda m: None,
        ("officer_a", "supplier"),
        "object",
        "",
    ),
    (
        "issue",
        "post",
        lambda m: f"{API}/allocations/{m.run}/issue",
        lambda m: None,
        ("leader", "officer_a", "supplier"),
        "object",
        "",
    ),
    (
        "rule",
        "post",
        lambda m: f"{API}/allocations/lines/{m.line}/rule",
        lambda m: {"kind": "pin"},
        ("leader", "officer_a", "supplier"),
        "object",
        "",
    ),
    (
        "rule clear",
        "delete",
        lambda m: f"{API}/allocations/rules/{m.rule}",
        lambda m: None,
        ("leader", "officer_a", "supplier"),
        "object",
        "",
    ),
    (
        "orders",
        "get",
        lambda m: f"{API}/orders",
        lambda m: None,
        ("gate_a", "volunteer", "employee_a"),
        "list",
        "officer_b",
    ),
    (
        "order",
        "get",
        lambda m: f"{API}/orders/{m.order}",
        lambda m: None,
        ("gate_a", "volunteer"),
        "object",
        "officer_b",
    ),
    (
        "confirm",
        "post",
        lambda m: f"{API}/orders/{m.order}/confirm",
        lambda m: None,
        ("leader", "officer_a", "gate_a"),
        "object",
        "",
    ),
    (
        "deliver",
        "post",
        lambda m: f"{API}/orders/{m.order}/deliveries",
        lambda m: {"quantity": 1},
        ("leader", "supplier", "gate_a"),
        "object",
        "officer_b",
    ),
    (
        "cancel",
        "post",
        lambda m: f"{API}/orders/{m.order}/cancel",
        lambda m: {"reason": "不需要了"},
        ("gate_a", "volunteer", "employee_a"),
        "object",
        "officer_b",
    ),
]


def _ours(m: Market, body: Any) -> list[Any]:
    """Anything of our community in a list answer."""
    ours_material = set(
        Material.objects.filter(community=m.world.community).values_list("pk", flat=True)
    )
    found = []
    for row in items(body):
        material = bool(row.get("code")) and row["id"] in ours_material
        names = {row.get("name"), row.get("supplier_name")}
        ours = row.get("enterprise_id") == _a(m) or row.get("started_by") == "staff"
        if material or ours or SUPPLIER_NAME in names:
            found.append(row)
    return found


def _perm(method: str, url: str) -> Perm:
    """The permission the handler for this URL requires (from its api_require)."""
    path = url.split("?")[0].removeprefix("/api/v1")
    for template, view in router.path_operations.items():
        if re.fullmatch(re.sub(r"\{\w+\}", r"\\d+", template), path):
            for op in view.operations:
                if method.upper() in op.methods:
                    return op.view_func.required_perm
    raise AssertionError(f"no handler for {method} {url}")


@pytest.mark.parametrize("row", ROWS, ids=[r[0] for r in ROWS])
def test_every_endpoint_refuses_weaker_roles_and_other_tenants(market: Market, row: Row) -> None:
    _name, method, url_of, body_of, weaker, kind, nosy = row
    m, w = market, market.world
    url, body = url_of(m), body_of(m)
    perm = _perm(method, url)
    for persona in weaker:
        assert PERSONAS[persona] not in POLICY[perm], (persona, perm)
        response = call(w, persona, method, url, body)
        assert response.status_code == 403, (persona, response.status_code)
        assert response.json()["error"]["code"] == "forbidden"
    if kind == "own":
        return  # creates in the caller's own community: nothing of ours to refuse
    for persona in ("outsider_staff", "outsider_officer", "outsider_leader", nosy):
        if not persona:
            continue
        response = call(w, persona, method, url, body)
        if PERSONAS[persona] not in POLICY[perm]:
            assert response.status_code == 403, (persona, response.status_code)
        elif kind == "object":
            # Allowed the role, but not this tenant's object: its existence is not revealed.
            assert response.status_code == 404, (persona, response.status_code)
            assert response.json()["error"]["code"] == "not_found"
        else:
            assert response.status_code == 200, (persona, response.status_code)
            assert _ours(m, response.json()) == [], persona


def _state(m: Market) -> tuple[Any, ...]:
    return (
        Need.objects.count(),
        Offer.objects.get(pk=m.offer).version,
        Order.objects.get(pk=m.order).state,
        AllocationRule.objects.count(),
    )


def test_refused_writes_change_nothing(market: Market) -> None:
    m, w = market, market.world
    before = _state(m)
    for _name, method, url_of, body_of, weaker, kind, nosy in ROWS:
        if method == "get" or kind == "own":
            continue
        for persona in (*weaker, "outsider_staff", "outsider_officer", nosy):
            if persona:
                call(w, persona, method, url_of(m), body_of(m))
    assert _state(m) == before
    assert Order.objects.get(pk=m.order).delivered == 10


def test_outsiders_get_404_for_objects(market: Market) -> None:
    m, w = market, market.world
    for url in (
        f"{API}/suppliers/{m.supplier}",
        f"{API}/allocations/{m.run}",
        f"{API}/orders/{m.order}",
        f"{API}/stock?enterprise={_a(m)}",
    ):
        response = call(w, "outsider_staff", "get", url)
        assert response.status_code == 404, url
        assert response.json()["error"]["code"] == "not_found"
    assert call(w, "outsider_officer", "get", f"{API}/orders/{m.order}").status_code == 404
    assert call(w, "officer_b", "get", f"{API}/orders/{m.order}").status_code == 404
    assert (
        call(
            w, "officer_b", "post", f"{API}/orders/{m.order}/deliveries", {"quantity": 1}
        ).status_code
        == 404
    )
    # A supplier's account sees only its own supplier, offers and orders.
    other = services.save_supplier(
        actor(w, "staff"),
        None,
        {
            "name": "别家",
            "credit_code": "91330206MA2AFUBX5H",
            "contact_name": "孙",
            "contact_phone": "13857401235",
        },
    )
    assert call(w, "supplier", "get", f"{API}/suppliers/{other.pk}").status_code == 404
    foreign_offer = call(
        w,
        "supplier",
        "post",
        f"{API}/offers",
        {"supplier": other.pk, "material": m.mask, "quantity": 1, "unit_price": "1"},
    )
    assert foreign_offer.status_code == 404
    Supplier.objects.get(pk=m.supplier).accounts.clear()
    assert ok(call(w, "supplier", "get", f"{API}/orders"))["count"] == 0
    assert ok(call(w, "supplier", "get", f"{API}/offers"))["count"] == 0
    assert call(w, "supplier", "post", f"{API}/orders/{m.order}/confirm").status_code == 404


def test_lists_are_scoped(market: Market) -> None:
    w = market.world
    assert ok(call(w, "officer_b", "get", f"{API}/needs"))["count"] == 0
    assert ok(call(w, "officer_a", "get", f"{API}/needs"))["count"] == 2
    assert ok(call(w, "officer_b", "get", f"{API}/orders"))["count"] == 0
    assert ok(call(w, "officer_a", "get", f"{API}/orders"))["count"] == 1
    assert ok(call(w, "outsider_staff", "get", f"{API}/needs"))["count"] == 0
    assert ok(call(w, "outsider_staff", "get", f"{API}/offers"))["count"] == 0
    assert ok(call(w, "outsider_staff", "get", f"{API}/allocations"))["count"] == 0
    assert ok(call(w, "leader", "get", f"{API}/allocations"))["count"] == 2


def test_pin_exclude_and_cancel(market: Market) -> None:
    m, w = market, market.world
    pin = ok(
        call(
            w,
            "staff",
            "post",
            f"{API}/allocations/lines/{m.line}/rule",
            {"kind": "pin", "quantity": "500"},
        ),
        201,
    )
    assert (pin["kind"], pin["quantity"]) == ("pin", 500)
    bad = call(
        w, "staff", "post", f"{API}/allocations/lines/{m.line}/rule", {"kind": "maybe"}, **EN
    )
    assert set(bad.json()["error"]["fields"]) == {"kind"}
    assert call(w, "staff", "delete", f"{API}/allocations/rules/{m.rule}").status_code == 204
    no_reason = call(w, "officer_a", "post", f"{API}/orders/{m.order}/cancel", {}, **EN)
    assert set(no_reason.json()["error"]["fields"]) == {"reason"}
    closed = ok(
        call(w, "officer_a", "post", f"{API}/orders/{m.order}/cancel", {"reason": "已从别处买到"})
    )
    assert (closed["state"], closed["delivered"]) == ("closed", 10)
    withdrawn = ok(call(w, "officer_a", "post", f"{API}/needs/{m.need}/withdraw"))
    assert withdrawn["state"] == "cancelled"


def test_openapi_lists_the_supplies_endpoints(db: None) -> None:
    from django.test import Client

    spec = Client().get("/api/v1/openapi.json").json()
    for path in (
        "materials",
        "stock",
        "ledger",
        "movements",
        "needs",
        "suppliers",
        "offers",
        "allocations",
        "allocations/{run_id}/issue",
        "orders/{order_id}/deliveries",
    ):
        assert f"{API}/{path}" in spec["paths"], path
