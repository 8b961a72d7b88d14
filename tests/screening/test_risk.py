"""The pure risk assessment: each reason, the window, inheritance of region levels, policy."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from workgate.screening.risk import RANK, Facts, Policy, RegionLevels, Travel, assess, reason_text

TODAY = dt.date(2020, 2, 1)
LEVELS = RegionLevels({"420000": "high", "330300": "medium", "420500": "low"})


def test_inheritance_most_specific_entry_wins():
    assert LEVELS.level("420102") == "high"  # 武汉 江岸区 ← 湖北省
    assert LEVELS.level("420100") == "high"
    assert LEVELS.level("420502") == "low"  # 宜昌 listed low inside a high province
    assert LEVELS.level("330302") == "medium"  # 温州 鹿城区 ← 温州市
    assert LEVELS.level("330206") == "low"
    assert LEVELS.level(None) == "low"


def test_current_whereabouts_in_a_high_region_is_high():
    result = assess(Facts(current_region="420102", is_local=False), LEVELS, Policy(), TODAY)
    assert result.level == "high"
    assert [r.code for r in result.reasons] == ["current"]
    assert result.quarantine_needed and result.delay_return


def test_travel_counts_only_inside_the_window():
    inside = Travel("420102", TODAY - dt.timedelta(days=20), TODAY - dt.timedelta(days=10))
    outside = Travel("420102", TODAY - dt.timedelta(days=40), TODAY - dt.timedelta(days=15))

    assert (
        assess(Facts(current_region="330206", travels=(inside,)), LEVELS, Policy(), TODAY).level
        == "high"
    )
    assert (
        assess(Facts(current_region="330206", travels=(outside,)), LEVELS, Policy(), TODAY).level
        == "low"
    )
    assert (
        assess(
            Facts(current_region="330206", travels=(outside,)),
            LEVELS,
            Policy(window_days=20),
            TODAY,
        ).level
        == "high"
    )
    ongoing = Travel("330302", TODAY - dt.timedelta(days=30), None)
    assert (
        assess(Facts(current_region="330206", travels=(ongoing,)), LEVELS, Policy(), TODAY).level
        == "medium"
    )


def test_health_and_contact_are_reasons():
    assert assess(Facts(health_status="suspected"), LEVELS, Policy(), TODAY).level == "high"
    assert assess(Facts(health_status="fever"), LEVELS, Policy(), TODAY).level == "medium"
    contact = Facts(contact_dates=(TODAY - dt.timedelta(days=3),))
    assert assess(contact, LEVELS, Policy(), TODAY).level == "high"
    old = Facts(contact_dates=(TODAY - dt.timedelta(days=30),))
    assert assess(old, LEVELS, Policy(), TODAY).level == "low"


def test_household_region_without_known_whereabouts_is_medium():
    facts = Facts(hukou_code="420102", current_region=None, is_local=False)
    result = assess(facts, LEVELS, Policy(), TODAY)
    assert result.level == "medium"
    assert result.reasons[0].code == "hukou_unconfirmed"


def test_policy_decides_quarantine_and_delay():
    facts = Facts(current_region="330302")
    strict = Policy(
        quarantine_levels=frozenset({"medium", "high"}), delay_levels=frozenset({"medium", "high"})
    )
    lax = Policy(quarantine_levels=frozenset({"high"}), delay_levels=frozenset())
    assert assess(facts, LEVELS, strict, TODAY).delay_return
    assert not assess(facts, LEVELS, lax, TODAY).quarantine_needed


def test_reasons_read_in_words_in_both_languages():
    from django.utils import translation

    result = assess(
        Facts(current_region="420102", travels=(Travel("330302", TODAY, None),)),
        LEVELS,
        Policy(),
        TODAY,
    )
    names = {"420102": "湖北省 武汉市 江岸区", "330302": "浙江省 温州市 鹿城区"}
    with translation.override("en"):
        words = [r.text(names) for r in result.reasons]
    assert words[0] == "Currently in 湖北省 武汉市 江岸区 (high risk)"
    assert (
        words[1]
        == "Travelled to 浙江省 温州市 鹿城区 from 2020-02-01 (medium risk), within 14 days"
    )


codes = st.sampled_from(["420102", "420502", "330302", "330206", "110101", "420100"])
days = st.integers(min_value=-60, max_value=5).map(lambda d: TODAY + dt.timedelta(days=d))


@st.composite
def facts(draw: st.DrawFn) -> Facts:
    travels = tuple(
        Travel(
            draw(codes),
            start,
            draw(
                st.one_of(st.none(), st.just(start + dt.timedelta(days=draw(st.integers(0, 20)))))
            ),
        )
        for start in draw(st.lists(days, max_size=3))
    )
    return Facts(
        hukou_code=draw(codes),
        current_region=draw(st.one_of(st.none(), codes)),
        is_local=draw(st.booleans()),
        health_status=draw(st.sampled_from(["normal", "fever", "suspected", "confirmed"])),
        travels=travels,
        contact_dates=tuple(draw(st.lists(days, max_size=2))),
    )


@given(facts(), st.integers(min_value=1, max_value=60))
def test_level_is_the_highest_reason_and_every_reason_reads(f, window):
    result = assess(f, LEVELS, Policy(window_days=window), TODAY)
    expected = max((r.level for r in result.reasons), key=RANK.__getitem__, default="low")
    assert result.level == expected
    for reason in result.reasons:
        assert reason_text(reason.as_dict())  # every reason has words
        assert reason.level != "low"


@given(facts())
def test_a_wider_window_never_lowers_the_level(f):
    narrow = assess(f, LEVELS, Policy(window_days=7), TODAY)
    wide = assess(f, LEVELS, Policy(window_days=28), TODAY)
    assert RANK[wide.level] >= RANK[narrow.level]


@given(facts())
def test_raising_a_region_never_lowers_anyone(f):
    raised = RegionLevels({**LEVELS.explicit, "110000": "high", "330000": "medium"})
    assert (
        RANK[assess(f, raised, Policy(), TODAY).level]
        >= RANK[assess(f, LEVELS, Policy(), TODAY).level]
    )
