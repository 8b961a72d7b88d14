"""The resumption workflow through its services: every (state, action) pair legal or refused
with a message naming both and nothing changed; each role; dates; justifications; double
submits; resubmission history; withdraw, approve, suspend, lift, resumed and its detection;
the same-day clock and the overdue reminder.

The fixture `res` (import `res_fixture`) and the helpers `advance`, `do` and `fresh` are used
by the other resumption tests."""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from dataclasses import dataclass

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import override

from tests.conftest import World
from tests.factories import make_user
from workgate.core.access import Actor
from workgate.core.models import Enterprise, Membership, Notification, Role, User
from workgate.core.services import ServiceError
from workgate.resumption import conditions as rules
from workgate.resumption import services
from workgate.resumption.models import (
    Application,
    ApplicationStep,
    StatusChange,
)

State = Application.State
Action = ApplicationStep.Action
Status = Enterprise.Status
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def actor(world: World, persona: str) -> Actor:
    return Actor.from_membership(Membership.objects.get(user=world.users[persona]))


def local_today() -> dt.date:
    return timezone.localdate(timezone=SHANGHAI)


@dataclass
class Res:
    world: World
    staff2: User

    def actor(self, persona: str) -> Actor:
        if persona == "staff2":
            return Actor.from_membership(Membership.objects.get(user=self.staff2))
        return actor(self.world, persona)

    @property
    def officer(self) -> Actor:
        return self.actor("officer_a")

    @property
    def staff(self) -> Actor:
        return self.actor("staff")

    @property
    def leader(self) -> Actor:
        return self.actor("leader")

    @property
    def enterprise(self) -> Enterprise:
        return Enterprise.objects.get(pk=self.world.enterprise_a.pk)

    def draft(self, planned: object | None = None, plan: str = "分两批复工") -> Application:
        return services.application_save(
            actor=self.officer,
            enterprise=self.enterprise,
            data=services.ApplicationInput(planned_date=planned or local_today(), plan=plan),
        )

    def justify_all(self) -> dict[str, str]:
        judgement = rules.judge(self.enterprise)
        return {
            str(r.condition.pk): "已有替代措施，三天内补齐" for r in judgement.failing_mandatory
        }

    def checklist(self, ok: bool = True) -> list[services.SurveyItem]:
        return [
            services.SurveyItem(c.pk, ok, "现场查看")
            for c in rules.active_conditions(self.world.community.pk)
        ]


@pytest.fixture(name="res")
def res_fixture(world: World) -> Res:
    services.conditions_ensure(world.community.pk)
    services.conditions_ensure(world.other_community.pk)
    staff2 = make_user("staff2", Role.STAFF, world.community)
    # The shared world is back at work; these enterprises have not applied yet.
    Enterprise.objects.update(status=Status.NOT_RESUMED, resumed_on=None)
    return Res(world=world, staff2=staff2)


def fresh(app: Application) -> Application:
    return Application.objects.select_related("enterprise").get(pk=app.pk)


# --- Moving an application to any state ------------------------------------------------------


def do(res: Res, app: Application, action: str) -> Application:
    """Take `action` on `app` as the person whose job it is."""
    app = fresh(app)
    if action == Action.SUBMIT:
        return services.application_submit(
            actor=res.officer, application=app, justifications=res.justify_all()
        )
    if action == Action.WITHDRAW:
        return services.application_withdraw(actor=res.officer, application=app, note="改期")
    if action == Action.ASSIGN:
        return services.application_assign(actor=res.staff, application=app, reviewer=res.staff2)
    if action == Action.SURVEY:
        reviewer = res.actor("staff2") if app.reviewer_id == res.staff2.pk else res.staff
        return services.application_survey(
            actor=reviewer, application=app, items=res.checklist(), note="现场整洁"
        )
    if action == Action.VERIFY:
        return services.application_verify(actor=res.staff, application=app, note="核验通过")
    if action == Action.REPORT:
        return services.application_report(actor=res.staff, application=app, note="已上报")
    if action == Action.APPROVE:
        return services.application_approve(actor=res.leader, application=app, note="同意复工")
    if action == Action.RETURN:
        return services.application_return(actor=res.staff, application=app, note="缺少口罩")
    raise AssertionError(action)


