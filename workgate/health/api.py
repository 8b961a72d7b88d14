"""API of daily health: device check uploads (batch and single, idempotent by client id), rounds
and missing checks, masks issued, declarations and the pass, fever incidents, gates."""

import datetime as dt
import json
import uuid
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import ValidationError
from ninja.pagination import paginate
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from workgate.core.access import Perm, actor_of, api_require, fetch
from workgate.core.masking import mask_id_number
from workgate.core.services import ServiceError
from workgate.health import queries, services
from workgate.health.models import Check, Gate, Incident
from workgate.registry.models import Employee

router = Router(tags=["health"])


# --- Checks ---------------------------------------------------------------------------------
# Plain pydantic models, not ninja's Schema: Schema runs a root validator per object (to read
# Django models), which for a batch of 1,000 checks cost more than storing them.


class CheckIn(BaseModel):
    id: uuid.UUID = Field(
        description="Made by the client when the check is taken; a retry sends the same id."
    )
    pass_code: str | None = Field(None, max_length=40)
    employee_id: int | None = None
    temperature: Decimal | str = Field(description="°C, e.g. 36.6")
    masks_issued: int = 0
    taken_at: dt.datetime | None = Field(
        None, description="When the check was taken; default: now."
    )
    gate: int | None = Field(None, description="Gate id; omit for a round check.")
    kind: str | None = Field(
        None, description="gate, round or recheck; default: gate if a gate is given."
    )


class BatchIn(BaseModel):
    checks: list[CheckIn] = Field(max_length=services.MAX_BATCH)


class CheckResultOut(BaseModel):
    id: uuid.UUID
    status: str
    reason: str = ""
    field: str = ""
    employee_id: int | None = None
    fever: bool = False
    incident_id: int | None = None


class BatchOut(BaseModel):
    created: int
    duplicate: int
    rejected: int
    results: list[CheckResultOut]


def _items(checks: list[CheckIn]) -> list[services.CheckItem]:
    return [
        services.CheckItem(
            uuid=c.id,
            temperature=c.temperature,
            taken_at=c.taken_at,
            pass_code=c.pass_code or "",
            employee_id=c.employee_id,
            masks_issued=c.masks_issued,
            gate_id=c.gate,
            kind=c.kind or "",
        )
        for c in checks
    ]


def _out(result: services.CheckResult, *, text: bool = False) -> dict[str, Any]:
    return {
        "id": str(result.uuid) if text else result.uuid,
        "status": result.status,
        "reason": result.reason,
        "field": result.field,
        "employee_id": result.employee_id,
        "fever": result.fever,
        "incident_id": result.incident_id,
    }


def _source(request: HttpRequest) -> str:
    return Check.Source.DEVICE if actor_of(request).token is not None else Check.Source.STATION


_BATCH_BODY = {
    "required": True,
    "content": {"application/json": {"schema": BatchIn.model_json_schema()}},
}


@router.post("/checks/batch", response=BatchOut, openapi_extra={"requestBody": _BATCH_BODY})
@api_require(Perm.CHECK_RECORD)
def checks_batch(request: HttpRequest) -> Any:
    """Upload up to 1,000 checks at once (body: `{"checks": [CheckIn, …]}`). All are stored or
    none; each item says `created`, `duplicate` (its id was stored before: nothing changed) or
    `rejected` with the reason. Retrying a batch whose answer was lost is always safe."""
    # The body is parsed and validated by pydantic straight from the bytes, and the answer
    # written as JSON here: on a 1,000-check batch ninja's generic path (json.loads, validation
    # of Python objects, validation and encoding of the answer) cost more than storing it.
    try:
        payload = BatchIn.model_validate_json(request.body)
    except PydanticValidationError as exc:
        raise ValidationError(
            [{"loc": err["loc"], "msg": err["msg"]} for err in exc.errors()]
        ) from exc
    results = services.checks_record(
        actor=actor_of(request), items=_items(payload.checks), source=_source(request)
    )
    counts = {"created": 0, "duplicate": 0, "rejected": 0}
    for r in results:
        counts[r.status] += 1
    body = {**counts, "results": [_out(r, text=True) for r in results]}
    return HttpResponse(json.dumps(body, ensure_ascii=False), content_type="application/json")


@router.post("/checks", response={201: CheckResultOut, 200: CheckResultOut, 422: CheckResultOut})
@api_require(Perm.CHECK_RECORD)
def check_single(request: HttpRequest, payload: CheckIn) -> Any:
    """One check, for simple devices: 201 created, 200 duplicate, 422 rejected (with reason)."""
    (result,) = services.checks_record(
        actor=actor_of(request), items=_items([payload]), source=_source(request)
    )
    code = {"created": 201, "duplicate": 200}.get(result.status, 422)
    return Status(code, _out(result))


# --- Rounds, missing checks, masks --------------------------------------------------------------


class RoundSummaryOut(Schema):
    enterprise_id: int
    enterprise_name: str
    on_duty: int
    checked: int
    missing: int


