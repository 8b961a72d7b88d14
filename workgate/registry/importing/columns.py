"""The roster's column map: one entry per employee field, with its header synonyms, its parser
(cell → clean value) and its validator (clean value, in the row's context → model values).

This is the one description of a roster for imports and exports alike (STYLE habit 9): pages
show `label`, the import matches headers against `synonyms`, exports write `label`.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any
from unicodedata import is_normalized

import phonenumbers
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from workgate.core.masking import mask_id_number, mask_phone
from workgate.core.phones import normalise_mobile
from workgate.core.text import compact, normalise_text
from workgate.registry.idnumbers import IdNumber, IdNumberError, parse_id_number
from workgate.registry.models import Employee
from workgate.registry.region_names import region_code_from_text
from workgate.registry.regions import resolve_region_code

Cell = Any


class CellError(ValueError):
    """Why one cell is refused, in the user's language (made with gettext when raised)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class RowContext:
    """What a row's validators may look at: the enterprise's lookups and the row's ID number."""

    home_prefix: str
    shifts: dict[str, int]  # header_key(name) → pk
    shift_names: list[str]
    workshops: dict[str, int]  # header_key(name) → pk
    today: dt.date
    id: IdNumber | None = None


# --- cell clean-up ------------------------------------------------------------------------------


def clean_text(cell: Cell) -> str:
    """A cell as text: NFKC (full-width → ASCII), invisible and repeated spaces removed."""
    if cell.__class__ is str:
        # Fast paths that give exactly normalise_text's result. Plain ASCII: NFKC changes
        # nothing and split() folds spaces as its pattern does. Other text already in NFKC
        # form, printable (no invisible or control characters) and without a space: nothing
        # to change at all ("张三", "一车间").
        if cell.isascii():
            return " ".join(cell.split())
        if " " not in cell and cell.isprintable() and is_normalized("NFKC", cell):
            return cell
        return normalise_text(cell)
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer() and abs(cell) < 1e15:
        return str(int(cell))
    if isinstance(cell, dt.datetime):
        return cell.date().isoformat() if cell.time() == dt.time() else cell.isoformat(" ")
    if isinstance(cell, dt.date):
        return cell.isoformat()
    return normalise_text(str(cell))


_HEADER_NOISE = re.compile(r"[（(【\[].*?[)）】\]]|[*＊:：\s_\-—/\\.。]")


def header_key(text: Any) -> str:
    """Header text as compared with synonyms and remembered mappings: no brackets, marks or
    spaces, lower case ("身份证号码（必填）*" → "身份证号码", "Mobile No." → "mobileno")."""
    return _HEADER_NOISE.sub("", clean_text(text)).lower()


# --- parsers: cell → clean value, or None for an empty cell ----------------------------------


def _text(max_length: int) -> Callable[[Cell], str | None]:
    def parse(cell: Cell) -> str | None:
        text = clean_text(cell)
        if not text:
            return None
        if len(text) > max_length:
            raise CellError(
                _("This is too long: at most %(max)d characters.") % {"max": max_length}
            )
        return text

    return parse


_name_text = _text(50)
_CJK_NAME = re.compile(r"[\u3400-\u9fff\uf900-\ufaff·• ]+")


def parse_name(cell: Cell) -> str | None:
    """A person's name. Chinese names lose the spaces people pad them with to line up
    two-character names with three-character ones ("赵　五" → "赵五")."""
    text = _name_text(cell)
    if text and " " in text and _CJK_NAME.fullmatch(text):
        text = text.replace(" ", "")
    return text


_ID_CHECK = "10X98765432"
_EARLIEST_BIRTH = dt.date(1900, 1, 1)


def _check_char(body: str) -> str:
    """GB 11643's check character of 17 ASCII digits.

    The standard weighs digit i (from the left, 0-based) by 2^(17-i) mod 11. Read as a number
    in base 13, the digits are weighed by 13^(16-i), and 13 ≡ 2 (mod 11): so twice that number
    is congruent to the weighted sum, and int() does the sum in C.
    """
    return _ID_CHECK[int(body, 13) * 2 % 11]


_today: list[Any] = [None, 0.0]


def _today_date() -> dt.date:
    """dt.date.today(), looked up at most once a second (it is asked 100,000 times)."""
    now = time.monotonic()
    if now - _today[1] > 1.0:
        _today[0], _today[1] = dt.date.today(), now
    return _today[0]


