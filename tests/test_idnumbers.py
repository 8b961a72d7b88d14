"""Resident ID numbers as people and spreadsheets actually write them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import ric

from tests.factories import id_number
from workgate.registry.idnumbers import IdNumberError, parse_id_number
from workgate.registry.regions import region_rows

TODAY = dt.date(2026, 11, 22)


def test_plain_number_gives_sex_birth_and_region():
    parsed = parse_id_number(id_number("330206", dt.date(1990, 3, 7), seq=123), today=TODAY)
    assert parsed.birth_date == dt.date(1990, 3, 7)
    assert parsed.sex == "M"  # the 17th digit (3) is odd
    assert parsed.region.full_name == "浙江省 宁波市 北仑区"


def test_sex_follows_the_17th_digit():
    assert parse_id_number(id_number(seq=121), today=TODAY).sex == "M"
    assert parse_id_number(id_number(seq=122), today=TODAY).sex == "F"


def test_lower_case_x_full_width_and_spaces_are_accepted():
    body = "11010519491231002"
    number = body + ric.calc_check_digit(body + "0")
    assert number.endswith("X")
    typed = " " + number[:6] + " " + number[6:14] + "　" + number[14:].lower() + " "
    assert parse_id_number(typed, today=TODAY).number == number
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in number)
    assert parse_id_number(full_width, today=TODAY).number == number


def test_first_generation_15_digit_number_is_upgraded():
    parsed = parse_id_number("330206800101123", today=TODAY)
    assert parsed.number.startswith("33020619800101123")
    assert ric.calc_check_digit(parsed.number) == parsed.number[-1]
    assert parsed.birth_date == dt.date(1980, 1, 1)


def test_abolished_county_stays_valid():
    # 330204 江东区 was merged into 鄞州区 in 2016; its people keep their numbers.
    parsed = parse_id_number(id_number("330204", dt.date(1975, 6, 1)), today=TODAY)
    assert parsed.region.name == "江东区"


def test_county_newer_than_the_birth_year_is_accepted_where_stdnum_refuses():
    # 330213 奉化区 exists since 2016; someone born in 1985 who moved there holds such a number.
    number = id_number("330213", dt.date(1985, 5, 20))
    assert not ric.is_valid(number)  # the library's stricter rule…
    assert parse_id_number(number, today=TODAY).region.name == "奉化区"  # …reality wins


@pytest.mark.parametrize("county", ["810000", "820000", "830000"])
def test_hong_kong_macao_taiwan_residence_permits(county):
    parsed = parse_id_number(id_number(county, dt.date(1992, 2, 29)), today=TODAY)
    assert parsed.region.level == 1


@pytest.mark.parametrize("age", [16, 65])
def test_youngest_and_oldest_workers(age):
    birth = TODAY.replace(year=TODAY.year - age)
    assert parse_id_number(id_number(birth=birth), today=TODAY).birth_date == birth


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        (3.30203199001011e17, "Excel"),
        ("3.30203E+17", "scientific notation"),
        ("330203199001011000", "Excel"),
        ("33020319900101123", "17 digits"),
        ("3302031990010112", "16 digits"),
        ("33020319900101", "14"),
        ("33020319900101123Y", "only hold digits"),
        ("", "empty"),
        (None, "empty"),
    ],
)
def test_mistakes_are_explained(value, fragment):
    with translation.override("en"), pytest.raises(IdNumberError) as info:
        parse_id_number(value, today=TODAY)
    assert fragment in str(info.value)


def test_mistyped_digit_fails_the_check_digit():
    good = id_number()
    bad = good[:10] + str((int(good[10]) + 1) % 10) + good[11:]
    with translation.override("en"), pytest.raises(IdNumberError, match="check digit"):
        parse_id_number(bad, today=TODAY)


def test_future_birth_date_is_refused():
    with translation.override("en"), pytest.raises(IdNumberError, match="impossible birth date"):
        parse_id_number(id_number(birth=dt.date(2030, 1, 1)), today=TODAY)


def test_unknown_region_is_refused_with_the_code():
    with translation.override("en"), pytest.raises(IdNumberError, match="990000"):
        parse_id_number(id_number("990000"), today=TODAY)


def test_reasons_are_given_in_chinese():
    with translation.override("zh-hans"), pytest.raises(IdNumberError) as info:
        parse_id_number("3.30203E+17", today=TODAY)
    assert "科学计数法" in str(info.value)


COUNTIES = [r.code for r in region_rows() if r.level == 3]


@settings(max_examples=300, deadline=None)
@given(
    county=st.sampled_from(COUNTIES),
    birth=st.dates(min_value=dt.date(1930, 1, 1), max_value=dt.date(2010, 11, 22)),
    seq=st.integers(0, 999),
)
def test_every_valid_number_of_every_region_is_accepted(county, birth, seq):
    number = id_number(county, birth, seq)
    parsed = parse_id_number(number.lower(), today=TODAY)
    assert parsed.number == number
    assert parsed.birth_date == birth