# The way to each state from a fresh draft.
PATHS: dict[str, list[str]] = {
    State.DRAFT: [],
    State.SUBMITTED: [Action.SUBMIT],
    State.ASSIGNED: [Action.SUBMIT, "assign_self"],
    State.SURVEYED: [Action.SUBMIT, "assign_self", Action.SURVEY],
    State.VERIFIED: [Action.SUBMIT, "assign_self", Action.SURVEY, Action.VERIFY],
    State.REPORTED: [Action.SUBMIT, "assign_self", Action.SURVEY, Action.VERIFY, Action.REPORT],
    State.APPROVED: [
        Action.SUBMIT,
        "assign_self",
        Action.SURVEY,
        Action.VERIFY,
        Action.REPORT,
        Action.APPROVE,
    ],
    State.RETURNED: [Action.SUBMIT, Action.RETURN],
    State.WITHDRAWN: [Action.WITHDRAW],
}


def advance(res: Res, state: str) -> Application:
    app = res.draft()
    for step in PATHS[state]:
        if step == "assign_self":
            app = services.application_assign(
                actor=res.staff, application=fresh(app), reviewer=res.world.users["staff"]
            )
        else:
            app = do(res, app, step)
    app = fresh(app)
    assert app.state == state
    return app


LEGAL: dict[str, set[str]] = {
    Action.SUBMIT: {State.DRAFT, State.RETURNED},
    Action.WITHDRAW: {State.DRAFT, State.SUBMITTED, State.RETURNED},
    Action.ASSIGN: {State.SUBMITTED, State.ASSIGNED},
    Action.SURVEY: {State.ASSIGNED},
    Action.VERIFY: {State.SURVEYED},
    Action.REPORT: {State.VERIFIED},
    Action.APPROVE: {State.REPORTED},
    Action.RETURN: {
        State.SUBMITTED,
        State.ASSIGNED,
        State.SURVEYED,
        State.VERIFIED,
        State.REPORTED,
    },
}
TARGET = {
    Action.SUBMIT: State.SUBMITTED,
    Action.WITHDRAW: State.WITHDRAWN,
    Action.ASSIGN: State.ASSIGNED,
    Action.SURVEY: State.SURVEYED,
    Action.VERIFY: State.VERIFIED,
    Action.REPORT: State.REPORTED,
    Action.APPROVE: State.APPROVED,
    Action.RETURN: State.RETURNED,
}
PAIRS = [(s, a) for s in State.values for a in Action.values]


def _snapshot(app: Application) -> tuple:
    app = fresh(app)
    ent = Enterprise.objects.get(pk=app.enterprise_id)
    return (
        app.state,
        app.submissions,
        app.reviewer_id,
        app.due_on,
        list(app.steps.values_list("pk", "action", "from_state", "to_state")),
        ent.status,
        ent.resumed_on,
        StatusChange.objects.filter(enterprise=ent).count(),
    )


@pytest.mark.parametrize(("state", "action"), PAIRS)
def test_every_state_and_action(res: Res, state: str, action: str) -> None:
    app = advance(res, state)
    before = _snapshot(app)
    steps = app.steps.count()
    if state in LEGAL[action]:
        done = fresh(do(res, app, action))
        assert done.state == TARGET[action]
        last = done.steps.order_by("-at", "-id").first()
        assert (last.action, last.from_state, last.to_state) == (action, state, TARGET[action])
        assert last.actor_label
        assert done.steps.count() == steps + 1
        return
    with override("en"):
        with pytest.raises(ServiceError) as refused:
            do(res, app, action)
        message = refused.value.message.lower()
        # "“Approve” is not possible while …"; a step already recorded names what was done.
        named = (
            services.action_verb(action)
            if refused.value.code == "state"
            else str(Action(action).label)
        )
        assert named.lower() in message, message
        assert str(State(state).label).lower() in message, message
    assert refused.value.code in ("state", "already"), refused.value.code
    assert _snapshot(app) == before


# --- Roles ------------------------------------------------------------------------------------

WEAK = ("gate_a", "volunteer", "supplier", "employee_a")


@pytest.mark.parametrize("persona", [*WEAK, "officer_b", "staff", "leader", "outsider_officer"])
def test_only_the_enterprises_own_officer_applies(res: Res, persona: str) -> None:
    with pytest.raises(PermissionDenied):
        services.application_save(
            actor=res.actor(persona),
            enterprise=res.enterprise,
            data=services.ApplicationInput(planned_date=local_today()),
        )
    app = res.draft()
    for call in (
        lambda a: services.application_submit(actor=a, application=fresh(app)),
        lambda a: services.application_withdraw(actor=a, application=fresh(app)),
    ):
        with pytest.raises(PermissionDenied):
            call(res.actor(persona))
    assert fresh(app).state == State.DRAFT
    assert app.steps.count() == 0


