"""Campaigns: targets and preview, the split by capacity, rebalancing, the caller's queue with
leases and retries, idempotent outcomes, the summary, return plans and the timeline."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter

import pytest
from django.utils import timezone

from tests.screening.conftest import more_volunteers
from workgate.core.models import AuditEntry
from workgate.registry.models import Employee, TimelineEvent, TravelRecord
from workgate.screening import queries, services
from workgate.screening.models import CallAttempt, CallTask, Campaign, ReturnPlan


def launched(screening, target=None, callers=None, capacities=None, **kw) -> Campaign:
    campaign = services.campaign_create(
        actor=screening.staff, name="排查", target=target or {"non_local": True}, **kw
    )
    users = callers or [screening.world.users["volunteer"], screening.world.users["staff"]]
    for i, user in enumerate(users):
        cap = capacities[i] if capacities else 1
        services.callers_add(
            actor=screening.staff, campaign=campaign, user_ids=[user.pk], capacity=cap
        )
    services.campaign_build(campaign_id=campaign.pk)
    campaign.refresh_from_db()
    return campaign


def outcome(kind="reached", **kw) -> services.Outcome:
    return services.Outcome(client_id=uuid.uuid4(), outcome=kind, **kw)


def test_targets_and_preview(screening):
    staff = screening.staff
    count = lambda t: services.campaign_preview(actor=staff, target=t)  # noqa: E731
    assert count({"non_local": True}) == 10
    assert count({"provinces": ["42"]}) == 6
    assert count({"current_risk_at_least": "high"}) == 6
    assert (
        count({"current_risk_at_least": "high", "enterprises": [screening.world.enterprise_a.pk]})
        == 3
    )
    TravelRecord.objects.create(
        employee=screening.anhui[0],
        region_id="420100",
        date_from=timezone.localdate() - dt.timedelta(days=5),
    )
    TravelRecord.objects.create(
        employee=screening.anhui[1],
        region_id="420100",
        date_from=dt.date(2019, 1, 1),
        date_to=dt.date(2019, 2, 1),
    )
    assert count({"travel_risk_at_least": "high"}) == 1
    assert count({"not_arrived": True, "non_local": True}) == 6
    with pytest.raises(services.ServiceError):
        count({"enterprises": [screening.world.enterprise_other.pk]})


def test_not_reached_since_leaves_out_people_reached(screening):
    campaign = launched(screening)
    task = services.call_next(actor=screening.volunteer, campaign=campaign)
    services.call_record(actor=screening.volunteer, task=task, data=outcome())
    target = {
        "non_local": True,
        "not_reached_since": (timezone.localdate() - dt.timedelta(days=1)).isoformat(),
    }
    assert services.campaign_preview(actor=screening.staff, target=target) == 9


def test_launch_splits_by_capacity_and_rebalances_when_callers_join(screening):
    world = screening.world
    campaign = launched(
        screening, callers=[world.users["volunteer"], world.users["staff"]], capacities=[1, 3]
    )
    by = {c["username"]: c["assigned"] for c in queries.by_caller(campaign)}
    assert by == {"volunteer": 3, "staff": 7}  # 10 × 1/4 and 3/4, largest remainder
    newcomer = more_volunteers(world, 1)[0]
    services.callers_add(
        actor=screening.staff, campaign=campaign, user_ids=[newcomer.user.pk], capacity=1
    )
    by = {c["username"]: c["assigned"] for c in queries.by_caller(campaign)}
    assert by == {"volunteer": 2, "staff": 6, "vol-00": 2}
    assert sum(by.values()) == 10


def test_stopping_a_caller_and_reassigning_move_only_waiting_calls(screening):
    world = screening.world
    campaign = launched(screening)
    volunteer_caller = campaign.callers.get(user=world.users["volunteer"])
    staff_caller = campaign.callers.get(user=world.users["staff"])
    held = services.call_next(actor=screening.volunteer, campaign=campaign)
    moved = services.calls_reassign(actor=screening.staff, source=volunteer_caller, to=staff_caller)
    assert moved == 4  # five on the list, one being dialled stays
    held.refresh_from_db()
    assert held.caller == volunteer_caller and held.leased_by == world.users["volunteer"]
    services.caller_update(actor=screening.staff, caller=staff_caller, capacity=1, active=False)
    assert CallTask.objects.filter(caller=staff_caller, status="pending").count() == 0
    assert CallTask.objects.filter(campaign=campaign, caller=volunteer_caller).count() == 10


def test_queue_never_serves_one_person_twice_and_works_the_whole_list(screening):
    world = screening.world
    callers = more_volunteers(world, 3)
    campaign = launched(screening, callers=[c.user for c in callers])
    served: list[int] = []
    active = {c: services.call_next(actor=c, campaign=campaign) for c in callers}
    while any(active.values()):
        leased = [t.employee_id for t in active.values() if t]
        assert len(leased) == len(set(leased))  # never the same person at once
        for caller, task in list(active.items()):
            if task is None:
                continue
            served.append(task.employee_id)
            services.call_record(actor=caller, task=task, data=outcome())
            active[caller] = services.call_next(actor=caller, campaign=campaign)
    assert sorted(served) == sorted(
        CallTask.objects.filter(campaign=campaign).values_list("employee_id", flat=True)
    )
    # Callers whose own list ran out took unstarted calls from the others.
    assert CallTask.objects.filter(campaign=campaign, status="pending").count() == 0


def test_asking_again_gives_the_same_person_and_the_number_is_audited_once(screening):
    campaign = launched(screening)
    first = services.call_next(actor=screening.volunteer, campaign=campaign)
    again = services.call_next(actor=screening.volunteer, campaign=campaign)
    assert first.pk == again.pk
    reveals = AuditEntry.objects.filter(action="reveal", detail__via="call")
    assert reveals.count() == 1
    assert Employee.objects.get(pk=first.employee_id).mobile not in str(reveals.get().detail)


def test_no_answer_is_retried_after_the_interval_up_to_n_times(screening):
    campaign = launched(
        screening, callers=[screening.world.users["volunteer"]], max_attempts=2, retry_minutes=30
    )
    task = services.call_next(actor=screening.volunteer, campaign=campaign)
    services.call_record(actor=screening.volunteer, task=task, data=outcome("no_answer"))
    task.refresh_from_db()
    assert task.status == "pending" and task.attempts == 1
    assert task.next_attempt_at > timezone.now() + dt.timedelta(minutes=29)
    nxt = services.call_next(actor=screening.volunteer, campaign=campaign)
    assert nxt.pk != task.pk  # not before the interval
    services.call_release(actor=screening.volunteer, task=nxt)
    CallTask.objects.filter(pk=task.pk).update(
        next_attempt_at=timezone.now() - dt.timedelta(minutes=1)
    )
    CallTask.objects.exclude(pk=task.pk).update(
        next_attempt_at=timezone.now() + dt.timedelta(hours=1)
    )
    retry = services.call_next(actor=screening.volunteer, campaign=campaign)
    assert retry.pk == task.pk
    services.call_record(actor=screening.volunteer, task=retry, data=outcome("no_answer"))
    task.refresh_from_db()
    assert task.status == "exhausted"


def test_an_abandoned_lease_returns_to_the_pool(screening):
    world = screening.world
    other = more_volunteers(world, 1)[0]
    campaign = launched(screening, callers=[world.users["volunteer"], other.user])
    task = services.call_next(actor=screening.volunteer, campaign=campaign)
    CallTask.objects.exclude(pk=task.pk).update(status="done")
    assert services.call_next(actor=other, campaign=campaign) is None
    CallTask.objects.filter(pk=task.pk).update(
        leased_until=timezone.now() - dt.timedelta(seconds=1), attempts=0
    )
    taken = services.call_next(actor=other, campaign=campaign)
    assert taken.pk == task.pk
    # The first caller's late outcome is refused: someone else has the person now.
    with pytest.raises(services.ServiceError):
        services.call_record(actor=screening.volunteer, task=task, data=outcome())


def test_an_outcome_posted_twice_is_recorded_once(screening):
    campaign = launched(screening)
    task = services.call_next(actor=screening.volunteer, campaign=campaign)
    data = outcome("no_answer")
    first, created = services.call_record(actor=screening.volunteer, task=task, data=data)
    again, created_again = services.call_record(actor=screening.volunteer, task=task, data=data)
    assert created and not created_again and first.pk == again.pk
    assert CallAttempt.objects.filter(task=task).count() == 1
    task.refresh_from_db()
    assert task.attempts == 1


def test_the_outcome_form_posted_twice_is_recorded_once(screening):
    world = screening.world
    campaign = launched(screening, callers=[world.users["volunteer"]])
    client = world.client("volunteer")
    response = client.post(f"/screening/calls/{campaign.pk}/next/")
    task_url = response["Location"]
    page = client.get(task_url)
    assert page.status_code == 200
    task = CallTask.objects.get(leased_by=world.users["volunteer"])
    employee = Employee.objects.get(pk=task.employee_id)
    assert f'href="tel:{employee.mobile}"' in page.content.decode()
    form = {
        "client_id": str(uuid.uuid4()),
        "outcome": "reached",
        "region": "湖北省武汉市",
        "return_date": "2020-02-20",
        "return_means": "train",
        "delay_agreed": "on",
    }
    one = client.post(f"{task_url}outcome/", form)
    two = client.post(f"{task_url}outcome/", form)
    assert one.status_code == 302 and two.status_code == 302
    assert CallAttempt.objects.filter(task=task).count() == 1


def test_a_reached_call_confirms_whereabouts_plans_the_return_and_lands_on_the_timeline(screening):
    world = screening.world
    campaign = launched(screening, target={"provinces": ["42"]}, callers=[world.users["volunteer"]])
    task = services.call_next(actor=screening.volunteer, campaign=campaign)
    from workgate.registry.models import Region

    services.call_record(
        actor=screening.volunteer,
        task=task,
        data=outcome(
            region=Region.objects.get(code="420100"),
            address="汉口",
            return_date=dt.date(2020, 2, 25),
            return_means="train",
            delay_agreed=True,
            contact_with_case=True,
        ),
    )
    person = Employee.objects.get(pk=task.employee_id)
    assert person.current_region_id == "420100" and person.job_status == "delayed"
    assert person.risk_level == "high"
    plan = ReturnPlan.objects.get(employee=person)
    assert (
        plan.status == "delayed"
        and plan.quarantine_needed
        and plan.arrival_date == dt.date(2020, 2, 25)
    )
    kinds = set(TimelineEvent.objects.filter(employee=person).values_list("kind", flat=True))
    assert {"screening.call", "screening.return_plan", "screening.risk"} <= kinds
    assert queries.return_plan_of(person.pk) == plan
    # The officer sees their own enterprise's plans only.
    mine = world.client("officer_a").get("/screening/returns/").content.decode()
    theirs = world.client("officer_b").get("/screening/returns/").content.decode()
    own, other = (mine, theirs) if person.enterprise_id == world.enterprise_a.pk else (theirs, mine)
    assert person.name in own and person.name not in other


def test_summary_matches_the_outcomes_entered(screening):
    world = screening.world
    campaign = launched(screening, callers=[world.users["volunteer"]])
    from workgate.registry.models import Region

    entered = Counter()
    while task := services.call_next(actor=screening.volunteer, campaign=campaign):
        person = Employee.objects.get(pk=task.employee_id)
        if person.hukou_code.startswith("42"):
            delay = person.name != "鄂0"
            services.call_record(
                actor=screening.volunteer,
                task=task,
                data=outcome(region=Region.objects.get(code="420102"), delay_agreed=delay),
            )
            entered["traced"] += 1
            entered["high_risk"] += 1
            entered["delayed"] += delay
        elif person.name == "皖0":
            services.call_record(actor=screening.volunteer, task=task, data=outcome("wrong_number"))
            entered["wrong"] += 1
        else:
            services.call_record(actor=screening.volunteer, task=task, data=outcome())
            entered["traced"] += 1
    figures = queries.campaign_progress(campaign)
    assert (figures["traced"], figures["high_risk"], figures["delayed"], figures["wrong"]) == (
        9,
        6,
        5,
        1,
    )
    assert figures["traced"] == entered["traced"] and figures["delayed"] == entered["delayed"]
    page = world.client("leader").get(f"/screening/campaigns/{campaign.pk}/people/delayed/")
    assert page.status_code == 200 and page.content.decode().count("/screening/people/") == 5
    detail = world.client("leader").get(f"/screening/campaigns/{campaign.pk}/")
    assert 'data-testid="fig-delayed">5<' in detail.content.decode()


def test_campaign_pages_for_staff(screening):
    world = screening.world
    client = world.client("staff")
    assert client.get("/screening/campaigns/new/").status_code == 200
    preview = client.post(
        "/screening/campaigns/preview/", {"non_local": "on", "retry_minutes": 30, "max_attempts": 3}
    )
    assert 'data-testid="preview-count">10<' in preview.content.decode()
    response = client.post(
        "/screening/campaigns/new/",
        {"name": "全体非甬籍", "non_local": "on", "retry_minutes": 30, "max_attempts": 3},
    )
    assert response.status_code == 302
    campaign = Campaign.objects.get(name="全体非甬籍")
    everyone = [u.pk for u in services.eligible_callers(world.community.pk)]
    client.post(f"/screening/campaigns/{campaign.pk}/callers/", {"users": everyone, "capacity": 1})
    assert campaign.callers.count() == len(everyone) == 2
    response = client.post(f"/screening/campaigns/{campaign.pk}/launch/")
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.status == "building" and campaign.job is not None
    services.campaign_build(campaign_id=campaign.pk)
    page = client.get(f"/screening/campaigns/{campaign.pk}/")
    assert page.status_code == 200
    partial = client.get(f"/screening/campaigns/{campaign.pk}/", HTTP_HX_REQUEST="true")
    assert 'id="progress"' in partial.content.decode() and "<html" not in partial.content.decode()
