"""The stock side of supplies through the Django client: an officer records what came in, was
used and was counted and sees stock, burn rate and days of supply; posts needs (by hand or
from the proposals) and withdraws them; staff see the community's picture and keep the reserve
and the catalogue; each page refused to weaker roles and to other tenants."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.access_helpers import assert_refused
from tests.conftest import World
from tests.factories import make_employee
from workgate.core.models import Role
from workgate.supplies import services
from workgate.supplies.models import (
    DeliveryArea,
    EnterpriseArea,
    LedgerEntry,
    Material,
    Need,
    Stock,
    SuppliesSettings,
)

pytestmark = pytest.mark.django_db

STOCK = reverse("supplies:stock")
NEEDS = reverse("supplies:needs")
OVERVIEW = reverse("supplies:overview")
CATALOGUE = reverse("supplies:catalogue")
MOVEMENT = reverse("supplies:movement")


def en(world: World, persona: str) -> Client:
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(world.users[persona])
    return browser


def zh(world: World, persona: str) -> Client:
    browser = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    browser.force_login(world.users[persona])
    return browser


def text(response) -> str:
    return response.content.decode()


def squash(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def sp(world: World) -> World:
    """Enterprise A with 50 people (policy: 2 masks a person a day → 100 a day)."""
    services.ensure_catalogue(world.community.pk)
    services.ensure_catalogue(world.other_community.pk)
    for i in range(49):
        make_employee(world.enterprise_a, name=f"员工{i}")
    return world


def mask(world: World) -> Material:
    return Material.objects.get(community=world.community, code="mask-medical")


def receive(world: World, persona: str, quantity, **extra) -> object:
    data = {"material": mask(world).pk, "kind": "received", "quantity": quantity, **extra}
    return en(world, persona).post(MOVEMENT, data)


def test_officer_sees_stock_after_a_receipt(sp):
    response = receive(sp, "officer_a", "500")
    assert response.status_code == 302
    page = en(sp, "officer_a").get(STOCK)
    assert page.status_code == 200
    body = text(page)
    row = squash(body.split('data-material="mask-medical"')[1].split("</tr>")[0])
    assert "Disposable medical mask" in row
    assert "500 piece" in row
    assert "100" in row and "policy estimate" in row
    assert "5.0 days" in row
    assert "Short" not in row  # 5 days ≥ the 3-day shortage line
    # The ledger shows the entry, signed, with its balance and who recorded it.
    ledger = squash(body.split('data-testid="ledger"')[1])
    assert "+500" in ledger and "officer_a" in ledger and "Received" in ledger
    # In Chinese the material's Chinese name and unit.
    zh_body = text(zh(sp, "officer_a").get(STOCK))
    assert "一次性医用口罩" in zh_body and "500 只" in squash(zh_body)


def test_use_then_shortage_in_red_and_history_burn(sp):
    receive(sp, "officer_a", "500")
    yesterday = services.local_today(sp.community.pk) - dt.timedelta(days=1)
    response = en(sp, "officer_a").post(
        MOVEMENT,
        {"material": mask(sp).pk, "kind": "consumed", "quantity": "300", "day": yesterday},
    )
    assert response.status_code == 302
    body = text(en(sp, "officer_a").get(STOCK))
    row = body.split('data-material="mask-medical"')[1].split("</tr>")[0]
    assert 'class="sp-short"' in row and 'data-testid="shortage"' in row
    # 300 used yesterday (the only day of history): 300 a day; 200 left is 0.7 days.
    assert "200 piece" in squash(row)
    assert "300 from the last 7 days" in squash(row)
    assert "0.7 days" in squash(row)
    assert 'data-testid="shortage-count"' in body


def test_whole_number_error_at_the_field_and_nothing_written(sp):
    response = receive(sp, "officer_a", "2.5")
    assert response.status_code == 400
    body = text(response)
    error = body.split('data-testid="quantity-error"')[1].split("</small>")[0]
    assert "whole" in error and "2.5" in error
    assert 'value="2.5"' in body  # what was typed stays in the field
    assert not LedgerEntry.objects.exists()
    assert not Stock.objects.filter(quantity__gt=0).exists()


def test_count_requires_a_note(sp):
    receive(sp, "officer_a", "500")
    data = {"material": mask(sp).pk, "kind": "adjusted", "quantity": "480"}
    response = en(sp, "officer_a").post(MOVEMENT, data)
    assert response.status_code == 400
    assert 'data-testid="note-error"' in text(response)
    response = en(sp, "officer_a").post(MOVEMENT, {**data, "note": "stocktake"})
    assert response.status_code == 302
    assert Stock.objects.get(material=mask(sp), holder__enterprise=sp.enterprise_a).quantity == 480


def test_staff_picks_an_enterprise_and_records_for_it(sp):
    page = en(sp, "staff").get(STOCK)
    assert page.status_code == 200
    assert reverse("supplies:overview") in text(page)
    found = en(sp, "staff").get(STOCK, {"q": "甲机械"})
    assert f"?enterprise={sp.enterprise_a.pk}" in text(found)
    response = receive(sp, "staff", "1,000", enterprise=sp.enterprise_a.pk)
    assert response.status_code == 302
    assert response["Location"].endswith(f"?enterprise={sp.enterprise_a.pk}")
    body = text(en(sp, "staff").get(STOCK, {"enterprise": sp.enterprise_a.pk}))
    assert sp.enterprise_a.name in body and "1,000 piece" in squash(body)
    # The leader sees the figures but no forms.
    leader = text(en(sp, "leader").get(STOCK, {"enterprise": sp.enterprise_a.pk}))
    assert "1,000 piece" in squash(leader) and 'data-testid="movement-form"' not in leader


def test_other_tenant_gets_404_for_an_enterprise_of_this_community(sp):
    for persona in ("outsider_staff", "outsider_leader"):
        for url in (STOCK, NEEDS):
            response = en(sp, persona).get(url, {"enterprise": sp.enterprise_a.pk})
            assert response.status_code == 404, (persona, url)
    response = en(sp, "outsider_staff").post(
        MOVEMENT,
        {
            "material": mask(sp).pk,
            "kind": "received",
            "quantity": 5,
            "enterprise": sp.enterprise_a.pk,
        },
    )
    assert response.status_code == 404
    # An officer's page is their own enterprise whatever is asked for.
    other = text(en(sp, "outsider_officer").get(STOCK, {"enterprise": sp.enterprise_a.pk}))
    assert sp.enterprise_a.name not in other
    assert not LedgerEntry.objects.exists()


def test_officer_cannot_post_for_another_enterprise(sp):
    receive(sp, "officer_b", "10", enterprise=sp.enterprise_a.pk)
    assert not LedgerEntry.objects.filter(holder__enterprise=sp.enterprise_a).exists()
    assert LedgerEntry.objects.filter(holder__enterprise=sp.enterprise_b).count() == 1


@pytest.mark.parametrize("url", [STOCK, NEEDS])
def test_stock_and_needs_refused(sp, url):
    assert_refused(sp, url, {Role.LEADER, Role.STAFF, Role.OFFICER})


def test_overview_refused_and_officer_redirected(sp):
    for persona in ("gate_a", "employee_a", "supplier", "volunteer"):
        assert en(sp, persona).get(OVERVIEW).status_code == 403, persona
    response = en(sp, "officer_a").get(OVERVIEW)
    assert response.status_code == 302 and response["Location"] == STOCK


def test_catalogue_refused(sp):
    assert_refused(sp, CATALOGUE, {Role.STAFF})
    response = en(sp, "officer_a").post(reverse("supplies:settings_save"), {"shortage_days": "5"})
    assert response.status_code == 403


def test_posts_refused_to_weaker_roles(sp):
    data = {"material": mask(sp).pk, "kind": "received", "quantity": "5"}
    for persona in ("leader", "gate_a", "employee_a", "supplier"):
        assert en(sp, persona).post(MOVEMENT, data).status_code == 403, persona
        response = en(sp, persona).post(
            reverse("supplies:need_post"), {"material": mask(sp).pk, "quantity": "5"}
        )
        assert response.status_code == 403, persona
    assert en(sp, "officer_a").post(reverse("supplies:reserve_receive"), data).status_code in (
        403,
        404,
    )
    assert not LedgerEntry.objects.exists() and not Need.objects.exists()


def test_needs_post_propose_and_withdraw(sp):
    officer = en(sp, "officer_a")
    page = text(officer.get(NEEDS))
    # No stock, 100 a day by policy: 0 days, short; the proposal covers 14 days.
    proposal = squash(page.split('data-material="mask-medical"')[1].split("</li>")[0])
    assert "1,400 piece" in proposal
    response = officer.post(
        reverse("supplies:need_post"),
        {"material": mask(sp).pk, "quantity": "1400", "proposed": "1"},
    )
    assert response.status_code == 302
    need = Need.objects.get()
    assert need.proposed and need.quantity == 1400
    page = text(officer.get(NEEDS))
    assert (
        'data-material="mask-medical"'
        not in page.split('data-testid="proposals"')[1].split("</article>")[0]
    )
    row = squash(page.split('data-testid="need-row"')[1].split("</tr>")[0])
    assert "1,400 piece" in row and "Open" in row and "proposed" in row
    # Posting by hand: a bad quantity is shown at the field.
    gloves = Material.objects.get(community=sp.community, code="gloves")
    bad = officer.post(reverse("supplies:need_post"), {"material": gloves.pk, "quantity": "2.5"})
    assert bad.status_code == 400
    assert "whole" in text(bad).split('data-testid="need-quantity-error"')[1].split("</small>")[0]
    good = officer.post(
        reverse("supplies:need_post"),
        {"material": gloves.pk, "quantity": "200", "by_date": "", "note": "车间"},
    )
    assert good.status_code == 302
    # Withdraw.
    response = officer.post(reverse("supplies:need_withdraw", args=[need.pk]))
    assert response.status_code == 302
    need.refresh_from_db()
    assert need.state == Need.State.CANCELLED
    # Another officer cannot withdraw it (404: not theirs to see).
    g = Need.objects.get(material=gloves)
    assert en(sp, "officer_b").post(reverse("supplies:need_withdraw", args=[g.pk])).status_code in (
        403,
        404,
    )
    # Staff see the community's open needs with the enterprise, filterable by material.
    staff = text(en(sp, "staff").get(NEEDS))
    table = squash(staff.split('data-testid="community-needs"')[1])
    assert sp.enterprise_a.name in table and "Disposable gloves" in table
    filtered = text(en(sp, "staff").get(NEEDS, {"material": mask(sp).pk}))
    assert "Disposable gloves" not in squash(filtered.split('data-testid="community-needs"')[1])


def test_overview_chart_shortages_reserve_and_shortest(sp):
    receive(sp, "officer_a", "500")  # A: 5 days of masks
    page = en(sp, "staff").get(OVERVIEW)
    assert page.status_code == 200
    body = text(page)
    data = json.loads(body.split('id="supply-days-data" type="application/json">')[1].split("<")[0])
    assert "Disposable medical mask" in data["materials"]
    i = data["materials"].index("Disposable medical mask")
    by_name = {s["name"]: s["data"][i] for s in data["series"]}
    assert by_name["3–7 days"] == 1  # enterprise A
    assert by_name["under 1 day"] == 1  # enterprise B: one person, no masks
    assert data["series"][0]["colour"] == "#c62828"
    short = squash(body.split('data-testid="short-table"')[1].split("</table>")[0])
    assert "Forehead thermometer" in short  # durables are counted too
    shortest = body.split('data-testid="shortest-table"')[1]
    assert f"?enterprise={sp.enterprise_b.pk}" in shortest
    assert f"?enterprise={sp.enterprise_a.pk}" in shortest
    assert "echarts.min.js" in body and "supplies/stock.js" in body
    assert "<script>" not in body  # CSP: no inline scripts
    # The leader sees the picture but not the reserve form.
    leader = text(en(sp, "leader").get(OVERVIEW))
    assert 'data-testid="chart-days"' in leader and 'data-testid="reserve-form"' not in leader


def test_reserve_receipt(sp):
    staff = en(sp, "staff")
    url = reverse("supplies:reserve_receive")
    bad = staff.post(url, {"material": mask(sp).pk, "quantity": "ten", "note": "捐赠"})
    assert bad.status_code == 400 and 'data-testid="reserve-quantity-error"' in text(bad)
    response = staff.post(url, {"material": mask(sp).pk, "quantity": "20000", "note": "市政府调拨"})
    assert response.status_code == 302
    body = text(staff.get(OVERVIEW))
    table = body.split('data-testid="reserve-table"')[1]
    row = squash(table.split('data-material="mask-medical"')[1].split("</tr>")[0])
    assert "20,000 piece" in row
    entry = LedgerEntry.objects.get()
    assert entry.holder.enterprise_id is None and entry.note == "市政府调拨"


def test_catalogue_opens_with_defaults_and_saves(world):
    # A new community: opening the page creates the default catalogue.
    staff = en(world, "staff")
    page = staff.get(CATALOGUE)
    assert page.status_code == 200
    assert Material.objects.filter(community=world.community).count() >= 10
    body = text(page)
    assert "Disposable medical mask" in body and "Forehead thermometer" in body
    m = Material.objects.get(community=world.community, code="gloves")
    response = staff.post(
        reverse("supplies:material_edit", args=[m.pk]),
        {
            "name": "一次性丁腈手套",
            "name_en": "Nitrile gloves",
            "category": "gloves",
            "unit": "副",
            "unit_en": "pair",
            "use_per_person_day": "1",
            "per_hundred": "0",
            "position": "7",
            "active": "1",
        },
    )
    assert response.status_code == 302
    m.refresh_from_db()
    assert (m.name_en, float(m.use_per_person_day), m.active) == ("Nitrile gloves", 1.0, True)
    # A new material; a missing name is refused at the field.
    new_url = reverse("supplies:material_add")
    bad = staff.post(
        new_url, {"code": "face-shield", "name": "", "unit": "个", "category": "other"}
    )
    assert bad.status_code == 400 and 'data-testid="material-name-error"' in text(bad)
    ok = staff.post(
        new_url,
        {
            "code": "face-shield",
            "name": "防护面屏",
            "unit": "个",
            "category": "other",
            "active": "1",
        },
    )
    assert ok.status_code == 302
    assert Material.objects.get(community=world.community, code="face-shield").active
    # Areas and assignment through the search box.
    assert staff.post(reverse("supplies:area_save"), {"name": "北区"}).status_code == 302
    area = DeliveryArea.objects.get(community=world.community)
    found = text(staff.get(CATALOGUE, {"q": "甲机械"}))
    assert world.enterprise_a.name in found.split('data-testid="assign-results"')[1]
    response = staff.post(
        reverse("supplies:area_assign", args=[world.enterprise_a.pk]), {"area": area.pk}
    )
    assert response.status_code == 302
    assert EnterpriseArea.objects.get(enterprise=world.enterprise_a).area == area
    assert (
        staff.post(
            reverse("supplies:area_assign", args=[world.enterprise_other.pk]), {"area": area.pk}
        ).status_code
        == 404
    )
    # Settings: out of range is refused at the field.
    url = reverse("supplies:settings_save")
    bad = staff.post(url, {"shortage_days": "0", "history_days": "7", "cover_days": "14"})
    assert bad.status_code == 400 and 'data-testid="shortage-days-error"' in text(bad)
    ok = staff.post(url, {"shortage_days": "5", "history_days": "7", "cover_days": "10"})
    assert ok.status_code == 302
    cfg = SuppliesSettings.objects.get(community=world.community)
    assert (cfg.shortage_days, cfg.cover_days, cfg.gate_material_id) == (5, 10, None)
