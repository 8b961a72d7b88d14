"""API of screening: region risk and risk lists, policy, people's risk, campaigns, callers'
assignments and outcomes (idempotent by client id), return plans."""

import datetime as dt
import uuid
from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from workgate.core.access import Actor, Perm, actor_of, api_require, fetch
from workgate.core.masking import mask_id_number
from workgate.core.services import ServiceError
from workgate.registry.models import Region
from workgate.screening import queries, services
from workgate.screening.models import Caller, CallTask, RegionRisk, ReturnPlan, RiskList

router = Router(tags=["screening"])


def _region(code: str) -> Region:
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise ServiceError(_("Unknown region code."), field="region")
    return region


class JobOut(Schema):
    job_id: str | None


# --- Regions, risk lists, policy --------------------------------------------------------------


class RegionRiskOut(Schema):
    region: str
    region_name: str
    level: str
    effective_from: dt.date
    effective_to: dt.date | None
    note: str
    set_by: str

    @staticmethod
    def resolve_region(obj: RegionRisk) -> str:
        return obj.region_id

    @staticmethod
    def resolve_region_name(obj: RegionRisk) -> str:
        return obj.region.full_name

    @staticmethod
    def resolve_set_by(obj: RegionRisk) -> str:
        return obj.set_by_label


class RegionRiskIn(Schema):
    level: str
    effective_from: dt.date | None = None
    note: str = ""


@router.get("/screening/regions", response=list[RegionRiskOut])
@api_require(Perm.RISK_VIEW)
def region_risk_list(request: HttpRequest) -> Any:
    """Regions of medium or high risk in force today."""
    return list(queries.region_risks(actor=actor_of(request)))


@router.get("/screening/regions/{code}", response=list[RegionRiskOut])
@api_require(Perm.RISK_VIEW)
def region_risk_history(request: HttpRequest, code: str) -> Any:
    """Every level a region has had, newest first."""
    _region(code)
    return list(queries.region_history(actor=actor_of(request), code=code).select_related("region"))


@router.put("/screening/regions/{code}", response=JobOut)
@api_require(Perm.RISK_MANAGE)
def region_risk_set(request: HttpRequest, code: str, payload: RegionRiskIn) -> Any:
    """Set a region's level from a date; everyone is reassessed on the worker."""
    job = services.region_risk_set(
        actor=actor_of(request),
        region=_region(code),
        level=payload.level,
        effective_from=payload.effective_from,
        note=payload.note,
    )
    return {"job_id": str(job.pk) if job else None}


class RiskListRowOut(Schema):
    row: int
    text: str
    code: str
    level: str
    error: str


class RiskListOut(Schema):
    id: uuid.UUID
    original_name: str
    effective_from: dt.date
    status: str
    replaces: bool
    known_count: int
    unknown_count: int
    rows: list[RiskListRowOut]


@router.post("/screening/risk-lists", response={201: RiskListOut})
@api_require(Perm.RISK_MANAGE)
def risk_list_upload(
    request: HttpRequest,
    file: File[UploadedFile],
    effective_from: Form[dt.date],
    default_level: Form[str] = "",
    replaces: Form[bool] = False,
) -> Any:
    """Upload a list (CSV / xlsx): every row is checked; nothing is applied until /apply."""
    item = services.risk_list_check(
        actor=actor_of(request),
        upload=file,
        effective_from=effective_from,
        default_level=default_level,
        replaces=replaces,
    )
    return Status(201, item)


@router.get("/screening/risk-lists/{list_id}", response=RiskListOut)
@api_require(Perm.RISK_MANAGE)
def risk_list_detail(request: HttpRequest, list_id: uuid.UUID) -> RiskList:
    return queries.risk_list(actor=actor_of(request), pk=list_id)


@router.post("/screening/risk-lists/{list_id}/apply", response=JobOut)
@api_require(Perm.RISK_MANAGE)
def risk_list_apply(request: HttpRequest, list_id: uuid.UUID) -> Any:
    """Apply the rows understood (the others are skipped) and reassess everyone."""
    actor = actor_of(request)
    job = services.risk_list_apply(
        actor=actor, risk_list=queries.risk_list(actor=actor, pk=list_id)
    )
    return {"job_id": str(job.pk)}


class PolicyOut(Schema):
    window_days: int
    quarantine_levels: list[str]
    delay_levels: list[str]


@router.get("/screening/policy", response=PolicyOut)
@api_require(Perm.RISK_VIEW)
def policy_detail(request: HttpRequest) -> Any:
    return queries.policy_row(actor_of(request).community_id)