class RoundOut(Schema):
    day: dt.date
    round: int
    on_duty: int
    checked: int
    missing: int
    enterprises: list[RoundSummaryOut]


def _day_round(
    request: HttpRequest, day: dt.date | None, round_no: int | None
) -> tuple[dt.date, int]:
    today, now_round = queries.now_round(actor_of(request))
    if round_no is not None and round_no not in (1, 2, 3):
        raise ServiceError(_("The round is 1, 2 or 3."), field="round")
    return day or today, round_no or now_round


@router.get("/health/rounds", response=RoundOut)
@api_require(Perm.CHECK_VIEW)
def round_status(request: HttpRequest, day: dt.date | None = None, round: int | None = None) -> Any:
    """A round's progress: people on duty and checked, per enterprise (default: the round now)."""
    day, round_no = _day_round(request, day, round)
    rows = queries.round_summary(actor_of(request), day, round_no)
    return {
        "day": day,
        "round": round_no,
        "on_duty": sum(r.on_duty for r in rows),
        "checked": sum(r.checked for r in rows),
        "missing": sum(r.missing for r in rows),
        "enterprises": [
            {
                "enterprise_id": r.enterprise_id,
                "enterprise_name": r.enterprise_name,
                "on_duty": r.on_duty,
                "checked": r.checked,
                "missing": r.missing,
            }
            for r in rows
        ],
    }


class MissingOut(Schema):
    id: int
    name: str
    id_number: str
    enterprise_id: int
    enterprise_name: str
    workshop: str

    @staticmethod
    def resolve_id_number(obj: Employee) -> str:
        return mask_id_number(obj.id_number)

    @staticmethod
    def resolve_enterprise_name(obj: Employee) -> str:
        return obj.enterprise.name

    @staticmethod
    def resolve_workshop(obj: Employee) -> str:
        return obj.workshop.name if obj.workshop else ""


@router.get("/health/rounds/missing", response=list[MissingOut])
@api_require(Perm.CHECK_VIEW)
@paginate
def round_missing(
    request: HttpRequest,
    day: dt.date | None = None,
    round: int | None = None,
    enterprise: int | None = None,
    workshop: int | None = None,
) -> Any:
    """People on duty with no check in the round (ID numbers masked)."""
    day, round_no = _day_round(request, day, round)
    return queries.missing_people(
        actor_of(request), day, round_no, enterprise_id=enterprise, workshop_id=workshop
    )


class MasksOut(Schema):
    enterprise_id: int
    masks: int
    checks: int


@router.get("/health/masks", response=list[MasksOut])
@api_require(Perm.CHECK_VIEW)
def masks(request: HttpRequest, day: dt.date | None = None) -> Any:
    """Masks issued at gates and on rounds, per enterprise, on a day (default today)."""
    day = day or queries.now_round(actor_of(request))[0]
    return queries.masks_issued(actor_of(request), day)


# --- Declarations and the pass --------------------------------------------------------------


class DeclarationIn(Schema):
    temperature: Decimal | str
    symptoms: list[str] = []
    whereabouts: str
    region: str = ""
    address: str = ""
    contact_with_case: bool = False


class DeclarationOut(Schema):
    day: dt.date
    submitted_at: dt.datetime
    temperature: Decimal
    symptoms: list[str]
    whereabouts: str
    region: str | None = Field(None, alias="region_id")
    address: str
    contact_with_case: bool


class PassOut(Schema):
    code: str
    colour: str
    label: str
    may_enter: bool
    reasons: list[str]


def _own(request: HttpRequest) -> Employee:
    from workgate.registry.queries import own_file

    employee = own_file(actor=actor_of(request))
    if employee is None:
        raise ServiceError(
            _("Your account is not linked to an employee file yet: ask your enterprise officer."),
            code="no_file",
        )
    return employee


@router.post("/health/declarations", response={201: DeclarationOut})
@api_require(Perm.DECLARE)
def declaration_submit(request: HttpRequest, payload: DeclarationIn) -> Any:
    """Today's health declaration by the signed-in employee (a second one today replaces it)."""
    declaration = services.declaration_submit(
        actor=actor_of(request),
        employee=_own(request),
        data=services.DeclarationInput(
            temperature=payload.temperature,
            symptoms=payload.symptoms,
            whereabouts=payload.whereabouts,
            contact_with_case=payload.contact_with_case,
            region_code=payload.region,
            address=payload.address,
        ),
    )
    return Status(201, declaration)


@router.get("/health/declarations/mine", response=list[DeclarationOut])
@api_require(Perm.DECLARE)
def declarations_mine(request: HttpRequest) -> Any:
    """The signed-in employee's last 30 declarations."""
    return list(queries.declarations_of(employee=_own(request)))


