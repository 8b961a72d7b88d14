"""Resident ID numbers (GB 11643): normalise what people type, check, and derive sex, birth, region.

python-stdnum's `cn.ric` does the check-digit and date arithmetic. Its place check is stricter
than reality in one way that matters here: it refuses a code whose county did not exist in the
person's birth year, but a number is assigned when the household is registered, so someone born
in 1985 who moved to 奉化区 (created 2016) holds a valid 330213… number. We therefore accept any
code the data set has ever known, and a code it does not know yet if its province exists.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _
from stdnum.cn import ric

from workgate.core.text import compact
from workgate.registry.regions import RegionRow, resolve_region_code

_SCIENTIFIC = re.compile(r"^\d(\.\d+)?E\+\d+$", re.IGNORECASE)


class IdNumberError(ValueError):
    """Why a value is not a resident ID number, in words for the person who typed it."""


@dataclass(frozen=True, slots=True)
class IdNumber:
    number: str
    sex: str  # "M" or "F"
    birth_date: dt.date
    region: RegionRow


def _upgrade_15(number: str) -> str:
    """First-generation 15-digit numbers (issued before 1999) to their 18-digit form."""
    body = number[:6] + "19" + number[6:]
    return body + ric.calc_check_digit(body + "0")


def parse_id_number(value: object, *, today: dt.date | None = None) -> IdNumber:
    """Normalise and check `value`; raise IdNumberError with the reason in the user's language."""
    if value is None:
        raise IdNumberError(_("The ID number is empty."))
    if isinstance(value, float):
        raise IdNumberError(
            _(
                "The ID number was stored by Excel as a number and has lost its last digits. "
                "Format the column as Text in Excel and type the numbers again."
            )
        )
    text = compact(str(value)).upper()
    if not text:
        raise IdNumberError(_("The ID number is empty."))
    if _SCIENTIFIC.match(text):
        raise IdNumberError(
            _(
                "The ID number was shown by Excel in scientific notation (%(value)s) and its "
                "last digits are lost. Format the column as Text in Excel and type the numbers "
                "again."
            )
            % {"value": text}
        )
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    if len(text) == 15 and text.isdigit():
        text = _upgrade_15(text)
    if len(text) != 18:
        if text.isdigit() and 15 < len(text) < 18:
            raise IdNumberError(
                _(
                    "The ID number has %(count)d digits instead of 18. If it came from Excel, "
                    "its last digits were probably lost: format the column as Text and type it "
                    "again."
                )
                % {"count": len(text)}
            )
        raise IdNumberError(
            _("The ID number must have 18 characters; this one has %(count)d.")
            % {"count": len(text)}
        )
    if not text[:17].isdigit() or not (text[17].isdigit() or text[17] == "X"):
        raise IdNumberError(
            _("The ID number may only hold digits, with X allowed as the last character.")
        )
    if ric.calc_check_digit(text) != text[17]:
        if text.endswith("000"):
            # Excel keeps 15 significant digits: 330203199001011234 becomes 330203199001011000.
            raise IdNumberError(
                _(
                    "The ID number ends in 000 and its check digit does not match: Excel stored "
                    "it as a number and replaced the last digits with zeros. Format the column "
                    "as Text in Excel and type the numbers again."
                )
            )
        raise IdNumberError(
            _("The ID number's last character (check digit) does not match; a digit is mistyped.")
        )
    try:
        birth = ric.get_birth_date(text)
    except Exception as exc:
        raise IdNumberError(_("The ID number holds an impossible birth date.")) from exc
    today = today or dt.date.today()
    if birth > today or birth.year < 1900:
        raise IdNumberError(_("The ID number holds an impossible birth date."))
    region = resolve_region_code(text[:6])
    if region is None:
        raise IdNumberError(
            _("The ID number starts with %(code)s, which is not a region code.")
            % {"code": text[:6]}
        )
    sex = "M" if int(text[16]) % 2 else "F"
    return IdNumber(number=text, sex=sex, birth_date=birth, region=region)