@router.put("/screening/policy", response=JobOut)
@api_require(Perm.RISK_MANAGE)
def policy_set(request: HttpRequest, payload: PolicyOut) -> Any:
    job = services.policy_update(actor=actor_of(request), **payload.dict())
    return {"job_id": str(job.pk) if job else None}


class RiskOut(Schema):
    employee_id: int
    level: str
    reasons: list[str]
    quarantine_needed: bool
    delay_return: bool


@router.get("/screening/employees/{employee_id}/risk", response=RiskOut)
@api_require(Perm.RISK_VIEW)
def employee_risk(request: HttpRequest, employee_id: int) -> Any:
    """A person's risk level and its reasons in words, as assessed now."""
    employee, assessment, words = queries.employee_risk(actor=actor_of(request), pk=employee_id)
    return {
        "employee_id": employee.pk,
        "level": assessment.level,
        "reasons": words,
        "quarantine_needed": assessment.quarantine_needed,
        "delay_return": assessment.delay_return,
    }


# --- Campaigns --------------------------------------------------------------------------------


class TargetIn(Schema):
    non_local: bool = False
    not_arrived: bool = False
    provinces: list[str] = []
    current_risk_at_least: str = ""
    travel_risk_at_least: str = ""
    risk_at_least: str = ""
    not_reached_since: dt.date | None = None
    enterprises: list[int] = []


class CampaignIn(Schema):
    name: str
    target: TargetIn
    retry_minutes: int = 30
    max_attempts: int = 3


class CampaignOut(Schema):
    id: int
    name: str
    status: str
    target: dict[str, Any]
    total: int
    retry_minutes: int
    max_attempts: int
    launched_at: dt.datetime | None
    job_id: str | None = None

    @staticmethod
    def resolve_job_id(obj: Any) -> str | None:
        return str(obj.job_id) if obj.job_id else None


class PreviewOut(Schema):
    count: int


def _target(payload: TargetIn) -> dict[str, Any]:
    data = payload.dict()
    if data["not_reached_since"]:
        data["not_reached_since"] = data["not_reached_since"].isoformat()
    return data


@router.get("/screening/campaigns", response=list[CampaignOut])
@api_require(Perm.CAMPAIGN_VIEW)
@paginate
def campaign_list(request: HttpRequest) -> Any:
    return queries.campaigns(actor=actor_of(request))


@router.post("/screening/campaigns/preview", response=PreviewOut)
@api_require(Perm.CAMPAIGN_MANAGE)
def campaign_preview(request: HttpRequest, payload: TargetIn) -> Any:
    """How many people a target selects, before creating the campaign."""
    return {"count": services.campaign_preview(actor=actor_of(request), target=_target(payload))}


@router.post("/screening/campaigns", response={201: CampaignOut})
@api_require(Perm.CAMPAIGN_MANAGE)
def campaign_create(request: HttpRequest, payload: CampaignIn) -> Any:
    campaign = services.campaign_create(
        actor=actor_of(request),
        name=payload.name,
        target=_target(payload.target),
        retry_minutes=payload.retry_minutes,
        max_attempts=payload.max_attempts,
    )
    return Status(201, campaign)


class ProgressOut(Schema):
    campaign: CampaignOut
    figures: dict[str, int]
    by_caller: list[dict[str, Any]]
    by_hour: list[dict[str, Any]]


@router.get("/screening/campaigns/{campaign_id}", response=ProgressOut)
@api_require(Perm.CAMPAIGN_VIEW)
def campaign_detail(request: HttpRequest, campaign_id: int) -> Any:
    """The campaign with its live figures: the summary, calls by caller and by hour."""
    campaign = queries.campaign(actor=actor_of(request), pk=campaign_id)
    return {
        "campaign": campaign,
        "figures": queries.campaign_progress(campaign),
        "by_caller": queries.by_caller(campaign),
        "by_hour": queries.calls_by_hour(campaign),
    }


@router.post("/screening/campaigns/{campaign_id}/launch", response={202: CampaignOut})
@api_require(Perm.CAMPAIGN_MANAGE)
def campaign_launch(request: HttpRequest, campaign_id: int) -> Any:
    """Build the call list on the worker; the campaign runs once it is built."""
    actor = actor_of(request)
    campaign = queries.campaign(actor=actor, pk=campaign_id, perm=Perm.CAMPAIGN_MANAGE)
    services.campaign_launch(actor=actor, campaign=campaign)
    campaign.refresh_from_db()
    return Status(202, campaign)


