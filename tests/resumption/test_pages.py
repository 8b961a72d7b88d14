"""The resumption pages through the Django client: the officer sees what is missing and why,
enters figures and uploads evidence, saves and submits; staff assign, survey with photos,
verify and report; the leader approves; returned and resubmitted with the history kept; each
page and form refused to weaker roles and other tenants."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client
from django.utils import timezone
from PIL import Image

from tests.access_helpers import assert_refused
from tests.conftest import World
from workgate.core.access import Actor
from workgate.core.models import Enterprise, Membership, Role
from workgate.resumption import conditions as rules
from workgate.resumption import services
from workgate.resumption.models import (
    Application,
    ApplicationStep,
    Condition,
    ConditionEntry,
    Evidence,
    Indicator,
    StepPhoto,
)

pytestmark = pytest.mark.django_db
State = Application.State


class Upload(io.BytesIO):
    """A file the test client can send more than once (it reads without rewinding)."""

    def __init__(self, data: bytes, name: str) -> None:
        super().__init__(data)
        self.name = name

    def read(self, *args: int) -> bytes:  # type: ignore[override]
        self.seek(0)
        return super().read(*args)


def png(width: int = 40, height: int = 30, colour: str = "green") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "PNG")
    return out.getvalue()


def today() -> dt.date:
    return timezone.localdate()


def en(world: World, persona: str) -> Client:
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(world.users[persona])
    return browser


def actor(world: World, persona: str) -> Actor:
    return Actor.from_membership(Membership.objects.get(user=world.users[persona]))


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def rp(world: World, settings, tmp_path) -> World:
    """The world before work resumed: enterprises A and B have not resumed yet."""
    settings.MEDIA_ROOT = tmp_path / "media"
    Enterprise.objects.filter(community=world.community).update(
        status=Enterprise.Status.NOT_RESUMED, resumed_on=None
    )
    services.conditions_ensure(world.community.pk)
    services.conditions_ensure(world.other_community.pk)
    return world


def cond(world: World, indicator: str) -> Condition:
    return Condition.objects.get(community=world.community, indicator=indicator)


def page_url(world: World) -> str:
    return f"/resumption/enterprises/{world.enterprise_a.pk}/"


def entry_url(world: World, indicator: str) -> str:
    return f"{page_url(world)}conditions/{cond(world, indicator).pk}/entry/"


def evidence_url(world: World, indicator: str) -> str:
    return f"{page_url(world)}conditions/{cond(world, indicator).pk}/evidence/"


def justify_all(world: World) -> dict[str, str]:
    judgement = rules.judge(Enterprise.objects.get(pk=world.enterprise_a.pk))
    return {
        f"justify_{r.condition.pk}": "已有替代措施，三天内补齐" for r in judgement.failing_mandatory
    }


def submitted(world: World) -> Application:
    """Enterprise A's application, submitted through the page."""
    officer = world.client("officer_a")
    response = officer.post(
        f"{page_url(world)}application/",
        {"planned_date": today().isoformat(), "plan": "分两批复工", "action": "submit"}
        | justify_all(world),
    )
    assert response.status_code == 302, text(response)
    app = Application.objects.get(enterprise=world.enterprise_a)
    assert app.state == State.SUBMITTED
    return app


def survey_data(world: World, ok: bool = True) -> dict[str, object]:
    data: dict[str, object] = {"seen": State.ASSIGNED, "note": "现场查看，隔离室在二号楼"}
    for c in rules.active_conditions(world.community.pk):
        data[f"ok_{c.pk}"] = "1" if ok else "0"
        data[f"note_{c.pk}"] = "已看"
    return data


def to_state(world: World, app: Application, state: str) -> Application:
    """Move the application on through the services to `state` (submitted → …)."""
    staff, leader = actor(world, "staff"), actor(world, "leader")
    order = [State.ASSIGNED, State.SURVEYED, State.VERIFIED, State.REPORTED, State.APPROVED]
    for step in order[: order.index(state) + 1]:
        app = Application.objects.select_related("enterprise").get(pk=app.pk)
        if step == State.ASSIGNED:
            services.application_assign(actor=staff, application=app, reviewer=world.users["staff"])
        elif step == State.SURVEYED:
            services.application_survey(
                actor=staff,
                application=app,
                items=[
                    services.SurveyItem(c.pk, True)
                    for c in rules.active_conditions(world.community.pk)
                ],
            )
        elif step == State.VERIFIED:
            services.application_verify(actor=staff, application=app)
        elif step == State.REPORTED:
            services.application_report(actor=staff, application=app)
        else:
            services.application_approve(actor=leader, application=app)
    return Application.objects.select_related("enterprise").get(pk=app.pk)