@pytest.mark.parametrize(
    "persona", [*WEAK, "officer_a", "officer_b", "leader", "outsider_staff", "outsider_leader"]
)
def test_only_the_communitys_staff_review(res: Res, persona: str) -> None:
    app = advance(res, State.SUBMITTED)
    with pytest.raises(PermissionDenied):
        services.application_assign(
            actor=res.actor(persona), application=fresh(app), reviewer=res.staff2
        )
    app = advance_further(res, app, "assign_self", Action.SURVEY)
    for fn in (services.application_verify, services.application_return):
        with pytest.raises(PermissionDenied):
            fn(actor=res.actor(persona), application=fresh(app), note="理由说明清楚")
    assert fresh(app).state == State.SURVEYED


def advance_further(res: Res, app: Application, *steps: str) -> Application:
    for step in steps:
        if step == "assign_self":
            app = services.application_assign(
                actor=res.staff, application=fresh(app), reviewer=res.world.users["staff"]
            )
        else:
            app = do(res, app, step)
    return fresh(app)


@pytest.mark.parametrize("persona", ["leader", "staff"])
def test_leader_or_staff_approve(res: Res, persona: str) -> None:
    app = advance(res, State.REPORTED)
    services.application_approve(actor=res.actor(persona), application=app, note="")
    assert fresh(app).state == State.APPROVED


@pytest.mark.parametrize("persona", [*WEAK, "officer_a", "outsider_staff", "outsider_leader"])
def test_others_cannot_approve(res: Res, persona: str) -> None:
    app = advance(res, State.REPORTED)
    with pytest.raises(PermissionDenied):
        services.application_approve(actor=res.actor(persona), application=app, note="")
    assert fresh(app).state == State.REPORTED
    assert res.enterprise.status == Status.APPLYING


def test_only_the_assigned_reviewer_surveys(res: Res) -> None:
    app = advance(res, State.SUBMITTED)
    services.application_assign(actor=res.staff, application=app, reviewer=res.staff2)
    with override("en"), pytest.raises(ServiceError) as refused:
        services.application_survey(actor=res.staff, application=fresh(app), items=res.checklist())
    assert refused.value.code == "reviewer"
    assert "assigned reviewer" in refused.value.message
    services.application_survey(
        actor=res.actor("staff2"), application=fresh(app), items=res.checklist()
    )
    assert fresh(app).state == State.SURVEYED


def test_the_reviewer_must_be_community_staff(res: Res) -> None:
    app = advance(res, State.SUBMITTED)
    for persona in ("leader", "officer_a", "volunteer", "outsider_staff"):
        with override("en"), pytest.raises(ServiceError) as refused:
            services.application_assign(
                actor=res.staff, application=fresh(app), reviewer=res.world.users[persona]
            )
        assert refused.value.field == "reviewer"
    assert fresh(app).state == State.SUBMITTED
    services.application_assign(actor=res.staff, application=fresh(app), reviewer=res.staff2)
    with override("en"), pytest.raises(ServiceError) as again:
        services.application_assign(actor=res.staff, application=fresh(app), reviewer=res.staff2)
    assert again.value.code == "already"
    assert fresh(app).steps.filter(action=Action.ASSIGN).count() == 1


def test_the_survey_must_cover_every_condition(res: Res) -> None:
    app = advance(res, State.ASSIGNED)
    partial = res.checklist()[:-1]
    with override("en"):
        missing = rules.active_conditions(res.world.community.pk)[-1].display_title
    with override("en"), pytest.raises(ServiceError) as refused:
        services.application_survey(actor=res.staff, application=app, items=partial)
    assert missing in refused.value.message
    assert fresh(app).state == State.ASSIGNED
    services.application_survey(
        actor=res.staff, application=fresh(app), items=res.checklist(ok=False), note="缺体温计"
    )
    step = fresh(app).steps.get(action=Action.SURVEY)
    assert len(step.checklist) == len(res.checklist())
    assert all(item["ok"] is False and item["title"] for item in step.checklist)
    assert step.note == "缺体温计"


