"""The resumption API as its callers use it: the officer's draft, conditions and evidence,
submit with justifications; staff assign, survey (JSON or a phone's form with photos), verify,
report; the leader approves; refusals as the project's error body; and every endpoint refusing
weaker roles and other tenants (tests/access_helpers.assert_refused)."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from tests.access_helpers import assert_refused
from tests.conftest import World
from tests.resumption.test_services import (  # noqa: F401 - res_fixture is the fixture
    Res,
    advance,
    fresh,
    local_today,
    res_fixture,
)
from tests.resumption.test_uploads import PDF, docx, jpeg_with_gps, png
from workgate.core.models import Enterprise, Role
from workgate.resumption.models import (
    Application,
    ApplicationStep,
    Condition,
    ConditionEntry,
    Evidence,
    Indicator,
    StepPhoto,
)

State = Application.State
API = "/api/v1/resumption"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
VIEW = {Role.LEADER, Role.STAFF, Role.OFFICER}
PREPARE = {Role.STAFF, Role.OFFICER}
STAFF = {Role.STAFF}
OFFICER = {Role.OFFICER}
APPROVE = {Role.LEADER, Role.STAFF}


@pytest.fixture(autouse=True)
def media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def call(world: World, persona: str | None, method: str, url: str, body: Any = None, **kw: Any):
    client = world.client(persona)
    if method == "get":
        return client.get(url, body or {}, **kw)
    return getattr(client, method)(
        url, json.dumps(body or {}), content_type="application/json", **kw
    )


class Rewinding(io.BytesIO):
    """An upload the test client can send again and again."""

    def __init__(self, data: bytes, name: str) -> None:
        super().__init__(data)
        self.name = name

    def read(self, *args: Any) -> bytes:
        self.seek(0)
        return super().read(*args)


class JsonClient(Client):
    """Sends bodies as JSON, as API callers do; `before` runs before each request."""

    def __init__(self, before: Callable[[], None] | None = None) -> None:
        super().__init__()
        self.before = before

    def _send(self, method: str, path: str, data: Any) -> Any:
        if self.before is not None:
            self.before()
        if method == "get":
            return super().get(path, data)
        return getattr(super(), method)(path, json.dumps(data or {}), "application/json")

    def get(self, path: str, data: Any = None, **kw: Any) -> Any:
        return self._send("get", path, data)

    def post(self, path: str, data: Any = None, **kw: Any) -> Any:
        return self._send("post", path, data)

    def put(self, path: str, data: Any = None, **kw: Any) -> Any:
        return self._send("put", path, data)

    def delete(self, path: str, data: Any = None, **kw: Any) -> Any:
        return self._send("delete", path, data)


class JsonWorld(World):
    def __init__(self, world: World, before: Callable[[], None] | None = None) -> None:
        super().__init__(
            world.community,
            world.other_community,
            world.enterprise_a,
            world.enterprise_b,
            world.enterprise_other,
            world.users,
        )
        self.before = before

    def client(self, persona: str | None) -> Client:
        client = JsonClient(self.before)
        if persona is not None:
            client.force_login(self.users[persona])
        return client


def cond(res: Res, indicator: str) -> Condition:
    return Condition.objects.get(community=res.world.community, indicator=indicator)


# --- The whole path ---------------------------------------------------------------------------


def test_officer_applies_staff_review_leader_approves(res: Res) -> None:
    w = res.world
    ent = res.enterprise
    today = local_today()
    planned = f"{today.year}年{today.month}月{today.day}日"
    created = call(w, "officer_a", "post", f"{API}/applications", {"planned_date": planned})
    assert created.status_code == 201, created.content
    app = created.json()
    assert (app["state"], app["planned_date"], app["enterprise_id"]) == (
        "draft",
        str(today),
        ent.pk,
    )
    assert app["steps"] == []

    # What is missing and why.
    judged = call(w, "officer_a", "get", f"{API}/enterprises/{ent.pk}/conditions", **EN).json()
    assert [p["pillar"] for p in judged["pillars"]] == [
        "mechanism",
        "screening",
        "facilities",
        "management",
    ]
    assert judged["returning"]["total"] == 1
    masks = cond(res, Indicator.MASK_DAYS)
    assert masks.pk in judged["failing_mandatory"]
    row = next(
        c for p in judged["pillars"] for c in p["conditions"] if c["condition_id"] == masks.pk
    )
    assert (row["met"], row["reason"], row["source"]) == (
        False,
        "Enter the masks in stock.",
        "entered",
    )

    # Fix the masks; upload the emergency plan.
    fixed = call(
        w,
        "officer_a",
        "put",
        f"{API}/enterprises/{ent.pk}/conditions/{masks.pk}",
        {"value": "20"},
        **EN,
    )
    assert fixed.status_code == 200, fixed.content
    assert (fixed.json()["met"], fixed.json()["value"]) == (True, "10 days")
    plan = cond(res, Indicator.EMERGENCY_PLAN)
    uploaded = w.client("officer_a").post(
        f"{API}/enterprises/{ent.pk}/conditions/{plan.pk}/evidence",
        {"file": Rewinding(docx(), "应急预案.docx"), "kind": "document"},
    )
    assert uploaded.status_code == 201, uploaded.content
    assert uploaded.json()["kind"] == "document"
    judged = call(w, "officer_a", "get", f"{API}/enterprises/{ent.pk}/conditions").json()
    assert plan.pk not in judged["failing_mandatory"]
    assert masks.pk not in judged["failing_mandatory"]

    # Submit: a failing mandatory condition needs a reason.
    url = f"{API}/applications/{app['id']}"
    refused = call(w, "officer_a", "post", f"{url}/submit", {}, **EN)
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert error["code"] == "condition"
    (field,) = error["fields"]
    assert field.startswith("justify_")
    assert "is mandatory" in error["message"]
    justifications = {str(pk): "已有替代措施，三天内补齐" for pk in judged["failing_mandatory"]}
    submitted = call(w, "officer_a", "post", f"{url}/submit", {"justifications": justifications})
    assert submitted.status_code == 200, submitted.content
    body = submitted.json()
    assert body["state"] == "submitted"
    assert body["submissions"] == 1
    assert body["due_on"] in (str(today), str(today + dt.timedelta(days=1)))
    assert len(body["conditions"]) == Condition.objects.filter(community=w.community).count()
    assert Enterprise.objects.get(pk=ent.pk).status == "applying"
    again = call(w, "officer_a", "post", f"{url}/submit", {"justifications": justifications})
    assert (again.status_code, again.json()["error"]["code"]) == (400, "already")

    # Staff: assign, survey on the phone with photos, verify, report.
    staff_id = w.users["staff"].pk
    assigned = call(w, "staff", "post", f"{url}/assign", {"reviewer": staff_id})
    assert (assigned.status_code, assigned.json()["reviewer_id"]) == (200, staff_id)
    checklist = [
        {"condition": c.pk, "ok": True, "note": "已查看"}
        for c in Condition.objects.filter(community=w.community, active=True)
    ]
    surveyed = w.client("staff").post(
        f"{url}/survey",
        {
            "checklist": json.dumps(checklist),
            "note": "现场整洁",
            "photos": [Rewinding(jpeg_with_gps(), "门口.jpg"), Rewinding(png(), "隔离室.png")],
        },
    )
    assert surveyed.status_code == 200, surveyed.content
    survey_step = surveyed.json()["steps"][-1]
    assert survey_step["action"] == "survey"
    assert survey_step["note"] == "现场整洁"
    assert [p["original_name"] for p in survey_step["photos"]] == ["门口.jpg", "隔离室.png"]
    assert len(survey_step["checklist"]) == len(checklist)
    assert StepPhoto.objects.count() == 2
    for action in ("verify", "report"):
        done = call(w, "staff", "post", f"{url}/{action}", {"note": "好"})
        assert done.status_code == 200, (action, done.content)
    approved = call(w, "leader", "post", f"{url}/approve", {"note": "同意"})
    assert approved.status_code == 200, approved.content
    detail = approved.json()
    assert detail["state"] == "approved"
    assert [s["action"] for s in detail["steps"]] == [
        "submit",
        "assign",
        "survey",
        "verify",
        "report",
        "approve",
    ]
    assert all(s["by"] for s in detail["steps"])
    assert detail["steps"][0]["justifications"] == justifications
    assert Enterprise.objects.get(pk=ent.pk).status == "approved"

    resumed = call(w, "officer_a", "post", f"{API}/enterprises/{ent.pk}/resumed", {})
    assert resumed.status_code == 200, resumed.content
    assert (resumed.json()["status"], resumed.json()["resumed_on"]) == ("resumed", str(today))


def test_survey_as_json(res: Res) -> None:
    app = advance(res, State.ASSIGNED)
    checklist = [
        {"condition": c.pk, "ok": False, "note": "缺"}
        for c in Condition.objects.filter(community=res.world.community, active=True)
    ]
    done = call(
        res.world,
        "staff",
        "post",
        f"{API}/applications/{app.pk}/survey",
        {"checklist": checklist, "note": "多项不到位"},
    )
    assert done.status_code == 200, done.content
    assert done.json()["state"] == "surveyed"


def test_survey_bad_input_is_refused_with_fields(res: Res) -> None:
    app = advance(res, State.ASSIGNED)
    url = f"{API}/applications/{app.pk}/survey"
    missing = call(res.world, "staff", "post", url, {"note": "x"})
    assert missing.status_code == 422
    assert "checklist" in missing.json()["error"]["fields"]
    bad_json = res.world.client("staff").post(url, {"checklist": "[{", "note": ""}, **EN)
    assert bad_json.status_code == 400
    assert bad_json.json()["error"]["fields"] == {"checklist": "The checklist is not valid JSON."}
    partial = call(res.world, "staff", "post", url, {"checklist": []}, **EN)
    assert partial.status_code == 400
    assert "missing" in partial.json()["error"]["message"]
    not_photo = res.world.client("staff").post(
        url,
        {
            "checklist": json.dumps(
                [
                    {"condition": c.pk, "ok": True}
                    for c in Condition.objects.filter(community=res.world.community)
                ]
            ),
            "photos": [Rewinding(b"hello", "x.jpg")],
        },
        **EN,
    )
    assert not_photo.status_code == 400
    assert not_photo.json()["error"]["code"] == "not_image"
    assert fresh(app).state == State.ASSIGNED


@pytest.mark.parametrize(
    ("text", "ok"),
    [("{y}/{m:02d}/{d:02d}", True), ("{y}-{m:02d}-{d:02d}", True), ("{y}年{m}月{d}日", True),
     ("{d}.{m}.", False), ("tomorrow", False)],
)  # fmt: skip
def test_planned_date_formats(res: Res, text: str, ok: bool) -> None:
    day = local_today() + dt.timedelta(days=5)
    planned = text.format(y=day.year, m=day.month, d=day.day)
    response = call(
        res.world, "officer_a", "post", f"{API}/applications", {"planned_date": planned}, **EN
    )
    if ok:
        assert response.status_code == 201, response.content
        assert response.json()["planned_date"] == str(day)
    else:
        assert response.status_code == 400
        error = response.json()["error"]
        assert "YYYY-MM-DD" in error["fields"]["planned_date"]
        assert not Application.objects.exists()


def test_a_past_date_and_a_change_of_draft(res: Res) -> None:
    past = local_today() - dt.timedelta(days=1)
    w = res.world
    refused = call(w, "officer_a", "post", f"{API}/applications", {"planned_date": str(past)}, **EN)
    assert refused.status_code == 400
    assert "in the past" in refused.json()["error"]["fields"]["planned_date"]
    app = call(w, "officer_a", "post", f"{API}/applications", {"planned_date": str(local_today())})
    pk = app.json()["id"]
    later = local_today() + dt.timedelta(days=2)
    changed = call(
        w,
        "officer_a",
        "put",
        f"{API}/applications/{pk}",
        {"planned_date": str(later), "plan": "新"},
    )
    assert changed.status_code == 200
    assert (changed.json()["planned_date"], changed.json()["plan"]) == (str(later), "新")
    plan = w.client("officer_a").post(
        f"{API}/applications/{pk}/plan", {"file": Rewinding(PDF, "复工方案.pdf")}
    )
    assert plan.status_code == 200, plan.content
    assert plan.json()["plan_name"] == "复工方案.pdf"
    bad = w.client("officer_a").post(
        f"{API}/applications/{pk}/plan", {"file": Rewinding(b"MZ" + b"\0" * 50, "x.docx")}, **EN
    )
    assert bad.status_code == 400
    assert "is not a document" in bad.json()["error"]["message"]
    assert fresh(Application.objects.get(pk=pk)).plan_name == "复工方案.pdf"


def test_an_illegal_step_is_refused_naming_it(res: Res) -> None:
    app = advance(res, State.SUBMITTED)
    response = call(res.world, "leader", "post", f"{API}/applications/{app.pk}/approve", {}, **EN)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "state"
    assert error["message"] == "“Approve” is not possible while the application is “Submitted”."
    assert fresh(app).state == State.SUBMITTED
    returned = call(res.world, "staff", "post", f"{API}/applications/{app.pk}/return", {}, **EN)
    assert returned.status_code == 400
    assert "note" in returned.json()["error"]["fields"]
    ok = call(
        res.world, "staff", "post", f"{API}/applications/{app.pk}/return", {"note": "口罩不足"}
    )
    assert ok.status_code == 200
    assert ok.json()["steps"][-1]["note"] == "口罩不足"


def test_withdraw_restores_the_status(res: Res) -> None:
    app = advance(res, State.SUBMITTED)
    done = call(res.world, "officer_a", "post", f"{API}/applications/{app.pk}/withdraw", {})
    assert done.json()["state"] == "withdrawn"
    assert res.enterprise.status == "not_resumed"


def test_assign_needs_a_staff_member(res: Res) -> None:
    app = advance(res, State.SUBMITTED)
    url = f"{API}/applications/{app.pk}/assign"
    for reviewer in (res.world.users["officer_a"].pk, 999_999):
        refused = call(res.world, "staff", "post", url, {"reviewer": reviewer}, **EN)
        assert refused.status_code == 400
        assert refused.json()["error"]["fields"]["reviewer"].startswith("The reviewer must be")
    assert fresh(app).state == State.SUBMITTED


def test_suspend_lift_with_reasons(res: Res) -> None:
    advance(res, State.APPROVED)
    w, pk = res.world, res.enterprise.pk
    no_reason = call(w, "staff", "post", f"{API}/enterprises/{pk}/suspend", {"reason": ""}, **EN)
    assert no_reason.status_code == 400
    assert no_reason.json()["error"]["fields"]["reason"] == "Give the reason for the suspension."
    done = call(w, "staff", "post", f"{API}/enterprises/{pk}/suspend", {"reason": "员工确诊病例"})
    assert done.json()["status"] == "suspended"
    lifted = call(w, "staff", "post", f"{API}/enterprises/{pk}/lift", {"reason": "消杀完毕可复工"})
    assert lifted.json()["status"] == "approved"


def test_settings_and_conditions(res: Res) -> None:
    w = res.world
    got = call(w, "leader", "get", f"{API}/settings").json()
    assert (got["cutoff"], got["masks_per_person_day"], got["photo_max_mb"]) == ("16:00:00", 2, 10)
    changed = call(w, "staff", "put", f"{API}/settings", {"cutoff": "17:30"})
    assert changed.status_code == 200
    assert changed.json()["cutoff"] == "17:30:00"
    assert changed.json()["masks_per_person_day"] == 2
    bad = call(w, "staff", "put", f"{API}/settings", {"masks_per_person_day": 0})
    assert bad.status_code == 400
    assert "masks_per_person_day" in bad.json()["error"]["fields"]
    bad_time = call(w, "staff", "put", f"{API}/settings", {"cutoff": "25:00"})
    assert bad_time.status_code == 422

    listed = call(w, "officer_a", "get", f"{API}/conditions", **EN).json()
    assert len(listed) == 9
    assert listed[0]["title"] == "Responsible officer named"
    created = call(
        w,
        "staff",
        "post",
        f"{API}/conditions",
        {"pillar": "management", "indicator": "confirmed", "title": "食堂分餐", "mandatory": False},
    )
    assert created.status_code == 201, created.content
    assert (created.json()["title"], created.json()["threshold"]) == ("食堂分餐", None)
    missing = call(w, "staff", "post", f"{API}/conditions", {"title": "x"})
    assert missing.status_code == 400
    masks = cond(res, Indicator.MASK_DAYS)
    put = call(w, "staff", "put", f"{API}/conditions/{masks.pk}", {"threshold": "14"})
    assert put.status_code == 200
    assert put.json()["threshold"] == "14.0"
    assert put.json()["mandatory"] is True  # unchanged
    bad = call(w, "staff", "put", f"{API}/conditions/{masks.pk}", {"threshold": "很多"})
    assert bad.status_code == 400
    assert "threshold" in bad.json()["error"]["fields"]
    other = Condition.objects.filter(community=w.other_community).first()
    assert (
        call(w, "staff", "put", f"{API}/conditions/{other.pk}", {"mandatory": False}).status_code
        == 404
    )


def test_entries_and_evidence_refusals(res: Res) -> None:
    w, ent = res.world, res.enterprise
    masks = cond(res, Indicator.MASK_DAYS)
    url = f"{API}/enterprises/{ent.pk}/conditions/{masks.pk}"
    bad = call(w, "officer_a", "put", url, {"value": "很多"}, **EN)
    assert bad.status_code == 400
    assert bad.json()["error"]["fields"] == {"value": "Enter a whole number, e.g. 1200."}
    assert not ConditionEntry.objects.exists()
    other = Condition.objects.filter(community=w.other_community).first()
    assert (
        call(
            w, "officer_a", "put", f"{API}/enterprises/{ent.pk}/conditions/{other.pk}", {"value": 1}
        ).status_code
        == 404
    )
    ev_url = f"{url}/evidence"
    not_photo = w.client("officer_a").post(
        ev_url, {"file": Rewinding(b"text", "x.jpg"), "kind": "photo"}, **EN
    )
    assert not_photo.status_code == 400
    assert not_photo.json()["error"]["code"] == "not_image"
    assert "“x.jpg” is not a photo" in not_photo.json()["error"]["message"]
    bad_kind = w.client("officer_a").post(
        ev_url, {"file": Rewinding(PDF, "a.pdf"), "kind": "video"}
    )
    assert bad_kind.status_code == 400
    assert "kind" in bad_kind.json()["error"]["fields"]
    assert not Evidence.objects.exists()


# --- Lists and filters ------------------------------------------------------------------------


def test_list_filters_and_pagination(res: Res) -> None:
    w = res.world
    submitted = advance(res, State.SUBMITTED)
    # Enterprise B's application, overdue.
    b = Application.objects.create(
        community=w.community,
        enterprise=w.enterprise_b,
        state=State.ASSIGNED,
        planned_date=local_today(),
        due_on=local_today() - dt.timedelta(days=1),
    )
    Application.objects.filter(pk=submitted.pk).update(due_on=local_today())
    listing = call(w, "staff", "get", f"{API}/applications").json()
    assert listing["count"] == 2
    by_id = {a["id"]: a for a in listing["items"]}
    assert by_id[b.pk]["overdue"] is True
    assert by_id[submitted.pk]["overdue"] is False
    due = call(w, "staff", "get", f"{API}/applications", {"due_today": "true"}).json()
    assert [a["id"] for a in due["items"]] == [submitted.pk]
    overdue = call(w, "leader", "get", f"{API}/applications", {"overdue": "true"}).json()
    assert [a["id"] for a in overdue["items"]] == [b.pk]
    state = call(w, "staff", "get", f"{API}/applications", {"state": "submitted"}).json()
    assert [a["id"] for a in state["items"]] == [submitted.pk]
    bad = call(w, "staff", "get", f"{API}/applications", {"state": "nonsense"})
    assert bad.status_code == 400
    page = call(w, "staff", "get", f"{API}/applications", {"limit": 1}).json()
    assert (page["count"], len(page["items"])) == (2, 1)
    # Officers see their own enterprise's only.
    mine = call(w, "officer_a", "get", f"{API}/applications").json()
    assert [a["id"] for a in mine["items"]] == [submitted.pk]
    theirs = call(w, "officer_b", "get", f"{API}/applications").json()
    assert [a["id"] for a in theirs["items"]] == [b.pk]
    assert call(w, "officer_b", "get", f"{API}/applications/{submitted.pk}").status_code == 404
    assert call(w, "outsider_staff", "get", f"{API}/applications").json()["count"] == 0


# --- Every endpoint refuses weaker roles and other tenants -----------------------------------


def test_read_endpoints_refuse_strangers(res: Res) -> None:
    app = advance(res, State.SUBMITTED)
    ent = res.enterprise
    masks = cond(res, Indicator.MASK_DAYS)
    w = res.world
    own_a = ["leader", "staff", "officer_a"]
    assert_refused(w, f"{API}/conditions", VIEW)
    assert_refused(w, f"{API}/settings", VIEW)
    assert_refused(w, f"{API}/applications", VIEW)
    assert_refused(w, f"{API}/applications/{app.pk}", VIEW, allowed_personas=own_a)
    assert_refused(w, f"{API}/enterprises/{ent.pk}/conditions", VIEW, allowed_personas=own_a)
    assert_refused(
        w,
        f"{API}/enterprises/{ent.pk}/conditions/{masks.pk}/evidence",
        VIEW,
        allowed_personas=own_a,
    )


def test_configuration_endpoints_refuse_strangers(res: Res) -> None:
    jw = JsonWorld(res.world)
    masks = cond(res, Indicator.MASK_DAYS)
    assert_refused(jw, f"{API}/settings", STAFF, method="put", data={"photo_max_mb": 8})
    assert_refused(
        jw,
        f"{API}/conditions",
        STAFF,
        method="post",
        data={"pillar": "management", "indicator": "confirmed", "title": "分餐"},
    )
    assert_refused(jw, f"{API}/conditions/{masks.pk}", STAFF, method="put", data={"threshold": 10})
    assert services_settings(res).photo_max_mb == 8


def services_settings(res: Res):
    from workgate.resumption import services

    return services.settings_for(res.world.community.pk)


def test_enterprise_endpoints_refuse_strangers(res: Res) -> None:
    ent = res.enterprise
    masks = cond(res, Indicator.MASK_DAYS)
    own = ["staff", "officer_a"]
    jw = JsonWorld(res.world)
    assert_refused(
        jw,
        f"{API}/enterprises/{ent.pk}/conditions/{masks.pk}",
        PREPARE,
        method="put",
        data={"value": 100},
        allowed_personas=own,
    )
    assert ConditionEntry.objects.get().value == 100
    assert_refused(
        res.world,
        f"{API}/enterprises/{ent.pk}/conditions/{masks.pk}/evidence",
        PREPARE,
        method="post",
        data={"file": Rewinding(png(), "a.png"), "kind": "photo"},
        allowed_personas=own,
    )
    assert Evidence.objects.count() == 2  # staff's and the officer's

    evidence = Evidence.objects.first()

    def restore() -> None:
        if not Evidence.objects.filter(pk=evidence.pk).exists():
            evidence.save(force_insert=True)

    assert_refused(
        JsonWorld(res.world, before=restore),
        f"{API}/evidence/{evidence.pk}",
        PREPARE,
        method="delete",
        allowed_personas=own,
    )


def test_status_endpoints_refuse_strangers(res: Res) -> None:
    advance(res, State.APPROVED)
    ent = res.enterprise
    jw = JsonWorld(res.world)
    reason = {"reason": "员工确诊病例"}
    assert_refused(jw, f"{API}/enterprises/{ent.pk}/suspend", STAFF, method="post", data=reason)
    assert res.enterprise.status == "suspended"
    assert_refused(jw, f"{API}/enterprises/{ent.pk}/lift", STAFF, method="post", data=reason)
    assert res.enterprise.status == "approved"
    assert_refused(
        jw,
        f"{API}/enterprises/{ent.pk}/resumed",
        PREPARE,
        method="post",
        allowed_personas=["staff", "officer_a"],
    )
    assert res.enterprise.status == "resumed"


def test_application_endpoints_refuse_strangers(res: Res) -> None:
    w = res.world
    jw = JsonWorld(w)
    today = str(local_today())
    assert_refused(
        jw,
        f"{API}/applications",
        OFFICER,
        method="post",
        data={"planned_date": today},
        # officer_b and the outsider officer each open a draft of their own enterprise.
    )
    app = Application.objects.get(enterprise=res.enterprise)
    url = f"{API}/applications/{app.pk}"
    a = ["officer_a"]
    assert_refused(jw, url, OFFICER, method="put", data={"planned_date": today}, allowed_personas=a)
    assert_refused(
        w,
        f"{url}/plan",
        OFFICER,
        method="post",
        data={"file": Rewinding(PDF, "p.pdf")},
        allowed_personas=a,
    )
    assert_refused(
        jw,
        f"{url}/submit",
        OFFICER,
        method="post",
        data={"justifications": res.justify_all()},
        allowed_personas=a,
    )
    assert fresh(app).state == State.SUBMITTED
    staff_id = w.users["staff"].pk
    assert_refused(jw, f"{url}/assign", STAFF, method="post", data={"reviewer": staff_id})
    checklist = [
        {"condition": c.pk, "ok": True} for c in Condition.objects.filter(community=w.community)
    ]
    assert_refused(jw, f"{url}/survey", STAFF, method="post", data={"checklist": checklist})
    assert_refused(jw, f"{url}/verify", STAFF, method="post", data={"note": "核验"})
    assert_refused(jw, f"{url}/report", STAFF, method="post", data={"note": "上报"})

    def reported_again() -> None:
        Application.objects.filter(pk=app.pk).update(state=State.REPORTED)

    assert_refused(
        JsonWorld(w, before=reported_again),
        f"{url}/approve",
        APPROVE,
        method="post",
        data={"note": "同意"},
    )
    assert fresh(app).steps.filter(action="approve").count() == 2  # the leader's, the staff's
    assert_refused(jw, f"{url}/return", STAFF, method="post", data={"note": "退回重报"})
    assert fresh(app).state == State.RETURNED
    assert_refused(jw, f"{url}/withdraw", OFFICER, method="post", allowed_personas=a)
    assert fresh(app).state == State.WITHDRAWN
    assert ApplicationStep.objects.filter(application=app).count() == 9