@cache
def _region_of(code: str) -> Any:
    return resolve_region_code(code)


@lru_cache(maxsize=1 << 16)
def _birth_of(digits: str) -> dt.date | None:
    """The date in an ID number's eight birth digits, or None if there is no such day."""
    try:
        return dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return None


def parse_id(cell: Cell) -> IdNumber | None:
    """The resident ID number in a cell.

    A clean 18-character number takes a fast path that computes exactly what
    `parse_id_number` computes (check digit per GB 11643, birth date, sex, region); anything
    else, and any failure, goes to `parse_id_number` itself, which also words the reason.
    A roster has tens of thousands of IDs; the fast path is what keeps an import near the
    speed of reading the file (see tests/registry/test_import_columns.py for the equivalence).
    """
    if cell.__class__ is str:
        text = cell.strip().upper()
        if not text:
            return None
        body = text[:17]
        if len(text) == 18 and body.isdigit() and body.isascii() and _check_char(body) == text[17]:
            birth = _birth_of(text[6:14])
            region = _region_of(text[:6])
            if (
                birth is not None
                and region is not None
                and _EARLIEST_BIRTH <= birth <= _today_date()
            ):
                # The 17th digit's parity is the sex; ord("0") is even.
                sex = "M" if ord(text[16]) & 1 else "F"
                return IdNumber(number=text, sex=sex, birth_date=birth, region=region)
    elif cell is None or cell == "":
        return None
    elif isinstance(cell, int) and not isinstance(cell, bool):
        cell = str(cell)
    try:
        return parse_id_number(cell)
    except IdNumberError as exc:
        raise CellError(str(exc)) from exc


# China's mobile numbers as phonenumbers' own metadata describes them (so it follows library
# updates): a prefix of at most six digits, then any digits, eleven in all.
def id_key(cell: Cell) -> str | None:
    """The ID number in a cell as `parse_id` would return it, or None if it has none; only
    for spotting the same number twice (a refused number is refused when its row is read)."""
    if cell.__class__ is str:
        text = cell.strip().upper()
        body = text[:17]
        if len(text) == 18 and body.isdigit() and body.isascii() and _check_char(body) == text[17]:
            return text
    try:
        parsed = parse_id(cell)
    except CellError:
        return None
    return parsed.number if parsed is not None else None


_CN_MOBILE = re.compile(
    phonenumbers.PhoneMetadata.metadata_for_region("CN").mobile.national_number_pattern
)


def parse_mobile(cell: Cell) -> str | None:
    """A mainland mobile number, exactly as workgate.core.phones.normalise_mobile reads it.

    That function costs about 40 µs (phonenumbers parses, then tries every number type of the
    region). For the common cell — exactly 11 ASCII digits starting with 1 — its answer is the
    CN mobile pattern above: parsing keeps the 11 digits as the national number, and no other
    number type of the region admits 11 digits starting with 1. Since the pattern fixes at
    most the first six digits, this was checked over every six-digit prefix, and
    tests/registry/test_import_columns.py keeps checking it on a sample, against
    normalise_mobile itself. Anything else (spaces, +86, full-width digits) goes to
    normalise_mobile.
    """
    if cell.__class__ is float and cell.is_integer():
        cell = str(int(cell))
    elif cell.__class__ is int:
        cell = str(cell)
    if cell.__class__ is str:
        text = cell.strip()
        if len(text) == 11 and text.isdigit() and text.isascii() and text[0] == "1":
            if _CN_MOBILE.fullmatch(text):
                return text
            raise CellError(_bad_mobile())
    text = clean_text(cell)
    if not text:
        return None
    mobile = normalise_mobile(text)
    if mobile is None:
        raise CellError(_bad_mobile())
    return mobile


def _bad_mobile() -> str:
    return _("That is not a mobile number in mainland China (11 digits starting with 1).")


_SEXES = {
    "男": "M",
    "男性": "M",
    "m": "M",
    "male": "M",
    "女": "F",
    "女性": "F",
    "f": "F",
    "female": "F",
}


def parse_sex(cell: Cell) -> str | None:
    text = clean_text(cell).lower()
    if not text:
        return None
    if text not in _SEXES:
        raise CellError(_("Write 男 or 女 (or leave it empty: the ID number tells)."))
    return _SEXES[text]


