"""API of work resumption: the community's conditions and settings, each enterprise's four in
place judged (figures, evidence), applications and every review step, and the enterprise's
status (suspended, lifted, back at work). Dashboards and reports are in progress_api."""

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate
from pydantic import BaseModel, Field
from pydantic import ValidationError as PydanticValidationError

from workgate.core.access import Actor, Perm, actor_of, api_require, fetch, scope
from workgate.core.models import Enterprise, User
from workgate.core.services import ServiceError
from workgate.resumption import conditions as rules
from workgate.resumption import services
from workgate.resumption.models import (
    Application,
    ApplicationStep,
    Condition,
    Evidence,
    ResumptionSettings,
)

router = Router(tags=["resumption"])

State = Application.State


def _today(actor: Actor) -> dt.date:
    return services.local_today(actor.community_id)


def _enterprise(request: HttpRequest, enterprise_id: int, perm: Perm) -> Enterprise:
    return fetch(actor_of(request), Enterprise.objects.all(), perm, pk=enterprise_id)


def _condition(enterprise: Enterprise, condition_id: int) -> Condition:
    # Conditions are the community's (no enterprise field): an officer reaches them through
    # an enterprise already fetched inside their tenant.
    condition = Condition.objects.filter(
        community_id=enterprise.community_id, pk=condition_id
    ).first()
    if condition is None:
        raise Http404
    return condition


# --- Settings and conditions ----------------------------------------------------------------


class SettingsOut(Schema):
    cutoff: dt.time
    masks_per_person_day: int
    photo_max_mb: int
    updated_at: dt.datetime
    updated_by: str = Field(validation_alias="updated_by_label")


class SettingsIn(Schema):
    cutoff: dt.time | None = Field(None, description="Same-day cut-off, e.g. 16:00")
    masks_per_person_day: int | None = None
    photo_max_mb: int | None = None


@router.get("/resumption/settings", response=SettingsOut)
@api_require(Perm.RESUMPTION_VIEW)
def settings_detail(request: HttpRequest) -> ResumptionSettings:
    """The community's cut-off, masks per person per day and upload size limit."""
    return services.settings_for(actor_of(request).community_id)


@router.put("/resumption/settings", response=SettingsOut)
@api_require(Perm.RESUMPTION_CONFIGURE)
def settings_change(request: HttpRequest, payload: SettingsIn) -> ResumptionSettings:
    changes = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    return services.settings_update(actor=actor_of(request), changes=changes)


class ConditionOut(Schema):
    id: int
    pillar: str
    indicator: str
    title: str = Field(validation_alias="display_title")
    custom_title: str = Field(validation_alias="title")
    guidance: str
    threshold: Decimal | None
    mandatory: bool
    evidence_required: bool
    position: int
    active: bool


class ConditionIn(Schema):
    pillar: str | None = None
    indicator: str | None = None
    title: str | None = None
    guidance: str | None = None
    threshold: Decimal | str | None = Field(None, description="At least this (a share in %)")
    mandatory: bool | None = None
    evidence_required: bool | None = None
    position: int | None = None
    active: bool | None = None


def _condition_data(payload: ConditionIn) -> dict[str, Any]:
    data = payload.dict(exclude_unset=True)
    return {k: v for k, v in data.items() if v is not None or k == "threshold"}


@router.get("/resumption/conditions", response=list[ConditionOut])
@api_require(Perm.RESUMPTION_VIEW)
def condition_list(request: HttpRequest) -> Any:
    """The community's four-in-place conditions (the default set the first time)."""
    return services.conditions_ensure(actor_of(request).community_id)


@router.post("/resumption/conditions", response={201: ConditionOut})
@api_require(Perm.RESUMPTION_CONFIGURE)
def condition_create(request: HttpRequest, payload: ConditionIn) -> Any:
    data = _condition_data(payload)
    for required in ("pillar", "indicator"):
        if not data.get(required):
            raise ServiceError(
                _("Choose the pillar and how the condition is judged."), field=required
            )
    actor = actor_of(request)
    services.conditions_ensure(actor.community_id)
    saved = services.condition_save(actor=actor, condition=None, data=data)
    return Status(201, Condition.objects.get(pk=saved.pk))  # as stored, e.g. 90.0