class CallersIn(Schema):
    user_ids: list[int]
    capacity: int = 1


class CallerOut(Schema):
    id: int
    user_id: int
    username: str
    capacity: int
    active: bool

    @staticmethod
    def resolve_username(obj: Caller) -> str:
        return obj.user.username


class CallerPatch(Schema):
    capacity: int
    active: bool = True


class ReassignIn(Schema):
    to_caller_id: int


@router.post("/screening/campaigns/{campaign_id}/callers", response=list[CallerOut])
@api_require(Perm.CAMPAIGN_MANAGE)
def callers_add(request: HttpRequest, campaign_id: int, payload: CallersIn) -> Any:
    """Add callers; a running campaign's unstarted calls are shared again by capacity."""
    actor = actor_of(request)
    campaign = queries.campaign(actor=actor, pk=campaign_id, perm=Perm.CAMPAIGN_MANAGE)
    rows = services.callers_add(
        actor=actor, campaign=campaign, user_ids=payload.user_ids, capacity=payload.capacity
    )
    return Caller.objects.filter(pk__in=[c.pk for c in rows]).select_related("user")


def _caller(actor: Actor, campaign_id: int, caller_id: int) -> Caller:
    return fetch(
        actor,
        Caller.objects.select_related("campaign", "user"),
        Perm.CAMPAIGN_MANAGE,
        pk=caller_id,
        campaign_id=campaign_id,
    )


@router.patch("/screening/campaigns/{campaign_id}/callers/{caller_id}", response=CallerOut)
@api_require(Perm.CAMPAIGN_MANAGE)
def caller_update(
    request: HttpRequest, campaign_id: int, caller_id: int, payload: CallerPatch
) -> Any:
    actor = actor_of(request)
    caller = _caller(actor, campaign_id, caller_id)
    return services.caller_update(
        actor=actor, caller=caller, capacity=payload.capacity, active=payload.active
    )


@router.post(
    "/screening/campaigns/{campaign_id}/callers/{caller_id}/reassign", response=dict[str, int]
)
@api_require(Perm.CAMPAIGN_MANAGE)
def caller_reassign(
    request: HttpRequest, campaign_id: int, caller_id: int, payload: ReassignIn
) -> Any:
    """Move every call waiting on this caller's list to another caller."""
    actor = actor_of(request)
    source = _caller(actor, campaign_id, caller_id)
    to = _caller(actor, campaign_id, payload.to_caller_id)
    return {"moved": services.calls_reassign(actor=actor, source=source, to=to)}


class AssignmentOut(Schema):
    """A call-list entry as staff see it: no phone number."""

    id: int
    employee_id: int
    employee_name: str
    enterprise: str
    caller_id: int | None
    status: str
    attempts: int
    last_outcome: str
    reached: bool
    region: str | None
    delay_agreed: bool
    quarantine_needed: bool

    @staticmethod
    def resolve_employee_name(obj: CallTask) -> str:
        return obj.employee.name

    @staticmethod
    def resolve_enterprise(obj: CallTask) -> str:
        return obj.employee.enterprise.name

    @staticmethod
    def resolve_region(obj: CallTask) -> str | None:
        return obj.region.full_name if obj.region else None


@router.get("/screening/campaigns/{campaign_id}/assignments", response=list[AssignmentOut])
@api_require(Perm.CAMPAIGN_VIEW)
@paginate
def assignments(request: HttpRequest, campaign_id: int, set: str = "") -> Any:
    """The call list; `set` narrows it to the entries behind one summary figure."""
    campaign = queries.campaign(actor=actor_of(request), pk=campaign_id)
    if set:
        if set not in queries.SUMMARY_SETS:
            raise Http404
        return queries.summary_people(campaign, set)
    return queries.campaign_tasks(campaign)


# --- The caller's side ------------------------------------------------------------------------


class CallNextOut(Schema):
    """The person to call now, leased to the caller: the number in full, the ID masked."""

    id: int
    campaign_id: int
    employee_id: int
    name: str
    enterprise: str
    mobile: str
    id_number_masked: str
    hukou_region: str | None
    current_region: str | None
    attempts: int
    leased_until: dt.datetime


