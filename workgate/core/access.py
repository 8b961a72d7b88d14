"""The one place where role and tenant are checked, for pages and API handlers alike.

Every view is wrapped by `require(Perm.X)`; every API handler by `api_require(Perm.X)`; every
object a caller asks for is fetched through `fetch()` / `scope()`, which filter by the caller's
community and, for enterprise roles, their enterprise. Another tenant's object is a 404 (its
existence is not revealed); a role without the permission is a 403.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse

from workgate.core.models import COMMUNITY_WIDE_ROLES, Membership, Role

if TYPE_CHECKING:
    from workgate.core.models import ApiToken, User

M = TypeVar("M", bound=models.Model)


class Perm(StrEnum):
    DASHBOARD_VIEW = "dashboard.view"
    COMMUNITY_VIEW = "community.view"
    ENTERPRISE_VIEW = "enterprise.view"
    ENTERPRISE_MANAGE = "enterprise.manage"
    ENTERPRISE_CREATE = "enterprise.create"
    EMPLOYEE_VIEW = "employee.view"
    EMPLOYEE_MANAGE = "employee.manage"
    PERSONAL_DATA_REVEAL = "personal_data.reveal"
    OWN_FILE_VIEW = "own_file.view"
    AUDIT_VIEW = "audit.view"
    AUDIT_EXPORT = "audit.export"
    TOKEN_MANAGE = "token.manage"  # noqa: S105 - a permission name, not a secret
    JOB_VIEW = "job.view"
    NOTIFICATION_VIEW = "notification.view"
    RISK_VIEW = "risk.view"
    RISK_MANAGE = "risk.manage"
    CAMPAIGN_VIEW = "campaign.view"
    CAMPAIGN_MANAGE = "campaign.manage"
    CALL_WORK = "call.work"
    RETURN_PLAN_VIEW = "return_plan.view"
    CHECK_RECORD = "check.record"
    CHECK_VIEW = "check.view"
    GATE_MANAGE = "gate.manage"
    HEALTH_SETTINGS_MANAGE = "health_settings.manage"
    DECLARE = "health.declare"
    INCIDENT_VIEW = "incident.view"
    INCIDENT_MANAGE = "incident.manage"
    RESUMPTION_VIEW = "resumption.view"
    RESUMPTION_APPLY = "resumption.apply"
    RESUMPTION_PREPARE = "resumption.prepare"
    RESUMPTION_REVIEW = "resumption.review"
    RESUMPTION_APPROVE = "resumption.approve"
    RESUMPTION_CONFIGURE = "resumption.configure"
    RESUMPTION_DASHBOARD = "resumption.dashboard"
    RESUMPTION_REPORT = "resumption.report"
    ENTERPRISE_SUSPEND = "enterprise.suspend"
    SUPPLIES_VIEW = "supplies.view"
    STOCK_MANAGE = "supplies.stock"
    NEED_POST = "supplies.need"
    SUPPLIES_CONFIGURE = "supplies.configure"
    SUPPLIER_VIEW = "supplies.supplier_view"
    SUPPLIER_MANAGE = "supplies.supplier_manage"
    OFFER_MANAGE = "supplies.offer"
    ALLOCATION_VIEW = "supplies.allocation_view"
    ALLOCATION_RUN = "supplies.allocation_run"
    ORDER_VIEW = "supplies.order_view"
    ORDER_CONFIRM = "supplies.order_confirm"
    ORDER_RECEIVE = "supplies.order_receive"
    ORDER_CANCEL = "supplies.order_cancel"
    VOLUNTEER_VIEW = "volunteers.view"
    VOLUNTEER_MANAGE = "volunteers.manage"
    CALLOUT_POST = "volunteers.callout_post"
    CALLOUT_ANSWER = "volunteers.callout_answer"
    DUTY_VIEW = "duty.view"
    DUTY_MANAGE = "duty.manage"
    DUTY_OWN = "duty.own"
    GRID_VIEW = "grid.view"
    GRID_MANAGE = "grid.manage"
    GRID_OWN = "grid.own"
    CHANNEL_MANAGE = "channels.manage"
    CHANNEL_CHOOSE = "channels.choose"


# Who may do what. Tenant limits (own community, own enterprise) are applied by scope().
POLICY: dict[Perm, frozenset[Role]] = {
    Perm.DASHBOARD_VIEW: frozenset(Role),
    Perm.COMMUNITY_VIEW: frozenset({Role.LEADER, Role.STAFF}),
    Perm.ENTERPRISE_VIEW: frozenset({Role.LEADER, Role.STAFF, Role.OFFICER}),
    Perm.ENTERPRISE_MANAGE: frozenset({Role.STAFF, Role.OFFICER}),
    Perm.ENTERPRISE_CREATE: frozenset({Role.STAFF}),
    Perm.EMPLOYEE_VIEW: frozenset({Role.LEADER, Role.STAFF, Role.OFFICER}),
    Perm.EMPLOYEE_MANAGE: frozenset({Role.STAFF, Role.OFFICER}),
    Perm.PERSONAL_DATA_REVEAL: frozenset({Role.STAFF, Role.OFFICER}),
    Perm.OWN_FILE_VIEW: frozenset({Role.EMPLOYEE}),
    Perm.AUDIT_VIEW: frozenset({Role.LEADER, Role.STAFF}),
    Perm.AUDIT_EXPORT: frozenset({Role.LEADER, Role.STAFF}),
    Perm.TOKEN_MANAGE: frozenset({Role.STAFF}),
    Perm.JOB_VIEW: frozenset(Role),
    Perm.NOTIFICATION_VIEW: frozenset(Role),  # each person sees only their own
    # Screening: staff run campaigns; staff and volunteers make the calls; officers see the
    # risk and return plans of their own people.
    Perm.RISK_VIEW: frozenset({Role.LEADER, Role.STAFF, Role.OFFICER}),
    Perm.RISK_MANAGE: frozenset({Role.STAFF}),
    Perm.CAMPAIGN_VIEW: frozenset({Role.LEADER, Role.STAFF}),
    Perm.CAMPAIGN_MANAGE: frozenset({Role.STAFF}),
    Perm.CALL_WORK: frozenset({Role.STAFF, Role.VOLUNTEER}),
    Perm.RETURN_PLAN_VIEW: frozenset({Role.LEADER, Role.STAFF, Role.OFFICER}),
    # Daily health: gate and duty volunteers record checks at their enterprise; officers and
    # staff see who was missed and follow fevers up; employees declare and carry their pass.
    Perm.CHECK_RECORD: frozenset({Role.STAFF, Role.OFFICER, Role.GATE}),
    Perm.CHECK_VIEW: frozenset({Role.LEADER, Role.STAFF, Role.OFFICER, Role.GATE}),
    Perm.GATE_MANAGE: frozenset({Role.STAFF, Role.OFFICER}),
    Perm.HEALTH_SETTINGS_MANAGE: frozenset({Role.STAFF}),
    Perm.DECLARE: frozenset({Role.EMPLOYEE}),
    Perm.INCIDENT_VIEW: frozenset({Role.LEADER, Role.STAFF, Role.OFFICER}),
    Perm.INCIDENT_MANAGE: frozenset({Role.STAFF, Role.OFFICER}),
    # Work resumption: the officer keeps the four in place and applies (staff may help enter
    # the figures); staff review the same day; the leader (or staff) records the approval from
    # above; both follow the dashboard and send the daily report upward.
    Perm.RESUMPTION_VIEW: frozenset({Role.LEADER, Role.STAFF, Role.OFFICER}),
    Perm.RESUMPTION_APPLY: frozenset({Role.OFFICER}),
    Perm.RESUMPTION_PREPARE: frozenset({Role.STAFF, Role.OFFICER}),
    Perm.RESUMPTION_REVIEW: frozenset({Role.STAFF}),
    Perm.RESUMPTION_APPROVE: frozenset({Role.LEADER, Role.STAFF}),
    Perm.RESUMPTION_CONFIGURE: frozenset({Role.STAFF}),
    Perm.RESUMPTION_DASHBOARD: frozenset({Role.LEADER, Role.STAFF}),
    Perm.RESUMPTION_REPORT: frozenset({Role.LEADER, Role.STAFF}),
    Perm.ENTERPRISE_SUSPEND: frozenset({Role.STAFF}),
    # Supplies: officers keep their stock and post needs; staff keep the reserve and the
    # catalogue and run the supermarket's allocation; suppliers keep their own offers and
    # confirm their orders; the leader follows days of supply across the community.
    Perm.SUPPLIES_VIEW: frozenset({Role.LEADER, Role.STAFF, Role.OFFICER}),
    Perm.STOCK_MANAGE: frozenset({Role.STAFF, Role.OFFICER}),
    Perm.NEED_POST: frozenset({Role.STAFF, Role.OFFICER}),
    Perm.SUPPLIES_CONFIGURE: frozenset({Role.STAFF}),
    Perm.SUPPLIER_VIEW: frozenset({Role.LEADER, Role.STAFF, Role.SUPPLIER}),
    Perm.SUPPLIER_MANAGE: frozenset({Role.STAFF}),
    Perm.OFFER_MANAGE: frozenset({Role.STAFF, Role.SUPPLIER}),
    Perm.ALLOCATION_VIEW: frozenset({Role.LEADER, Role.STAFF}),
    Perm.ALLOCATION_RUN: frozenset({Role.STAFF}),
    Perm.ORDER_VIEW: frozenset({Role.LEADER, Role.STAFF, Role.OFFICER, Role.SUPPLIER}),
    Perm.ORDER_CONFIRM: frozenset({Role.STAFF, Role.SUPPLIER}),
    Perm.ORDER_RECEIVE: frozenset({Role.STAFF, Role.OFFICER}),
    Perm.ORDER_CANCEL: frozenset({Role.STAFF, Role.OFFICER, Role.SUPPLIER}),
    # Volunteers: staff keep the volunteer body and its teams; the leader and staff call
    # volunteers out; anyone with a volunteer profile answers (party members hold every role).
    Perm.VOLUNTEER_VIEW: frozenset({Role.LEADER, Role.STAFF}),
    Perm.VOLUNTEER_MANAGE: frozenset({Role.STAFF}),
    Perm.CALLOUT_POST: frozenset({Role.LEADER, Role.STAFF}),
    Perm.CALLOUT_ANSWER: frozenset(Role),
    # Duty rosters: staff keep every post, an officer the posts of their own enterprise; anyone
    # with a volunteer profile sees their own shifts and asks for swaps.
    Perm.DUTY_VIEW: frozenset({Role.LEADER, Role.STAFF, Role.OFFICER}),
    Perm.DUTY_MANAGE: frozenset({Role.STAFF, Role.OFFICER}),
    Perm.DUTY_OWN: frozenset(Role),
    # Grids (网格): staff and officers draw them and name who is responsible; the responsible
    # member, whatever their role, sees the people of their own grid and nobody else.
    Perm.GRID_VIEW: frozenset({Role.LEADER, Role.STAFF, Role.OFFICER}),
    Perm.GRID_MANAGE: frozenset({Role.STAFF, Role.OFFICER}),
    Perm.GRID_OWN: frozenset(Role),
    # Notification channels: staff keep the community's group robots and read the delivery
    # log; everyone chooses their own channels.
    Perm.CHANNEL_MANAGE: frozenset({Role.STAFF}),
    Perm.CHANNEL_CHOOSE: frozenset(Role),
}


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting, in which tenant and role: a signed-in member or an API token."""

    community_id: int
    enterprise_id: int | None
    role: Role
    user: User | None = None
    membership_id: int | None = None
    token: ApiToken | None = None

    @property
    def community_wide(self) -> bool:
        return self.role in COMMUNITY_WIDE_ROLES

    @property
    def label(self) -> str:
        if self.user is not None:
            return self.user.get_username()
        if self.token is not None:
            return f"token:{self.token.prefix}"
        return "system"

    def can(self, perm: Perm) -> bool:
        return self.role in POLICY[perm]

    def check(self, perm: Perm) -> None:
        if not self.can(perm):
            raise PermissionDenied(perm.value)

    @classmethod
    def from_membership(cls, membership: Membership) -> Actor:
        return cls(
            community_id=membership.community_id,
            enterprise_id=membership.enterprise_id,
            role=Role(membership.role),
            user=membership.user,
            membership_id=membership.pk,
        )

    @classmethod
    def system(cls, community_id: int) -> Actor:
        """The actor for work the platform does by itself (demo loading, scheduled tasks)."""
        return cls(community_id=community_id, enterprise_id=None, role=Role.STAFF)