# --- The officer: what is missing, and why ---------------------------------------------------


def test_officer_sees_each_condition_met_or_missing_with_the_reason_and_what_to_do(rp):
    mask = cond(rp, Indicator.MASK_DAYS)
    mask.guidance = "按每人每天两只备足七天口罩"
    mask.save()
    response = en(rp, "officer_a").get(page_url(rp))
    assert response.status_code == 200
    page = text(response)
    assert "Not resumed" in page
    assert "Prevention mechanism" in page and "Internal management" in page
    assert "Enter the masks in stock." in page  # why it is missing
    assert "按每人每天两只备足七天口罩" in page  # what to do
    assert "No gate is registered yet" in page
    assert "Say where the isolation room is." in page
    assert "Mandatory" in page
    assert 'accept="image/*" capture="environment"' in page
    assert 'data-testid="application-form"' in page
    # The officer of enterprise A sees the returning figures from the roster: 张三 is local.
    assert 'data-testid="ret-local">1<' in page


def test_mine_takes_the_officer_to_the_own_enterprise_and_staff_to_the_queue(rp):
    response = rp.client("officer_a").get("/resumption/mine/")
    assert response["Location"] == page_url(rp)
    response = rp.client("staff").get("/resumption/mine/")
    assert response["Location"] == "/resumption/applications/"


@pytest.mark.parametrize(("typed", "stored"), [("1,200", 1200), ("１２００", 1200), (" 35 ", 35)])
def test_figures_are_read_as_a_clerk_types_them(rp, typed, stored):
    response = rp.client("officer_a").post(
        entry_url(rp, Indicator.MASK_DAYS), {"value": typed}, follow=True
    )
    assert response.status_code == 200
    entry = ConditionEntry.objects.get(
        enterprise=rp.enterprise_a, condition=cond(rp, Indicator.MASK_DAYS)
    )
    assert entry.value == stored


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("-5", "A count cannot be negative."),
        ("2.5", "Enter a whole number, not a fraction."),
        ("lots", "Enter a whole number, e.g. 1200."),
    ],
)
def test_a_bad_figure_is_refused_next_to_its_field_and_kept(rp, typed, message):
    response = en(rp, "officer_a").post(
        entry_url(rp, Indicator.THERMOMETERS_PER_GATE), {"value": typed}
    )
    assert response.status_code == 400
    page = text(response)
    assert message in page
    assert f'value="{typed.strip()}"' in page or f'value="{typed}"' in page
    assert not ConditionEntry.objects.filter(enterprise=rp.enterprise_a).exists()


def test_masks_entered_meet_the_condition_and_the_page_says_so(rp):
    officer = en(rp, "officer_a")
    officer.post(entry_url(rp, Indicator.MASK_DAYS), {"value": "14"})  # 1 person, 2 a day
    page = text(officer.get(page_url(rp)))
    c = cond(rp, Indicator.MASK_DAYS)
    block = page.split(f'id="cond-{c.pk}"')[1].split("</article>")[0]
    assert 'data-met="yes"' in block and "7 days" in block


def test_isolation_room_text_and_confirmation(rp):
    officer = en(rp, "officer_a")
    officer.post(entry_url(rp, Indicator.ISOLATION_ROOM), {"text": "二号楼105室"})
    entry = ConditionEntry.objects.get(condition=cond(rp, Indicator.ISOLATION_ROOM))
    assert entry.text == "二号楼105室"
    page = text(officer.get(page_url(rp)))
    # Text given, but evidence is required for the isolation room.
    assert "Evidence is required: upload a photo or a document." in page
    confirmed = services.condition_save(
        actor=actor(rp, "staff"),
        condition=None,
        data={"pillar": "management", "indicator": "confirmed", "title": "门岗登记制度"},
    )
    officer.post(f"{page_url(rp)}conditions/{confirmed.pk}/entry/", {"confirmed": "1"})
    assert ConditionEntry.objects.get(condition=confirmed).confirmed
    page = text(officer.get(page_url(rp)))
    assert "门岗登记制度" in page and 'data-testid="entry-unconfirm"' in page


