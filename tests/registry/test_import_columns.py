"""The roster column map: parsers, validators, and the fast paths that must equal the slow ones."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import ric

from tests.registry import person_id
from workgate.core.phones import normalise_mobile
from workgate.core.text import normalise_text
from workgate.registry.idnumbers import IdNumberError, parse_id_number
from workgate.registry.importing import columns
from workgate.registry.importing.columns import COLUMNS, CellError, clean_text, parse_id


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_every_field_has_a_label_synonyms_and_the_required_ones_are_name_and_id():
    assert [c.field for c in COLUMNS if c.required] == ["name", "id_number"]
    for column in COLUMNS:
        assert str(column.label) and column.synonyms
    with translation.override("zh-hans"):
        assert str(columns.BY_FIELD["name"].label)  # lazy: translated when shown


def test_synonyms_do_not_collide():
    seen: dict[str, str] = {}
    for column in COLUMNS:
        for synonym in column.synonyms:
            key = columns.header_key(synonym)
            assert seen.setdefault(key, column.field) == column.field, synonym


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(alphabet="0123456789Xx \u3000０１２３４５６７８９", max_size=22),
        st.builds(
            lambda n, case: person_id(n).lower() if case else person_id(n),
            st.integers(0, 360_000),
            st.booleans(),
        ),
        st.builds(
            lambda n, i, d: person_id(n)[:i] + d + person_id(n)[i + 1 :],
            st.integers(0, 360_000),
            st.integers(0, 17),
            st.sampled_from("0123456789X"),
        ),
    )
)
def test_fast_id_path_equals_parse_id_number(text):
    if not normalise_text(text):
        assert parse_id(text) is None  # an empty cell: "required" is the pipeline's business
        return
    try:
        expected = parse_id_number(text)
    except IdNumberError as exc:
        reason = str(exc)
        expected = None
    if expected is None:
        with pytest.raises(CellError) as caught:
            parse_id(text)
        assert caught.value.message == reason
        return
    assert parse_id(text) == expected
    assert columns.id_key(text) == expected.number


def test_id_numbers_with_impossible_dates_or_regions_take_the_slow_path_and_fail():
    for body in ("33020619900230001", "99020619900101001", "33020621000101001"):
        number = body + ric.calc_check_digit(body + "0")
        with pytest.raises(CellError):
            parse_id(number)


def test_fast_mobile_path_equals_normalise_mobile():
    rng = random.Random(2020)
    samples = [f"1{rng.randrange(10**10):010d}" for _ in range(3000)]
    # The edges of the CN pattern: four- and five-digit prefixes (1610x, 1740[0-5]).
    samples += [
        f"{p}{rng.randrange(10**6):06d}"
        for p in ("16100", "16109", "17400", "17405", "17406", "17491")
    ]
    for text in samples:
        expected = normalise_mobile(text)
        try:
            got = columns.parse_mobile(text)
        except CellError:
            got = None
        assert got == expected, text


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("13812345678", "13812345678"),
        (13812345678.0, "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("+86 138-1234-5678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),
        ("", None),
        ("  ", None),
    ],
)
def test_mobile_cells(cell, expected):
    assert columns.parse_mobile(cell) == expected


@pytest.mark.parametrize("cell", ["12345", "0574-86801234", "1381234567a", "23812345678"])
def test_bad_mobiles(cell):
    with pytest.raises(CellError, match="not a mobile number"):
        columns.parse_mobile(cell)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=20))
def test_clean_text_equals_normalise_text(text):
    assert clean_text(text) == normalise_text(text)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (dt.date(2020, 2, 10), dt.date(2020, 2, 10)),
        (dt.datetime(2020, 2, 10, 8, 30), dt.date(2020, 2, 10)),
        ("2020-02-10", dt.date(2020, 2, 10)),
        ("2020/2/10", dt.date(2020, 2, 10)),
        ("2020.2.10", dt.date(2020, 2, 10)),
        ("2020年2月10日", dt.date(2020, 2, 10)),
        ("２０２０年２月１０日", dt.date(2020, 2, 10)),
        ("20200210", dt.date(2020, 2, 10)),
        (43871.0, dt.date(2020, 2, 10)),  # Excel's day number
        ("2020-02-10 00:00:00", dt.date(2020, 2, 10)),
        ("", None),
    ],
)
def test_dates(cell, expected):
    assert columns.parse_date(cell) == expected


@pytest.mark.parametrize("cell", ["2月10日", "下周", "2020-02-30", "10/2"])
def test_bad_dates(cell):
    with pytest.raises(CellError):
        columns.parse_date(cell)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("男", "M"), ("女", "F"), (" 男性 ", "M"), ("F", "F"), ("male", "M"), ("", None)],
)
def test_sex(cell, expected):
    assert columns.parse_sex(cell) == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("在岗", "active"),
        ("已返岗", "active"),
        ("未返岗", "away"),
        ("劝导延迟返岗", "delayed"),
        ("共享员工", "shared_out"),
        ("离职", "left"),
        ("Working", "active"),
    ],
)
def test_job_status(cell, expected):
    assert columns.parse_job_status(cell) == expected


def test_unknown_job_status_lists_the_words():
    with pytest.raises(CellError, match="在岗"):
        columns.parse_job_status("摸鱼")


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("赵　五", "赵五"),
        (" 欧阳 娜娜 ", "欧阳娜娜"),
        ("Ma Li", "Ma Li"),
        ("阿依古丽·买买提", "阿依古丽·买买提"),
    ],
)
def test_names(cell, expected):
    assert columns.parse_name(cell) == expected


def test_too_long_text_is_refused():
    with pytest.raises(CellError, match="at most 50"):
        columns.parse_name("张" * 51)