def _next_out(task: CallTask) -> dict[str, Any]:
    e = task.employee
    return {
        "id": task.pk,
        "campaign_id": task.campaign_id,
        "employee_id": e.pk,
        "name": e.name,
        "enterprise": e.enterprise.name,
        "mobile": e.mobile,
        "id_number_masked": mask_id_number(e.id_number),
        "hukou_region": e.hukou_region.full_name if e.hukou_region else None,
        "current_region": e.current_region.full_name if e.current_region else None,
        "attempts": task.attempts,
        "leased_until": task.leased_until,
    }


@router.post("/screening/campaigns/{campaign_id}/next", response={200: CallNextOut, 204: None})
@api_require(Perm.CALL_WORK)
def call_next(request: HttpRequest, campaign_id: int) -> Any:
    """Lease the next person to the calling user (204 when nobody is waiting)."""
    actor = actor_of(request)
    caller = queries.caller_for(actor=actor, campaign_pk=campaign_id)
    task = services.call_next(actor=actor, campaign=caller.campaign, request=request)
    if task is None:
        return Status(204, None)
    task = queries.task_for_caller(actor=actor, pk=task.pk)
    return _next_out(task)


class OutcomeIn(Schema):
    client_id: uuid.UUID
    outcome: str
    region: str | None = None
    address: str = ""
    return_date: dt.date | None = None
    return_means: str = ""
    delay_agreed: bool = False
    quarantine_needed: bool = False
    contact_with_case: bool = False
    notes: str = ""


class AttemptOut(Schema):
    id: int
    client_id: uuid.UUID
    assignment_id: int
    outcome: str
    at: dt.datetime
    region: str | None
    delay_agreed: bool
    quarantine_needed: bool

    @staticmethod
    def resolve_assignment_id(obj: Any) -> int:
        return obj.task_id

    @staticmethod
    def resolve_region(obj: Any) -> str | None:
        return obj.region_id


@router.post(
    "/screening/assignments/{assignment_id}/outcome", response={200: AttemptOut, 201: AttemptOut}
)
@api_require(Perm.CALL_WORK)
def call_outcome(request: HttpRequest, assignment_id: int, payload: OutcomeIn) -> Any:
    """Record a call's outcome. Idempotent by `client_id`: a repeat answers 200 with the first
    record, which is kept unchanged."""
    actor = actor_of(request)
    replay = queries.attempt_already_recorded(actor=actor, client_id=payload.client_id)
    if replay is not None and replay.task_id == assignment_id:
        return Status(200, replay)
    task = queries.task_for_caller(actor=actor, pk=assignment_id)
    region = None
    if payload.region:
        from workgate.registry.region_names import region_code_from_text

        code = payload.region if payload.region.isdigit() else region_code_from_text(payload.region)
        region = Region.objects.filter(code=code or "").first()
        if region is None:
            raise ServiceError(_("Unknown region."), field="region")
    attempt, created = services.call_record(
        actor=actor,
        task=task,
        data=services.Outcome(
            client_id=payload.client_id,
            outcome=payload.outcome,
            region=region,
            address=payload.address,
            return_date=payload.return_date,
            return_means=payload.return_means,
            delay_agreed=payload.delay_agreed,
            quarantine_needed=payload.quarantine_needed,
            contact_with_case=payload.contact_with_case,
            notes=payload.notes,
        ),
    )
    return Status(201 if created else 200, attempt)


@router.post("/screening/assignments/{assignment_id}/release", response={204: None})
@api_require(Perm.CALL_WORK)
def call_release(request: HttpRequest, assignment_id: int) -> Any:
    """Give a leased person back without a call."""
    actor = actor_of(request)
    services.call_release(actor=actor, task=queries.task_for_caller(actor=actor, pk=assignment_id))
    return Status(204, None)


# --- Return plans -----------------------------------------------------------------------------


class ReturnPlanOut(Schema):
    id: int
    employee_id: int
    employee_name: str
    enterprise_id: int
    from_region: str | None
    arrival_date: dt.date | None
    means: str
    route: str
    status: str
    quarantine_needed: bool

    @staticmethod
    def resolve_employee_name(obj: ReturnPlan) -> str:
        return obj.employee.name

    @staticmethod
    def resolve_from_region(obj: ReturnPlan) -> str | None:
        return obj.from_region.full_name if obj.from_region else None


@router.get("/screening/return-plans", response=list[ReturnPlanOut])
@api_require(Perm.RETURN_PLAN_VIEW)
@paginate
def return_plans(request: HttpRequest, enterprise: int | None = None) -> Any:
    """Returning people with their arrival date, route and whether they need quarantine."""
    return queries.return_plans(actor=actor_of(request), enterprise=enterprise)
