"""Free-text places as rosters write them, resolved to the division data."""

from __future__ import annotations

import pytest

from workgate.registry.models import Region
from workgate.registry.region_names import region_code_from_text, region_from_text


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("湖北省武汉市", "420100"),
        ("武汉", "420100"),
        ("湖北 武汉 江岸区", "420102"),
        ("湖北武汉江岸区", "420102"),
        ("浙江宁波北仑", "330206"),
        ("浙江省宁波市北仑区大港三路12号", "330206"),
        ("宁波", "330200"),
        ("北仑区", "330206"),
        ("北京市朝阳区", "110105"),
        ("朝阳", "211300"),  # alone, the prefecture (辽宁朝阳市) before a district of Beijing
        ("吉林", "220000"),
        ("吉林市", "220200"),
        ("恩施州来凤县", "422827"),
        ("湖北恩施", "422800"),
        ("四川省凉山彝族自治州西昌市", "513401"),
        ("贵州黔东南", "522600"),
        ("内蒙古包头", "150200"),
        ("广西南宁", "450100"),
        ("新疆乌鲁木齐", "650100"),
        ("重庆万州", "500101"),
        ("上海浦东", "310115"),
        ("安徽阜阳临泉县", "341221"),
        ("香港", "810000"),
        ("湖北，武汉", "420100"),
        ("南京鼓楼", "320106"),
    ],
)
def test_places(text, code):
    assert region_code_from_text(text) == code


@pytest.mark.parametrize("text", ["", "本地", "老家", "火星", "鼓楼区", "x"])
def test_unknown_or_ambiguous_places_resolve_to_nothing(text):
    assert region_from_text(text) is None


def test_results_are_rows_of_the_region_table(db):
    for text in ("武汉", "浙江宁波北仑", "贵州黔东南"):
        row = region_from_text(text)
        assert Region.objects.get(code=row.code).full_name == row.full_name