def test_a_real_photo_is_kept_and_shown_a_fake_one_refused_with_a_clear_message(rp):
    officer = en(rp, "officer_a")
    url = evidence_url(rp, Indicator.ISOLATION_ROOM)
    response = officer.post(url, {"photo": Upload(png(), "room.png")}, follow=True)
    assert response.status_code == 200
    ev = Evidence.objects.get(enterprise=rp.enterprise_a)
    assert ev.kind == "photo" and ev.original_name == "room.png"
    assert f"/resumption/evidence/{ev.pk}/" in text(response)
    shown = officer.get(f"/resumption/evidence/{ev.pk}/")
    assert shown.status_code == 200 and shown["Content-Type"] == "image/jpeg"
    assert "attachment" not in shown.get("Content-Disposition", "")
    assert b"".join(shown.streaming_content)[:2] == b"\xff\xd8"

    officer.post(entry_url(rp, Indicator.MASK_DAYS), {"value": "3"})
    fake = officer.post(url, {"photo": Upload(b"this is not a photo at all", "photo.jpg")})
    assert fake.status_code == 400
    page = text(fake)
    assert "“photo.jpg” is not a photo: upload a picture (JPEG or PNG) and try again." in page
    assert 'data-testid="evidence-error"' in page
    assert Evidence.objects.filter(enterprise=rp.enterprise_a).count() == 1
    # What was entered before is still there.
    assert 'value="3"' in page


def test_a_document_downloads_as_an_attachment_and_an_unknown_format_is_refused(rp):
    officer = en(rp, "officer_a")
    url = evidence_url(rp, Indicator.EMERGENCY_PLAN)
    officer.post(url, {"document": Upload(b"%PDF-1.4 plan", "预案.pdf")})
    ev = Evidence.objects.get(enterprise=rp.enterprise_a)
    got = officer.get(f"/resumption/evidence/{ev.pk}/")
    assert "attachment" in got["Content-Disposition"]
    bad = officer.post(url, {"document": Upload(b"#!/bin/sh\necho hi", "plan.sh")})
    assert bad.status_code == 400
    assert "is not a document we can keep" in text(bad)
    page = text(officer.get(page_url(rp)))
    c = cond(rp, Indicator.EMERGENCY_PLAN)
    assert 'data-met="yes"' in page.split(f'id="cond-{c.pk}"')[1].split("</article>")[0]


def test_a_too_large_upload_is_refused(rp):
    services.settings_update(actor=actor(rp, "staff"), changes={"photo_max_mb": 1})
    big = Upload(b"%PDF-" + b"0" * (1024 * 1024 + 10), "huge.pdf")
    response = en(rp, "officer_a").post(
        evidence_url(rp, Indicator.EMERGENCY_PLAN), {"document": big}
    )
    assert response.status_code == 400
    assert "files up to 1 MB are accepted" in text(response)


def test_evidence_is_removed_by_the_officer(rp):
    officer = rp.client("officer_a")
    officer.post(evidence_url(rp, Indicator.ISOLATION_ROOM), {"photo": Upload(png(), "a.png")})
    ev = Evidence.objects.get()
    assert officer.post(f"/resumption/evidence/{ev.pk}/delete/").status_code == 302
    assert not Evidence.objects.exists()


# --- The application -------------------------------------------------------------------------


def test_a_draft_with_a_past_date_is_refused_and_the_plan_kept(rp):
    yesterday = today() - dt.timedelta(days=1)
    response = en(rp, "officer_a").post(
        f"{page_url(rp)}application/",
        {"planned_date": yesterday.isoformat(), "plan": "先复工一车间", "action": "save"},
    )
    assert response.status_code == 400
    page = text(response)
    assert f"The planned date {yesterday} is in the past" in page
    assert "先复工一车间" in page
    assert not Application.objects.exists()


