"""The events the issue names reach a subscribed group robot through the real services that raise
them — a fever, a call-out, a shift reminder, an overdue application — and a supply order reaches
it once, though its supplier and its enterprise are told by separate calls. Sent by the worker to
a local HTTP server standing in for WeCom and DingTalk."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation

from tests.health.conftest import Health, health  # noqa: F401  (the fixture)
from tests.health.test_incident_pages import fever
from tests.resumption.test_services import Res, _at, advance, fresh, res_fixture  # noqa: F401
from tests.test_channels import robots  # noqa: F401  (the local webhook server)
from tests.test_volunteers_callouts import actor_for
from workgate.core import channels
from workgate.core.channels import robot_save, send_due
from workgate.core.models import Delivery, GroupRobot, Notification
from workgate.duty import services as duty_services
from workgate.duty.models import Shift
from workgate.health.models import Gate
from workgate.resumption import services as res_services
from workgate.supplies import services as supplies_services
from workgate.volunteers import services as vol_services


@pytest.fixture(autouse=True)
def _short_timeout(monkeypatch):
    monkeypatch.setattr(channels, "TIMEOUT", 0.5)


def subscribe(community_id: int, robots, kinds: list[str], kind: str = "wecom") -> GroupRobot:  # noqa: F811
    path = "/robot/send?access_token=TOKEN-5678" if kind == "dingtalk" else None
    return robot_save(
        community_id=community_id,
        name=f"值班群 {kind}",
        kind=kind,
        webhook_url=robots.url(path) if path else robots.url(),
        kinds=kinds,
        secret="SEC0123456789abcdef" if kind == "dingtalk" else None,
    )


def heard(robots) -> list[str]:  # noqa: F811
    """What the group saw: the text of each message the server received."""
    return [c.payload["text"]["content"] for c in robots.calls]


def test_a_fever_alert_reaches_the_health_group(
    health: Health,  # noqa: F811
    robots,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    subscribe(health.world.community.pk, robots, ["health.fever"], kind="dingtalk")
    with django_capture_on_commit_callbacks(execute=True):
        fever(health, health.a[0], "38.6")
    assert send_due() == 1
    [text] = heard(robots)
    assert health.a[0].name in text and "38.6" in text
    assert "sign" in robots.calls[0].query  # DingTalk, signed
    # Only the name and the temperature: no ID number, phone or employee file in the message.
    assert health.a[0].id_number not in text


def test_a_fever_emails_the_officer_who_chose_email_and_notifies_the_others_in_the_app(
    health: Health,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    from django.core import mail

    officer = health.world.users["officer_a"]
    channels.channel_choice_set(user=officer, email_on=True, email="wang@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        fever(health, health.a[0], "38.6")
    note = Notification.objects.get(recipient=officer, kind="health.fever")
    delivery = Delivery.objects.get(channel=Delivery.Channel.EMAIL)
    assert delivery.notification_id == note.pk
    assert Notification.objects.filter(recipient=health.world.users["staff"]).count() == 1
    assert send_due() == 1
    [email] = mail.outbox
    assert email.to == ["wang@example.com"] and health.a[0].name in email.subject + email.body


def test_a_call_out_reaches_a_group_subscribed_to_volunteers(world, robots):  # noqa: F811
    staff = actor_for(world.users["staff"])
    team = vol_services.save_team(staff, "老三集团党员志愿服务队")
    liaison = team.groups.order_by("position").first()
    people = [
        vol_services.save_volunteer(staff, None, {"name": f"党员{i}", "mobile": f"1390000{i:04d}"})
        for i in range(3)
    ]
    vol_services.set_group_members(staff, liaison, people)
    subscribe(world.community.pk, robots, ["volunteers."])
    vol_services.post_callout(
        staff,
        title="门岗测温",
        place="大港工业城北门",
        starts_at=timezone.now() + dt.timedelta(hours=1),
        needed=2,
        groups=[liaison],
    )
    assert send_due() == 1
    [text] = heard(robots)
    assert "门岗测温" in text and "大港工业城北门" in text
    assert "13900000000" not in text  # volunteers' phones stay out of the group


def test_a_roster_reminder_reaches_the_duty_group_once_per_shift(world, robots):  # noqa: F811
    staff = actor_for(world.users["staff"])
    gate = Gate.objects.create(enterprise=world.enterprise_a, name="东门")
    post = duty_services.save_post(
        staff, None, {"kind": "gate", "gate": gate, "needed": 2, "shift_times": "07:00-15:00"}
    )
    people = [
        vol_services.save_volunteer(staff, None, {"name": f"值班{i}", "mobile": f"1370000{i:04d}"})
        for i in range(2)
    ]
    now = timezone.now()
    shift = Shift.objects.create(
        post=post,
        community=world.community,
        day=timezone.localdate(),
        starts_at=now + dt.timedelta(minutes=30),
        ends_at=now + dt.timedelta(hours=8),
        needed=2,
    )
    for person in people:
        duty_services.assign(staff, shift, person, tell=False)
    subscribe(world.community.pk, robots, ["duty.reminder"])
    duty_services.send_reminders(now)
    duty_services.send_reminders(now)  # reminded once
    assert send_due() == 1
    [text] = heard(robots)
    assert "东门" in text or post.name in text


def test_an_overdue_application_reaches_the_leaders_group(res: Res, robots):  # noqa: F811
    subscribe(res.world.community.pk, robots, ["resumption.overdue"])
    app = advance(res, "assigned")
    due = fresh(app).due_on
    assert res_services.applications_overdue_notify(now=_at(due + dt.timedelta(days=1), 9, 0)) == 1
    assert send_due() == 1
    [text] = heard(robots)
    assert res.world.enterprise_a.name in text


def test_each_supply_order_reaches_a_subscribed_group_once(world, robots):  # noqa: F811
    with translation.override("en"):
        staff = actor_for(world.users["staff"])
        mats = {m.code: m for m in supplies_services.ensure_catalogue(world.community.pk)}
        north = supplies_services.save_area(staff, "北区")
        supplies_services.assign_area(staff, world.enterprise_a, north)
        supplies_services.assign_area(staff, world.enterprise_b, north)
        supplier = supplies_services.save_supplier(
            staff,
            None,
            {
                "name": "宁波康护医疗用品有限公司",
                "credit_code": "91330206MA2AFUBX4E",
                "contact_name": "钱经理",
                "contact_phone": "138 5740 1234",
            },
            areas=[north],
        )
        supplier.accounts.add(world.users["supplier"])
        mask = mats["mask-medical"]
        supplies_services.save_offer(
            actor_for(world.users["supplier"]),
            supplier,
            None,
            {"material": mask, "quantity": "5000", "unit_price": "0.80", "lead_days": 1},
        )
        supplies_services.post_need(
            actor_for(world.users["officer_a"]), world.enterprise_a, mask, "2000"
        )
        supplies_services.post_need(
            actor_for(world.users["officer_b"]), world.enterprise_b, mask, "1000"
        )
        subscribe(world.community.pk, robots, ["supplies.order"])
        orders = supplies_services.issue_orders(staff, supplies_services.run_allocation(staff))
    assert len(orders) == 2
    robot_messages = Delivery.objects.filter(kind="supplies.order", robot__isnull=False)
    assert robot_messages.count() == 2  # one per order, not one per told party
    # The supplier's account and each officer still got theirs in the app.
    told = Notification.objects.filter(kind="supplies.order")
    assert sorted(told.values_list("recipient__username", flat=True)) == [
        "officer_a",
        "officer_b",
        "supplier",
        "supplier",
    ]
    assert send_due() == 2
    assert len(robots.calls) == 2
    texts = heard(robots)
    assert [world.enterprise_a.name in t for t in texts].count(True) == 1
    assert [world.enterprise_b.name in t for t in texts].count(True) == 1


def test_a_second_call_for_the_same_event_can_leave_robots_out(world, robots):  # noqa: F811
    from workgate.core.notify import notify

    subscribe(world.community.pk, robots, ["supplies.order"])
    params = {"quantity": 1, "material": "口罩", "enterprise": "甲"}
    common = {"community_id": world.community.pk, "kind": "supplies.order", "params": params}
    notify(users=[world.users["supplier"]], **common)
    notify(users=[world.users["officer_a"]], robots_too=False, **common)
    notify(users=[], robots_too=False, **common)
    assert Delivery.objects.filter(robot__isnull=False).count() == 1
