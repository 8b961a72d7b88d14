"""An enterprise's resumption status is visible wherever the enterprise appears: a coloured
chip with the status in the reader's language, and from a confirmed or suspected case a way
for staff to suspend the enterprise's work."""

from __future__ import annotations

import re

from django.test import Client

from tests.health.conftest import Health
from tests.health.test_incident_pages import fever
from workgate.core.models import Enterprise
from workgate.health.models import Incident
from workgate.screening.models import ReturnPlan

Status = Enterprise.Status


def en(health: Health, persona: str) -> Client:
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(health.world.users[persona])
    return browser


def chips(page: str) -> list[tuple[str, str]]:
    """Every status chip on the page: (status, label shown)."""
    return re.findall(
        r'<span class="status-chip status-(\w+)" data-testid="enterprise-status" '
        r'data-status="\w+">([^<]+)</span>',
        page,
    )


def set_status(enterprise: Enterprise, status: str) -> None:
    Enterprise.objects.filter(pk=enterprise.pk).update(status=status)


def test_the_enterprise_list_shows_each_status_and_filters_by_it(health: Health) -> None:
    a, b = health.world.enterprise_a, health.world.enterprise_b
    set_status(b, Status.APPLYING)
    staff = en(health, "staff")
    page = staff.get("/registry/enterprises/").content.decode()
    assert set(chips(page)) == {("resumed", "Resumed"), ("applying", "Applying")}

    only = staff.get("/registry/enterprises/?status=applying").content.decode()
    assert b.name in only and a.name not in only
    assert chips(only) == [("applying", "Applying")]
    # The same chip reads in Chinese for a Chinese reader.
    zh = health.world.client("staff").get("/registry/enterprises/?status=applying")
    assert chips(zh.content.decode()) == [("applying", str(_zh(Status.APPLYING)))]


def _zh(status: str) -> str:
    from django.utils.translation import override

    with override("zh-hans"):
        return str(Status(status).label)


def test_each_status_has_its_own_colour(health: Health) -> None:
    a = health.world.enterprise_a
    staff = en(health, "staff")
    seen = set()
    for status in Status.values:
        set_status(a, status)
        page = staff.get(f"/registry/enterprises/{a.pk}/").content.decode()
        [(shown, label)] = chips(page)
        assert shown == status and label == str(Status(status).label)
        seen.add(shown)
    assert seen == set(Status.values)


def test_the_enterprise_page_links_the_status_to_its_resumption_page(health: Health) -> None:
    a = health.world.enterprise_a
    link = f'href="/resumption/enterprises/{a.pk}/"'
    for persona in ("staff", "leader", "officer_a"):
        page = en(health, persona).get(f"/registry/enterprises/{a.pk}/").content.decode()
        assert 'data-testid="enterprise-status-link"' in page and link in page, persona
        assert chips(page) == [("resumed", "Resumed")]


def test_the_employee_file_shows_the_enterprise_status(health: Health) -> None:
    set_status(health.world.enterprise_a, Status.SUSPENDED)
    page = en(health, "staff").get(f"/registry/employees/{health.a[0].pk}/").content.decode()
    assert chips(page) == [("suspended", "Suspended")]


def test_round_pages_show_the_status_of_each_enterprise(health: Health) -> None:
    staff = en(health, "staff")
    overview = staff.get("/health/rounds/").content.decode()
    rows = overview.split('data-testid="enterprise-row"')[1:]
    assert len(rows) == 2
    for row in rows:
        assert chips(row)[:1] == [("resumed", "Resumed")]
    missing = staff.get("/health/rounds/missing/").content.decode()
    rows = missing.split('data-testid="missing-row"')[1:]
    assert len(rows) == 10
    assert all(chips(row)[:1] == [("resumed", "Resumed")] for row in rows)


def test_fever_incident_pages_show_the_status(health: Health) -> None:
    incident = fever(health, health.a[0])
    staff = en(health, "staff")
    listing = staff.get("/health/incidents/").content.decode()
    row = listing.split('data-testid="incident-row"')[1]
    assert chips(row) == [("resumed", "Resumed")]
    detail = staff.get(f"/health/incidents/{incident.pk}/").content.decode()
    assert ("resumed", "Resumed") in chips(detail)
    # An open fever is no reason to stop work: no prompt yet.
    assert 'data-testid="suspend-link"' not in detail


def test_staff_are_offered_the_suspension_after_a_confirmed_or_suspected_case(
    health: Health,
) -> None:
    a = health.world.enterprise_a
    incident = fever(health, health.a[0])
    url = f"/health/incidents/{incident.pk}/"
    for outcome in ("confirmed", "suspected"):
        Incident.objects.filter(pk=incident.pk).update(
            state=Incident.State.OUTCOME, outcome=outcome
        )
        page = en(health, "staff").get(url).content.decode()
        assert "Suspend the enterprise's work" in page
        assert re.search(
            rf'href="/resumption/enterprises/{a.pk}/"[^>]*data-testid="suspend-link"', page
        ), outcome
        # Officers and the leader see the case, but suspending is the staff's decision.
        for persona in ("officer_a", "leader"):
            other = en(health, persona).get(url).content.decode()
            assert 'data-testid="suspend-link"' not in other, persona
    Incident.objects.filter(pk=incident.pk).update(outcome="cleared")
    assert 'data-testid="suspend-link"' not in en(health, "staff").get(url).content.decode()

    # Once suspended, the page says so instead of offering it again.
    Incident.objects.filter(pk=incident.pk).update(outcome="confirmed")
    set_status(a, Status.SUSPENDED)
    page = en(health, "staff").get(url).content.decode()
    assert 'data-testid="suspend-link"' not in page
    assert 'data-testid="suspended-link"' in page
    assert ("suspended", "Suspended") in chips(page)


def test_return_plans_show_the_enterprise_status(health: Health) -> None:
    person = health.b[0]
    set_status(health.world.enterprise_b, Status.APPROVED)
    ReturnPlan.objects.create(
        employee=person,
        community=health.world.community,
        enterprise=health.world.enterprise_b,
        from_region_id=person.hukou_region_id,
        means="car",
    )
    page = en(health, "staff").get("/screening/returns/").content.decode()
    assert chips(page) == [("approved", "Approved")]