# --- Submission ------------------------------------------------------------------------------


def test_a_failing_mandatory_condition_needs_a_justification(res: Res) -> None:
    app = res.draft()
    failing = rules.judge(res.enterprise).failing_mandatory
    assert failing, "a fresh enterprise meets nothing"
    with override("en"), pytest.raises(ServiceError) as refused:
        services.application_submit(actor=res.officer, application=app)
    first = failing[0].condition
    assert refused.value.code == "condition"
    assert refused.value.field == f"justify_{first.pk}"
    with override("en"):
        assert first.display_title in refused.value.message
    assert "mandatory" in refused.value.message
    # A few characters are not a justification.
    justifications = res.justify_all()
    justifications[str(first.pk)] = "无"
    with pytest.raises(ServiceError) as short:
        services.application_submit(
            actor=res.officer, application=fresh(app), justifications=justifications
        )
    assert short.value.field == f"justify_{first.pk}"
    assert fresh(app).state == State.DRAFT
    assert res.enterprise.status == Status.NOT_RESUMED

    justified = services.application_submit(
        actor=res.officer, application=fresh(app), justifications=res.justify_all()
    )
    assert justified.state == State.SUBMITTED
    step = justified.steps.get()
    assert set(step.justifications) == {str(r.condition.pk) for r in failing}
    kept = {c["condition"]: c for c in fresh(app).conditions}
    assert kept[first.pk]["justification"] == "已有替代措施，三天内补齐"
    assert kept[first.pk]["met"] is False
    assert fresh(app).returning_local == 1
    assert res.enterprise.status == Status.APPLYING


def test_an_empty_roster_cannot_apply(res: Res) -> None:
    from workgate.registry.models import Employee

    Employee.objects.filter(enterprise=res.enterprise).update(job_status=Employee.JobStatus.LEFT)
    app = res.draft()
    with override("en"), pytest.raises(ServiceError) as refused:
        services.application_submit(
            actor=res.officer, application=app, justifications=res.justify_all()
        )
    assert refused.value.code == "roster"
    assert "roster" in refused.value.message


@pytest.mark.parametrize("text", ["2026/11/24", "2026-11-24", "2026年11月24日", " 2026.11.24 "])
def test_planned_date_formats_accepted(res: Res, text: str) -> None:
    today = dt.date(2026, 11, 20)
    assert services._planned_date(text, today) == dt.date(2026, 11, 24)


@pytest.mark.parametrize("text", ["24.11.", "tomorrow", "", "2026-13-01", "明天", "2026-11"])
def test_planned_date_nonsense_refused_with_a_message(res: Res, text: str) -> None:
    with override("en"), pytest.raises(ServiceError) as refused:
        services.application_save(
            actor=res.officer,
            enterprise=res.enterprise,
            data=services.ApplicationInput(planned_date=text),
        )
    assert refused.value.field == "planned_date"
    assert "YYYY-MM-DD" in refused.value.message
    assert not Application.objects.exists()


def test_planned_date_in_the_past_refused(res: Res) -> None:
    yesterday = local_today() - dt.timedelta(days=1)
    with override("en"), pytest.raises(ServiceError) as refused:
        res.draft(planned=yesterday.strftime("%Y/%m/%d"))
    assert refused.value.field == "planned_date"
    assert "in the past" in refused.value.message
    assert str(yesterday) in refused.value.message
    assert not Application.objects.exists()
    with pytest.raises(ServiceError):
        res.draft(planned=local_today() + dt.timedelta(days=400))
    assert res.draft(planned=local_today()).planned_date == local_today()


def test_a_draft_whose_date_has_passed_cannot_be_submitted(res: Res) -> None:
    app = res.draft()
    Application.objects.filter(pk=app.pk).update(planned_date=local_today() - dt.timedelta(days=2))
    with override("en"), pytest.raises(ServiceError) as refused:
        services.application_submit(
            actor=res.officer, application=fresh(app), justifications=res.justify_all()
        )
    assert refused.value.field == "planned_date"
    assert "passed" in refused.value.message
    assert fresh(app).state == State.DRAFT


def test_the_second_draft_changes_the_first(res: Res) -> None:
    first = res.draft(plan="第一版")
    second = res.draft(planned=local_today() + dt.timedelta(days=3), plan="第二版")
    assert first.pk == second.pk
    assert Application.objects.count() == 1
    assert fresh(first).plan == "第二版"


