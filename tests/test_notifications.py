"""In-app notifications: stored as kind + params, written in the reader's language, seen only by
their recipient; the bell's count, opening one, marking all read; the API; who `recipients`
picks."""

from __future__ import annotations

import re

import pytest
from django.test import RequestFactory
from django.utils.translation import gettext

from tests.access_helpers import assert_refused
from tests.factories import make_user
from workgate.core import notify as notify_module
from workgate.core.access import Actor
from workgate.core.context_processors import shell
from workgate.core.models import Membership, Notification, Role
from workgate.core.notify import notify, recipients, register_kind

KIND = "test.greeting"


@pytest.fixture(autouse=True)
def greeting_kind():
    # A real app registers its kinds in AppConfig.ready(); "Audit log" is a translated msgid.
    register_kind(
        KIND,
        title=lambda p: f"{gettext('Audit log')} · {p.get('what', '')}",
        body=lambda p: f"body of {p.get('what', '')}",
    )
    yield
    notify_module.KINDS.pop(KIND, None)


def send(world, persona: str, what: str = "消毒记录", url: str = "") -> Notification:
    user = world.users[persona]
    community = user.memberships.get().community_id
    notify(users=[user], community_id=community, kind=KIND, params={"what": what}, url=url)
    return Notification.objects.filter(recipient=user).latest("id")


def badge(page: str) -> str | None:
    """The bell's count as shown, or None when the badge is hidden."""
    match = re.search(r'data-testid="notif-count"( hidden)?>([^<]*)<', page)
    assert match, "no bell in the header"
    return None if match.group(1) else match.group(2)