@router.put("/resumption/conditions/{condition_id}", response=ConditionOut)
@api_require(Perm.RESUMPTION_CONFIGURE)
def condition_change(request: HttpRequest, condition_id: int, payload: ConditionIn) -> Any:
    actor = actor_of(request)
    condition = fetch(actor, Condition.objects.all(), Perm.RESUMPTION_CONFIGURE, pk=condition_id)
    services.condition_save(actor=actor, condition=condition, data=_condition_data(payload))
    return Condition.objects.get(pk=condition.pk)


# --- An enterprise's four in place ----------------------------------------------------------


class ReturningOut(Schema):
    local: int
    non_local: int
    high_risk: int
    in_quarantine: int
    screened: int
    reached: int
    total: int


class ResultOut(Schema):
    condition_id: int
    title: str
    indicator: str
    mandatory: bool
    evidence_required: bool
    threshold: Decimal | None
    met: bool
    value: str
    reason: str
    source: str
    evidence: int


class PillarOut(Schema):
    pillar: str
    label: str
    conditions: list[ResultOut]


class JudgementOut(Schema):
    enterprise_id: int
    enterprise_name: str
    status: str
    returning: ReturningOut
    met: int
    total: int
    failing_mandatory: list[int]
    pillars: list[PillarOut]


def _result(r: rules.Result) -> dict[str, Any]:
    c = r.condition
    return {
        "condition_id": c.pk,
        "title": c.display_title,
        "indicator": c.indicator,
        "mandatory": c.mandatory,
        "evidence_required": c.evidence_required,
        "threshold": c.threshold,
        "met": r.met,
        "value": r.value,
        "reason": r.reason,
        "source": r.source,
        "evidence": r.evidence,
    }


@router.get("/resumption/enterprises/{enterprise_id}/conditions", response=JudgementOut)
@api_require(Perm.RESUMPTION_VIEW)
def enterprise_conditions(request: HttpRequest, enterprise_id: int) -> Any:
    """Each condition judged: met or not, the figure behind it, why not, and evidence kept;
    the people returning, grouped by the four pillars."""
    enterprise = _enterprise(request, enterprise_id, Perm.RESUMPTION_VIEW)
    services.conditions_ensure(enterprise.community_id)
    j = rules.judge(enterprise)
    ret = j.returning
    return {
        "enterprise_id": enterprise.pk,
        "enterprise_name": enterprise.name,
        "status": enterprise.status,
        "returning": {
            "local": ret.local,
            "non_local": ret.non_local,
            "high_risk": ret.high_risk,
            "in_quarantine": ret.in_quarantine,
            "screened": ret.screened,
            "reached": ret.reached,
            "total": ret.total,
        },
        "met": j.met,
        "total": j.total,
        "failing_mandatory": [r.condition.pk for r in j.failing_mandatory],
        "pillars": [
            {"pillar": p, "label": label, "conditions": [_result(r) for r in results]}
            for p, label, results in j.by_pillar()
        ],
    }


class EntryIn(Schema):
    value: int | str | None = Field(None, description="A count: masks, thermometers, trained")
    text: str | None = Field(None, max_length=200)
    confirmed: bool | None = None


@router.put("/resumption/enterprises/{enterprise_id}/conditions/{condition_id}", response=ResultOut)
@api_require(Perm.RESUMPTION_PREPARE)
def entry_change(
    request: HttpRequest, enterprise_id: int, condition_id: int, payload: EntryIn
) -> Any:
    """Enter a figure, a text or a confirmation; answers the condition judged again."""
    enterprise = _enterprise(request, enterprise_id, Perm.RESUMPTION_PREPARE)
    condition = _condition(enterprise, condition_id)
    services.entry_save(
        actor=actor_of(request),
        enterprise=enterprise,
        condition=condition,
        value=payload.value,
        text=payload.text,
        confirmed=payload.confirmed,
    )
    for r in rules.judge(enterprise).results:
        if r.condition.pk == condition.pk:
            return _result(r)
    # An inactive condition is not judged: answer what was entered, unjudged.
    return _result(rules.Result(condition=condition, met=False))


