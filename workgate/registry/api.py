"""API of the registry: enterprises, employees (masked), reveal, roster imports, exports."""

import datetime as dt
import uuid

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from workgate.core import services as core_services
from workgate.core.access import Perm, actor_of, api_require, fetch
from workgate.core.masking import mask_id_number, mask_phone
from workgate.core.models import Enterprise
from workgate.core.services import ServiceError
from workgate.registry import exporting, queries, services
from workgate.registry.models import Employee, Region, RosterImport, Shift, Workshop

router = Router(tags=["registry"])


class EnterpriseOut(Schema):
    id: int
    name: str
    credit_code: str
    address: str
    industry: str
    size: str
    status: str
    contact_name: str
    contact_phone: str


class EnterpriseIn(Schema):
    name: str
    credit_code: str
    address: str = ""
    industry: str = ""
    size: Enterprise.Size = Enterprise.Size.SMALL
    contact_name: str = ""
    contact_phone: str = ""


class EnterprisePatch(Schema):
    name: str | None = None
    credit_code: str | None = None
    address: str | None = None
    industry: str | None = None
    size: Enterprise.Size | None = None
    contact_name: str | None = None
    contact_phone: str | None = None


@router.get("/enterprises", response=list[EnterpriseOut])
@api_require(Perm.ENTERPRISE_VIEW)
@paginate
def enterprise_list(request: HttpRequest, q: str = "", status: str = "") -> list[Enterprise]:
    return queries.enterprise_rows(actor=actor_of(request), search=q, status=status)  # type: ignore[return-value]


@router.post("/enterprises", response={201: EnterpriseOut})
@api_require(Perm.ENTERPRISE_CREATE)
def enterprise_create(request: HttpRequest, payload: EnterpriseIn) -> Status:
    return Status(
        201, core_services.enterprise_create(actor=actor_of(request), data=payload.dict())
    )


@router.get("/enterprises/{enterprise_id}", response=EnterpriseOut)
@api_require(Perm.ENTERPRISE_VIEW)
def enterprise_detail(request: HttpRequest, enterprise_id: int) -> Enterprise:
    return fetch(
        actor_of(request), Enterprise.objects.all(), Perm.ENTERPRISE_VIEW, pk=enterprise_id
    )


@router.patch("/enterprises/{enterprise_id}", response=EnterpriseOut)
@api_require(Perm.ENTERPRISE_MANAGE)
def enterprise_update(
    request: HttpRequest, enterprise_id: int, payload: EnterprisePatch
) -> Enterprise:
    actor = actor_of(request)
    enterprise = fetch(actor, Enterprise.objects.all(), Perm.ENTERPRISE_MANAGE, pk=enterprise_id)
    data = payload.dict(exclude_unset=True)
    return core_services.enterprise_update(actor=actor, enterprise=enterprise, data=data)


class EmployeeOut(Schema):
    """An employee file. ID number and mobile are masked; POST …/reveal for the full value."""

    id: int
    enterprise_id: int
    name: str
    id_number_masked: str
    sex: str
    birth_date: dt.date
    mobile_masked: str
    hukou_code: str
    hukou_region: str | None
    is_local: bool
    current_region: str | None
    current_address: str
    arrival_date: dt.date | None
    arrived: bool
    workshop: str | None
    shift: str | None
    dorm_room: str
    job_status: str
    health_status: str
    risk_level: str
    quarantine_status: str

    @staticmethod
    def resolve_id_number_masked(obj: Employee) -> str:
        return mask_id_number(obj.id_number)

    @staticmethod
    def resolve_mobile_masked(obj: Employee) -> str:
        return mask_phone(obj.mobile)

    @staticmethod
    def resolve_hukou_region(obj: Employee) -> str | None:
        return obj.hukou_region.full_name if obj.hukou_region else None

    @staticmethod
    def resolve_current_region(obj: Employee) -> str | None:
        return obj.current_region.full_name if obj.current_region else None

    @staticmethod
    def resolve_workshop(obj: Employee) -> str | None:
        return obj.workshop.name if obj.workshop else None

    @staticmethod
    def resolve_shift(obj: Employee) -> str | None:
        return obj.shift.name if obj.shift else None


