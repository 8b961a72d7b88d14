"""The central authorisation layer: every page and endpoint is checked in one place."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.access_helpers import assert_refused
from workgate.core.access import POLICY, Actor, Perm, scope
from workgate.core.models import Enterprise, Role
from workgate.registry.models import Employee

PUBLIC_VIEWS = {"login", "logout", "set_language", "password_change"}


def _walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p


def test_every_permission_has_a_policy():
    assert set(POLICY) == set(Perm)


def test_every_page_is_guarded_by_the_central_decorator():
    unguarded = []
    for route, pattern in _walk(get_resolver().url_patterns):
        if route.startswith("api/v1/") or pattern.name in PUBLIC_VIEWS:
            continue
        if pattern.name and pattern.name.startswith("static"):
            continue
        if not hasattr(pattern.callback, "required_perm"):
            unguarded.append(route)
    assert unguarded == []


def test_every_api_operation_is_guarded_by_the_central_decorator():
    from workgate.api import api

    unguarded = []
    for _prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                if not hasattr(operation.view_func, "required_perm"):
                    unguarded.append(f"{operation.methods} {path}")
    assert unguarded == []


@pytest.mark.django_db
def test_scope_keeps_each_tenant_to_itself(world):
    staff = Actor(community_id=world.community.pk, enterprise_id=None, role=Role.STAFF)
    officer_a = Actor(
        community_id=world.community.pk, enterprise_id=world.enterprise_a.pk, role=Role.OFFICER
    )
    outsider = Actor(community_id=world.other_community.pk, enterprise_id=None, role=Role.STAFF)
    assert set(scope(staff, Enterprise.objects.all())) == {world.enterprise_a, world.enterprise_b}
    assert list(scope(officer_a, Enterprise.objects.all())) == [world.enterprise_a]
    assert list(scope(outsider, Enterprise.objects.all())) == [world.enterprise_other]
    assert {e.name for e in scope(officer_a, Employee.objects.all())} == {"张三"}
    assert scope(outsider, Employee.objects.all()).count() == 0


def test_home_refuses_strangers(world):
    assert_refused(world, "/", allowed=set(Role), marker="宁波甲机械有限公司")


def test_enterprise_list_refuses_weaker_roles_and_other_tenants(world):
    assert_refused(world, "/registry/enterprises/", allowed={Role.LEADER, Role.STAFF, Role.OFFICER})


def test_officer_sees_only_own_enterprise_in_list(world):
    page = world.client("officer_a").get("/registry/enterprises/").content.decode()
    assert world.enterprise_a.name in page
    assert world.enterprise_b.name not in page


def test_audit_page_refuses_weaker_roles_and_other_tenants(world):
    assert_refused(world, "/audit/", allowed={Role.LEADER, Role.STAFF}, marker="officer_a")


def test_token_page_refuses_all_but_staff(world):
    assert_refused(world, "/tokens/", allowed={Role.STAFF})


def test_member_without_membership_is_refused(world, django_user_model):
    lonely = django_user_model.objects.create_user("lonely", password="x")
    from django.test import Client

    client = Client()
    client.force_login(lonely)
    assert client.get("/").status_code == 403
