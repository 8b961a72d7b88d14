"""Demo data of screening: region risk as in February 2020, the 84 volunteers who answered the
call-out, and the day-one campaign for every non-local employee, part-way through.

Outcomes follow the seed article's proportions: of the non-local employees traced, about 3.3 %
(928 of 27,892) are in Hubei, and 859 of those 928 agree to delay their return. Everything is
bulk-inserted: the full-scale build adds a few seconds on SQLite.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from workgate.core.models import Community, Membership, Role, User
from workgate.registry.models import Employee, Region, TimelineEvent
from workgate.screening.assessment import reassess_community
from workgate.screening.bulk import insert_rows
from workgate.screening.models import (
    CallAttempt,
    Caller,
    CallTask,
    Campaign,
    RegionRisk,
    ReturnPlan,
    ScreeningPolicy,
)
from workgate.screening.services import quotas

BATCH = 5000
VOLUNTEERS = 84
HIGH = ["420000"]  # 湖北省
MEDIUM = ["330300", "331000", "411500"]  # 温州市, 台州市, 信阳市
DONE_SHARE = (0.45, 0.9)  # each caller has worked through this share of their list
OUTCOMES = [("reached", 0.86), ("no_answer", 0.10), ("wrong_number", 0.02), ("refused", 0.02)]
DELAY_SHARE = 859 / 928
IN_HUBEI_SHARE = 0.98  # of the Hubei-registered reached: home for the Spring Festival
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红"


def _outcome(rng: random.Random) -> str:
    roll, acc = rng.random(), 0.0
    for outcome, p in OUTCOMES:
        acc += p
        if roll < acc:
            return outcome
    return "reached"


def build(
    *,
    community: Community,
    scale: float,
    rng: random.Random,
    today: dt.date,
    log: Callable[[str], None],
) -> None:
    now = timezone.now()
    since = today - dt.timedelta(days=10)
    RegionRisk.objects.bulk_create(
        [
            RegionRisk(
                community=community,
                region_id=code,
                level=level,
                effective_from=since,
                note="浙江省新型冠状病毒肺炎疫情防控工作领导小组通报",
                set_by_label="staff",
            )
            for codes, level in ((HIGH, "high"), (MEDIUM, "medium"))
            for code in codes
        ]
    )
    ScreeningPolicy.objects.create(
        community=community, quarantine_levels=["high", "medium"], delay_levels=["high"]
    )

    # The 84 party members who answered within half an hour, as volunteer callers.
    password_hash = User.objects.get(username="volunteer").password
    users = [
        User(
            username=f"volunteer-{i:02d}",
            full_name=rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2)))),
            password=password_hash,
        )
        for i in range(1, VOLUNTEERS + 1)
    ]
    User.objects.bulk_create(users)
    volunteers = list(User.objects.filter(username__startswith="volunteer-").order_by("username"))
    Membership.objects.bulk_create(
        [Membership(user=u, community=community, role=Role.VOLUNTEER) for u in volunteers]
    )
    log(f"{len(volunteers)} volunteer callers")

    staff = {u.username: u for u in User.objects.filter(username__in=["staff", "staff2"])}
    campaign = Campaign.objects.create(
        community=community,
        name="非甬籍员工排查（1月23日）",
        target={"non_local": True},
        status=Campaign.Status.RUNNING,
        created_by=staff.get("staff"),
        launched_at=now - dt.timedelta(hours=8),
        retry_minutes=30,
        max_attempts=3,
    )
    people_users = [(staff[n], 2) for n in ("staff", "staff2") if n in staff]
    people_users.append((User.objects.get(username="volunteer"), 1))
    people_users += [(u, 1) for u in volunteers]
    Caller.objects.bulk_create(
        [Caller(campaign=campaign, user=u, capacity=cap) for u, cap in people_users]
    )
    callers = list(campaign.callers.select_related("user").order_by("id"))

    people = list(
        Employee.objects.filter(community=community, is_local=False)
        .order_by("enterprise_id", "id")
        .values_list("pk", "enterprise_id", "hukou_code", "current_region_id", "arrived")
    )
    share = quotas(len(people), {c.pk: c.capacity for c in callers})
    levels = dict.fromkeys(HIGH, "high") | dict.fromkeys(MEDIUM, "medium")

    def level_of(code: str | None) -> str:
        if not code:
            return "low"
        return (
            levels.get(code)
            or levels.get(code[:4] + "00")
            or levels.get(code[:2] + "0000")
            or "low"
        )

    tasks: list[dict[str, Any]] = []
    attempts: list[dict[str, Any]] = []
    events: list[TimelineEvent] = []
    plans: list[ReturnPlan] = []
    moved_home: list[int] = []
    delayed: list[int] = []
    start = 0
    window = (now - campaign.launched_at).total_seconds()
    for caller in callers:
        mine = people[start : start + share[caller.pk]]
        start += share[caller.pk]
        worked = int(len(mine) * rng.uniform(*DONE_SHARE))
        for n, (pk, enterprise_id, hukou, current, arrived) in enumerate(mine):
            task: dict[str, Any] = {
                "campaign_id": campaign.pk,
                "employee_id": pk,
                "community_id": community.pk,
                "enterprise_id": enterprise_id,
                "caller_id": caller.pk,
                "next_attempt_at": campaign.launched_at,
                "attempts": 0,
                "status": CallTask.Status.PENDING,
            }
            tasks.append(task)
            if n >= worked:
                continue
            at = campaign.launched_at + dt.timedelta(
                seconds=window * (n + rng.random()) / len(mine)
            )
            while True:
                outcome = _outcome(rng)
                task["attempts"] += 1
                task["last_outcome"] = outcome
                attempt: dict[str, Any] = {
                    "client_id": uuid.UUID(int=rng.getrandbits(128)),
                    "campaign_id": campaign.pk,
                    "employee_id": pk,
                    "community_id": community.pk,
                    "caller_id": caller.user_id,
                    "caller_label": caller.user.username,
                    "at": at,
                    "outcome": outcome,
                }
                params: dict[str, object] = {"outcome": outcome, "campaign": campaign.name}
                if outcome == "reached":
                    where = current
                    if hukou.startswith("42") and rng.random() < IN_HUBEI_SHARE:
                        where = hukou
                        if arrived or current != hukou:
                            moved_home.append(pk)
                    level = level_of(where)
                    away = where != "330206" and not where.startswith("3302")
                    delay = level == "high" and rng.random() < DELAY_SHARE
                    quarantine = away and level in ("high", "medium")
                    back = today + dt.timedelta(
                        days=rng.randint(15, 30) if delay else rng.randint(1, 12)
                    )
                    means = rng.choice(["train", "train", "coach", "car", "plane"])
                    attempt.update(
                        region_id=where, delay_agreed=delay, quarantine_needed=quarantine
                    )
                    task.update(
                        status=CallTask.Status.DONE,
                        reached=True,
                        region_id=where,
                        region_level=level,
                        delay_agreed=delay,
                        quarantine_needed=quarantine,
                    )
                    params.update(region=where, delay=delay)
                    if away:
                        attempt.update(return_date=back, return_means=means)
                        plans.append(
                            ReturnPlan(
                                employee_id=pk,
                                community=community,
                                enterprise_id=enterprise_id,
                                from_region_id=where,
                                arrival_date=back,
                                means=means,
                                route=f"{where} → {community.name}",
                                status=ReturnPlan.Status.DELAYED
                                if delay
                                else ReturnPlan.Status.PLANNED,
                                quarantine_needed=quarantine,
                                quarantine_reason="region" if quarantine else "",
                                campaign=campaign,
                                updated_at=at,
                                updated_by_label=caller.user.username,
                            )
                        )
                    if delay:
                        delayed.append(pk)
                elif outcome == "no_answer":
                    if task["attempts"] >= campaign.max_attempts:
                        task["status"] = CallTask.Status.EXHAUSTED
                    else:
                        task["next_attempt_at"] = at + dt.timedelta(minutes=campaign.retry_minutes)
                else:
                    task["status"] = CallTask.Status.DONE
                attempts.append(attempt)
                events.append(
                    TimelineEvent(
                        employee_id=pk,
                        at=at,
                        kind="screening.call",
                        params=params,
                        actor_label=caller.user.username,
                    )
                )
                task["updated_at"] = at
                retry_at = at + dt.timedelta(minutes=campaign.retry_minutes)
                if (
                    task["status"] != CallTask.Status.PENDING
                    or retry_at >= now
                    or rng.random() < 0.5
                ):
                    break
                at = retry_at + dt.timedelta(minutes=rng.randint(0, 60))
                if at >= now:
                    break
    insert_rows(CallTask, tasks)
    campaign.total = len(tasks)
    campaign.save(update_fields=["total"])
    task_ids = dict(CallTask.objects.filter(campaign=campaign).values_list("employee_id", "pk"))
    for attempt in attempts:
        attempt["task_id"] = task_ids[attempt["employee_id"]]
    insert_rows(CallAttempt, attempts)
    log(f"campaign: {len(tasks)} people on the list, {len(attempts)} calls")

    names = dict(
        Region.objects.filter(code__in={p.from_region_id for p in plans}).values_list(
            "code", "full_name"
        )
    )
    for plan in plans:
        plan.route = f"{names.get(plan.from_region_id, plan.from_region_id)} → {community.name}"
    for event in events:
        if "region" in event.params:
            event.params["region"] = names.get(str(event.params["region"]), event.params["region"])
    ReturnPlan.objects.bulk_create(plans, batch_size=BATCH)
    TimelineEvent.objects.bulk_create(events, batch_size=BATCH)
    # What the calls established, written back to the files in bulk.
    for i in range(0, len(moved_home), 2000):
        chunk = moved_home[i : i + 2000]
        for hukou, pks in _by_hukou(chunk).items():
            Employee.objects.filter(pk__in=pks).update(
                current_region_id=hukou, arrived=False, job_status=Employee.JobStatus.AWAY
            )
    for i in range(0, len(delayed), 2000):
        Employee.objects.filter(pk__in=delayed[i : i + 2000]).update(
            job_status=Employee.JobStatus.DELAYED
        )
    log(f"{len(plans)} return plans, {len(delayed)} persuaded to delay")
    result = reassess_community(community_id=community.pk, actor_label="staff", today=today)
    log(f"risk assessed: {result['high']} high, {result['medium']} medium")


def _by_hukou(pks: list[int]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for pk, hukou in Employee.objects.filter(pk__in=pks).values_list("pk", "hukou_code"):
        out.setdefault(hukou, []).append(pk)
    return out