def memberships_of(user: User) -> list[Membership]:
    """Active memberships, widest role first."""
    order = {role: i for i, role in enumerate(Role)}
    rows = list(
        Membership.objects.filter(user=user, is_active=True).select_related(
            "community", "enterprise", "user"
        )
    )
    return sorted(rows, key=lambda m: (order[Role(m.role)], m.pk))


def scope[M: models.Model](actor: Actor, queryset: models.QuerySet[M]) -> models.QuerySet[M]:
    """Restrict a queryset to the actor's tenant.

    The model names its tenant fields with `tenant_community` and `tenant_enterprise`
    (paths in the ORM's double-underscore syntax). A model without `tenant_enterprise` is
    community-level: enterprise roles see none of it. A supplier's accounts see the rows whose
    `tenant_supplier_accounts` path reaches them, and nothing else.
    """
    model = queryset.model
    community_path = getattr(model, "tenant_community", None)
    if community_path is None:
        raise TypeError(f"{model.__name__} declares no tenant_community")
    queryset = queryset.filter(**{community_path: actor.community_id})
    if actor.community_wide:
        return queryset
    if actor.role == Role.SUPPLIER:
        supplier_path = getattr(model, "tenant_supplier_accounts", None)
        if supplier_path is None or actor.user is None:
            return queryset.none()
        return queryset.filter(**{supplier_path: actor.user.pk})
    enterprise_path = getattr(model, "tenant_enterprise", None)
    if enterprise_path is None or actor.enterprise_id is None:
        return queryset.none()
    return queryset.filter(**{enterprise_path: actor.enterprise_id})