class EvidenceOut(Schema):
    id: int
    condition_id: int
    kind: str
    original_name: str
    size: int
    uploaded_at: dt.datetime
    uploaded_by: str = Field(validation_alias="uploaded_by_label")


@router.post(
    "/resumption/enterprises/{enterprise_id}/conditions/{condition_id}/evidence",
    response={201: EvidenceOut},
)
@api_require(Perm.RESUMPTION_PREPARE)
def evidence_upload(
    request: HttpRequest,
    enterprise_id: int,
    condition_id: int,
    file: File[UploadedFile],
    kind: Form[str] = Evidence.Kind.PHOTO,
) -> Any:
    """A photo (re-encoded, location data dropped) or a document (PDF, Word, Excel,
    OpenDocument, or a photo of the paper) for a condition."""
    if kind not in Evidence.Kind.values:
        raise ServiceError(_("Say whether this is a photo or a document."), field="kind")
    enterprise = _enterprise(request, enterprise_id, Perm.RESUMPTION_PREPARE)
    condition = _condition(enterprise, condition_id)
    evidence = services.evidence_add(
        actor=actor_of(request), enterprise=enterprise, condition=condition, upload=file, kind=kind
    )
    return Status(201, evidence)


@router.get(
    "/resumption/enterprises/{enterprise_id}/conditions/{condition_id}/evidence",
    response=list[EvidenceOut],
)
@api_require(Perm.RESUMPTION_VIEW)
def evidence_list(request: HttpRequest, enterprise_id: int, condition_id: int) -> Any:
    enterprise = _enterprise(request, enterprise_id, Perm.RESUMPTION_VIEW)
    condition = _condition(enterprise, condition_id)
    return list(Evidence.objects.filter(enterprise=enterprise, condition=condition))


@router.delete("/resumption/evidence/{evidence_id}", response={204: None})
@api_require(Perm.RESUMPTION_PREPARE)
def evidence_remove(request: HttpRequest, evidence_id: int) -> Any:
    actor = actor_of(request)
    evidence = fetch(
        actor,
        Evidence.objects.select_related("enterprise"),
        Perm.RESUMPTION_PREPARE,
        pk=evidence_id,
    )
    services.evidence_delete(actor=actor, evidence=evidence)
    return Status(204, None)


# --- Enterprise status ----------------------------------------------------------------------


class EnterpriseStatusOut(Schema):
    id: int
    name: str
    status: str
    status_label: str
    resumed_on: dt.date | None

    @staticmethod
    def resolve_status_label(obj: Enterprise) -> str:
        return str(obj.get_status_display())


class ReasonIn(Schema):
    reason: str = ""


class ResumedIn(Schema):
    on: dt.date | None = Field(None, description="The first day of work; default today")


@router.post("/resumption/enterprises/{enterprise_id}/suspend", response=EnterpriseStatusOut)
@api_require(Perm.ENTERPRISE_SUSPEND)
def enterprise_suspend(request: HttpRequest, enterprise_id: int, payload: ReasonIn) -> Any:
    """Stop an enterprise's work (after a confirmed case, say); the reason is required."""
    enterprise = _enterprise(request, enterprise_id, Perm.ENTERPRISE_SUSPEND)
    return services.enterprise_suspend(
        actor=actor_of(request), enterprise=enterprise, reason=payload.reason
    )


@router.post("/resumption/enterprises/{enterprise_id}/lift", response=EnterpriseStatusOut)
@api_require(Perm.ENTERPRISE_SUSPEND)
def enterprise_lift(request: HttpRequest, enterprise_id: int, payload: ReasonIn) -> Any:
    enterprise = _enterprise(request, enterprise_id, Perm.ENTERPRISE_SUSPEND)
    return services.enterprise_lift_suspension(
        actor=actor_of(request), enterprise=enterprise, reason=payload.reason
    )