def test_draft_saved_then_submit_without_justification_names_the_condition(rp):
    officer = en(rp, "officer_a")
    response = officer.post(
        f"{page_url(rp)}application/",
        {"planned_date": today().isoformat(), "plan": "分两批", "action": "save"},
        follow=True,
    )
    assert "Draft saved." in text(response)
    app = Application.objects.get()
    assert app.state == State.DRAFT
    response = officer.post(
        f"{page_url(rp)}application/",
        {"planned_date": today().isoformat(), "plan": "分两批", "action": "submit"},
    )
    assert response.status_code == 400
    page = text(response)
    first = rules.judge(Enterprise.objects.get(pk=rp.enterprise_a.pk)).failing_mandatory[0]
    assert f"“{first.condition.display_title}” is not met" in page
    assert "say why the enterprise can resume without it" in page
    assert 'data-testid="justify-error"' in page
    assert "分两批" in page
    assert Application.objects.get().state == State.DRAFT


def test_submit_twice_says_already_submitted(rp):
    app = submitted(rp)
    assert app.due_on is not None and app.submissions == 1
    assert Enterprise.objects.get(pk=rp.enterprise_a.pk).status == Enterprise.Status.APPLYING
    again = en(rp, "officer_a").post(
        f"{page_url(rp)}application/",
        {"planned_date": today().isoformat(), "plan": "分两批复工", "action": "submit"}
        | justify_all(rp),
        follow=True,
    )
    assert again.status_code == 200
    assert "This application was already submitted (Submitted)." in text(again)
    assert Application.objects.get().submissions == 1
    assert ApplicationStep.objects.filter(action="submit").count() == 1


def test_a_plan_in_an_unexpected_format_is_refused_and_the_rest_kept(rp):
    response = en(rp, "officer_a").post(
        f"{page_url(rp)}application/",
        {
            "planned_date": today().isoformat(),
            "plan": "方案正文",
            "plan_file": Upload(b"MZ\x90\x00 binary", "plan.exe"),
            "action": "save",
        },
    )
    assert response.status_code == 400
    page = text(response)
    assert "“plan.exe” is not a document we can keep" in page
    assert 'data-testid="plan-file-error"' in page
    assert "方案正文" in page and today().isoformat() in page


def test_plan_document_downloads_for_staff(rp):
    rp.client("officer_a").post(
        f"{page_url(rp)}application/",
        {
            "planned_date": today().isoformat(),
            "plan_file": Upload(b"%PDF-1.4 plan", "复工方案.pdf"),
            "action": "save",
        },
    )
    app = Application.objects.get()
    assert app.plan_name == "复工方案.pdf"
    got = rp.client("staff").get(f"/resumption/applications/{app.pk}/plan/")
    assert got.status_code == 200 and "attachment" in got["Content-Disposition"]


# --- Review ----------------------------------------------------------------------------------