def test_recipient_reads_it_in_their_language_on_the_page_in_the_api_and_on_the_bell(world):
    send(world, "officer_a", url="/registry/enterprises/")
    client = world.client("officer_a")

    english = client.get("/notifications/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Audit log · 消毒记录" in english and "body of 消毒记录" in english
    assert "unread" in english and 'data-testid="notif-read-all"' in english
    assert badge(english) == "1"
    chinese = client.get("/notifications/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "审计日志 · 消毒记录" in chinese
    assert badge(client.get("/").content.decode()) == "1"

    items = client.get("/api/v1/notifications", HTTP_ACCEPT_LANGUAGE="en").json()["items"]
    assert [(i["kind"], i["title"], i["body"], i["url"], i["read_at"]) for i in items] == [
        (KIND, "Audit log · 消毒记录", "body of 消毒记录", "/registry/enterprises/", None)
    ]


def test_nobody_else_sees_it(world):
    mine = send(world, "officer_a")
    for persona in ("officer_b", "staff", "outsider_staff", "outsider_officer"):
        client = world.client(persona)
        page = client.get("/notifications/").content.decode()
        assert "消毒记录" not in page, persona
        assert badge(page) is None, persona
        assert client.get("/api/v1/notifications").json()["items"] == [], persona
        assert client.post(f"/notifications/{mine.pk}/open/").status_code == 404, persona
        marked = client.post(
            "/api/v1/notifications/read", {"ids": [mine.pk]}, content_type="application/json"
        )
        assert marked.json() == {"marked": 0}, persona
    mine.refresh_from_db()
    assert mine.read_at is None


def test_pages_and_api_refuse_strangers(world):
    mine = send(world, "officer_a")
    assert_refused(world, "/notifications/", allowed=set(Role), marker="消毒记录")
    assert_refused(world, "/api/v1/notifications", allowed=set(Role), marker="消毒记录")
    assert_refused(world, "/notifications/read/", allowed=set(Role), method="post")
    assert_refused(
        world,
        f"/notifications/{mine.pk}/open/",
        allowed=set(Role),
        method="post",
        allowed_personas={"officer_a"},
    )


def test_opening_marks_it_read_and_follows_only_a_local_url(world):
    client = world.client("staff")
    local = send(world, "staff", url="/registry/enterprises/")
    response = client.post(f"/notifications/{local.pk}/open/")
    assert response.status_code == 302 and response["Location"] == "/registry/enterprises/"
    local.refresh_from_db()
    assert local.read_at is not None

    for url in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:x", ""):
        elsewhere = send(world, "staff", url=url)
        response = client.post(f"/notifications/{elsewhere.pk}/open/")
        assert response["Location"] == "/notifications/", url
    assert client.get(f"/notifications/{local.pk}/open/").status_code == 405


def test_mark_all_read_touches_only_my_own(world):
    for what in ("一", "二", "三"):
        send(world, "staff", what=what)
    leaders = send(world, "leader")
    client = world.client("staff")
    assert badge(client.get("/").content.decode()) == "3"

    response = client.post("/notifications/read/")
    assert response.status_code == 302 and response["Location"] == "/notifications/"
    assert not Notification.objects.filter(recipient=world.users["staff"], read_at=None).exists()
    page = client.get("/notifications/").content.decode()
    assert badge(page) is None
    assert "notif-read-all" not in page and page.count('data-testid="notification"') == 3
    leaders.refresh_from_db()
    assert leaders.read_at is None


def test_api_marks_read_by_ids_or_all(world):
    first, second, third = (send(world, "volunteer", what=w) for w in ("一", "二", "三"))
    client = world.client("volunteer")
    by_ids = client.post(
        "/api/v1/notifications/read", {"ids": [first.pk]}, content_type="application/json"
    )
    assert by_ids.json() == {"marked": 1}
    unread = client.get("/api/v1/notifications", {"unread": "true"}).json()["items"]
    assert [i["id"] for i in unread] == [third.pk, second.pk]
    everything = client.post(
        "/api/v1/notifications/read", {"all": True}, content_type="application/json"
    )
    assert everything.json() == {"marked": 2}
    assert client.get("/api/v1/notifications", {"unread": "true"}).json()["items"] == []
    assert len(client.get("/api/v1/notifications").json()["items"]) == 3


def test_the_list_is_newest_first_and_paged(world):
    for i in range(35):
        send(world, "supplier", what=f"第{i}条")
    client = world.client("supplier")
    first = client.get("/notifications/").content.decode()
    assert first.count('data-testid="notification"') == 30
    assert first.index("第34条") < first.index("第33条")
    assert 'rel="next"' in first and badge(first) == "35"
    second = client.get("/notifications/", {"page": 2}).content.decode()
    assert second.count('data-testid="notification"') == 5 and "第0条" in second


def test_the_bell_costs_one_count_query(world, django_assert_num_queries):
    send(world, "gate_a")
    user = world.users["gate_a"]
    membership = Membership.objects.select_related("user").get(user=user)
    request = RequestFactory().get("/")
    request.user = user
    request.actor = Actor.from_membership(membership)
    request.memberships = [membership]
    with django_assert_num_queries(1):
        assert shell(request)["notif_unread"] == 1


def test_notify_counts_each_active_person_once_and_knows_its_kinds(world):
    staff, officer = world.users["staff"], world.users["officer_a"]
    officer.is_active = False
    officer.save()
    sent = notify(
        users=[staff, staff, officer], community_id=world.community.pk, kind=KIND, params={}
    )
    assert sent == 1
    assert Notification.objects.filter(recipient=staff).count() == 1
    with pytest.raises(ValueError, match="unknown notification kind"):
        notify(users=[staff], community_id=world.community.pk, kind="nope", params={})


def test_an_unknown_kind_shows_its_name(world):
    mine = send(world, "staff")
    Notification.objects.filter(pk=mine.pk).update(kind="gone.away")
    mine.refresh_from_db()
    assert notify_module.render(mine) == ("gone.away", "")


def test_recipients_by_role_enterprise_and_community(world):
    c, a, b = world.community.pk, world.enterprise_a.pk, world.enterprise_b.pk

    def names(**kw):
        return {u.username for u in recipients(community_id=c, **kw)}

    assert names(roles=[Role.STAFF]) == {"staff"}
    assert names(roles=[Role.OFFICER]) == {"officer_a", "officer_b"}
    assert names(roles=[Role.OFFICER], enterprise_id=a) == {"officer_a"}
    assert names(roles=[Role.STAFF, Role.OFFICER], enterprise_id=b) == {"staff", "officer_b"}
    assert names(roles=[Role.GATE], enterprise_id=b) == set()
    assert names(roles=[Role.GATE, Role.EMPLOYEE], enterprise_id=a) == {"gate_a", "employee_a"}
    assert {
        u.username for u in recipients(community_id=world.other_community.pk, roles=[Role.STAFF])
    } == {"outsider_staff"}

    # Someone holding two roles is picked once; a stopped membership or account is not.
    Membership.objects.create(user=world.users["staff"], community_id=c, role=Role.VOLUNTEER)
    assert names(roles=[Role.STAFF, Role.VOLUNTEER]) == {"staff", "volunteer"}
    assert len(recipients(community_id=c, roles=[Role.STAFF, Role.VOLUNTEER])) == 2
    Membership.objects.filter(user=world.users["officer_b"]).update(is_active=False)
    make_user("officer_b2", Role.OFFICER, world.community, world.enterprise_b)
    world.users["officer_a"].is_active = False
    world.users["officer_a"].save()
    assert names(roles=[Role.OFFICER]) == {"officer_b2"}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_on_a_360px_phone_the_bell_counts_and_opens(live_server, browser, world, password):
    from tests.browser import screenshot
    from tests.test_browser_shell import sign_in

    for what in ("发热复测", "口罩领取"):
        send(world, "officer_a", what=what, url="/registry/enterprises/")
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="zh-CN", is_mobile=True
    )
    page = context.new_page()
    sign_in(page, live_server.url, "officer_a", password)
    assert page.locator("[data-testid=notif-count]").inner_text() == "2"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "home-bell-360")
    page.click("[data-testid=notif-bell]")
    page.wait_for_selector("[data-testid=notification]")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "notifications-360")
    page.click("text=审计日志 · 口罩领取")
    page.wait_for_url("**/registry/enterprises/")
    assert page.locator("[data-testid=notif-count]").inner_text() == "1"
    page.goto(live_server.url + "/notifications/")
    page.click("[data-testid=notif-read-all]")
    page.wait_for_url("**/notifications/")
    assert page.locator("[data-testid=notif-count]").is_hidden()
    context.close()