class DeclarationListOut(Schema):
    employee_id: int
    employee_name: str
    enterprise_id: int
    day: dt.date
    submitted_at: dt.datetime
    temperature: Decimal
    symptoms: list[str]
    whereabouts: str
    region: str | None = Field(None, alias="region_id")
    contact_with_case: bool

    @staticmethod
    def resolve_employee_name(obj: Any) -> str:
        return obj.employee.name


@router.get("/health/declarations", response=list[DeclarationListOut])
@api_require(Perm.INCIDENT_VIEW)
@paginate
def declaration_list(
    request: HttpRequest, day: dt.date | None = None, flagged: bool = False
) -> Any:
    """Declarations of a day (default today) in the caller's tenant; `flagged` keeps those
    with symptoms, a fever or a contact with a case."""
    actor = actor_of(request)
    day = day or queries.now_round(actor)[0]
    return queries.declarations_on(actor, day, flagged=flagged)


@router.get("/health/pass", response=PassOut)
@api_require(Perm.DECLARE)
def my_pass(request: HttpRequest) -> Any:
    """The signed-in employee's pass: code, colour and why."""
    employee = _own(request)
    verdict = queries.verdict_for(employee)
    return {
        "code": queries.pass_code_of(employee).code,
        "colour": verdict.colour,
        "label": verdict.label,
        "may_enter": verdict.may_enter,
        "reasons": verdict.reasons,
    }


# --- Incidents ------------------------------------------------------------------------------


class StepOut(Schema):
    state: str
    outcome: str
    escalation: bool
    at: dt.datetime
    actor_label: str
    temperature: Decimal | None
    note: str


class IncidentOut(Schema):
    id: int
    employee_id: int
    employee_name: str
    enterprise_id: int
    source: str
    temperature: Decimal
    opened_at: dt.datetime
    state: str
    outcome: str
    due_at: dt.datetime | None
    overdue: bool
    escalation_level: int
    closed_at: dt.datetime | None

    @staticmethod
    def resolve_employee_name(obj: Incident) -> str:
        return obj.employee.name

    @staticmethod
    def resolve_overdue(obj: Incident) -> bool:
        return obj.is_overdue


class IncidentDetailOut(IncidentOut):
    steps: list[StepOut]

    @staticmethod
    def resolve_steps(obj: Incident) -> list[Any]:
        return list(obj.steps.all())


class AdvanceIn(Schema):
    state: str = Field("", description="isolated, clinic, outcome or closed; empty for a re-check")
    outcome: str = ""
    temperature: Decimal | str | None = None
    note: str = ""


@router.get("/health/incidents", response=list[IncidentOut])
@api_require(Perm.INCIDENT_VIEW)
@paginate
def incident_list(
    request: HttpRequest, state: str = "", overdue: bool = False, open: bool = False
) -> Any:
    """Fever incidents, newest first; filter by state, overdue or open."""
    return queries.incidents(actor_of(request), state=state, overdue=overdue, open_only=open)


@router.get("/health/incidents/{incident_id}", response=IncidentDetailOut)
@api_require(Perm.INCIDENT_VIEW)
def incident_detail(request: HttpRequest, incident_id: int) -> Any:
    return fetch(
        actor_of(request),
        Incident.objects.select_related("employee"),
        Perm.INCIDENT_VIEW,
        pk=incident_id,
    )


@router.post("/health/incidents/{incident_id}/advance", response=IncidentDetailOut)
@api_require(Perm.INCIDENT_MANAGE)
def incident_advance(request: HttpRequest, incident_id: int, payload: AdvanceIn) -> Any:
    """Move an incident on: a re-check reading, isolated, clinic, an outcome, closed."""
    actor = actor_of(request)
    incident = fetch(actor, Incident.objects.all(), Perm.INCIDENT_MANAGE, pk=incident_id)
    services.incident_advance(
        actor=actor,
        incident=incident,
        state=payload.state,
        outcome=payload.outcome,
        temperature=payload.temperature,
        note=payload.note,
    )
    return Incident.objects.select_related("employee").get(pk=incident_id)


# --- Gates ----------------------------------------------------------------------------------


class GateOut(Schema):
    id: int
    name: str
    enterprise_id: int
    is_active: bool


class RosterOut(Schema):
    gate: GateOut
    generated_at: dt.datetime
    people: list[dict[str, Any]]


@router.get("/health/gates", response=list[GateOut])
@api_require(Perm.CHECK_RECORD)
def gate_list(request: HttpRequest) -> Any:
    return list(queries.gates(actor_of(request)))


@router.get("/health/gates/{gate_id}/roster", response=RosterOut)
@api_require(Perm.CHECK_RECORD)
def gate_roster(request: HttpRequest, gate_id: int) -> Any:
    """What a gate station keeps to work offline: pass codes, names, last 4 digits of ID and
    phone, and whether the pass is red."""
    from django.utils import timezone

    actor = actor_of(request)
    gate = fetch(actor, Gate.objects.all(), Perm.CHECK_RECORD, pk=gate_id)
    return {
        "gate": gate,
        "generated_at": timezone.now(),
        "people": queries.gate_roster(actor, gate),
    }