@router.post("/resumption/enterprises/{enterprise_id}/resumed", response=EnterpriseStatusOut)
@api_require(Perm.RESUMPTION_PREPARE)
def enterprise_resumed(request: HttpRequest, enterprise_id: int, payload: ResumedIn) -> Any:
    """An approved enterprise has started work."""
    enterprise = _enterprise(request, enterprise_id, Perm.RESUMPTION_PREPARE)
    return services.enterprise_mark_resumed(
        actor=actor_of(request), enterprise=enterprise, on=payload.on
    )


# --- Applications ---------------------------------------------------------------------------


class ApplicationOut(Schema):
    id: int
    enterprise_id: int
    enterprise_name: str
    state: str
    state_label: str
    planned_date: dt.date
    plan: str
    plan_name: str
    returning_local: int
    returning_non_local: int
    returning_high_risk: int
    conditions_met: int
    conditions_total: int
    reviewer_id: int | None
    reviewer_name: str
    submissions: int
    submitted_at: dt.datetime | None
    due_on: dt.date | None
    overdue: bool = False
    reported_at: dt.datetime | None
    decided_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_enterprise_name(obj: Application) -> str:
        return obj.enterprise.name

    @staticmethod
    def resolve_state_label(obj: Application) -> str:
        return str(obj.get_state_display())

    @staticmethod
    def resolve_reviewer_name(obj: Application) -> str:
        return str(obj.reviewer) if obj.reviewer_id else ""

    @staticmethod
    def resolve_overdue(obj: Application, context: dict[str, Any]) -> bool:
        return obj.is_overdue(_today(actor_of(context["request"])))


class StepPhotoOut(Schema):
    id: int
    original_name: str
    size: int


class StepOut(Schema):
    action: str
    action_label: str
    from_state: str
    to_state: str
    submission: int
    at: dt.datetime
    by: str = Field(validation_alias="actor_label")
    note: str
    checklist: list[dict[str, Any]]
    justifications: dict[str, str]
    photos: list[StepPhotoOut]

    @staticmethod
    def resolve_action_label(obj: ApplicationStep) -> str:
        return str(obj.get_action_display())

    @staticmethod
    def resolve_photos(obj: ApplicationStep) -> list[Any]:
        return list(obj.photos.all())


class ApplicationDetailOut(ApplicationOut):
    conditions: list[dict[str, Any]]
    steps: list[StepOut]

    @staticmethod
    def resolve_steps(obj: Application) -> list[Any]:
        return list(obj.steps.prefetch_related("photos"))


def _applications(actor: Actor) -> QuerySet[Application]:
    return scope(actor, Application.objects.select_related("enterprise", "reviewer"))


def _application(request: HttpRequest, application_id: int, perm: Perm) -> Application:
    return fetch(
        actor_of(request),
        Application.objects.select_related("enterprise", "reviewer"),
        perm,
        pk=application_id,
    )


def _detail(application: Application) -> Application:
    return Application.objects.select_related("enterprise", "reviewer").get(pk=application.pk)


@router.get("/resumption/applications", response=list[ApplicationOut])
@api_require(Perm.RESUMPTION_VIEW)
@paginate
def application_list(
    request: HttpRequest,
    state: str = "",
    due_today: bool = False,
    overdue: bool = False,
    enterprise: int | None = None,
) -> Any:
    """Applications, latest change first (an officer sees their enterprise's). `due_today`:
    under review and due today; `overdue`: under review past the day it was due."""
    actor = actor_of(request)
    rows = _applications(actor)
    if state:
        if state not in State.values:
            raise ServiceError(_("Unknown state."), field="state")
        rows = rows.filter(state=state)
    if due_today or overdue:
        today = _today(actor)
        rows = rows.filter(state__in=Application.OPEN_REVIEW)
        if due_today:
            rows = rows.filter(due_on=today)
        if overdue:
            rows = rows.filter(due_on__lt=today)
    if enterprise is not None:
        rows = rows.filter(enterprise_id=enterprise)
    return rows


@router.get("/resumption/applications/{application_id}", response=ApplicationDetailOut)
@api_require(Perm.RESUMPTION_VIEW)
def application_detail(request: HttpRequest, application_id: int) -> Any:
    """An application with the conditions as submitted and every step: who, when, notes."""
    return _application(request, application_id, Perm.RESUMPTION_VIEW)