def test_staff_assign_survey_with_a_photo_verify_report_and_the_leader_approves(rp):
    app = submitted(rp)
    staff = en(rp, "staff")
    detail = f"/resumption/applications/{app.pk}/"
    page = text(staff.get(detail))
    assert 'data-testid="form-assign"' in page
    assert "已有替代措施，三天内补齐" in page  # the justifications in the snapshot
    assert 'data-testid="do-verify"' not in page

    response = staff.post(
        f"{detail}assign/",
        {"reviewer": rp.users["staff"].pk, "seen": State.SUBMITTED},
        follow=True,
    )
    assert "Reviewer assigned: staff." in text(response)
    assert 'data-testid="go-survey"' in text(response)

    form = staff.get(f"{detail}survey/")
    assert form.status_code == 200
    assert "multiple" in text(form) and 'capture="environment"' in text(form)
    data = survey_data(rp) | {
        "photos": [Upload(png(), "gate.png"), Upload(png(colour="red"), "room.png")]
    }
    response = staff.post(f"{detail}survey/", data, follow=True)
    assert "Field survey recorded." in text(response)
    step = ApplicationStep.objects.get(action="survey")
    assert len(step.checklist) == len(rules.active_conditions(rp.community.pk))
    photos = list(StepPhoto.objects.filter(step=step))
    assert len(photos) == 2
    shown = staff.get(f"{detail}photos/{photos[0].pk}/")
    assert shown.status_code == 200 and shown["Content-Type"] == "image/jpeg"
    assert f"{detail}photos/{photos[0].pk}/" in text(response)

    response = staff.post(
        f"{detail}step/", {"action": "verify", "seen": State.SURVEYED}, follow=True
    )
    assert "Recorded: Verified." in text(response)
    response = staff.post(
        f"{detail}step/",
        {"action": "report", "seen": State.VERIFIED, "note": "已报街道"},
        follow=True,
    )
    assert "Recorded: Reported upward." in text(response)
    page = text(en(rp, "leader").get(detail))
    assert 'data-testid="do-approve"' in page and 'data-testid="form-assign"' not in page
    response = en(rp, "leader").post(
        f"{detail}step/", {"action": "approve", "seen": State.REPORTED}, follow=True
    )
    assert "Recorded: Approved." in text(response)
    assert Enterprise.objects.get(pk=rp.enterprise_a.pk).status == Enterprise.Status.APPROVED
    actions = list(ApplicationStep.objects.values_list("action", "actor_label"))
    assert actions == [
        ("submit", "officer_a"),
        ("assign", "staff"),
        ("survey", "staff"),
        ("verify", "staff"),
        ("report", "staff"),
        ("approve", "leader"),
    ]
    # The officer says work has started.
    officer = en(rp, "officer_a")
    page = text(officer.get(page_url(rp)))
    assert "Approved" in page and 'data-testid="mark-resumed"' in page
    response = officer.post(f"{page_url(rp)}resumed/", follow=True)
    assert "Recorded: the enterprise is back at work." in text(response)
    assert Enterprise.objects.get(pk=rp.enterprise_a.pk).status == Enterprise.Status.RESUMED


def test_a_double_tap_on_a_step_says_already_recorded(rp):
    app = to_state(rp, submitted(rp), State.SURVEYED)
    staff = en(rp, "staff")
    url = f"/resumption/applications/{app.pk}/step/"
    staff.post(url, {"action": "verify", "seen": State.SURVEYED})
    again = staff.post(url, {"action": "verify", "seen": State.SURVEYED}, follow=True)
    assert again.status_code == 200
    assert "This step was already recorded." in text(again)
    assert ApplicationStep.objects.filter(action="verify").count() == 1
    # Pressing it without the page's state (an old form): the service's own "already".
    again = staff.post(url, {"action": "verify"}, follow=True)
    assert "This step was already recorded." in text(again)


def test_an_illegal_step_shows_the_services_message_with_400(rp):
    app = submitted(rp)
    response = en(rp, "leader").post(
        f"/resumption/applications/{app.pk}/step/", {"action": "approve", "seen": State.SUBMITTED}
    )
    assert response.status_code == 400
    assert "“Approve” is not possible while the application is “Submitted”." in text(response)
    assert Application.objects.get().state == State.SUBMITTED
    # Verify is staff work: the leader is refused.
    to_state(rp, app, State.SURVEYED)
    response = rp.client("leader").post(
        f"/resumption/applications/{app.pk}/step/", {"action": "verify", "seen": State.SURVEYED}
    )
    assert response.status_code == 403


def test_survey_refused_without_a_verdict_for_each_condition_and_for_a_fake_photo(rp):
    app = to_state(rp, submitted(rp), State.ASSIGNED)
    staff = en(rp, "staff")
    url = f"/resumption/applications/{app.pk}/survey/"
    data = survey_data(rp)
    first = rules.active_conditions(rp.community.pk)[0]
    del data[f"ok_{first.pk}"]
    response = staff.post(url, data)
    assert response.status_code == 400
    assert "Say for each condition whether it was found in place" in text(response)
    assert first.display_title in text(response)
    assert "现场查看，隔离室在二号楼" in text(response)  # the notes stay
    response = staff.post(url, survey_data(rp) | {"photos": [Upload(b"not an image", "x.jpg")]})
    assert response.status_code == 400
    assert "“x.jpg” is not a photo" in text(response)
    assert Application.objects.get().state == State.ASSIGNED
    assert not StepPhoto.objects.exists()


def test_only_the_assigned_reviewer_gets_the_survey_link(rp):
    from tests.factories import make_user

    other = make_user("staff2", Role.STAFF, rp.community)
    app = submitted(rp)
    services.application_assign(actor=actor(rp, "staff"), application=app, reviewer=other)
    page = text(en(rp, "staff").get(f"/resumption/applications/{app.pk}/"))
    assert 'data-testid="go-survey"' not in page
    assert "staff2 records the field survey." in page


