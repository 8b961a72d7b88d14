"""Pages of the notification channels: staff keep the group robots (secrets never shown in full,
a test message queued and sent), everyone chooses their own email, staff read the delivery log
and retry what failed; refusals name the field; weaker roles and other tenants are refused."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.access_helpers import assert_refused
from tests.test_channels import robots  # noqa: F401  (the local webhook server)
from workgate.core import channels
from workgate.core.channels import robot_save, send_due
from workgate.core.models import AuditEntry, ChannelChoice, Delivery, GroupRobot, Role
from workgate.core.notify import notify

DING_TOKEN = "f1e2d3c4b5a6978812345678abcdef0011223344"
DING_URL = f"https://oapi.dingtalk.com/robot/send?access_token={DING_TOKEN}"
SECRET = "SECa1b2c3d4e5f60718293a4b5c6d7e8f9"
WECOM_KEY = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
WECOM_URL = f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={WECOM_KEY}"


@pytest.fixture(autouse=True)
def _short_timeout(monkeypatch):
    monkeypatch.setattr(channels, "TIMEOUT", 0.5)


def en(world, persona: str) -> Client:
    client = world.client(persona)
    client.cookies["workgate_language"] = "en"
    return client


def text(response) -> str:
    return response.content.decode()


def add_form(**extra) -> dict:
    return {
        "name": "门岗值班群",
        "kind": "dingtalk",
        "format": "markdown",
        "webhook_url": DING_URL,
        "secret": SECRET,
        "kinds": ["health.fever", "duty."],
        "is_active": "on",
        **extra,
    }


def make_robot(world, url: str = WECOM_URL, community=None, **extra) -> GroupRobot:
    return robot_save(
        community_id=(community or world.community).pk,
        name=extra.pop("name", "测温群"),
        kind=extra.pop("kind", "wecom"),
        webhook_url=url,
        kinds=extra.pop("kinds", ["health."]),
        **extra,
    )


# --- Group robots ---------------------------------------------------------------------------


def test_staff_add_a_robot_and_its_key_and_secret_are_never_shown_again(world):
    staff = en(world, "staff")
    page = text(staff.get("/channels/robots/"))
    assert 'data-testid="no-robots"' in page
    assert "Fever alerts" in page and "Everything of Daily health" in page  # the checklist
    response = staff.post("/channels/robots/add/", add_form())
    robot = GroupRobot.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/channels/robots/{robot.pk}/"
    assert (robot.webhook_url, robot.secret) == (DING_URL, SECRET)
    assert robot.kinds == ["health.fever", "duty."]
    assert AuditEntry.objects.filter(object_type="core.grouprobot", action="create").exists()

    for url in ("/channels/robots/", f"/channels/robots/{robot.pk}/"):
        page = text(staff.get(url))
        assert DING_TOKEN not in page and SECRET not in page, url
        assert DING_TOKEN[-4:] in page  # enough to recognise it
        assert "Fever alerts" in page
    listing = text(staff.get("/channels/robots/"))
    assert "All of Duty rosters" in listing and "DingTalk group robot" in listing
    detail = text(staff.get(f"/channels/robots/{robot.pk}/"))
    assert "****" + SECRET[-4:] in detail

    # Saving with the webhook and secret left empty keeps both.
    form = add_form(webhook_url="", secret="", kinds=["*"], name="门岗群", format="text")
    del form["is_active"]
    response = staff.post(f"/channels/robots/{robot.pk}/edit/", form)
    assert response.status_code == 302
    robot.refresh_from_db()
    assert (robot.name, robot.webhook_url, robot.secret) == ("门岗群", DING_URL, SECRET)
    assert robot.kinds == ["*"] and robot.is_active is False and robot.format == "text"
    assert "All notifications" in text(staff.get("/channels/robots/"))
    # Removing the secret is a choice of its own.
    staff.post(
        f"/channels/robots/{robot.pk}/edit/",
        add_form(webhook_url="", secret="", clear_secret="on"),
    )
    robot.refresh_from_db()
    assert robot.secret == "" and robot.webhook_url == DING_URL


@pytest.mark.parametrize(
    ("change", "field", "says"),
    [
        ({"webhook_url": "http://example.com/hook"}, "webhook_url", "must start with https://"),
        ({"webhook_url": ""}, "webhook_url", "Enter the robot's webhook address"),
        ({"webhook_url": WECOM_URL}, "webhook_url", "oapi.dingtalk.com/robot/send?access_token"),
        (
            {"kind": "wecom", "webhook_url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send"},
            "webhook_url",
            "qyapi.weixin.qq.com/cgi-bin/webhook/send?key",
        ),
        ({"kinds": []}, "kinds", "Choose at least one kind"),
        ({"kinds": ["health.nope"]}, "kinds", "is not a kind of notification"),
        ({"name": ""}, "name", "Give the robot a name"),
        ({"kind": "slack"}, "kind", "Choose WeCom or DingTalk"),
    ],
)
def test_a_bad_robot_is_refused_naming_the_field_and_nothing_is_saved(world, change, field, says):
    response = en(world, "staff").post("/channels/robots/add/", add_form(**change))
    assert response.status_code == 400
    page = html.unescape(text(response))
    assert says in page
    if field != "kinds":  # a checklist, with its message above it
        assert 'aria-invalid="true"' in page
    if field in ("webhook_url", "kinds"):
        assert f'data-testid="error-{field}"' in page
    assert SECRET not in page  # the secret typed is not sent back either
    assert GroupRobot.objects.count() == 0
    assert 'id="rb-name"' in page and "<details" in page and " open" in page


def test_a_local_relay_may_be_plain_http(world, robots):  # noqa: F811
    response = en(world, "staff").post(
        "/channels/robots/add/", add_form(kind="wecom", webhook_url=robots.url(), secret="")
    )
    assert response.status_code == 302
    assert GroupRobot.objects.get().webhook_url == robots.url()


def test_a_test_message_is_queued_says_so_and_reaches_the_group(world, robots):  # noqa: F811
    robot = make_robot(world, url=robots.url())
    staff = en(world, "staff")
    response = staff.post(f"/channels/robots/{robot.pk}/test/", follow=True)
    assert "A test message to 测温群 is queued" in text(response)
    delivery = Delivery.objects.get()
    assert (delivery.kind, delivery.robot_id, delivery.status) == ("core.test", robot.pk, "queued")
    assert robots.calls == []  # sent by the worker, not in the request
    assert send_due() == 1
    assert "测温群" in robots.calls[0].payload["text"]["content"]
    page = text(staff.get("/channels/robots/"))
    assert "Sent" in page  # the last message's status
    assert "Test message" in text(staff.get("/channels/deliveries/"))
    # A robot switched off is not tested: it says why.
    GroupRobot.objects.filter(pk=robot.pk).update(is_active=False)
    response = staff.post(f"/channels/robots/{robot.pk}/test/", follow=True)
    assert "The robot is switched off" in text(response)
    assert Delivery.objects.count() == 1


def test_removing_a_robot_gives_up_its_waiting_messages(world):
    robot = make_robot(world)
    notify(users=[], community_id=world.community.pk, kind="health.fever", params={"name": "甲"})
    assert Delivery.objects.get().status == "queued"
    response = en(world, "staff").post(f"/channels/robots/{robot.pk}/delete/", follow=True)
    assert "Robot removed: 测温群." in text(response)
    assert not GroupRobot.objects.exists()
    delivery = Delivery.objects.get()
    assert delivery.status == "gave_up" and delivery.robot_id is None
    assert AuditEntry.objects.filter(object_type="core.grouprobot", action="delete").exists()


def test_robot_pages_refuse_weaker_roles_and_other_tenants(world):
    robot = make_robot(world, name="甲方测温群")
    theirs = make_robot(world, community=world.other_community, name="外区群")
    staff_only = {Role.STAFF}
    assert_refused(world, "/channels/robots/", staff_only, marker="甲方测温群")
    assert_refused(world, f"/channels/robots/{robot.pk}/", staff_only)
    for action in ("edit", "test", "delete"):
        assert_refused(
            world,
            f"/channels/robots/{robot.pk}/{action}/",
            staff_only,
            method="post",
            data=add_form(kind="wecom", webhook_url="", secret="", kinds=["health."]),
        )
    # The outsiders' staff made nothing here; staff here see and touch nothing of theirs.
    staff = world.client("staff")
    assert staff.get(f"/channels/robots/{theirs.pk}/").status_code == 404
    assert staff.post(f"/channels/robots/{theirs.pk}/delete/").status_code == 404
    assert staff.post(f"/channels/robots/{theirs.pk}/test/").status_code == 404
    assert "外区群" not in text(staff.get("/channels/robots/"))
    assert GroupRobot.objects.filter(pk=theirs.pk).exists()
    # Adding is staff's too (in their own community).
    assert_refused(
        world,
        "/channels/robots/add/",
        staff_only,
        method="post",
        data=add_form(name="新群"),
        marker="甲方测温群",
    )
    assert set(GroupRobot.objects.filter(name="新群").values_list("community_id", flat=True)) == {
        world.community.pk,
        world.other_community.pk,
    }


# --- My channels ----------------------------------------------------------------------------


def test_everyone_chooses_their_own_email_from_the_inbox(world):
    volunteer = en(world, "volunteer")
    inbox = text(volunteer.get("/notifications/"))
    assert 'href="/channels/mine/"' in inbox
    page = text(volunteer.get("/channels/mine/"))
    account = world.users["volunteer"].email
    assert "Send my notifications by email too" in page and "Fever alerts" in page
    if account:
        assert account in page
    response = volunteer.post(
        "/channels/mine/",
        {"email_on": "on", "email": "zhang.san@example.com", "muted_kinds": ["duty.", "x.y"]},
    )
    assert response.status_code == 302
    choice = ChannelChoice.objects.get(user=world.users["volunteer"])
    assert choice.email_on and choice.email == "zhang.san@example.com"
    assert choice.muted_kinds == ["duty.", "x.y"]
    page = text(volunteer.get("/channels/mine/"))
    assert 'value="zhang.san@example.com"' in page
    assert re.search(r'value="duty\."\s+checked', page)
    assert AuditEntry.objects.filter(object_type="core.channelchoice").exists()
    # Nobody else sees it: another person's page shows their own (empty) choices.
    other = text(en(world, "leader").get("/channels/mine/"))
    assert "zhang.san@example.com" not in other
    assert not re.search(r'value="duty\."\s+checked', other)


def test_a_bad_address_is_refused_naming_the_field(world):
    leader = world.users["leader"]
    leader.email = ""
    leader.save()
    client = en(world, "leader")
    response = client.post("/channels/mine/", {"email_on": "on", "email": "not an address"})
    assert response.status_code == 400
    assert "Enter a valid email address." in text(response)
    assert 'data-testid="error-email"' in text(response)
    response = client.post("/channels/mine/", {"email_on": "on", "email": ""})
    assert response.status_code == 400
    assert "Enter an email address to get notifications by email." in text(response)
    assert not ChannelChoice.objects.filter(user=leader, email_on=True).exists()


def test_my_channels_is_open_to_every_role_and_to_nobody_signed_out(world):
    assert_refused(world, "/channels/mine/", set(Role), marker="zhang.san@example.com")


# --- The delivery log -----------------------------------------------------------------------


def test_the_log_filters_counts_masks_and_retries(world, robots, mailoutbox):  # noqa: F811
    make_robot(world, url=robots.url(), name="好群", kinds=["health.fever"])
    bad = make_robot(world, url=robots.url("/down?key=KEYKEYKEY9876"), name="坏群", kinds=["*"])
    ChannelChoice.objects.create(
        user=world.users["staff"], email_on=True, email="wang.wu@example.com"
    )
    notify(
        users=[world.users["staff"]],
        community_id=world.community.pk,
        kind="health.fever",
        params={"name": "甲", "temperature": "38.5"},
    )
    GroupRobot.objects.filter(pk=bad.pk).update(webhook_url="http://127.0.0.1:9/down?key=KEY")
    assert send_due() == 2  # the email and the good robot; the bad one failed
    failed = Delivery.objects.get(robot=bad)
    assert failed.status == "failed"
    Delivery.objects.create(
        community=world.other_community, channel="wecom", kind="health.fever", title="外区消息"
    )

    staff = en(world, "staff")
    page = text(staff.get("/channels/deliveries/"))
    assert page.count('data-testid="delivery-row"') == 3
    assert "w***@example.com" in page and "wang.wu@example.com" not in page
    assert "外区消息" not in page
    counts = dict(re.findall(r'data-testid="count-(\w+)"><strong>(\d+)</strong>', page))
    assert counts == {"queued": "0", "sending": "0", "sent": "2", "failed": "1", "gave_up": "0"}
    assert page.count('data-testid="delivery-retry"') == 1
    assert "Fever alerts" in page and "unreachable" in page

    only_failed = text(staff.get("/channels/deliveries/", {"status": "failed"}))
    assert only_failed.count('data-testid="delivery-row"') == 1 and "坏群" in only_failed
    emails = text(staff.get("/channels/deliveries/", {"channel": "email"}))
    assert emails.count('data-testid="delivery-row"') == 1
    by_kind = text(staff.get("/channels/deliveries/", {"kind": "duty."}))
    assert 'data-testid="no-deliveries"' in by_kind
    today = timezone.localdate().isoformat()
    assert text(staff.get("/channels/deliveries/", {"date": today})).count("delivery-row") == 3
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    assert "no-deliveries" in text(staff.get("/channels/deliveries/", {"date": yesterday}))
    refused = staff.get("/channels/deliveries/", {"date": "23/11/2026", "status": "lost"})
    assert refused.status_code == 400
    assert "Enter the date as YYYY-MM-DD." in text(refused) and "Unknown status." in text(refused)

    # Retry now: queued again at once, a fresh round of attempts, audited; the filters kept.
    response = staff.post(f"/channels/deliveries/{failed.pk}/retry/", {"next": "?status=failed"})
    assert response["Location"] == "/channels/deliveries/?status=failed"
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == ("queued", 0)
    assert failed.next_attempt_at <= timezone.now()
    assert AuditEntry.objects.filter(
        object_type="core.delivery", object_id=str(failed.pk), detail__op="delivery_retry"
    ).exists()
    # A sent message is not retried.
    sent = Delivery.objects.filter(status="sent").first()
    response = staff.post(f"/channels/deliveries/{sent.pk}/retry/", follow=True)
    assert "Only a failed or given-up message can be retried" in text(response)
    assert Delivery.objects.get(pk=sent.pk).status == "sent"
    # The robot answers again: the retried message goes out.
    GroupRobot.objects.filter(pk=bad.pk).update(webhook_url=robots.url("/up?key=KEY"))
    assert send_due() == 1


def test_the_log_pages_through_many_messages(world):
    Delivery.objects.bulk_create(
        Delivery(community=world.community, channel="wecom", kind="health.fever", title=f"第{i}条")
        for i in range(60)
    )
    staff = en(world, "staff")
    first = text(staff.get("/channels/deliveries/"))
    assert first.count('data-testid="delivery-row"') == 50 and "Page 1 of 2" in first
    second = text(staff.get("/channels/deliveries/", {"page": 2, "channel": "wecom"}))
    assert second.count('data-testid="delivery-row"') == 10
    assert "channel=wecom&amp;page=1" in second


def test_the_log_refuses_weaker_roles_and_other_tenants(world):
    Delivery.objects.create(
        community=world.community, channel="wecom", kind="health.fever", title="甲方发热提醒"
    )
    delivery = Delivery.objects.create(
        community=world.community,
        channel="wecom",
        kind="health.fever",
        title="甲方发热提醒",
        status="gave_up",
    )
    assert_refused(world, "/channels/deliveries/", {Role.STAFF}, marker="甲方发热提醒")
    assert_refused(world, f"/channels/deliveries/{delivery.pk}/retry/", {Role.STAFF}, method="post")
    theirs = Delivery.objects.create(
        community=world.other_community, channel="wecom", kind="x", title="t", status="gave_up"
    )
    response = world.client("staff").post(f"/channels/deliveries/{theirs.pk}/retry/")
    assert response.status_code == 404
    assert Delivery.objects.get(pk=theirs.pk).status == "gave_up"
