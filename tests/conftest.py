"""Shared personas: every app's tests use the same people in the same two communities."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client

from tests.factories import (
    PASSWORD,
    make_community,
    make_employee,
    make_enterprise,
    make_user,
)
from workgate.core.models import Community, Enterprise, Role, User


@dataclass
class World:
    community: Community
    other_community: Community
    enterprise_a: Enterprise
    enterprise_b: Enterprise
    enterprise_other: Enterprise
    users: dict[str, User]

    def client(self, persona: str | None) -> Client:
        client = Client()
        if persona is not None:
            client.force_login(self.users[persona])
        return client


# Persona → role. "outsider_*" belong to another community (another tenant).
PERSONAS = {
    "leader": Role.LEADER,
    "staff": Role.STAFF,
    "officer_a": Role.OFFICER,
    "officer_b": Role.OFFICER,
    "gate_a": Role.GATE,
    "volunteer": Role.VOLUNTEER,
    "supplier": Role.SUPPLIER,
    "employee_a": Role.EMPLOYEE,
    "outsider_staff": Role.STAFF,
    "outsider_leader": Role.LEADER,
    "outsider_officer": Role.OFFICER,
}


@pytest.fixture(autouse=True)
def _process_caches_cleared() -> None:
    """Per-process caches (health settings, known partitions, gates, tokens) hold rows of one
    test's database, which the next test rolls back or reuses the ids of."""
    from workgate.api import token_cache_clear
    from workgate.health import partitions, rules, services

    rules.settings_forget()
    partitions.forget()
    services.gate_cache_clear()
    token_cache_clear()


@pytest.fixture
def world(db: None) -> World:
    community = make_community()
    other = make_community(slug="other", name="其他社区")
    # A world where work has resumed: every enterprise is back at work, its people on duty.
    ent_a = make_enterprise(community, name="宁波甲机械有限公司")
    ent_b = make_enterprise(community, name="宁波乙电子有限公司")
    ent_o = make_enterprise(other, name="外区丙化工有限公司")
    users = {
        "leader": make_user("leader", Role.LEADER, community),
        "staff": make_user("staff", Role.STAFF, community, mobile="13900139000"),
        "officer_a": make_user("officer_a", Role.OFFICER, community, ent_a),
        "officer_b": make_user("officer_b", Role.OFFICER, community, ent_b),
        "gate_a": make_user("gate_a", Role.GATE, community, ent_a),
        "volunteer": make_user("volunteer", Role.VOLUNTEER, community),
        "supplier": make_user("supplier", Role.SUPPLIER, community),
        "employee_a": make_user("employee_a", Role.EMPLOYEE, community, ent_a),
        "outsider_staff": make_user("outsider_staff", Role.STAFF, other),
        "outsider_leader": make_user("outsider_leader", Role.LEADER, other),
        "outsider_officer": make_user("outsider_officer", Role.OFFICER, other, ent_o),
    }
    make_employee(ent_a, name="张三")
    make_employee(ent_b, name="李四", id_number=None)
    return World(community, other, ent_a, ent_b, ent_o, users)


@pytest.fixture
def password() -> str:
    return PASSWORD


pytest_plugins = ["tests.browser"]
