"""The page shell: navigation by role, local assets only, figures on the home page."""

from __future__ import annotations

import re

import pytest

from tests.conftest import PERSONAS

NAV = {"/registry/enterprises/", "/audit/", "/tokens/"}
EXPECTED_NAV = {
    "leader": {"/registry/enterprises/", "/audit/"},
    "staff": {"/registry/enterprises/", "/audit/", "/tokens/"},
    "officer_a": {"/registry/enterprises/"},
    "gate_a": set(),
    "volunteer": set(),
    "supplier": set(),
    "employee_a": set(),
}


@pytest.mark.parametrize("persona", sorted(EXPECTED_NAV))
def test_navigation_follows_the_role(world, persona):
    page = world.client(persona).get("/").content.decode()
    menu = (
        page.split('class="container-fluid main-nav"')[-1].split("</nav>")[0]
        if "main-nav" in page
        else ""
    )
    shown = {href for href in re.findall(r'href="([^"]+)"', menu) if href in NAV}
    assert shown == EXPECTED_NAV[persona]


@pytest.mark.parametrize("persona", [p for p in PERSONAS if not p.startswith("outsider")])
def test_home_renders_for_every_role(world, persona):
    assert world.client(persona).get("/").status_code == 200


def test_no_asset_from_outside_the_site(world):
    page = world.client("staff").get("/").content.decode()
    assert not re.search(r"""(src|href)=["'](https?:)?//""", page)
    assert "/static/vendor/htmx.min.js" in page
    assert "/static/vendor/echarts.min.js" in page


def test_home_figures_count_the_tenant_only(world):
    from tests.factories import id_number, make_employee

    make_employee(world.enterprise_a, name="王五", id_number=id_number("420102"))
    page = world.client("staff").get("/", HTTP_ACCEPT_LANGUAGE="en")
    figures = page.context["figures"]
    assert figures["total"] == 3 and figures["enterprises"] == 2
    assert figures["hubei"] == 1 and figures["non_local"] == 1
    officer = world.client("officer_b").get("/").context["figures"]
    assert officer["total"] == 1


def test_viewport_meta_for_phones(world):
    page = world.client("gate_a").get("/").content.decode()
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in page