def test_a_plan_too_long_refused(res: Res) -> None:
    with override("en"), pytest.raises(ServiceError) as refused:
        res.draft(plan="很" * 5001)
    assert refused.value.field == "plan"
    assert not Application.objects.exists()


def test_double_submit_says_already(res: Res) -> None:
    app = advance(res, State.SUBMITTED)
    with override("en"), pytest.raises(ServiceError) as refused:
        services.application_submit(
            actor=res.officer, application=app, justifications=res.justify_all()
        )
    assert refused.value.code == "already"
    assert fresh(app).steps.filter(action=Action.SUBMIT).count() == 1
    assert fresh(app).submissions == 1


def test_under_review_the_application_cannot_be_changed(res: Res) -> None:
    app = advance(res, State.ASSIGNED)
    with override("en"), pytest.raises(ServiceError) as refused:
        res.draft(plan="偷偷改")
    assert refused.value.code == "state"
    assert fresh(app).plan == "分两批复工"


def test_resubmission_after_return_keeps_the_history(res: Res) -> None:
    app = advance(res, State.RETURNED)
    with pytest.raises(ServiceError):
        services.application_return(actor=res.staff, application=fresh(app), note="")
    changed = services.application_save(
        actor=res.officer,
        enterprise=res.enterprise,
        application=fresh(app),
        data=services.ApplicationInput(planned_date=local_today(), plan="已补齐口罩"),
    )
    assert changed.pk == app.pk
    app = advance_further(res, app, Action.SUBMIT, "assign_self", Action.SURVEY)
    steps = list(app.steps.order_by("at", "id").values_list("action", "submission"))
    assert steps == [
        (Action.SUBMIT, 1),
        (Action.RETURN, 1),
        (Action.SUBMIT, 2),
        (Action.ASSIGN, 2),
        (Action.SURVEY, 2),
    ]
    assert app.submissions == 2
    returned = app.steps.get(action=Action.RETURN)
    assert returned.note == "缺少口罩"
    assert returned.actor_label == "staff"
    assert app.plan == "已补齐口罩"
    assert Application.objects.count() == 1
    # The officers were told why.
    told = Notification.objects.filter(
        recipient=res.world.users["officer_a"], kind="resumption.returned"
    )
    assert told.get().params["reason"] == "缺少口罩"


def test_return_needs_reasons(res: Res) -> None:
    app = advance(res, State.VERIFIED)
    with override("en"), pytest.raises(ServiceError) as refused:
        services.application_return(actor=res.staff, application=app, note="  ")
    assert refused.value.field == "note"
    assert fresh(app).state == State.VERIFIED


@pytest.mark.parametrize("start", [Status.NOT_RESUMED, Status.SUSPENDED])
def test_withdraw_restores_the_previous_status(res: Res, start: str) -> None:
    Enterprise.objects.filter(pk=res.enterprise.pk).update(status=start)
    app = advance(res, State.SUBMITTED)
    assert res.enterprise.status == Status.APPLYING
    services.application_withdraw(actor=res.officer, application=fresh(app), note="推迟")
    assert fresh(app).state == State.WITHDRAWN
    assert res.enterprise.status == start
    # A withdrawn application frees the enterprise for a new one.
    again = res.draft()
    assert again.pk != app.pk


def test_withdraw_after_a_return_and_resubmission_restores_not_resumed(res: Res) -> None:
    app = advance(res, State.RETURNED)
    app = advance_further(res, app, Action.SUBMIT, Action.RETURN)
    services.application_withdraw(actor=res.officer, application=fresh(app))
    assert res.enterprise.status == Status.NOT_RESUMED


def test_approve_sets_the_enterprise_approved_and_tells_the_officer(res: Res) -> None:
    app = advance(res, State.APPROVED)
    ent = res.enterprise
    assert ent.status == Status.APPROVED
    assert ent.resumed_on is None
    assert app.decided_at is not None
    assert app.reported_at is not None
    change = StatusChange.objects.filter(enterprise=ent).order_by("-at", "-id").first()
    assert (change.from_status, change.to_status) == (Status.APPLYING, Status.APPROVED)
    assert change.actor_label == "leader"
    assert Notification.objects.filter(
        recipient=res.world.users["officer_a"], kind="resumption.approved"
    ).exists()
    assert not Notification.objects.filter(
        recipient=res.world.users["officer_b"], kind="resumption.approved"
    ).exists()
    # Approved: a new draft is refused.
    with override("en"), pytest.raises(ServiceError) as refused:
        res.draft()
    assert refused.value.code == "state"


