"""Out-of-app messages in their reader's language: each email in its recipient's (the language
they last chose while signed in), each robot message in its group's (set on the robot's page or
by the API); each language rendered once per notify() call. Signing in on a device without a
language cookie shows the person's stored language from the first page."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from tests.test_channels import robots  # noqa: F401  (the local webhook server)
from workgate.core import channels
from workgate.core import notify as notify_module
from workgate.core.channels import TEST_KIND, channel_choice_set, robot_save, send_due
from workgate.core.models import Delivery, GroupRobot, Notification, User
from workgate.core.notify import notify, register_kind

COOKIE = settings.LANGUAGE_COOKIE_NAME
DING_URL = "https://oapi.dingtalk.com/robot/send?access_token=0123456789abcdef0123456789abcdef"
API = "/api/v1/channels"


@pytest.fixture(autouse=True)
def _short_timeout(monkeypatch):
    monkeypatch.setattr(channels, "TIMEOUT", 0.5)


@pytest.fixture(autouse=True)
def _axes_reset(db):
    from axes.utils import reset

    reset()


def in_language(lang: str, msgid: str, **params: str) -> str:
    with translation.override(lang):
        return gettext(msgid) % params if params else gettext(msgid)


TITLE = "Test message from Workgate"
BODY = "The group robot “%(robot)s” is set up: its notifications will arrive here."


def speaks(user: User, language: str, email: str) -> User:
    user.language = language
    user.email = email
    user.save()
    channel_choice_set(user=user, email_on=True)
    return user


def stored_language(world, persona: str) -> str:
    return User.objects.get(pk=world.users[persona].pk).language


# --- Emails -----------------------------------------------------------------------------------


def test_one_notify_call_emails_each_person_in_their_own_language(world):
    speaks(world.users["leader"], "en", "leader@example.com")
    speaks(world.users["staff"], "zh-hans", "staff@example.com")
    speaks(world.users["volunteer"], "", "volunteer@example.com")  # never chose: the site's

    notify(
        users=[world.users[p] for p in ("leader", "staff", "volunteer")],
        community_id=world.community.pk,
        kind=TEST_KIND,
        params={"robot": "门岗群"},
    )
    assert send_due() == 3
    by_address = {m.to[0]: m for m in mail.outbox}
    english = by_address["leader@example.com"]
    assert english.subject == "Test message from Workgate"
    assert english.body == "The group robot “门岗群” is set up: its notifications will arrive here."
    chinese_title = in_language("zh-hans", TITLE)
    assert chinese_title != TITLE and "测试" in chinese_title
    for address in ("staff@example.com", "volunteer@example.com"):
        assert by_address[address].subject == chinese_title
        assert by_address[address].body == in_language("zh-hans", BODY, robot="门岗群")
    # The log holds what each was sent.
    titles = {d.recipient_label: d.title for d in Delivery.objects.all()}
    assert titles == {
        "l***@example.com": TITLE,
        "s***@example.com": chinese_title,
        "v***@example.com": chinese_title,
    }


def test_each_language_is_written_once_however_many_read_it(world):
    written: list[str] = []

    def title(params: dict) -> str:
        written.append(translation.get_language())
        return gettext("Audit log")

    register_kind("test.counted", title=title)
    try:
        people = []
        for i in range(40):
            user = User.objects.create_user(username=f"reader{i}", email=f"r{i}@example.com")
            user.language = "en" if i % 2 else "zh-hans"
            user.save()
            channel_choice_set(user=user, email_on=True)
            people.append(user)
        robot_save(
            community_id=world.community.pk,
            name="English group",
            kind="dingtalk",
            webhook_url=DING_URL,
            kinds=["test."],
            language="en",
        )
        notify(users=people, community_id=world.community.pk, kind="test.counted", params={})
    finally:
        notify_module.KINDS.pop("test.counted", None)
    assert sorted(written) == ["en", "zh-hans"]
    titles = [d.title for d in Delivery.objects.filter(channel="email").order_by("pk")]
    assert sorted(set(titles)) == sorted({"Audit log", in_language("zh-hans", "Audit log")})
    assert titles.count("Audit log") == 20
    assert Delivery.objects.get(channel="dingtalk").title == "Audit log"
    assert Notification.objects.filter(kind="test.counted").count() == 40


# --- Group robots -----------------------------------------------------------------------------


def test_a_robot_set_to_english_gets_english_and_the_others_the_sites_language(world, robots):  # noqa: F811
    english = robot_save(
        community_id=world.community.pk,
        name="English group",
        kind="wecom",
        webhook_url=robots.url(),
        kinds=[TEST_KIND],
        language="en",
    )
    chinese = robot_save(
        community_id=world.community.pk,
        name="中文群",
        kind="wecom",
        webhook_url=robots.url("/cgi-bin/webhook/send?key=OTHER"),
        kinds=[TEST_KIND],
    )
    assert (english.language, chinese.language) == ("en", settings.LANGUAGE_CODE)
    notify(users=[], community_id=world.community.pk, kind=TEST_KIND, params={"robot": "G"})
    assert send_due() == 2
    by_key = {c.query["key"]: c.payload["text"]["content"] for c in robots.calls}
    assert by_key["KEY-1234-abcd"] == (
        "Test message from Workgate\n"
        "The group robot “G” is set up: its notifications will arrive here."
    )
    assert by_key["OTHER"] == (
        in_language("zh-hans", TITLE) + "\n" + in_language("zh-hans", BODY, robot="G")
    )


def test_the_test_message_is_in_the_groups_language(world, robots):  # noqa: F811
    staff = world.client("staff")  # the page is in Chinese: the group's language decides
    robot = robot_save(
        community_id=world.community.pk,
        name="English group",
        kind="wecom",
        webhook_url=robots.url(),
        kinds=["health."],
        language="en",
    )
    staff.post(f"/channels/robots/{robot.pk}/test/")
    assert send_due() == 1
    assert robots.calls[0].payload["text"]["content"].startswith("Test message from Workgate\n")


def robot_form(**extra) -> dict:
    return {
        "name": "门岗值班群",
        "kind": "dingtalk",
        "format": "text",
        "language": "en",
        "webhook_url": DING_URL,
        "kinds": ["health.fever"],
        "is_active": "on",
        **extra,
    }


def english_client(world, persona: str) -> Client:
    client = world.client(persona)
    client.cookies[COOKIE] = "en"
    return client


def test_the_robot_page_sets_and_shows_the_groups_language(world):
    staff = english_client(world, "staff")
    add = staff.get("/channels/robots/").content.decode()
    assert '<option value="zh-hans" lang="zh-hans" selected>简体中文</option>' in add  # default

    response = staff.post("/channels/robots/add/", robot_form())
    robot = GroupRobot.objects.get()
    assert response.status_code == 302 and robot.language == "en"
    page = staff.get(f"/channels/robots/{robot.pk}/").content.decode()
    assert "messages in English" in page
    assert '<option value="en" lang="en" selected>English</option>' in page
    assert "messages in English" in staff.get("/channels/robots/").content.decode()

    staff.post(f"/channels/robots/{robot.pk}/edit/", robot_form(language="zh-hans"))
    robot.refresh_from_db()
    assert robot.language == "zh-hans"
    assert "messages in 简体中文" in staff.get(f"/channels/robots/{robot.pk}/").content.decode()
    chinese = world.client("staff").get(f"/channels/robots/{robot.pk}/").content.decode()
    assert "消息语言：简体中文" in chinese


@pytest.mark.parametrize("where", ["add", "edit"])
def test_the_robot_form_refuses_an_unknown_language_naming_the_field(world, where):
    staff = english_client(world, "staff")
    robot = None
    url = "/channels/robots/add/"
    if where == "edit":
        robot = robot_save(
            community_id=world.community.pk,
            name="门岗群",
            kind="dingtalk",
            webhook_url=DING_URL,
            kinds=["health."],
        )
        url = f"/channels/robots/{robot.pk}/edit/"
    response = staff.post(url, robot_form(language="fr", name="改了名"))
    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-testid="error-language"' in page
    assert "Choose the language of the group&#x27;s messages from the list." in page
    if robot is None:
        assert not GroupRobot.objects.exists()
    else:
        robot.refresh_from_db()
        assert (robot.name, robot.language) == ("门岗群", settings.LANGUAGE_CODE)


def api(world, method: str, url: str, body: dict | None = None):
    client = world.client("staff")
    return getattr(client, method)(
        url, json.dumps(body or {}), content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )


def test_the_api_sets_reads_keeps_and_refuses_the_groups_language(world):
    body = {"name": "门岗群", "kind": "dingtalk", "webhook_url": DING_URL, "kinds": ["health."]}
    created = api(world, "post", f"{API}/robots", body)
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["language"] == settings.LANGUAGE_CODE

    patched = api(world, "patch", f"{API}/robots/{pk}", {"language": "en"})
    assert patched.status_code == 200 and patched.json()["language"] == "en"
    kept = api(world, "put", f"{API}/robots/{pk}", {**body, "webhook_url": ""})
    assert kept.json()["language"] == "en"  # left out of an update: kept
    assert world.client("staff").get(f"{API}/robots/{pk}").json()["language"] == "en"

    for method, url, change in (
        ("post", f"{API}/robots", {**body, "language": "fr"}),
        ("patch", f"{API}/robots/{pk}", {"language": "klingon"}),
    ):
        refused = api(world, method, url, change)
        assert refused.status_code == 400, refused.content
        error = refused.json()["error"]
        assert "language" in error["fields"], error
        assert "language of the group" in json.dumps(error)
    assert GroupRobot.objects.get().language == "en"


# --- The person's language --------------------------------------------------------------------


def test_switching_language_while_signed_in_stores_it(world):
    staff = world.client("staff")
    assert stored_language(world, "staff") == ""
    staff.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert stored_language(world, "staff") == "en"
    assert "Overview" in staff.get("/").content.decode()  # Django's switch still works
    staff.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert stored_language(world, "staff") == "zh-hans"
    staff.post("/i18n/setlang/", {"language": "xx", "next": "/"})  # not offered: ignored
    assert stored_language(world, "staff") == "zh-hans"

    anonymous = Client()
    response = anonymous.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    assert response.status_code == 302 and anonymous.cookies[COOKIE].value == "en"


def test_signing_in_without_a_cookie_shows_the_stored_language_from_the_first_page(world, password):
    leader = world.users["leader"]
    leader.language = "en"
    leader.save()
    phone = Client()
    response = phone.post("/login/", {"username": "leader", "password": password})
    assert response.status_code == 302
    assert phone.cookies[COOKIE].value == "en"
    page = phone.get(response["Location"]).content.decode()
    assert "Overview" in page and 'lang="en"' in page


def test_signing_in_keeps_a_cookie_the_device_has(world, password):
    leader = world.users["leader"]
    leader.language = "en"
    leader.save()
    phone = Client()
    phone.cookies[COOKIE] = "zh-hans"
    response = phone.post("/login/", {"username": "leader", "password": password})
    assert COOKIE not in response.cookies  # the device's own choice is left alone
    assert 'lang="zh-CN"' in phone.get("/").content.decode()
    assert stored_language(world, "leader") == "en"


def test_signing_in_stores_the_devices_language_for_someone_with_none_stored(world, password):
    phone = Client()
    phone.cookies[COOKIE] = "en"  # chose English before languages were stored
    phone.post("/login/", {"username": "volunteer", "password": password})
    assert stored_language(world, "volunteer") == "en"
    nothing = Client()
    nothing.post("/login/", {"username": "staff", "password": password})
    assert stored_language(world, "staff") == ""
    assert COOKIE not in nothing.cookies
