"""The four in place judged from real data: the roster screened and reached, masks entered
against the people returning, thermometers against registered gates, shifts, the officer,
documents and evidence; many enterprises at once give the same answers as one by one, in a
number of queries that does not grow with the number of enterprises."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import override

from tests.factories import id_number, make_employee, make_enterprise, make_user
from tests.resumption.test_services import Res, res_fixture  # noqa: F401 - the fixture
from workgate.core.models import Enterprise, Membership, Role
from workgate.health.models import Declaration, Gate
from workgate.registry.models import Employee, Shift
from workgate.resumption import conditions as rules
from workgate.resumption import services
from workgate.resumption.models import Condition, ConditionEntry, Evidence, Indicator
from workgate.screening.models import CallTask, Campaign

_n = itertools.count(500)


def person(enterprise: Enterprise, **kw: object) -> Employee:
    n = next(_n)
    return make_employee(
        enterprise,
        name=f"员工{n}",
        id_number=id_number("330206", dt.date(1980, 1, 1) + dt.timedelta(days=n), n % 1000),
        **kw,
    )


def result(enterprise: Enterprise, indicator: str) -> rules.Result:
    for r in rules.judge(enterprise).results:
        if r.condition.indicator == indicator:
            return r
    raise AssertionError(indicator)


def condition(res: Res, indicator: str) -> Condition:
    return Condition.objects.get(community=res.world.community, indicator=indicator)


def enter(res: Res, indicator: str, **kw: object) -> None:
    services.entry_save(
        actor=res.officer, enterprise=res.enterprise, condition=condition(res, indicator), **kw
    )


def evidence(enterprise: Enterprise, c: Condition, kind: str = "document") -> Evidence:
    return Evidence.objects.create(
        enterprise=enterprise, condition=c, kind=kind, path="x", original_name="x.pdf", size=1
    )


def test_screened_share_counts_only_people_returning(res: Res) -> None:
    ent = res.enterprise  # 张三, not assessed yet
    person(ent, risk_level="low")
    person(ent, risk_level="high", is_local=False)
    person(ent, risk_level="medium", job_status=Employee.JobStatus.AWAY)
    # Not returning: left, lent out, in quarantine — counted nowhere in the share.
    person(ent, risk_level="unknown", job_status=Employee.JobStatus.LEFT)
    person(ent, risk_level="unknown", quarantine_status=Employee.Quarantine.HOME)
    j = rules.judge(ent)
    assert (j.returning.local, j.returning.non_local, j.returning.high_risk) == (3, 1, 1)
    assert j.returning.in_quarantine == 1
    r = result(ent, Indicator.SCREENED_SHARE)
    with override("en"):
        r = result(ent, Indicator.SCREENED_SHARE)
    assert (r.met, r.value, r.source) == (False, "75 %", "auto")
    assert "75 % of 4 people have been screened; at least 100 % needed" in r.reason
    Employee.objects.filter(enterprise=ent, name="张三").update(risk_level="low")
    r = result(ent, Indicator.SCREENED_SHARE)
    assert (r.met, r.value, r.reason) == (True, "100 %", "")


def test_a_share_with_no_one_returning_is_not_met(res: Res) -> None:
    Employee.objects.filter(enterprise=res.enterprise).update(job_status="left")
    with override("en"):
        r = result(res.enterprise, Indicator.SCREENED_SHARE)
    assert not r.met
    assert "No one on the roster" in r.reason


def test_reached_share_from_a_reached_call_or_a_recent_declaration(res: Res) -> None:
    ent = res.enterprise
    zhang = Employee.objects.get(enterprise=ent, name="张三")
    called, declared, old, unreached = (person(ent) for _ in range(4))
    campaign = Campaign.objects.create(community=res.world.community, name="返岗排查")
    for who, reached in ((called, True), (unreached, False)):
        CallTask.objects.create(
            campaign=campaign,
            employee=who,
            community=res.world.community,
            enterprise=ent,
            reached=reached,
        )
    today = timezone.localdate()
    for who, day in (
        (declared, today - dt.timedelta(days=3)),
        (old, today - dt.timedelta(days=20)),
    ):
        Declaration.objects.create(
            community=res.world.community,
            enterprise=ent,
            employee=who,
            day=day,
            temperature=Decimal("36.5"),
            whereabouts="local",
            contact_with_case=False,
        )
    with override("en"):
        r = result(ent, Indicator.REACHED_SHARE)
    assert rules.judge(ent).returning.reached == 2
    assert (r.met, r.value) == (False, "40 %")  # 2 of 5, threshold 90
    assert "have been reached by phone or declared their health" in r.reason
    # The rest answer.
    for who in (zhang, old):
        CallTask.objects.create(
            campaign=campaign, employee=who, community=res.world.community, enterprise=ent,
            reached=True,
        )  # fmt: skip
    CallTask.objects.filter(employee=unreached).update(reached=True)
    r = result(ent, Indicator.REACHED_SHARE)
    assert (r.met, r.value) == (True, "100 %")


def test_mask_days_from_masks_entered_people_returning_and_masks_a_day(res: Res) -> None:
    ent = res.enterprise
    for _ in range(3):
        person(ent)
    with override("en"):
        r = result(ent, Indicator.MASK_DAYS)
        assert (r.met, r.source) == (False, "entered")
        assert r.reason == "Enter the masks in stock."
        enter(res, Indicator.MASK_DAYS, value="55")  # 4 people × 2 a day = 8 a day: 6.8 days
        r = result(ent, Indicator.MASK_DAYS)
        assert (r.met, r.value) == (False, "6.8 days")
        assert "55 masks last 6.8 days for 4 people at 2 a day; at least 7 days needed" in r.reason
        enter(res, Indicator.MASK_DAYS, value="５６")  # full-width digits, as typed on a phone
        r = result(ent, Indicator.MASK_DAYS)
        assert (r.met, r.value, r.reason) == (True, "7 days", "")
        services.settings_update(actor=res.staff, changes={"masks_per_person_day": 3})
        r = result(ent, Indicator.MASK_DAYS)
        assert (r.met, r.value) == (False, "4.6 days")


def test_counts_typed_badly_are_refused(res: Res) -> None:
    for bad, words in (("很多", "whole number"), ("-3", "negative"), ("2.5", "fraction")):
        with override("en"), pytest.raises(services.ServiceError) as refused:
            enter(res, Indicator.MASK_DAYS, value=bad)
        assert words in refused.value.message
        assert refused.value.field == "value"
    assert not ConditionEntry.objects.exists()
    enter(res, Indicator.MASK_DAYS, value="1,200")
    assert ConditionEntry.objects.get().value == 1200


def test_thermometers_per_gate_counts_registered_gates(res: Res) -> None:
    ent = res.enterprise
    with override("en"):
        enter(res, Indicator.THERMOMETERS_PER_GATE, value=3)
        r = result(ent, Indicator.THERMOMETERS_PER_GATE)
        assert not r.met
        assert "No gate is registered" in r.reason
        Gate.objects.create(enterprise=ent, name="北门")
        Gate.objects.create(enterprise=ent, name="南门")
        Gate.objects.create(enterprise=ent, name="旧门", is_active=False)
        Gate.objects.create(enterprise=res.world.enterprise_b, name="乙门")
        r = result(ent, Indicator.THERMOMETERS_PER_GATE)
        assert (r.met, r.value) == (False, "1.5 per gate")
        assert "3 thermometers for 2 gates; at least 2 per gate needed" in r.reason
        enter(res, Indicator.THERMOMETERS_PER_GATE, value=4)
        r = result(ent, Indicator.THERMOMETERS_PER_GATE)
        assert (r.met, r.value) == (True, "2 per gate")


def test_shifts_staggered_from_shift_start_times(res: Res) -> None:
    ent = res.enterprise
    r = result(ent, Indicator.SHIFTS_STAGGERED)
    assert not r.met
    Shift.objects.create(enterprise=ent, name="早班", starts=dt.time(8), ends=dt.time(16))
    Shift.objects.create(enterprise=ent, name="白班", starts=dt.time(8), ends=dt.time(17))
    Shift.objects.create(enterprise=res.world.enterprise_b, name="晚班", starts=dt.time(20),
                         ends=dt.time(4))  # fmt: skip
    assert not result(ent, Indicator.SHIFTS_STAGGERED).met  # same start: not staggered
    Shift.objects.create(enterprise=ent, name="中班", starts=dt.time(9, 30), ends=dt.time(18))
    r = result(ent, Indicator.SHIFTS_STAGGERED)
    assert r.met
    assert "2" in r.value


def test_officer_named_by_an_active_officer_account_or_a_contact(res: Res) -> None:
    assert result(res.enterprise, Indicator.OFFICER_NAMED).met  # officer_a
    fresh = make_enterprise(res.world.community, name="宁波丁纺织有限公司", resumed=False)
    with override("en"):
        r = result(fresh, Indicator.OFFICER_NAMED)
    assert not r.met
    assert "Name a responsible officer" in r.reason
    user = make_user("officer_d", Role.OFFICER, res.world.community, fresh)
    assert result(fresh, Indicator.OFFICER_NAMED).met
    Membership.objects.filter(user=user).update(is_active=False)
    assert not result(fresh, Indicator.OFFICER_NAMED).met
    Enterprise.objects.filter(pk=fresh.pk).update(contact_name="王经理")
    r = result(fresh, Indicator.OFFICER_NAMED)
    assert (r.met, r.value) == (True, "王经理")


def test_emergency_plan_needs_the_plan_uploaded(res: Res) -> None:
    c = condition(res, Indicator.EMERGENCY_PLAN)
    assert not result(res.enterprise, Indicator.EMERGENCY_PLAN).met
    evidence(res.world.enterprise_b, c)  # another enterprise's plan does not count
    assert not result(res.enterprise, Indicator.EMERGENCY_PLAN).met
    evidence(res.enterprise, c, kind="photo")  # a photo of the paper plan counts
    r = result(res.enterprise, Indicator.EMERGENCY_PLAN)
    assert (r.met, r.evidence) == (True, 1)
    evidence(res.enterprise, c)
    r = result(res.enterprise, Indicator.EMERGENCY_PLAN)
    assert (r.met, r.evidence) == (True, 2)


def test_evidence_required_holds_back_a_condition_otherwise_met(res: Res) -> None:
    c = condition(res, Indicator.ISOLATION_ROOM)
    assert c.evidence_required
    with override("en"):
        assert result(res.enterprise, Indicator.ISOLATION_ROOM).reason == (
            "Say where the isolation room is."
        )
        enter(res, Indicator.ISOLATION_ROOM, text="  二号楼一层 108 室 ")
        r = result(res.enterprise, Indicator.ISOLATION_ROOM)
        assert not r.met
        assert "Evidence is required" in r.reason
    evidence(res.enterprise, c, kind="photo")
    r = result(res.enterprise, Indicator.ISOLATION_ROOM)
    assert (r.met, r.value, r.reason) == (True, "二号楼一层 108 室", "")


def test_trained_share_and_a_confirmation(res: Res) -> None:
    ent = res.enterprise
    person(ent)
    enter(res, Indicator.TRAINED_SHARE, value=1)
    r = result(ent, Indicator.TRAINED_SHARE)
    assert (r.met, r.value, r.source) == (False, "50 %", "entered")
    enter(res, Indicator.TRAINED_SHARE, value=30)  # more than the roster: capped at 100 %
    assert result(ent, Indicator.TRAINED_SHARE).value == "100 %"
    confirmed = services.condition_save(
        actor=res.staff,
        condition=None,
        data={"pillar": "management", "indicator": "confirmed", "title": "食堂分餐"},
    )
    r = result(ent, Indicator.CONFIRMED)
    assert (r.met, r.source) == (False, "confirmed")
    services.entry_save(actor=res.officer, enterprise=ent, condition=confirmed, confirmed=True)
    assert result(ent, Indicator.CONFIRMED).met


def test_inactive_conditions_are_not_judged(res: Res) -> None:
    c = condition(res, Indicator.SHIFTS_STAGGERED)
    services.condition_save(actor=res.staff, condition=c, data={"active": False})
    assert Indicator.SHIFTS_STAGGERED not in {
        r.condition.indicator for r in rules.judge(res.enterprise).results
    }


def test_grouped_by_pillar_in_order(res: Res) -> None:
    pillars = [p for p, _label, _rows in rules.judge(res.enterprise).by_pillar()]
    assert pillars == ["mechanism", "screening", "facilities", "management"]


def test_officers_and_staff_enter_only_for_their_tenant(res: Res) -> None:
    from django.core.exceptions import PermissionDenied

    c = condition(res, Indicator.MASK_DAYS)
    for persona in ("officer_b", "gate_a", "leader", "volunteer", "outsider_staff"):
        with pytest.raises(PermissionDenied):
            services.entry_save(
                actor=res.actor(persona), enterprise=res.enterprise, condition=c, value=100
            )
    other = Condition.objects.filter(community=res.world.other_community).first()
    with pytest.raises(PermissionDenied):
        services.entry_save(actor=res.officer, enterprise=res.enterprise, condition=other, value=1)
    services.entry_save(actor=res.staff, enterprise=res.enterprise, condition=c, value=100)
    assert ConditionEntry.objects.get().updated_by_label == "staff"


# --- Many at once ----------------------------------------------------------------------------


def _rich(res: Res, n: int) -> list[Enterprise]:
    """n enterprises, each with a different mix of facts."""
    community = res.world.community
    made = []
    for i in range(n):
        ent = make_enterprise(community, name=f"宁波批量{i}有限公司", resumed=False)
        for k in range(1 + i % 3):
            person(ent, risk_level="low" if k % 2 == 0 else "unknown", is_local=bool(k % 2))
        if i % 2:
            Gate.objects.create(enterprise=ent, name="门")
        if i % 3 == 0:
            Shift.objects.create(enterprise=ent, name="早", starts=dt.time(8), ends=dt.time(16))
            Shift.objects.create(enterprise=ent, name="晚", starts=dt.time(20), ends=dt.time(4))
        if i % 4 == 0:
            Enterprise.objects.filter(pk=ent.pk).update(contact_name="联系人")
        for ind, value in ((Indicator.MASK_DAYS, 10 * i), (Indicator.THERMOMETERS_PER_GATE, i)):
            ConditionEntry.objects.create(
                enterprise=ent, condition=condition(res, ind), value=value
            )
        if i % 2 == 0:
            evidence(ent, condition(res, Indicator.EMERGENCY_PLAN))
        made.append(ent)
    return made


def _flat(j: rules.Judgement) -> list[tuple]:
    return [(r.condition.pk, r.met, r.value, r.reason, r.source, r.evidence) for r in j.results]


def test_judge_many_gives_the_same_answers_as_one_by_one(res: Res) -> None:
    ents = _rich(res, 8)
    ids = [e.pk for e in ents]
    many = rules.judge_many(res.world.community.pk, ids)
    everyone = rules.judge_many(res.world.community.pk)
    assert set(ids) <= set(everyone)
    for e in ents:
        one = rules.judge(e)
        assert _flat(many[e.pk]) == _flat(one)
        assert _flat(everyone[e.pk]) == _flat(one)
        assert many[e.pk].returning == one.returning
    assert len({tuple(_flat(many[i])) for i in ids}) > 3  # the mix really differs


def test_judge_many_costs_the_same_queries_for_2_or_20_enterprises(res: Res) -> None:
    ents = _rich(res, 20)
    community = res.world.community.pk
    rules.judge_many(community, [ents[0].pk])  # settings created once
    counts = []
    for size in (2, 20):
        with CaptureQueriesContext(connection) as ctx:
            rules.judge_many(community, [e.pk for e in ents[:size]])
        counts.append(len(ctx.captured_queries))
    with CaptureQueriesContext(connection) as ctx:
        rules.judge_many(community)
    assert counts[0] == counts[1] == len(ctx.captured_queries) - 1, counts  # + the id list
    assert counts[0] <= 12