def test_submit_notifies_staff_and_assign_the_reviewer(res: Res) -> None:
    app = advance(res, State.SUBMITTED)
    assert Notification.objects.filter(
        recipient=res.world.users["staff"], kind="resumption.submitted"
    ).exists()
    assert not Notification.objects.filter(
        recipient=res.world.users["outsider_staff"], kind="resumption.submitted"
    ).exists()
    services.application_assign(actor=res.staff, application=fresh(app), reviewer=res.staff2)
    assert Notification.objects.filter(recipient=res.staff2, kind="resumption.assigned").exists()


# --- Enterprise status -----------------------------------------------------------------------


def test_suspend_and_lift_need_reasons(res: Res) -> None:
    advance(res, State.APPROVED)
    ent = res.enterprise
    with override("en"), pytest.raises(ServiceError) as refused:
        services.enterprise_suspend(actor=res.staff, enterprise=ent, reason=" ")
    assert refused.value.field == "reason"
    assert res.enterprise.status == Status.APPROVED
    services.enterprise_suspend(actor=res.staff, enterprise=ent, reason="员工确诊新冠肺炎")
    assert res.enterprise.status == Status.SUSPENDED
    change = StatusChange.objects.filter(enterprise=ent).order_by("-at", "-id").first()
    assert change.reason == "员工确诊新冠肺炎"
    assert Notification.objects.filter(
        recipient=res.world.users["officer_a"], kind="resumption.suspended"
    ).exists()
    with pytest.raises(ServiceError) as again:
        services.enterprise_suspend(actor=res.staff, enterprise=ent, reason="员工确诊新冠肺炎")
    assert again.value.code == "already"
    with pytest.raises(ServiceError) as no_reason:
        services.enterprise_lift_suspension(actor=res.staff, enterprise=ent, reason="")
    assert no_reason.value.field == "reason"
    services.enterprise_lift_suspension(
        actor=res.staff, enterprise=res.enterprise, reason="消杀完毕，密接隔离"
    )
    assert res.enterprise.status == Status.APPROVED  # never resumed: back to approved
    with pytest.raises(ServiceError):
        services.enterprise_lift_suspension(
            actor=res.staff, enterprise=res.enterprise, reason="消杀完毕，密接隔离"
        )


def test_a_resumed_enterprise_lifted_is_resumed_again(res: Res) -> None:
    advance(res, State.APPROVED)
    services.enterprise_mark_resumed(actor=res.officer, enterprise=res.enterprise)
    assert res.enterprise.resumed_on == local_today()
    services.enterprise_suspend(actor=res.staff, enterprise=res.enterprise, reason="确诊一例员工")
    services.enterprise_lift_suspension(
        actor=res.staff, enterprise=res.enterprise, reason="消杀完毕，密接隔离"
    )
    assert res.enterprise.status == Status.RESUMED


@pytest.mark.parametrize("persona", [*WEAK, "officer_a", "leader", "outsider_staff"])
def test_only_staff_suspend(res: Res, persona: str) -> None:
    advance(res, State.APPROVED)
    with pytest.raises(PermissionDenied):
        services.enterprise_suspend(
            actor=res.actor(persona), enterprise=res.enterprise, reason="员工确诊新冠肺炎"
        )
    assert res.enterprise.status == Status.APPROVED


def test_an_enterprise_not_approved_cannot_be_suspended_or_resumed(res: Res) -> None:
    with override("en"), pytest.raises(ServiceError) as refused:
        services.enterprise_suspend(
            actor=res.staff, enterprise=res.enterprise, reason="员工确诊新冠肺炎"
        )
    assert refused.value.code == "state"
    with pytest.raises(ServiceError) as not_yet:
        services.enterprise_mark_resumed(actor=res.officer, enterprise=res.enterprise)
    assert not_yet.value.code == "state"
    assert res.enterprise.status == Status.NOT_RESUMED