class EmployeeIn(Schema):
    name: str
    id_number: str
    mobile: str = ""
    current_region_code: str | None = None
    current_address: str = ""
    arrival_date: dt.date | None = None
    arrived: bool = False
    workshop_id: int | None = None
    shift_id: int | None = None
    dorm_room: str = ""
    job_status: Employee.JobStatus = Employee.JobStatus.ACTIVE


class EmployeeFilterIn(Schema):
    q: str = ""
    enterprise: int | None = None
    local: str = ""
    province: str = ""
    workshop: int | None = None
    job_status: str = ""
    health: str = ""


def _employee_input(enterprise: Enterprise, payload: EmployeeIn) -> services.EmployeeInput:
    region = None
    if payload.current_region_code:
        region = Region.objects.filter(code=payload.current_region_code).first()
        if region is None:
            raise ServiceError(_("Unknown region code."), field="current_region_code")
    workshop = (
        Workshop.objects.filter(pk=payload.workshop_id, enterprise=enterprise).first()
        if payload.workshop_id
        else None
    )
    if payload.workshop_id and workshop is None:
        raise ServiceError(_("No such workshop in this enterprise."), field="workshop_id")
    shift = (
        Shift.objects.filter(pk=payload.shift_id, enterprise=enterprise).first()
        if payload.shift_id
        else None
    )
    if payload.shift_id and shift is None:
        raise ServiceError(_("No such shift in this enterprise."), field="shift_id")
    return services.EmployeeInput(
        name=payload.name,
        id_number=payload.id_number,
        mobile=payload.mobile,
        current_region=region,
        current_address=payload.current_address,
        arrival_date=payload.arrival_date,
        arrived=payload.arrived,
        workshop=workshop,
        shift=shift,
        dorm_room=payload.dorm_room,
        job_status=payload.job_status,
    )


@router.get("/employees", response=list[EmployeeOut])
@api_require(Perm.EMPLOYEE_VIEW)
@paginate
def employee_list(request: HttpRequest, filters: Query[EmployeeFilterIn]) -> list[Employee]:
    parsed = queries.EmployeeFilters.from_params(filters.dict())
    rows = queries.employee_rows(actor=actor_of(request), filters=parsed)
    return rows.select_related("shift", "current_region")  # type: ignore[return-value]


@router.post("/enterprises/{enterprise_id}/employees", response={201: EmployeeOut})
@api_require(Perm.EMPLOYEE_MANAGE)
def employee_create(request: HttpRequest, enterprise_id: int, payload: EmployeeIn) -> Status:
    actor = actor_of(request)
    enterprise = fetch(actor, Enterprise.objects.all(), Perm.EMPLOYEE_MANAGE, pk=enterprise_id)
    employee = services.employee_register(
        actor=actor, enterprise=enterprise, data=_employee_input(enterprise, payload)
    )
    return Status(201, employee)


@router.get("/employees/{employee_id}", response=EmployeeOut)
@api_require(Perm.EMPLOYEE_VIEW)
def employee_detail(request: HttpRequest, employee_id: int) -> Employee:
    return queries.employee_file(actor=actor_of(request), pk=employee_id)


@router.put("/employees/{employee_id}", response=EmployeeOut)
@api_require(Perm.EMPLOYEE_MANAGE)
def employee_update(request: HttpRequest, employee_id: int, payload: EmployeeIn) -> Employee:
    actor = actor_of(request)
    employee = queries.employee_file(actor=actor, pk=employee_id)
    return services.employee_update(
        actor=actor, employee=employee, data=_employee_input(employee.enterprise, payload)
    )


