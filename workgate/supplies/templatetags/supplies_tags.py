"""Material names and units in the reader's language: Chinese by default, the English name
(when the catalogue has one) for English readers. `{% load supplies_tags %}`."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language

register = template.Library()


def english() -> bool:
    return (get_language() or "").startswith("en")


def display_name(material: Any) -> str:
    if material is None:
        return ""
    if english():
        return material.name_en or material.name
    return material.name


def display_unit(material: Any) -> str:
    if material is None:
        return ""
    if english():
        return material.unit_en or material.unit
    return material.unit


@register.filter
def mname(material: Any) -> str:
    """`{{ material|mname }}`: the material's name in the active language."""
    return display_name(material)


@register.filter
def munit(material: Any) -> str:
    """`{{ material|munit }}`: the unit it is counted in, in the active language."""
    return display_unit(material)


@register.filter
def days1(value: float | None) -> str:
    """Days of supply with one decimal below ten, whole days above; "" when unknown."""
    if value is None:
        return ""
    if value >= 10:
        return f"{value:,.0f}"
    return f"{value:.1f}"


@register.filter
def rate(value: float | None) -> str:
    """A burn rate per day: whole units when large, one decimal when small."""
    if value is None:
        return ""
    if value >= 10:
        return f"{value:,.0f}"
    return f"{value:.2f}".rstrip("0").rstrip(".")


@register.filter
def plain(value: Any) -> str:
    """A decimal without trailing zeros: 0.020 → 0.02, 2.000 → 2."""
    if value is None:
        return ""
    text = f"{value:f}" if hasattr(value, "normalize") else str(value)
    return text.rstrip("0").rstrip(".") if "." in text else text


@register.filter
def signed(value: int) -> str:
    return f"{value:+,d}"