_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T].*)?$")
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def parse_date(cell: Cell) -> dt.date | None:
    """Dates as rosters hold them: real date cells, 2020-02-10, 2020/2/10, 2020.2.10,
    2020年2月10日, 20200210, and Excel's day numbers (43871) when the cell lost its format."""
    if isinstance(cell, dt.datetime):
        return cell.date()
    if isinstance(cell, dt.date):
        return cell
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        if 20_000 < cell < 80_000:
            return _EXCEL_EPOCH + dt.timedelta(days=int(cell))
        cell = str(int(cell)) if float(cell).is_integer() else str(cell)
    text = clean_text(cell)
    if not text:
        return None
    match = _DATE.match(text)
    if match is None and len(text) == 8 and text.isdigit():
        match = re.match(r"^(\d{4})(\d{2})(\d{2})$", text)
    if match is None:
        raise CellError(_("This is not a date. Write it as 2020-02-10 (year, month, day)."))
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError as exc:
        raise CellError(_("This date does not exist.")) from exc


def parse_place(cell: Cell) -> tuple[str, str] | None:
    """(region code, the text as written) for a place; the region must be recognisable."""
    text = clean_text(cell)
    if not text:
        return None
    code = region_code_from_text(text)
    if code is None:
        raise CellError(
            _(
                "This place is not recognised. Write the province and city, e.g. "
                "湖北省武汉市 or 浙江宁波北仑."
            )
        )
    return code, text


_JOB_STATUS = {
    Employee.JobStatus.ACTIVE: ("在岗", "已在岗", "到岗", "已到岗", "返岗", "已返岗", "在职"),
    Employee.JobStatus.AWAY: ("未返岗", "未到岗", "未返回", "未复工", "在家", "not yet returned"),
    Employee.JobStatus.DELAYED: ("延迟返岗", "劝导延迟返岗", "暂缓返岗", "延迟", "return delayed"),
    Employee.JobStatus.SHARED_OUT: ("共享", "共享员工", "借出", "外借", "lent"),
    Employee.JobStatus.LEFT: ("离职", "已离职"),
}
_JOB_WORDS = {
    word.lower(): status
    for status, words in _JOB_STATUS.items()
    for word in (*words, status.value, str(status.label))
}
_JOB_WORDS["working"] = Employee.JobStatus.ACTIVE


def parse_job_status(cell: Cell) -> str | None:
    text = clean_text(cell).lower()
    if not text:
        return None
    status = _JOB_WORDS.get(text) or _JOB_WORDS.get(text.replace(" ", ""))
    if status is None:
        raise CellError(
            _("Unknown status. Write one of: %(choices)s.")
            % {"choices": "、".join(words[0] for words in _JOB_STATUS.values())}
        )
    return str(status)


# --- validators: clean value + row context → model attribute values -------------------------


def _store(attr: str) -> Callable[[Any, RowContext], dict[str, Any]]:
    def store(value: Any, ctx: RowContext) -> dict[str, Any]:
        return {attr: value}

    store.stores = attr  # type: ignore[attr-defined]  # the import sets the attribute directly
    return store


# What an ID number sets, in the order of `id_values`.
ID_ATTRS = ("id_number", "sex", "birth_date", "hukou_code", "hukou_region_id", "is_local")


def id_values(value: IdNumber, home_prefix: str) -> tuple[Any, ...]:
    number = value.number
    return (
        number,
        value.sex,
        value.birth_date,
        number[:6],
        value.region.code,
        number.startswith(home_prefix),
    )


def _validate_id(value: IdNumber, ctx: RowContext) -> dict[str, Any]:
    return dict(zip(ID_ATTRS, id_values(value, ctx.home_prefix), strict=True))


def _sex_label(sex: str) -> str:
    return _("male (男)") if sex == "M" else _("female (女)")


def _validate_sex(value: str, ctx: RowContext) -> dict[str, Any]:
    if ctx.id is not None and value != ctx.id.sex:
        raise CellError(
            _("The ID number says %(sex)s; this cell says otherwise.")
            % {"sex": _sex_label(ctx.id.sex)}
        )
    return {}