class RevealIn(Schema):
    field: str


class RevealOut(Schema):
    field: str
    value: str


@router.post("/employees/{employee_id}/reveal", response=RevealOut)
@api_require(Perm.PERSONAL_DATA_REVEAL)
def employee_reveal(request: HttpRequest, employee_id: int, payload: RevealIn) -> dict[str, str]:
    actor = actor_of(request)
    employee = queries.employee_file(actor=actor, pk=employee_id)
    value = services.personal_data_reveal(
        actor=actor, employee=employee, field=payload.field, request=request
    )
    return {"field": payload.field, "value": value}


class JobOut(Schema):
    id: uuid.UUID
    kind: str
    status: str


class ExportIn(EmployeeFilterIn):
    format: str = "xlsx"


@router.post("/employees/export", response={202: JobOut})
@api_require(Perm.EMPLOYEE_VIEW)
def employee_export(request: HttpRequest, payload: ExportIn) -> Status:
    data = payload.dict()
    file_format = data.pop("format")
    job = exporting.export_start(
        actor=actor_of(request),
        filters=queries.EmployeeFilters.from_params(data),
        file_format=file_format,
    )
    return Status(202, job)


class ImportOut(Schema):
    id: uuid.UUID
    enterprise_id: int
    original_name: str
    status: str
    policy: str
    total_rows: int
    created: int
    updated: int
    unchanged: int
    error_count: int
    errors: list[dict]
    job_id: uuid.UUID | None


@router.post("/enterprises/{enterprise_id}/imports", response={202: ImportOut})
@api_require(Perm.EMPLOYEE_MANAGE)
def import_upload(
    request: HttpRequest,
    enterprise_id: int,
    file: File[UploadedFile],
    policy: Form[str] = RosterImport.Policy.VALID_ROWS,
) -> Status:
    """Upload a roster; its columns are mapped automatically (as remembered, else by header
    names) and every row is checked on the worker. Then POST …/imports/{id}/run to import."""
    from workgate.registry.importing.pipeline import ImportFileError, analyse, file_path

    actor = actor_of(request)
    enterprise = fetch(actor, Enterprise.objects.all(), Perm.EMPLOYEE_MANAGE, pk=enterprise_id)
    roster_import = services.roster_import_create(actor=actor, enterprise=enterprise, upload=file)
    try:
        analysis = analyse(file_path(roster_import), enterprise=enterprise)
    except ImportFileError as exc:
        raise ServiceError(str(exc), field="file") from exc
    if policy in RosterImport.Policy.values:
        roster_import.policy = policy
        roster_import.save(update_fields=["policy"])
    services.roster_import_check(
        actor=actor,
        roster_import=roster_import,
        header_row=analysis.header_row,
        mapping={str(k): v for k, v in analysis.proposed.items()},
    )
    roster_import.refresh_from_db()
    return Status(202, roster_import)


@router.get("/imports/{import_id}", response=ImportOut)
@api_require(Perm.EMPLOYEE_MANAGE)
def import_status(request: HttpRequest, import_id: uuid.UUID) -> RosterImport:
    return fetch(actor_of(request), RosterImport.objects.all(), Perm.EMPLOYEE_MANAGE, pk=import_id)


class RunIn(Schema):
    policy: RosterImport.Policy | None = None


@router.post("/imports/{import_id}/run", response={202: ImportOut})
@api_require(Perm.EMPLOYEE_MANAGE)
def import_run(request: HttpRequest, import_id: uuid.UUID, payload: RunIn) -> Status:
    actor = actor_of(request)
    roster_import = fetch(
        actor, RosterImport.objects.select_related("enterprise"), Perm.EMPLOYEE_MANAGE, pk=import_id
    )
    services.roster_import_start(
        actor=actor, roster_import=roster_import, policy=payload.policy or roster_import.policy
    )
    roster_import.refresh_from_db()
    return Status(202, roster_import)
