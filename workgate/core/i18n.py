"""Message catalogues without GNU gettext: extract, update, compile and check them with Babel.

Django's makemessages needs xgettext, which a fresh machine does not have. Babel reads Python
sources itself; for templates we let Django turn each template into the Python-like text it
would hand to xgettext (`templatize`) and give that to Babel's Python extractor, so the msgids
are exactly the ones Django looks up at run time.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_python
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from django.conf import settings
from django.utils.translation.template import templatize

PACKAGE = Path(__file__).resolve().parent.parent
LOCALE_DIR = PACKAGE / "locale"
LOCALES = {"zh_Hans": "zh-hans", "en": "en"}
KEYWORDS = {
    "_": None,
    "gettext": None,
    "gettext_lazy": None,
    "gettext_noop": None,
    "ngettext": (1, 2),
    "ngettext_lazy": (1, 2),
    "pgettext": ((1, "c"), 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "npgettext_lazy": ((1, "c"), 2, 3),
}
SKIP_DIRS = {"migrations", "static", "locale", "__pycache__"}


@dataclass(frozen=True)
class Message:
    msgid: str | tuple[str, str]
    context: str | None
    location: tuple[str, int]


def _sources() -> Iterator[Path]:
    for path in sorted(PACKAGE.rglob("*")):
        if any(part in SKIP_DIRS for part in path.relative_to(PACKAGE).parts):
            continue
        if path.suffix in {".py", ".html", ".txt"} and path.is_file():
            yield path


def extract() -> list[Message]:
    messages: list[Message] = []
    for path in _sources():
        text = path.read_text(encoding="utf-8")
        if path.suffix != ".py":
            if "{%" not in text and "{{" not in text:
                continue
            # Inside brackets Python's tokenizer ignores indentation, which templatize keeps
            # from the template and which need not be consistent Python.
            text = "(\n" + templatize(text, origin=str(path)) + "\n)"
        rel = str(path.relative_to(PACKAGE.parent))
        for lineno, _func, msg, _comments, *rest in _extract_python(text):
            context = rest[0] if rest else None
            if isinstance(msg, tuple):
                msgs = tuple(m for m in msg if m is not None)
                msgid: str | tuple[str, str] = msgs if len(msgs) > 1 else msgs[0]  # type: ignore[assignment]
            else:
                msgid = msg
            if not msgid:
                continue
            messages.append(Message(msgid, context, (rel, lineno)))
    return messages


def _extract_python(text: str) -> Iterator[tuple]:
    fileobj = io.BytesIO(text.encode("utf-8"))
    for lineno, funcname, messages, comments in extract_python(
        fileobj, list(KEYWORDS), [], {"encoding": "utf-8"}
    ):
        spec = KEYWORDS.get(funcname)
        if not isinstance(messages, tuple):
            messages = (messages,)
        context = None
        if spec and isinstance(spec[0], tuple):  # pgettext family: first argument is context
            context, messages = messages[0], messages[1:]
        yield lineno, funcname, (messages if len(messages) > 1 else messages[0]), comments, context


def template_catalog() -> Catalog:
    catalog = Catalog(project="Workgate", charset="utf-8")
    for m in extract():
        catalog.add(m.msgid, locations=[m.location], context=m.context, flags=_flags(m.msgid))
    return catalog


def _flags(msgid: str | tuple[str, str]) -> set[str]:
    first = msgid[0] if isinstance(msgid, tuple) else msgid
    return {"python-format"} if "%(" in first or "%s" in first or "%d" in first else set()


def po_path(locale: str) -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / "django.po"


def update() -> dict[str, int]:
    """Bring every catalogue in step with the sources; keep translations of unchanged msgids."""
    template = template_catalog()
    added: dict[str, int] = {}
    for locale in LOCALES:
        path = po_path(locale)
        if path.exists():
            with path.open("rb") as fh:
                catalog = read_po(fh, locale=locale)
        else:
            catalog = Catalog(locale=locale, project="Workgate", charset="utf-8")
        before = {m.id for m in catalog if m.id}
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        if locale == "en":
            for message in catalog:
                if message.id and not _translated(message.string):
                    message.string = message.id
        added[locale] = len({m.id for m in catalog if m.id} - before)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as fh:
            write_po(fh, catalog, width=100, sort_output=True, omit_header=False)
    return added


def compile_all() -> None:
    for locale in LOCALES:
        path = po_path(locale)
        if not path.exists():
            continue
        with path.open("rb") as fh:
            catalog = read_po(fh, locale=locale)
        with path.with_suffix(".mo").open("wb") as fh:
            write_mo(fh, catalog, use_fuzzy=False)


def _translated(string: str | tuple[str, ...] | list[str] | None) -> bool:
    if not string:
        return False
    if isinstance(string, (tuple, list)):
        return all(bool(s) for s in string)
    return True


def problems(locale: str) -> list[str]:
    """Every msgid in the sources that `locale` lacks, leaves untranslated or marks fuzzy."""
    path = po_path(locale)
    if not path.exists():
        return [f"{path} is missing"]
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    found: list[str] = []
    for m in extract():
        key = m.msgid[0] if isinstance(m.msgid, tuple) else m.msgid
        message = catalog.get(key, context=m.context)
        where = f"{m.location[0]}:{m.location[1]}"
        if message is None:
            found.append(f"{where}: not in the catalogue: {key!r}")
        elif message.fuzzy:
            found.append(f"{where}: fuzzy: {key!r}")
        elif not _translated(message.string):
            found.append(f"{where}: untranslated: {key!r}")
    return sorted(set(found))


def settings_locales() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]
