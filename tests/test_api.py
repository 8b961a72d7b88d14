"""The API: OpenAPI, docs from local assets, session and token auth, one error format."""

from __future__ import annotations

import json
import re

from django.test import Client

from tests.access_helpers import assert_refused
from workgate.core.access import Actor
from workgate.core.models import AuditEntry, Role
from workgate.core.services import token_create


def bearer(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def staff_actor(world) -> Actor:
    return Actor(
        community_id=world.community.pk,
        enterprise_id=None,
        role=Role.STAFF,
        user=world.users["staff"],
    )


def test_openapi_document_is_served(db):
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    assert spec["info"]["title"] == "Workgate API"
    assert "/api/v1/enterprises" in spec["paths"]


def test_docs_page_uses_only_local_assets(world):
    html = world.client("staff").get("/api/v1/docs").content.decode()
    assert "swagger-ui-bundle.js" in html
    assert not re.search(r"""(src|href)=["']https?://""", html)


def test_unauthenticated_call_gets_the_error_format(db):
    response = Client().get("/api/v1/enterprises")
    assert response.status_code == 401
    body = response.json()
    assert body["error"]["code"] == "unauthenticated"
    assert set(body["error"]) == {"code", "message", "fields"}


def test_session_reads_need_no_token(world):
    response = world.client("staff").get("/api/v1/enterprises")
    assert response.status_code == 200
    names = {e["name"] for e in response.json()["items"]}
    assert names == {world.enterprise_a.name, world.enterprise_b.name}


def test_session_writes_need_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["staff"])
    response = client.post(
        "/api/v1/tokens", json.dumps({"name": "x", "role": "gate"}), content_type="application/json"
    )
    assert response.status_code in (401, 403)


def test_token_acts_with_its_role_and_tenant(world):
    token, secret = token_create(
        actor=staff_actor(world), name="Gate 1", role=Role.GATE, enterprise_id=world.enterprise_a.pk
    )
    client = Client()
    me = client.get("/api/v1/me", **bearer(secret)).json()
    assert me == {
        "username": None,
        "role": "gate",
        "community_id": world.community.pk,
        "enterprise_id": world.enterprise_a.pk,
    }
    # A gate token may not read the enterprise list.
    refused = client.get("/api/v1/enterprises", **bearer(secret))
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"
    assert token.digest != secret and secret not in token.digest


def test_revoked_token_is_refused(world):
    token, secret = token_create(actor=staff_actor(world), name="Old", role=Role.STAFF)
    client = world.client("staff")
    assert client.post(f"/api/v1/tokens/{token.pk}/revoke").status_code == 200
    assert Client().get("/api/v1/me", **bearer(secret)).status_code == 401
    assert AuditEntry.objects.filter(action="token", object_id=str(token.pk)).count() == 2


def test_token_creation_validates_with_field_names(world):
    client = world.client("staff")
    response = client.post(
        "/api/v1/tokens",
        json.dumps({"name": "", "role": "officer"}),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "name" in response.json()["error"]["fields"]
    response = client.post(
        "/api/v1/tokens", json.dumps({"name": "x", "role": "boss"}), content_type="application/json"
    )
    assert response.status_code == 422
    assert "role" in response.json()["error"]["fields"]


def test_token_cannot_reach_another_community(world):
    _token, secret = token_create(actor=staff_actor(world), name="Int", role=Role.STAFF)
    response = Client().get(f"/api/v1/enterprises/{world.enterprise_other.pk}", **bearer(secret))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_enterprise_detail_refusals(world):
    assert_refused(
        world,
        f"/api/v1/enterprises/{world.enterprise_a.pk}",
        allowed={Role.LEADER, Role.STAFF, Role.OFFICER},
        allowed_personas={"leader", "staff", "officer_a"},
    )


def test_enterprise_list_refusals(world):
    assert_refused(world, "/api/v1/enterprises", allowed={Role.LEADER, Role.STAFF, Role.OFFICER})


def test_token_list_refusals(world):
    assert_refused(world, "/api/v1/tokens", allowed={Role.STAFF}, marker="staff")


def test_audit_api_refusals(world):
    assert_refused(world, "/api/v1/audit", allowed={Role.LEADER, Role.STAFF}, marker="officer_a")