def test_return_needs_reasons_then_resubmit_keeps_the_history(rp):
    app = to_state(rp, submitted(rp), State.SURVEYED)
    staff = en(rp, "staff")
    url = f"/resumption/applications/{app.pk}/step/"
    response = staff.post(url, {"action": "return", "seen": State.SURVEYED, "note": ""})
    assert response.status_code == 400
    assert "Give the reasons, so the enterprise knows what to fix." in text(response)
    response = staff.post(
        url,
        {"action": "return", "seen": State.SURVEYED, "note": "隔离室未设置，口罩不足"},
        follow=True,
    )
    assert "Recorded: Returned." in text(response)
    # A double tap on Return.
    again = staff.post(
        url,
        {"action": "return", "seen": State.SURVEYED, "note": "隔离室未设置，口罩不足"},
        follow=True,
    )
    assert "This step was already recorded." in text(again)
    assert ApplicationStep.objects.filter(action="return").count() == 1

    officer = en(rp, "officer_a")
    page = text(officer.get(page_url(rp)))
    assert "隔离室未设置，口罩不足" in page and "Submit again" in page
    response = officer.post(
        f"{page_url(rp)}application/",
        {"planned_date": today().isoformat(), "plan": "补齐后复工", "action": "submit"}
        | justify_all(rp),
        follow=True,
    )
    app = Application.objects.get()
    assert app.state == State.SUBMITTED and app.submissions == 2
    detail = text(en(rp, "staff").get(f"/resumption/applications/{app.pk}/"))
    assert "submission 2" in detail and "隔离室未设置，口罩不足" in detail
    assert list(ApplicationStep.objects.values_list("action", flat=True)) == [
        "submit",
        "assign",
        "survey",
        "return",
        "submit",
    ]


def test_withdraw_from_the_enterprise_page(rp):
    app = submitted(rp)
    response = en(rp, "officer_a").post(f"/resumption/applications/{app.pk}/withdraw/", follow=True)
    assert "The application was withdrawn." in text(response)
    assert Application.objects.get().state == State.WITHDRAWN
    assert Enterprise.objects.get(pk=rp.enterprise_a.pk).status == Enterprise.Status.NOT_RESUMED


def test_suspend_needs_a_reason_and_lift_brings_work_back(rp):
    app = to_state(rp, submitted(rp), State.APPROVED)
    assert app.state == State.APPROVED
    staff = en(rp, "staff")
    response = staff.post(f"{page_url(rp)}suspend/", {"reason": ""})
    assert response.status_code == 400
    assert "Give the reason for the suspension." in text(response)
    response = staff.post(f"{page_url(rp)}suspend/", {"reason": "发现确诊病例"}, follow=True)
    assert "The enterprise is suspended." in text(response)
    page = text(response)
    assert "Suspended" in page and "发现确诊病例" in page  # status and its history
    response = staff.post(f"{page_url(rp)}lift/", {"reason": "消杀完成，复查合格"}, follow=True)
    assert Enterprise.objects.get(pk=rp.enterprise_a.pk).status == Enterprise.Status.APPROVED
    assert "消杀完成，复查合格" in text(response)


# --- The queue -------------------------------------------------------------------------------


def test_the_queue_has_tabs_with_counts_and_overdue_in_red_first(rp):
    app_a = submitted(rp)
    Application.objects.filter(pk=app_a.pk).update(due_on=today() - dt.timedelta(days=1))
    services.application_save(
        actor=actor(rp, "officer_b"),
        enterprise=Enterprise.objects.get(pk=rp.enterprise_b.pk),
        data=services.ApplicationInput(planned_date=today()),
    )
    app_b = Application.objects.get(enterprise=rp.enterprise_b)
    Application.objects.filter(pk=app_b.pk).update(state=State.SUBMITTED, due_on=today())
    staff = en(rp, "staff")
    page = text(staff.get("/resumption/applications/"))
    assert 'data-testid="tab-overdue"' in page
    assert page.index(rp.enterprise_a.name) < page.index(rp.enterprise_b.name)
    assert 'class="rs-overdue" data-overdue="yes"' in page
    assert 'data-testid="due-today-badge"' in page
    overdue = text(staff.get("/resumption/applications/?show=overdue"))
    assert rp.enterprise_a.name in overdue and rp.enterprise_b.name not in overdue
    due = text(staff.get("/resumption/applications/?show=due_today"))
    assert rp.enterprise_b.name in due and rp.enterprise_a.name not in due
    # Officers see their own only.
    mine = text(rp.client("officer_b").get("/resumption/applications/?show=all"))
    assert rp.enterprise_b.name in mine and rp.enterprise_a.name not in mine


