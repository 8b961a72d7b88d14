"""The navigation menu: each entry shows only to roles whose permission allows its page."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from workgate.core.access import Actor, Perm
from workgate.core.models import Role


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    perm: Perm
    # Where a permission spans roles that use different pages (an officer's stock page, the
    # staff's community overview), the roles the entry is for.
    roles: frozenset[Role] | None = None


_COMMUNITY = frozenset({Role.LEADER, Role.STAFF})
_ENTERPRISE = frozenset({Role.OFFICER})
# People who answer call-outs, keep shifts and look after a grid (party members hold every role;
# leader and staff have the community-wide pages instead, suppliers none of it).
_HANDS = frozenset({Role.OFFICER, Role.GATE, Role.VOLUNTEER, Role.EMPLOYEE})

NAV: list[NavItem] = [
    NavItem(_("Overview"), "core:home", Perm.DASHBOARD_VIEW),
    NavItem(_("Enterprises"), "registry:enterprise_list", Perm.ENTERPRISE_VIEW),
    NavItem(_("Employees"), "registry:employee_list", Perm.EMPLOYEE_VIEW),
    NavItem(_("Roster imports"), "registry:import_list", Perm.EMPLOYEE_MANAGE),
    NavItem(_("My file"), "registry:own_file", Perm.OWN_FILE_VIEW),
    NavItem(_("Audit log"), "core:audit", Perm.AUDIT_VIEW),
    NavItem(_("API tokens"), "core:tokens", Perm.TOKEN_MANAGE),
    NavItem(_("Campaigns"), "screening:campaign_list", Perm.CAMPAIGN_VIEW),
    NavItem(_("My calls"), "screening:my_calls", Perm.CALL_WORK),
    NavItem(_("Region risk"), "screening:regions", Perm.RISK_VIEW),
    NavItem(_("Return plans"), "screening:return_plans", Perm.RETURN_PLAN_VIEW),
    NavItem(_("Gate station"), "health:stations", Perm.CHECK_RECORD),
    NavItem(_("Rounds"), "health:rounds", Perm.CHECK_VIEW),
    NavItem(_("Fever incidents"), "health:incidents", Perm.INCIDENT_VIEW),
    NavItem(_("Health declaration"), "health:declare", Perm.DECLARE),
    NavItem(_("My pass"), "health:pass", Perm.DECLARE),
    NavItem(_("Health settings"), "health:settings", Perm.HEALTH_SETTINGS_MANAGE),
    NavItem(_("Work resumption"), "resumption:mine", Perm.RESUMPTION_VIEW),
    NavItem(_("Back to work"), "resumption:dashboard", Perm.RESUMPTION_DASHBOARD),
    NavItem(_("Resumption conditions"), "resumption:conditions", Perm.RESUMPTION_CONFIGURE),
    NavItem(_("Supplies"), "supplies:overview", Perm.SUPPLIES_VIEW, _COMMUNITY),
    NavItem(_("My materials"), "supplies:stock", Perm.SUPPLIES_VIEW, _ENTERPRISE),
    NavItem(_("Material needs"), "supplies:needs", Perm.SUPPLIES_VIEW),
    NavItem(_("Supply-chain supermarket"), "supplies:allocation", Perm.ALLOCATION_VIEW),
    NavItem(_("Suppliers"), "supplies:suppliers", Perm.SUPPLIER_VIEW, _COMMUNITY),
    NavItem(_("My offers"), "supplies:my_offers", Perm.OFFER_MANAGE, frozenset({Role.SUPPLIER})),
    NavItem(_("Material orders"), "supplies:orders", Perm.ORDER_VIEW),
    NavItem(_("Materials catalogue"), "supplies:catalogue", Perm.SUPPLIES_CONFIGURE),
    NavItem(_("Volunteers"), "volunteers:volunteer_list", Perm.VOLUNTEER_VIEW),
    NavItem(_("Call-outs"), "volunteers:callout_list", Perm.CALLOUT_POST),
    NavItem(_("My call-outs"), "volunteers:my_callouts", Perm.CALLOUT_ANSWER, _HANDS),
    NavItem(_("Duty roster"), "duty:roster", Perm.DUTY_VIEW),
    NavItem(_("Coverage gaps"), "duty:gaps", Perm.DUTY_VIEW),
    NavItem(_("Shift swaps"), "duty:swaps", Perm.DUTY_MANAGE),
    NavItem(_("My shifts"), "duty:mine", Perm.DUTY_OWN, _HANDS),
    NavItem(_("Grids"), "grid:list", Perm.GRID_VIEW),
    NavItem(_("My grid"), "grid:mine", Perm.GRID_OWN, _HANDS | {Role.STAFF}),
    NavItem(_("Group robots"), "core:channel_robots", Perm.CHANNEL_MANAGE),
    NavItem(_("Delivery log"), "core:channel_deliveries", Perm.CHANNEL_MANAGE),
]


# The menu's sections, by the pages' URL namespace: a role with many pages (staff have about
# thirty) sees a short row of sections that open, not a wall of links on a phone.
SECTIONS: list[tuple[str, str | Promise, tuple[str, ...]]] = [
    ("registry", _("Registry"), ("registry:",)),
    ("screening", _("Screening"), ("screening:",)),
    ("health", _("Daily health"), ("health:",)),
    ("resumption", _("Work resumption"), ("resumption:",)),
    ("supplies", _("Supplies"), ("supplies:",)),
    ("volunteers", _("Volunteers and duty"), ("volunteers:", "duty:", "grid:")),
    ("admin", _("Administration"), ("core:audit", "core:tokens", "core:channel_")),
]


@dataclass(frozen=True)
class NavSection:
    key: str
    label: str | Promise
    items: list[NavItem]

    def holds(self, url_name: str) -> bool:
        return any(item.url_name == url_name for item in self.items)


def sections_for(actor: Actor | None) -> list[NavSection]:
    """The actor's menu in sections, in menu order; pages outside every section (the overview)
    come first as sections of their own. A section of one page is shown as that page's link."""
    items = nav_for(actor)
    out = [NavSection("", item.label, [item]) for item in items if _section(item) is None]
    for key, label, _prefixes in SECTIONS:
        mine = [item for item in items if _section(item) == key]
        if mine:
            out.append(NavSection(key, label, mine))
    return out


def _section(item: NavItem) -> str | None:
    for key, _label, prefixes in SECTIONS:
        if item.url_name.startswith(prefixes):
            return key
    return None


def nav_for(actor: Actor | None) -> list[NavItem]:
    if actor is None:
        return []
    return [
        item
        for item in NAV
        if actor.can(item.perm) and (item.roles is None or actor.role in item.roles)
    ]
