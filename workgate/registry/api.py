"""API of the registry: enterprises (employees and roster import come with the registry issue)."""

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate

from workgate.core.access import Perm, api_require, fetch
from workgate.core.models import Enterprise
from workgate.registry import queries

router = Router(tags=["registry"])


class EnterpriseOut(Schema):
    id: int
    name: str
    credit_code: str
    address: str
    industry: str
    size: str
    status: str


@router.get("/enterprises", response=list[EnterpriseOut])
@api_require(Perm.ENTERPRISE_VIEW)
@paginate
def enterprise_list(request: HttpRequest) -> list[Enterprise]:
    return queries.enterprises(actor=request.actor)  # type: ignore[attr-defined,return-value]


@router.get("/enterprises/{enterprise_id}", response=EnterpriseOut)
@api_require(Perm.ENTERPRISE_VIEW)
def enterprise_detail(request: HttpRequest, enterprise_id: int) -> Enterprise:
    return fetch(request.actor, Enterprise.objects.all(), Perm.ENTERPRISE_VIEW, pk=enterprise_id)  # type: ignore[attr-defined]
