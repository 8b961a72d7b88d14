"""Signing in by username or mobile, lock-out, sign-out, password change, session security."""

from __future__ import annotations

import pytest
from django.test import Client

from workgate.core.models import AuditEntry


@pytest.fixture(autouse=True)
def _axes_reset(db):
    from axes.utils import reset

    reset()


def login(client: Client, username: str, password: str):
    return client.post("/login/", {"username": username, "password": password})


def test_sign_in_by_username(world, password):
    client = Client()
    response = login(client, "staff", password)
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert AuditEntry.objects.filter(action="login", actor_label="staff").exists()


@pytest.mark.parametrize(
    "typed", ["13900139000", "139 0013 9000", "+86 139-0013-9000", "１３９００１３９０００"]
)
def test_sign_in_by_mobile_as_people_type_it(world, password, typed):
    client = Client()
    response = login(client, typed, password)
    assert response.status_code == 302, response.content.decode()[:500]
    assert client.get("/").context["user"].username == "staff"


def test_wrong_password_gives_one_clear_message(world):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = login(client, "staff", "wrong")
    assert response.status_code == 200
    assert "do not match" in response.content.decode()
    assert "Traceback" not in response.content.decode()
    assert AuditEntry.objects.filter(action="login_failed", object_repr="staff").exists()


def test_wrong_password_message_in_chinese(world):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    response = login(client, "staff", "wrong")
    assert "不匹配" in response.content.decode()


def test_lockout_after_repeated_failures(world, password, settings):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "staff", "wrong")
    response = login(client, "staff", password)  # even the right password is refused now
    assert response.status_code == 429
    assert "Too many wrong passwords" in response.content.decode()


def test_sign_out_needs_post_and_ends_session(world, password):
    client = Client()
    login(client, "staff", password)
    client.post("/logout/")
    assert client.get("/").status_code == 302


def test_password_change_is_audited(world, password):
    client = Client()
    login(client, "staff", password)
    response = client.post(
        "/password/",
        {
            "old_password": password,
            "new_password1": "Gate-Keeper-2020!",
            "new_password2": "Gate-Keeper-2020!",
        },
    )
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="password", actor_label="staff").exists()
    assert login(Client(), "staff", "Gate-Keeper-2020!").status_code == 302


def test_pages_carry_security_headers(world):
    response = world.client("staff").get("/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_acting_in_another_membership(world):
    from workgate.core.models import Membership, Role

    user = world.users["officer_a"]
    extra = Membership.objects.create(user=user, community=world.community, role=Role.VOLUNTEER)
    client = world.client("officer_a")
    assert client.get("/registry/enterprises/").status_code == 200
    client.post("/act-as/", {"membership": extra.pk})
    assert client.get("/registry/enterprises/").status_code == 403
    # A membership of somebody else cannot be taken over.
    other = Membership.objects.get(user=world.users["staff"])
    assert client.post("/act-as/", {"membership": other.pk}).status_code == 404