def test_mark_resumed_by_officer_or_staff_only_for_their_own(res: Res) -> None:
    advance(res, State.APPROVED)
    with pytest.raises(PermissionDenied):
        services.enterprise_mark_resumed(actor=res.actor("officer_b"), enterprise=res.enterprise)
    with pytest.raises(PermissionDenied):
        services.enterprise_mark_resumed(actor=res.actor("gate_a"), enterprise=res.enterprise)
    on = local_today()
    services.enterprise_mark_resumed(actor=res.staff, enterprise=res.enterprise, on=on)
    assert (res.enterprise.status, res.enterprise.resumed_on) == (Status.RESUMED, on)
    # Saying it twice changes nothing.
    services.enterprise_mark_resumed(actor=res.officer, enterprise=res.enterprise)
    assert StatusChange.objects.filter(enterprise=res.enterprise, to_status="resumed").count() == 1


def _gate_check(res: Res, day: dt.date) -> None:
    from workgate.health import partitions
    from workgate.health.models import Check
    from workgate.registry.models import Employee

    partitions.ensure([day])
    Check.objects.create(
        taken_on=day,
        uuid=uuid.uuid4(),
        taken_at=dt.datetime.combine(day, dt.time(8, 0), tzinfo=SHANGHAI),
        community=res.world.community,
        enterprise=res.enterprise,
        employee=Employee.objects.filter(enterprise=res.enterprise).first(),
        kind="gate",
        round_no=1,
        temperature="36.5",
        source="device",
    )


def test_gate_checks_on_the_planned_date_mark_the_enterprise_resumed(res: Res) -> None:
    from workgate.health import services as health
    from workgate.health.models import Gate, PassCode
    from workgate.registry.models import Employee

    app = advance(res, State.APPROVED)
    assert services.resumptions_detect() == 0
    assert res.enterprise.status == Status.APPROVED
    # A check through the service, as the gate records it, today = the planned date.
    gate = health.gate_add(actor=res.officer, enterprise=res.enterprise, name="北门")
    person = Employee.objects.filter(enterprise=res.enterprise).first()
    health.pass_codes_ensure(employee_ids=[person.pk])
    code = PassCode.objects.get(employee=person).code
    (result,) = health.checks_record(
        actor=res.actor("gate_a"),
        items=[
            health.CheckItem(uuid=uuid.uuid4(), temperature="36.5", pass_code=code, gate_id=gate.pk)
        ],
        source="station",
    )
    assert result.status == "created", result.reason
    assert Gate.objects.count() == 1
    assert services.resumptions_detect() == 1
    ent = res.enterprise
    assert (ent.status, ent.resumed_on) == (Status.RESUMED, app.planned_date)
    change = StatusChange.objects.filter(enterprise=ent, to_status=Status.RESUMED).get()
    assert change.actor_label == "system"
    assert services.resumptions_detect() == 0


def test_gate_checks_before_the_planned_date_do_not_count(res: Res) -> None:
    today = local_today()
    app = res.draft(planned=today + dt.timedelta(days=2))
    app = advance_further(
        res,
        app,
        Action.SUBMIT,
        "assign_self",
        Action.SURVEY,
        Action.VERIFY,
        Action.REPORT,
        Action.APPROVE,
    )
    _gate_check(res, today)
    _gate_check(res, today - dt.timedelta(days=1))
    assert services.resumptions_detect() == 0
    assert res.enterprise.status == Status.APPROVED
    # The planned day comes, and people come through the gate.
    planned = today + dt.timedelta(days=2)
    _gate_check(res, planned)
    later = timezone.now() + dt.timedelta(days=2)
    assert services.resumptions_detect(now=timezone.now()) == 0  # a check "from the future"
    assert services.resumptions_detect(now=later) == 1
    assert (res.enterprise.status, res.enterprise.resumed_on) == (Status.RESUMED, planned)


def test_a_suspended_enterprise_is_not_detected_resumed(res: Res) -> None:
    advance(res, State.APPROVED)
    services.enterprise_suspend(
        actor=res.staff, enterprise=res.enterprise, reason="员工确诊新冠肺炎"
    )
    _gate_check(res, local_today())
    assert services.resumptions_detect() == 0
    assert res.enterprise.status == Status.SUSPENDED


# --- The same-day clock ----------------------------------------------------------------------


def _at(day: dt.date, hh: int, mm: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hh, mm), tzinfo=SHANGHAI)