def fetch[M: models.Model](
    actor: Actor, queryset: models.QuerySet[M], perm: Perm, **lookup: Any
) -> M:
    """The object matching `lookup` inside the actor's tenant, if the role allows `perm`."""
    actor.check(perm)
    try:
        return scope(actor, queryset).get(**lookup)
    except queryset.model.DoesNotExist as exc:
        raise Http404 from exc


def require_own_enterprise(actor: Actor, enterprise: Any, perm: Perm) -> None:
    """For services writing an enterprise's records: the role allows `perm`, and the enterprise
    is in the actor's community and, for enterprise roles, is their own."""
    actor.check(perm)
    if enterprise.community_id != actor.community_id:
        raise PermissionDenied
    if not actor.community_wide and enterprise.pk != actor.enterprise_id:
        raise PermissionDenied


def actor_of(request: HttpRequest) -> Actor:
    """The actor `require` / `api_require` attached to the request."""
    return request.actor  # type: ignore[attr-defined,no-any-return]


ViewFunc = Callable[..., HttpResponse]


def require(perm: Perm) -> Callable[[ViewFunc], ViewFunc]:
    """Decorate a page view: signed in, acting in some membership, and allowed `perm`."""

    def decorator(view: ViewFunc) -> ViewFunc:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            actor: Actor | None = getattr(request, "actor", None)
            if actor is None:
                raise PermissionDenied("no membership")
            actor.check(perm)
            return view(request, *args, **kwargs)

        wrapper.required_perm = perm  # type: ignore[attr-defined]
        return wrapper

    return decorator


def api_require(perm: Perm) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate an API handler: the authenticated actor (session or token) must allow `perm`."""

    def decorator(handler: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(handler)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            actor: Actor | None = getattr(request, "auth", None)
            if not isinstance(actor, Actor):
                raise PermissionDenied("no actor")
            request.actor = actor  # type: ignore[attr-defined]
            actor.check(perm)
            return handler(request, *args, **kwargs)

        wrapper.required_perm = perm  # type: ignore[attr-defined]
        return wrapper

    return decorator
