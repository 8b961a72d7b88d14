"""The gate station pages and the management of gates: who sees what, who may change what."""

from __future__ import annotations

from django.test import Client

from tests.access_helpers import assert_refused
from tests.conftest import World
from tests.health.conftest import Health
from workgate.core.models import Role
from workgate.health.models import Gate

CHECKERS = {Role.STAFF, Role.OFFICER, Role.GATE}
MANAGERS = {Role.STAFF, Role.OFFICER}


def en(world: World, persona: str) -> Client:
    """A signed-in browser reading English, so the messages asserted are the source texts."""
    client = world.client(persona)
    client.cookies["workgate_language"] = "en"
    return client


def test_a_gate_volunteer_with_one_gate_goes_straight_to_it(health: Health) -> None:
    response = en(health.world, "gate_a").get("/health/station/")
    assert response.status_code == 302
    assert response["Location"] == f"/health/station/{health.gate.pk}/"


def test_a_gate_volunteer_chooses_among_several_gates_and_cannot_manage_them(
    health: Health,
) -> None:
    Gate.objects.create(enterprise=health.world.enterprise_a, name="东门")
    page = en(health.world, "gate_a").get("/health/station/").content.decode()
    assert "北门" in page and "东门" in page
    assert f'href="/health/station/{health.gate.pk}/"' in page
    assert health.gate_b.name not in page
    assert 'data-testid="gate-add"' not in page
    assert 'data-testid="gate-deactivate"' not in page


def test_a_gate_out_of_use_is_hidden_from_volunteers_and_offered_again_to_officers(
    health: Health,
) -> None:
    Gate.objects.create(enterprise=health.world.enterprise_a, name="旧门", is_active=False)
    volunteer = en(health.world, "gate_a").get("/health/station/")
    assert volunteer.status_code == 302  # one gate in use: straight to it
    officer = en(health.world, "officer_a").get("/health/station/").content.decode()
    assert "旧门" in officer and 'data-testid="gate-reactivate"' in officer


def test_the_officer_sees_own_gates_and_the_add_form_without_choosing_an_enterprise(
    health: Health,
) -> None:
    page = en(health.world, "officer_a").get("/health/station/").content.decode()
    assert "北门" in page
    assert health.gate_b.name not in page
    assert 'data-testid="gate-add"' in page
    assert 'name="enterprise"' not in page


def test_staff_see_every_gate_of_the_community_and_choose_the_enterprise(health: Health) -> None:
    page = en(health.world, "staff").get("/health/station/").content.decode()
    assert "北门" in page and "南门" in page
    assert health.world.enterprise_a.name in page and health.world.enterprise_b.name in page
    assert 'name="enterprise"' in page
    assert health.world.enterprise_other.name not in page


def test_a_volunteer_without_a_gate_is_told_whom_to_ask(world) -> None:
    page = en(world, "gate_a").get("/health/station/").content.decode()
    assert 'data-testid="gate-none"' in page
    assert "enterprise officer" in page


def test_the_station_renders_with_the_settings_its_script_needs(health: Health) -> None:
    url = f"/health/station/{health.gate.pk}/"
    for persona in ("gate_a", "officer_a", "staff"):
        response = en(health.world, persona).get(url)
        assert response.status_code == 200, persona
        page = response.content.decode()
        assert f'data-gate="{health.gate.pk}"' in page
        assert 'data-fever="37.3"' in page
        assert 'data-low="34.0"' in page and 'data-high="43.0"' in page
        assert f'data-roster-url="/api/v1/health/gates/{health.gate.pk}/roster"' in page
        assert 'data-batch-url="/api/v1/checks/batch"' in page
        assert 'id="station-texts"' in page
        assert "health/station.js" in page
        assert "<script>" not in page  # no inline script: the CSP forbids it


def test_the_station_shows_the_community_fever_threshold(health: Health) -> None:
    from decimal import Decimal

    from workgate.health import rules, services

    services.settings_update(actor=health.staff, changes={"fever_threshold": Decimal("37.5")})
    rules.settings_forget()
    page = en(health.world, "gate_a").get(f"/health/station/{health.gate.pk}/")
    assert 'data-fever="37.5"' in page.content.decode()


def test_a_gate_out_of_use_opens_no_station(health: Health) -> None:
    Gate.objects.filter(pk=health.gate.pk).update(is_active=False)
    page = en(health.world, "gate_a").get(f"/health/station/{health.gate.pk}/").content.decode()
    assert 'data-testid="gate-closed"' in page
    assert 'id="station"' not in page


def test_another_enterprises_gate_is_not_found(health: Health) -> None:
    url = f"/health/station/{health.gate_b.pk}/"
    for persona in ("gate_a", "officer_a"):
        assert en(health.world, persona).get(url).status_code == 404, persona
    assert en(health.world, "officer_b").get(url).status_code == 200


