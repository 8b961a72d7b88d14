"""Mobile numbers: parsed and checked with phonenumbers, stored as 11 digits."""

from __future__ import annotations

import phonenumbers

from workgate.core.text import normalise_text


def normalise_mobile(value: str | int | None) -> str | None:
    """The 11-digit mainland mobile number in `value`, or None if it is not one.

    Accepts what people type: spaces, dashes, full-width digits, a +86 / 0086 prefix.
    """
    if value is None:
        return None
    text = normalise_text(str(value))
    if not text:
        return None
    try:
        parsed = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        return None
    if parsed.country_code != 86:
        return None
    if phonenumbers.number_type(parsed) not in {
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    }:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return str(parsed.national_number)


def normalise_phone(value: str | None) -> str | None:
    """A mainland mobile (11 digits) or landline (0574-86801234 as 057486801234), or None."""
    mobile = normalise_mobile(value)
    if mobile:
        return mobile
    text = normalise_text(str(value or ""))
    if not text:
        return None
    try:
        parsed = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        return None
    if parsed.country_code != 86 or not phonenumbers.is_valid_number(parsed):
        return None
    return "0" + str(parsed.national_number)
