"""Registry tests. Helpers here build roster files the way Excel and people make them."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import xlsxwriter
from django.conf import settings

from tests.factories import id_number
from workgate.core.access import Actor
from workgate.core.models import Enterprise, Membership
from workgate.registry.models import RosterImport

HEADER = ["序号", "姓名", "身份证号码", "手机号码", "车间", "到岗日期"]


def person_id(n: int, county: str = "330206") -> str:
    """A valid ID number, distinct for each n below 365,000."""
    birth = dt.date(1970, 1, 1) + dt.timedelta(days=n % 10_000)
    return id_number(county, birth, seq=(n // 10_000) % 1000)


def write_xlsx(path: Path, rows: list[list[Any]], *, title: str | None = None) -> Path:
    """An xlsx as an officer makes it: an optional merged title row above the header."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("花名册")
    start = 0
    if title:
        sheet.merge_range(0, 0, 0, max(len(rows[0]) - 1, 1), title)
        start = 1
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    for r, row in enumerate(rows, start=start):
        for c, value in enumerate(row):
            if isinstance(value, dt.date):
                sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), date_format)
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                sheet.write_number(r, c, value)
            elif value is not None:
                sheet.write_string(r, c, str(value))
    book.close()
    return path


def write_csv(
    path: Path, rows: list[list[Any]], *, encoding: str = "gbk", delimiter: str = ","
) -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh, delimiter=delimiter).writerows(rows)
    return path


def make_import(
    enterprise: Enterprise,
    source: Path,
    *,
    policy: str = RosterImport.Policy.VALID_ROWS,
    mapping: dict[str, str] | None = None,
    header_row: int = 0,
) -> RosterImport:
    """A RosterImport for `source`, copied under MEDIA_ROOT as an upload would be."""
    roster_import = RosterImport(
        community_id=enterprise.community_id,
        enterprise=enterprise,
        original_name=source.name,
        policy=policy,
        mapping=mapping or {},
        header_row=header_row,
    )
    relative = Path("imports") / str(roster_import.pk) / f"upload{source.suffix}"
    target = Path(settings.MEDIA_ROOT) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(source, target)
    roster_import.file = str(relative)
    roster_import.save()
    return roster_import


def officer(world: Any, persona: str = "officer_a") -> Actor:
    return Actor.from_membership(Membership.objects.get(user=world.users[persona]))


def no_progress(done: int, total: int, message: str) -> None:
    """A progress callback that ignores progress."""