def _validate_birth(value: dt.date, ctx: RowContext) -> dict[str, Any]:
    if ctx.id is not None and value != ctx.id.birth_date:
        raise CellError(
            _("The ID number says the person was born on %(date)s.")
            % {"date": ctx.id.birth_date.isoformat()}
        )
    return {}


def _validate_hukou(value: tuple[str, str], ctx: RowContext) -> dict[str, Any]:
    code = value[0]
    # Household registration moves but the ID number stays: the file's place wins, unless it
    # is only a coarser name for where the ID number already points ("浙江宁波" for 北仑).
    if ctx.id is not None:
        id_code = ctx.id.region.code
        stem = code.rstrip("0")
        if len(stem) % 2:
            stem += "0"
        if id_code.startswith(stem):
            code = id_code
    return {"hukou_region_id": code, "is_local": code.startswith(ctx.home_prefix)}


def _validate_current(value: tuple[str, str], ctx: RowContext) -> dict[str, Any]:
    return {"current_region_id": value[0], "current_address": value[1][:200]}


def _validate_workshop(value: str, ctx: RowContext) -> dict[str, Any]:
    pk = ctx.workshops.get(header_key(value))
    if pk is None:
        # Created once per import when the rows are written; until then known by name.
        return {"workshop_id": value}
    return {"workshop_id": pk}


def _validate_shift(value: str, ctx: RowContext) -> dict[str, Any]:
    key = header_key(value)
    pk = ctx.shifts.get(key) or ctx.shifts.get(key + "班")
    if pk is None:
        if not ctx.shift_names:
            raise CellError(
                _("Unknown shift “%(name)s”: this enterprise has no shifts yet. Add them first.")
                % {"name": value}
            )
        raise CellError(
            _("Unknown shift “%(name)s”. The enterprise's shifts are: %(known)s.")
            % {"name": value, "known": "、".join(ctx.shift_names)}
        )
    return {"shift_id": pk}


def _validate_job_status(value: str, ctx: RowContext) -> dict[str, Any]:
    out: dict[str, Any] = {"job_status": value}
    if value in (Employee.JobStatus.ACTIVE, Employee.JobStatus.AWAY, Employee.JobStatus.DELAYED):
        out["arrived"] = value == Employee.JobStatus.ACTIVE
    return out


# --- the map -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    field: str
    label: Promise
    synonyms: tuple[str, ...]
    parse: Callable[[Cell], Any]
    validate: Callable[[Any, RowContext], dict[str, Any]]
    required: bool = False
    mask: Callable[[str], str] | None = None
    # Model attributes an update may change (ID-derived ones never change on update).
    updates: tuple[str, ...] = ()
    # The same few values fill the column (a workshop, a date, 男/女): the import memoises
    # `parse` by cell value, and `validate` too when it does not look at the row (`row_free`).
    repeats: bool = False
    row_free: bool = False