def test_station_list_refuses_weaker_roles_and_other_tenants(health: Health) -> None:
    assert_refused(health.world, "/health/station/", allowed=CHECKERS)


def test_station_page_refuses_weaker_roles_and_other_tenants(health: Health) -> None:
    assert_refused(
        health.world,
        f"/health/station/{health.gate.pk}/",
        allowed=CHECKERS,
        allowed_personas={"staff", "officer_a", "gate_a"},
    )


def test_service_worker_refuses_weaker_roles(health: Health) -> None:
    assert_refused(health.world, "/health/station/sw.js", allowed=CHECKERS)
    response = en(health.world, "gate_a").get("/health/station/sw.js")
    assert response["Content-Type"].startswith("text/javascript")
    assert b"addEventListener" in response.content


def test_adding_a_gate_refuses_weaker_roles_and_other_tenants(health: Health) -> None:
    world = health.world
    assert_refused(
        world,
        "/health/station/gates/add/",
        allowed=MANAGERS,
        method="post",
        data={"name": "东门", "enterprise": world.enterprise_a.pk},
    )
    # Staff added it at A; officer_a was told it exists; officer_b and the outsider officer got
    # one at their own enterprise; the outsider staff could not choose enterprise A.
    assert set(Gate.objects.filter(name="东门").values_list("enterprise__name", flat=True)) == {
        world.enterprise_a.name,
        world.enterprise_b.name,
        world.enterprise_other.name,
    }
    assert Gate.objects.filter(name="东门", enterprise=world.enterprise_a).count() == 1


def test_setting_a_gate_in_or_out_of_use_refuses_weaker_roles_and_other_tenants(
    health: Health,
) -> None:
    assert_refused(
        health.world,
        f"/health/station/gates/{health.gate.pk}/active/",
        allowed=MANAGERS,
        method="post",
        data={"active": "1"},
        allowed_personas={"staff", "officer_a"},
    )


def test_officer_adds_a_gate_at_own_enterprise_whatever_is_posted(health: Health) -> None:
    world = health.world
    client = en(world, "officer_a")
    response = client.post(
        "/health/station/gates/add/", {"name": " 西门  ", "enterprise": world.enterprise_b.pk}
    )
    assert response.status_code == 302
    gate = Gate.objects.get(name="西门")
    assert gate.enterprise == world.enterprise_a and gate.is_active
    page = client.get("/health/station/").content.decode()
    assert "西门" in page and "added" in page


def test_staff_add_a_gate_at_the_enterprise_they_choose(health: Health) -> None:
    world = health.world
    client = en(world, "staff")
    missing = client.post("/health/station/gates/add/", {"name": "西门"}).content.decode()
    assert 'data-testid="error-enterprise"' in missing
    assert not Gate.objects.filter(name="西门").exists()
    other = client.post(
        "/health/station/gates/add/",
        {"name": "西门", "enterprise": world.enterprise_other.pk},
    ).content.decode()
    assert 'data-testid="error-enterprise"' in other
    assert not Gate.objects.filter(name="西门").exists()
    client.post("/health/station/gates/add/", {"name": "西门", "enterprise": world.enterprise_b.pk})
    assert Gate.objects.get(name="西门").enterprise == world.enterprise_b


def test_a_blank_or_duplicate_name_is_refused_with_the_reason(health: Health) -> None:
    client = en(health.world, "officer_a")
    blank = client.post("/health/station/gates/add/", {"name": "   "})
    assert blank.status_code == 200
    page = blank.content.decode()
    assert 'data-testid="error-name"' in page and "Give the gate a name" in page
    duplicate = client.post("/health/station/gates/add/", {"name": "北门"}).content.decode()
    assert 'data-testid="error-name"' in duplicate
    assert "already has a gate called “北门”" in duplicate
    assert 'value="北门"' in duplicate  # what was typed is kept
    assert Gate.objects.filter(enterprise=health.world.enterprise_a).count() == 1


def test_a_gate_is_taken_out_of_use_and_back(health: Health) -> None:
    client = en(health.world, "officer_a")
    url = f"/health/station/gates/{health.gate.pk}/active/"
    assert client.post(url, {"active": "0"}).status_code == 302
    health.gate.refresh_from_db()
    assert not health.gate.is_active
    page = client.get("/health/station/").content.decode()
    assert "no longer in use" in page and 'data-testid="gate-reactivate"' in page
    # The volunteer has no gate in use now.
    assert 'data-testid="gate-none"' in (
        en(health.world, "gate_a").get("/health/station/").content.decode()
    )
    client.post(url, {"active": "1"})
    health.gate.refresh_from_db()
    assert health.gate.is_active
    assert client.get(url).status_code == 405  # a change is a POST, never a link


def test_the_list_searches_gates_by_gate_or_enterprise_name(health: Health) -> None:
    client = en(health.world, "staff")
    page = client.get("/health/station/", {"q": "乙电子"}).content.decode()
    assert "南门" in page and "北门" not in page
