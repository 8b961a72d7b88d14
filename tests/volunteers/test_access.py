"""Every volunteers page: anonymous → sign-in, a weaker role → 403/404, another community →
404 for an object and nothing of ours in a list (tests/access_helpers.assert_refused)."""

from __future__ import annotations

import pytest

from tests.access_helpers import assert_refused
from tests.volunteers.conftest import TEAM, TITLE, Body
from workgate.core.models import Role
from workgate.volunteers.models import CallOut, Volunteer

COMMUNITY = {Role.LEADER, Role.STAFF}
STAFF = {Role.STAFF}
EVERYONE = set(Role)


def test_volunteer_list(body: Body) -> None:
    assert_refused(body.world, "/volunteers/", COMMUNITY, marker="党员1")
    assert_refused(body.world, "/volunteers/?q=党员", COMMUNITY, marker="党员1")


def test_volunteer_new_and_edit(body: Body) -> None:
    assert_refused(body.world, "/volunteers/new/", STAFF, marker="党员1")
    v = body.people[1]
    assert_refused(body.world, f"/volunteers/{v.pk}/edit/", STAFF)
    assert_refused(
        body.world,
        f"/volunteers/{v.pk}/edit/",
        STAFF,
        method="post",
        data={"name": "党员一", "kind": "party"},
    )
    assert Volunteer.objects.get(pk=v.pk).name == "党员一"  # staff's own edit went through


def test_volunteer_create_post(body: Body) -> None:
    assert_refused(
        body.world,
        "/volunteers/new/",
        STAFF,
        method="post",
        data={"name": "新人", "mobile": "13857400001", "kind": "party"},
        marker="党员1",
    )
    assert Volunteer.objects.filter(name="新人").count() == 2  # the outsider's is in theirs
    assert Volunteer.objects.filter(name="新人", community=body.world.community).count() == 1


def test_deactivate_and_reveal(body: Body) -> None:
    v = body.people[2]
    assert_refused(body.world, f"/volunteers/{v.pk}/reveal/", STAFF, method="post")
    assert_refused(
        body.world, f"/volunteers/{v.pk}/active/", STAFF, method="post", data={"active": "0"}
    )


def test_teams_pages(body: Body) -> None:
    w = body.world
    assert_refused(w, "/volunteers/teams/", COMMUNITY, marker=TEAM)
    assert_refused(
        w, "/volunteers/teams/add/", STAFF, method="post", data={"name": "应急队"}, marker=TEAM
    )
    assert_refused(
        w, f"/volunteers/teams/{body.team.pk}/edit/", STAFF, method="post", data={"name": TEAM}
    )
    assert_refused(
        w,
        f"/volunteers/teams/{body.team.pk}/groups/add/",
        STAFF,
        method="post",
        data={"name": "宣传组"},
    )
    assert_refused(
        w,
        f"/volunteers/groups/{body.material.pk}/edit/",
        STAFF,
        method="post",
        data={"name": "物资保障组", "members": [str(body.people[1].pk)]},
    )
    assert_refused(w, f"/volunteers/groups/{body.material.pk}/remove/", STAFF, method="post")


def test_callout_pages(body: Body, callout: CallOut) -> None:
    w = body.world
    assert_refused(w, "/volunteers/callouts/", COMMUNITY, marker=TITLE)
    assert_refused(w, "/volunteers/callouts/new/", COMMUNITY, marker=TITLE)
    assert_refused(w, f"/volunteers/callouts/{callout.pk}/", COMMUNITY)
    assert_refused(w, f"/volunteers/callouts/{callout.pk}/live/", COMMUNITY)
    assert_refused(
        w,
        f"/volunteers/callouts/{callout.pk}/close/",
        COMMUNITY,
        method="post",
        data={"action": "close"},
    )


def test_callout_post_form(body: Body) -> None:
    """Weaker roles are refused; another community's staff post only to their own volunteers
    (none there, so they are told no volunteer matches) and ours are not asked."""
    w = body.world
    data = {"title": "x", "place": "y", "starts_at": "2026-12-01T08:00", "needed": "1"}
    for persona in ("officer_a", "gate_a", "volunteer", "supplier", "employee_a"):
        assert w.client(persona).post("/volunteers/callouts/new/", data).status_code == 403
    outsider = w.client("outsider_staff").post("/volunteers/callouts/new/", data)
    assert outsider.status_code == 400
    assert 'data-testid="error-groups"' in outsider.content.decode()
    assert CallOut.objects.count() == 0
    assert w.client("staff").post("/volunteers/callouts/new/", data).status_code == 302
    assert CallOut.objects.get().answers.count() == 6


@pytest.mark.parametrize("method", ["get", "post"])
def test_answer_page_is_for_the_asked_volunteer_only(
    body: Body, callout: CallOut, method: str
) -> None:
    # Everyone holds CALLOUT_ANSWER, but only a linked, asked volunteer gets the page: the
    # others have no volunteer profile (403), another community's people too.
    assert_refused(
        body.world,
        f"/volunteers/callouts/{callout.pk}/answer/",
        EVERYONE,
        method=method,
        data={"answer": "accept"},
        allowed_personas={"volunteer"},
    )


def test_my_callouts(body: Body, callout: CallOut) -> None:
    assert_refused(body.world, "/volunteers/callouts/mine/", EVERYONE, marker=TITLE)
    assert (
        TITLE in body.world.client("volunteer").get("/volunteers/callouts/mine/").content.decode()
    )