COLUMNS: tuple[Column, ...] = (
    Column(
        "name",
        gettext_lazy("Name"),
        ("姓名", "名字", "员工姓名", "职工姓名", "人员姓名", "name", "fullname", "employeename"),
        parse_name,
        _store("name"),
        required=True,
        updates=("name",),
        # Not "few", but common names recur often enough in 100,000 rows to be worth it.
        repeats=True,
        row_free=True,
    ),
    Column(
        "id_number",
        gettext_lazy("Resident ID number"),
        (
            "身份证号",
            "身份证号码",
            "证件号码",
            "证件号",
            "公民身份号码",
            "身份证",
            "身份证件号码",
            "idnumber",
            "idno",
            "residentidnumber",
            "idcard",
        ),
        parse_id,
        _validate_id,
        required=True,
        mask=mask_id_number,
    ),
    Column(
        "sex",
        gettext_lazy("Sex"),
        ("性别", "sex", "gender"),
        parse_sex,
        _validate_sex,
        repeats=True,
    ),
    Column(
        "birth_date",
        gettext_lazy("Birth date"),
        ("出生日期", "出生年月日", "出生年月", "生日", "birthdate", "dateofbirth", "birthday"),
        parse_date,
        _validate_birth,
        repeats=True,
    ),
    Column(
        "mobile",
        gettext_lazy("Mobile number"),
        (
            "手机",
            "手机号",
            "手机号码",
            "联系电话",
            "电话",
            "联系方式",
            "电话号码",
            "移动电话",
            "mobile",
            "mobilenumber",
            "mobileno",
            "phone",
            "phonenumber",
        ),
        parse_mobile,
        _store("mobile"),
        mask=mask_phone,
        updates=("mobile",),
    ),
    Column(
        "hukou_region",
        gettext_lazy("Household registration"),
        ("户籍地", "户籍地址", "户籍所在地", "户籍", "籍贯", "户口所在地", "hukou", "hometown"),
        parse_place,
        _validate_hukou,
        updates=("hukou_region_id", "is_local"),
        repeats=True,
    ),
    Column(
        "current_region",
        gettext_lazy("Current whereabouts"),
        (
            "现居住地",
            "现住址",
            "现居住地址",
            "当前所在地",
            "目前所在地",
            "现所在地",
            "春节所在地",
            "currentlocation",
            "whereabouts",
            "currentaddress",
        ),
        parse_place,
        _validate_current,
        updates=("current_region_id", "current_address"),
        repeats=True,
        row_free=True,
    ),
    Column(
        "workshop",
        gettext_lazy("Workshop"),
        ("车间", "部门", "所在车间", "所在部门", "车间部门", "workshop", "department"),
        _text(100),
        _validate_workshop,
        updates=("workshop_id",),
        repeats=True,
        row_free=True,
    ),
    Column(
        "shift",
        gettext_lazy("Shift"),
        ("班次", "班组", "班别", "shift"),
        _text(50),
        _validate_shift,
        updates=("shift_id",),
        repeats=True,
        row_free=True,
    ),
    Column(
        "dorm_room",
        gettext_lazy("Dorm room"),
        ("宿舍", "宿舍号", "寝室", "寝室号", "宿舍房间", "住宿", "dorm", "dormroom"),
        _text(50),
        _store("dorm_room"),
        updates=("dorm_room",),
        repeats=True,
        row_free=True,
    ),
    Column(
        "arrival_date",
        gettext_lazy("Arrival date"),
        (
            "到岗日期",
            "返岗日期",
            "预计返岗日期",
            "到达日期",
            "返甬日期",
            "抵甬日期",
            "返岗时间",
            "到岗时间",
            "arrivaldate",
            "returndate",
        ),
        parse_date,
        _store("arrival_date"),
        updates=("arrival_date",),
        repeats=True,
        row_free=True,
    ),
    Column(
        "job_status",
        gettext_lazy("Job status"),
        ("在岗状态", "状态", "返岗状态", "在职状态", "jobstatus", "status"),
        parse_job_status,
        _validate_job_status,
        updates=("job_status", "arrived"),
        repeats=True,
        row_free=True,
    ),
)

BY_FIELD: dict[str, Column] = {c.field: c for c in COLUMNS}
REQUIRED: tuple[str, ...] = tuple(c.field for c in COLUMNS if c.required)
SYNONYMS: dict[str, str] = {header_key(s): c.field for c in COLUMNS for s in c.synonyms}


_OTHER_PERSON = ("紧急", "联系人", "家属", "亲属", "父", "母", "配偶")


def field_for_header(text: str) -> tuple[str | None, bool]:
    """The field a header names, and whether the match is exact (not just contained)."""
    key = header_key(text)
    if not key:
        return None, False
    if key in SYNONYMS:
        return SYNONYMS[key], True
    # "员工身份证号" or "本人手机号码": the longest synonym inside the header, if it is specific
    # enough to mean something; never for someone else's details ("紧急联系人电话").
    if any(word in key for word in _OTHER_PERSON):
        return None, False
    best: tuple[int, str] | None = None
    for synonym, fname in SYNONYMS.items():
        if (
            len(synonym) >= 3
            and not synonym.isascii()
            and synonym in key
            and (best is None or len(synonym) > best[0])
        ):
            best = (len(synonym), fname)
    return (best[1], False) if best else (None, False)


def masked(column: Column | None, text: str) -> str:
    if column is not None and column.mask is not None:
        return column.mask(compact(text))
    return text[:100]


__all__ = [
    "BY_FIELD",
    "COLUMNS",
    "ID_ATTRS",
    "REQUIRED",
    "CellError",
    "Column",
    "RowContext",
    "clean_text",
    "field_for_header",
    "header_key",
    "masked",
]
