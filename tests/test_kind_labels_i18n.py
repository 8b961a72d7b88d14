"""The names of notification kinds (the robot and "my channels" pages list them) are extracted
into the catalogues and read in Chinese on a Chinese page."""

from __future__ import annotations

import re

from django.utils import translation

from workgate.core import i18n
from workgate.core.channels import TEST_KIND, kind_groups, kind_label
from workgate.core.notify import KINDS

CJK = re.compile(r"[\u4e00-\u9fff]")


def app_kinds() -> list[str]:
    return sorted(k for k in KINDS if k != TEST_KIND and "." in k)


def english(kind: str) -> str:
    with translation.override("en"):
        return kind_label(kind)


def test_every_registered_kind_has_a_name():
    assert len(app_kinds()) >= 19
    unnamed = [k for k in [*app_kinds(), TEST_KIND] if english(k) == k]
    assert unnamed == []


def test_every_kind_name_is_extracted():
    msgids = {m.msgid for m in i18n.extract() if isinstance(m.msgid, str)}
    missing = [english(k) for k in [*app_kinds(), TEST_KIND] if english(k) not in msgids]
    assert missing == []


def test_kind_names_read_in_chinese():
    with translation.override("zh-hans"):
        chinese = {k: kind_label(k) for k in [*app_kinds(), TEST_KIND]}
    untranslated = [
        k for k, label in chinese.items() if label == english(k) or not CJK.search(label)
    ]
    assert untranslated == []


def test_kind_groups_read_in_chinese():
    with translation.override("en"):
        english_groups = kind_groups()
    with translation.override("zh-hans"):
        groups = kind_groups()
    english_labels = {k: label for g in english_groups for k, label in g["kinds"]}
    assert {k for g in groups for k, _label in g["kinds"]} == set(app_kinds())
    for group in groups:
        assert CJK.search(group["label"]), group["label"]
        for kind, label in group["kinds"]:
            assert CJK.search(label) and label != english_labels[kind], (kind, label)