# --- Conditions and settings -----------------------------------------------------------------


def test_staff_add_and_edit_conditions_and_settings(rp):
    staff = en(rp, "staff")
    page = text(staff.get("/resumption/conditions/"))
    assert "Days of mask stock" in page and "Same-day cut-off" in page
    response = staff.post(
        "/resumption/conditions/new/",
        {
            "pillar": "facilities",
            "indicator": "confirmed",
            "title": "每日消毒记录",
            "guidance": "每日两次消毒并记录",
            "mandatory": "1",
            "active": "1",
            "position": "95",
        },
        follow=True,
    )
    assert "Saved: 每日消毒记录." in text(response)
    c = Condition.objects.get(title="每日消毒记录")
    assert c.mandatory and not c.evidence_required and c.position == 95
    mask = cond(rp, Indicator.MASK_DAYS)
    edit = text(staff.get(f"/resumption/conditions/?edit={mask.pk}"))
    assert 'value="7"' in edit
    response = staff.post(
        f"/resumption/conditions/{mask.pk}/",
        {
            "pillar": "facilities",
            "indicator": "mask_days",
            "threshold": "150",
            "mandatory": "1",
            "active": "1",
        },
    )
    assert response.status_code == 302
    response = staff.post(
        f"/resumption/conditions/{cond(rp, Indicator.SCREENED_SHARE).pk}/",
        {"pillar": "screening", "indicator": "screened_share", "threshold": "150", "active": "1"},
    )
    assert response.status_code == 400
    assert "A share is between 0 and 100 %." in text(response)
    response = staff.post(
        "/resumption/conditions/settings/",
        {"cutoff": "15:30", "masks_per_person_day": "3", "photo_max_mb": "5"},
    )
    assert response.status_code == 302
    rs = services.settings_for(rp.community.pk)
    assert rs.cutoff == dt.time(15, 30) and rs.masks_per_person_day == 3
    response = staff.post(
        "/resumption/conditions/settings/",
        {"cutoff": "late", "masks_per_person_day": "30", "photo_max_mb": "5"},
    )
    assert response.status_code == 400
    assert "Enter the time as HH:MM" in text(response)


def test_the_pages_read_in_chinese(rp):
    page = text(rp.client("officer_a").get(page_url(rp)))
    assert 'lang="zh-CN"' in page
    assert "宁波甲机械有限公司" in page


# --- Who may ---------------------------------------------------------------------------------

VIEWERS = {Role.LEADER, Role.STAFF, Role.OFFICER}
A_VIEWERS = {"leader", "staff", "officer_a"}


