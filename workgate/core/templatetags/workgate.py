"""Template filters and tags every page may use (registered as builtins in settings)."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from workgate.core.access import Perm
from workgate.core.masking import mask_id_number, mask_phone
from workgate.core.models import Enterprise

register = template.Library()


@register.filter
def masked_id(value: str) -> str:
    return mask_id_number(value or "")


@register.filter
def masked_phone(value: str) -> str:
    return mask_phone(value or "")


@register.filter
def can(actor: Any, perm: str) -> bool:
    """`{% if actor|can:"enterprise.suspend" %}`: whether the page's actor holds a permission."""
    return actor is not None and hasattr(actor, "can") and actor.can(Perm(perm))


@register.simple_tag(takes_context=True)
def enterprise_status(
    context: template.Context, enterprise: Any, link: bool = False, pk: int | None = None
) -> SafeString | str:
    """An enterprise's resumption status as a coloured chip: not resumed grey, applying blue,
    approved teal, resumed green, suspended red.

    `enterprise` is an Enterprise (or anything with `status` and `pk`) or the status itself.
    With `link`, the chip opens the enterprise's resumption page for those allowed to see it.
    """
    status = getattr(enterprise, "status", enterprise) or Enterprise.Status.NOT_RESUMED
    try:
        label = Enterprise.Status(status).label
    except ValueError:
        return ""
    chip = format_html(
        '<span class="status-chip status-{}" data-testid="enterprise-status" data-status="{}">'
        "{}</span>",
        status,
        status,
        label,
    )
    pk = pk or getattr(enterprise, "pk", None)
    actor = context.get("actor")
    if (
        link
        and pk
        and actor is not None
        and actor.can(Perm.RESUMPTION_VIEW)
        and (actor.community_wide or actor.enterprise_id == pk)
    ):
        return format_html(
            '<a href="{}" class="status-link" title="{}" data-testid="enterprise-status-link">'
            "{} ›</a>",
            reverse("resumption:enterprise", args=[pk]),
            _("Work resumption"),
            chip,
        )
    return chip
