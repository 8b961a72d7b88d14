"""Template filters every page may use (registered as builtins in settings)."""

from __future__ import annotations

from django import template

from workgate.core.masking import mask_id_number, mask_phone

register = template.Library()


@register.filter
def masked_id(value: str) -> str:
    return mask_id_number(value or "")


@register.filter
def masked_phone(value: str) -> str:
    return mask_phone(value or "")