def test_every_resumption_page_and_form_is_refused_to_others(rp):
    w = rp
    ent = page_url(w)
    assert_refused(w, "/resumption/mine/", VIEWERS)
    assert_refused(w, ent, VIEWERS, allowed_personas=A_VIEWERS)
    assert_refused(
        w,
        entry_url(w, Indicator.MASK_DAYS),
        {Role.STAFF, Role.OFFICER},
        method="post",
        data={"value": "100"},
        allowed_personas={"staff", "officer_a"},
    )
    assert_refused(
        w,
        evidence_url(w, Indicator.ISOLATION_ROOM),
        {Role.STAFF, Role.OFFICER},
        method="post",
        data={"photo": Upload(png(), "room.png")},
        allowed_personas={"staff", "officer_a"},
    )
    ev = Evidence.objects.filter(enterprise=w.enterprise_a).first()
    assert_refused(w, f"/resumption/evidence/{ev.pk}/", VIEWERS, allowed_personas=A_VIEWERS)
    # Removing: the first allowed person (staff) removes it; the officer's own removal is
    # covered by test_evidence_is_removed_by_the_officer.
    assert_refused(
        w, f"/resumption/evidence/{ev.pk}/delete/", {Role.STAFF}, method="post",
        allowed_personas={"staff"},
    )  # fmt: skip
    assert_refused(
        w,
        f"{ent}application/",
        {Role.OFFICER},
        method="post",
        data={"planned_date": today().isoformat(), "action": "save"},
        allowed_personas={"officer_a"},
    )
    app = Application.objects.get(enterprise=w.enterprise_a)
    assert_refused(w, "/resumption/applications/", VIEWERS)
    assert_refused(w, f"/resumption/applications/{app.pk}/", VIEWERS, allowed_personas=A_VIEWERS)
    submitted_app = services.application_submit(
        actor=actor(w, "officer_a"),
        application=app,
        justifications={k.removeprefix("justify_"): v for k, v in justify_all(w).items()},
    )
    detail = f"/resumption/applications/{submitted_app.pk}/"
    assert_refused(
        w,
        f"{detail}assign/",
        {Role.STAFF},
        method="post",
        data={"reviewer": w.users["staff"].pk, "seen": State.SUBMITTED},
    )
    assert_refused(w, f"{detail}survey/", {Role.STAFF})
    assert_refused(
        w,
        f"{detail}survey/",
        {Role.STAFF},
        method="post",
        data=survey_data(w) | {"photos": [Upload(png(), "site.png")]},
    )
    photo = StepPhoto.objects.get()
    assert_refused(w, f"{detail}photos/{photo.pk}/", VIEWERS, allowed_personas=A_VIEWERS)
    assert_refused(
        w, f"{detail}step/", {Role.STAFF}, method="post",
        data={"action": "verify", "seen": State.SURVEYED},
    )  # fmt: skip
    assert_refused(
        w, f"{detail}step/", {Role.STAFF}, method="post",
        data={"action": "report", "seen": State.VERIFIED},
    )  # fmt: skip
    assert_refused(
        w, f"{detail}step/", {Role.LEADER, Role.STAFF}, method="post",
        data={"action": "approve", "seen": State.REPORTED},
    )  # fmt: skip
    assert Application.objects.get(pk=submitted_app.pk).state == State.APPROVED
    assert_refused(
        w, f"{ent}resumed/", {Role.STAFF, Role.OFFICER}, method="post",
        allowed_personas={"staff", "officer_a"},
    )  # fmt: skip
    assert_refused(
        w, f"{ent}suspend/", {Role.STAFF}, method="post", data={"reason": "确诊病例一例"}
    )
    assert_refused(w, f"{ent}lift/", {Role.STAFF}, method="post", data={"reason": "复查合格"})
    assert_refused(w, "/resumption/conditions/", {Role.STAFF})
    assert_refused(
        w,
        "/resumption/conditions/new/",
        {Role.STAFF},
        method="post",
        data={"pillar": "management", "indicator": "confirmed", "title": "新条件", "active": "1"},
    )
    c = cond(w, Indicator.MASK_DAYS)
    assert_refused(
        w,
        f"/resumption/conditions/{c.pk}/",
        {Role.STAFF},
        method="post",
        data={"pillar": "facilities", "indicator": "mask_days", "threshold": "7", "active": "1"},
    )
    assert_refused(
        w,
        "/resumption/conditions/settings/",
        {Role.STAFF},
        method="post",
        data={"cutoff": "16:00", "masks_per_person_day": "2", "photo_max_mb": "10"},
    )


def test_withdraw_and_plan_file_are_refused_to_others(rp):
    w = rp
    w.client("officer_a").post(
        f"{page_url(w)}application/",
        {
            "planned_date": today().isoformat(),
            "plan_file": Upload(b"%PDF-1.4 plan", "plan.pdf"),
            "action": "save",
        },
    )
    app = Application.objects.get()
    assert_refused(
        w, f"/resumption/applications/{app.pk}/plan/", VIEWERS, allowed_personas=A_VIEWERS
    )
    assert_refused(
        w, f"/resumption/applications/{app.pk}/withdraw/", {Role.OFFICER}, method="post",
        allowed_personas={"officer_a"},
    )  # fmt: skip
    assert Application.objects.get().state == State.WITHDRAWN