def test_due_on_follows_the_cutoff() -> None:
    day = dt.date(2026, 2, 10)
    cutoff = dt.time(16, 0)
    assert services.due_on(_at(day, 15, 59), cutoff, SHANGHAI) == day
    assert services.due_on(_at(day, 16, 1), cutoff, SHANGHAI) == day + dt.timedelta(days=1)
    assert services.due_on(_at(day, 16, 0), cutoff, SHANGHAI) == day + dt.timedelta(days=1)
    # UTC 07:59 is 15:59 in Shanghai.
    utc = dt.datetime(2026, 2, 10, 7, 59, tzinfo=dt.UTC)
    assert services.due_on(utc, cutoff, SHANGHAI) == day
    assert services.due_on(_at(day, 16, 1), dt.time(18, 0), SHANGHAI) == day


def _submit_at(res: Res, monkeypatch: pytest.MonkeyPatch, when: dt.datetime) -> Application:
    monkeypatch.setattr(timezone, "now", lambda: when)
    app = res.draft(planned=when.date() + dt.timedelta(days=1))
    return services.application_submit(
        actor=res.officer, application=app, justifications=res.justify_all()
    )


@pytest.mark.parametrize(
    ("hh", "mm", "cutoff", "same_day"),
    [(15, 59, None, True), (16, 1, None, False), (16, 1, dt.time(17, 30), True)],
)
def test_submission_due_the_same_day_before_the_cutoff(
    res: Res, monkeypatch: pytest.MonkeyPatch, hh: int, mm: int, cutoff, same_day: bool
) -> None:
    if cutoff is not None:
        services.settings_update(actor=res.staff, changes={"cutoff": cutoff})
    day = local_today()
    app = _submit_at(res, monkeypatch, _at(day, hh, mm))
    assert app.due_on == (day if same_day else day + dt.timedelta(days=1))


def test_overdue_applications_notify_leader_and_staff_once_a_day(res: Res) -> None:
    app = advance(res, State.ASSIGNED)
    due = fresh(app).due_on
    now = _at(due, 12, 0)
    assert services.applications_overdue_notify(now=now) == 0  # due today: not yet overdue
    next_day = _at(due + dt.timedelta(days=1), 9, 0)
    assert services.applications_overdue_notify(now=next_day) == 1
    assert services.applications_overdue_notify(now=next_day + dt.timedelta(hours=2)) == 0
    told = Notification.objects.filter(kind="resumption.overdue")
    people = sorted(told.values_list("recipient__username", flat=True))
    assert people == ["leader", "staff", "staff2"]
    # The day after, once more.
    assert services.applications_overdue_notify(now=next_day + dt.timedelta(days=1)) == 1
    assert told.count() == 6
    # Reported upward or returned: off the clock.
    app = advance_further(res, app, Action.SURVEY, Action.VERIFY, Action.REPORT)
    assert services.applications_overdue_notify(now=next_day + dt.timedelta(days=2)) == 0


# --- Settings and conditions -----------------------------------------------------------------


def test_settings_are_validated(res: Res) -> None:
    with override("en"), pytest.raises(ServiceError) as refused:
        services.settings_update(actor=res.staff, changes={"masks_per_person_day": 0})
    assert refused.value.field == "masks_per_person_day"
    assert services.settings_for(res.world.community.pk).masks_per_person_day == 2
    with pytest.raises(PermissionDenied):
        services.settings_update(actor=res.leader, changes={"photo_max_mb": 5})
    row = services.settings_update(actor=res.staff, changes={"photo_max_mb": 5})
    assert row.photo_max_mb == 5
    assert row.updated_by_label == "staff"


def test_conditions_are_configured_by_staff(res: Res) -> None:
    from workgate.resumption.models import Condition

    with pytest.raises(PermissionDenied):
        services.condition_save(actor=res.leader, condition=None, data={})
    with override("en"), pytest.raises(ServiceError) as refused:
        services.condition_save(
            actor=res.staff,
            condition=None,
            data={"pillar": "screening", "indicator": "trained_share", "threshold": "120"},
        )
    assert refused.value.field == "threshold"
    c = services.condition_save(
        actor=res.staff,
        condition=None,
        data={"pillar": "management", "indicator": "trained_share", "threshold": " 80 % "},
    )
    assert c.threshold == 80
    with pytest.raises(ServiceError) as bad:
        services.condition_save(actor=res.staff, condition=c, data={"indicator": "magic"})
    assert bad.value.field == "indicator"
    other = Condition.objects.filter(community=res.world.other_community).first()
    with pytest.raises(PermissionDenied):
        services.condition_save(actor=res.staff, condition=other, data={"mandatory": False})