class ApplicationIn(Schema):
    planned_date: str = Field(description="YYYY-MM-DD (also 2026/11/24 or 2026年11月24日)")
    plan: str = ""


@router.post("/resumption/applications", response={201: ApplicationDetailOut})
@api_require(Perm.RESUMPTION_APPLY)
def application_create(request: HttpRequest, payload: ApplicationIn) -> Any:
    """The officer's draft for their enterprise (the draft already open is changed instead)."""
    actor = actor_of(request)
    enterprise = Enterprise.objects.filter(
        community_id=actor.community_id, pk=actor.enterprise_id
    ).first()
    if enterprise is None:
        raise Http404
    app = services.application_save(
        actor=actor,
        enterprise=enterprise,
        data=services.ApplicationInput(planned_date=payload.planned_date, plan=payload.plan),
    )
    return Status(201, _detail(app))


@router.put("/resumption/applications/{application_id}", response=ApplicationDetailOut)
@api_require(Perm.RESUMPTION_APPLY)
def application_change(request: HttpRequest, application_id: int, payload: ApplicationIn) -> Any:
    """Change a draft or a returned application."""
    app = _application(request, application_id, Perm.RESUMPTION_APPLY)
    services.application_save(
        actor=actor_of(request),
        enterprise=app.enterprise,
        application=app,
        data=services.ApplicationInput(planned_date=payload.planned_date, plan=payload.plan),
    )
    return _detail(app)


@router.post("/resumption/applications/{application_id}/plan", response=ApplicationDetailOut)
@api_require(Perm.RESUMPTION_APPLY)
def application_plan_upload(
    request: HttpRequest, application_id: int, file: File[UploadedFile]
) -> Any:
    """Attach the full plan as a document (PDF, Word, Excel, OpenDocument)."""
    app = _application(request, application_id, Perm.RESUMPTION_APPLY)
    services.application_save(
        actor=actor_of(request),
        enterprise=app.enterprise,
        application=app,
        data=services.ApplicationInput(
            planned_date=app.planned_date, plan=app.plan, plan_file=file
        ),
    )
    return _detail(app)


class SubmitIn(Schema):
    justifications: dict[str, str] = Field(
        default_factory=dict,
        description="For each failing mandatory condition (by id): why work can resume anyway",
    )


@router.post("/resumption/applications/{application_id}/submit", response=ApplicationDetailOut)
@api_require(Perm.RESUMPTION_APPLY)
def application_submit(request: HttpRequest, application_id: int, payload: SubmitIn) -> Any:
    app = _application(request, application_id, Perm.RESUMPTION_APPLY)
    services.application_submit(
        actor=actor_of(request), application=app, justifications=payload.justifications
    )
    return _detail(app)


class NoteIn(Schema):
    note: str = ""


@router.post("/resumption/applications/{application_id}/withdraw", response=ApplicationDetailOut)
@api_require(Perm.RESUMPTION_APPLY)
def application_withdraw(request: HttpRequest, application_id: int, payload: NoteIn) -> Any:
    app = _application(request, application_id, Perm.RESUMPTION_APPLY)
    services.application_withdraw(actor=actor_of(request), application=app, note=payload.note)
    return _detail(app)


class AssignIn(Schema):
    reviewer: int = Field(description="User id of a member of the community staff")


@router.post("/resumption/applications/{application_id}/assign", response=ApplicationDetailOut)
@api_require(Perm.RESUMPTION_REVIEW)
def application_assign(request: HttpRequest, application_id: int, payload: AssignIn) -> Any:
    app = _application(request, application_id, Perm.RESUMPTION_REVIEW)
    reviewer = User.objects.filter(pk=payload.reviewer).first()
    if reviewer is None:
        raise ServiceError(
            _("The reviewer must be a member of the community staff."), field="reviewer"
        )
    services.application_assign(actor=actor_of(request), application=app, reviewer=reviewer)
    return _detail(app)


class SurveyItemIn(BaseModel):
    condition: int
    ok: bool
    note: str = Field("", max_length=300)


