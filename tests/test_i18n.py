"""Both catalogues complete; every page follows the chosen language."""

from __future__ import annotations

from workgate.core import i18n


def test_chinese_catalogue_translates_every_string():
    problems = i18n.problems("zh_Hans")
    assert problems == [], "\n".join(problems[:50])


def test_english_catalogue_is_complete():
    problems = i18n.problems("en")
    assert problems == [], "\n".join(problems[:50])


def test_language_switch_changes_the_page(world):
    client = world.client("staff")
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "Overview" in client.get("/").content.decode()
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    page = client.get("/").content.decode()
    assert "概览" in page
    assert 'lang="zh-CN"' in page


def test_default_language_is_chinese(world):
    page = world.client("staff").get("/").content.decode()
    assert 'lang="zh-CN"' in page