class SurveyIn(BaseModel):
    checklist: list[SurveyItemIn]
    note: str = Field("", max_length=2000)


_SURVEY_BODY = {
    "required": True,
    "content": {
        "application/json": {"schema": SurveyIn.model_json_schema()},
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {
                    "checklist": {"type": "string", "description": "the checklist as JSON"},
                    "note": {"type": "string"},
                    "photos": {"type": "array", "items": {"type": "string", "format": "binary"}},
                },
                "required": ["checklist"],
            }
        },
    },
}


def _survey_input(request: HttpRequest) -> tuple[SurveyIn, list[UploadedFile]]:
    """JSON, or a form from a phone with the checklist as JSON and photos attached."""
    photos: list[UploadedFile] = []
    try:
        if request.content_type == "multipart/form-data":
            photos = request.FILES.getlist("photos")
            raw = request.POST.get("checklist", "")
            try:
                checklist = json.loads(raw) if raw else None
            except ValueError:
                raise ServiceError(
                    _("The checklist is not valid JSON."), field="checklist"
                ) from None
            body = SurveyIn.model_validate(
                {"checklist": checklist, "note": request.POST.get("note", "")}
            )
        else:
            body = SurveyIn.model_validate_json(request.body or b"{}")
    except PydanticValidationError as exc:
        from ninja.errors import ValidationError

        raise ValidationError(
            [{"loc": err["loc"], "msg": err["msg"]} for err in exc.errors()]
        ) from exc
    return body, photos


@router.post(
    "/resumption/applications/{application_id}/survey",
    response=ApplicationDetailOut,
    openapi_extra={"requestBody": _SURVEY_BODY},
)
@api_require(Perm.RESUMPTION_REVIEW)
def application_survey(request: HttpRequest, application_id: int) -> Any:
    """The field survey by the assigned reviewer: for each condition whether it was found in
    place, notes, and photos (multipart field `photos`, location data dropped)."""
    app = _application(request, application_id, Perm.RESUMPTION_REVIEW)
    body, photos = _survey_input(request)
    services.application_survey(
        actor=actor_of(request),
        application=app,
        items=[services.SurveyItem(i.condition, i.ok, i.note) for i in body.checklist],
        note=body.note,
        photos=photos,
    )
    return _detail(app)


def _review_step(request: HttpRequest, application_id: int, action: str, note: str) -> Any:
    service, perm, _from = services.REVIEW_STEPS[action]
    app = _application(request, application_id, perm)
    service(actor=actor_of(request), application=app, note=note)
    return _detail(app)


@router.post("/resumption/applications/{application_id}/verify", response=ApplicationDetailOut)
@api_require(Perm.RESUMPTION_REVIEW)
def application_verify(request: HttpRequest, application_id: int, payload: NoteIn) -> Any:
    """Verification (核验) after the field survey."""
    return _review_step(request, application_id, ApplicationStep.Action.VERIFY, payload.note)


@router.post("/resumption/applications/{application_id}/report", response=ApplicationDetailOut)
@api_require(Perm.RESUMPTION_REVIEW)
def application_report(request: HttpRequest, application_id: int, payload: NoteIn) -> Any:
    """Reported upward (上报)."""
    return _review_step(request, application_id, ApplicationStep.Action.REPORT, payload.note)


@router.post("/resumption/applications/{application_id}/approve", response=ApplicationDetailOut)
@api_require(Perm.RESUMPTION_APPROVE)
def application_approve(request: HttpRequest, application_id: int, payload: NoteIn) -> Any:
    """Approved: the enterprise may resume from its planned date."""
    return _review_step(request, application_id, ApplicationStep.Action.APPROVE, payload.note)


@router.post("/resumption/applications/{application_id}/return", response=ApplicationDetailOut)
@api_require(Perm.RESUMPTION_REVIEW)
def application_return(request: HttpRequest, application_id: int, payload: NoteIn) -> Any:
    """Returned to the enterprise with the reasons (required)."""
    return _review_step(request, application_id, ApplicationStep.Action.RETURN, payload.note)
