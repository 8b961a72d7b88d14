"""The roster import: analyse a file (header row, proposed mapping), check every row (preview),
write them (run).

A duplicate on row 90,000 makes row 17 wrong too, so the ID column is read first, on its own,
to find the ID numbers that occur twice (the one whole-file structure: ID number → first row).
Then the rows stream through once: parsed and checked, looked up in the registry a batch at a
time, and written a batch at a time inside one transaction; bad rows go to the report as they
come. All-or-nothing rolls the transaction back if any row was bad.
See docs/decisions/0009-roster-import.md.
"""

from __future__ import annotations

import queue
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from workgate.core.access import Actor
from workgate.core.audit import audit_record
from workgate.core.models import AuditEntry, Enterprise
from workgate.registry.importing.columns import (
    BY_FIELD,
    COLUMNS,
    ID_ATTRS,
    REQUIRED,
    CellError,
    Column,
    RowContext,
    field_for_header,
    header_key,
    id_key,
    masked,
    parse_id,
)
from workgate.registry.importing.readers import (
    Cell,
    ImportFileError,
    RowStream,
    inspect,
    read_head,
    text_of,
)
from workgate.registry.importing.report import ErrorReport
from workgate.registry.importing.writer import EmployeeWriter, by_id_number, workshops_create
from workgate.registry.models import ImportMapping, RosterImport, Shift, Workshop

Report = Callable[[int, int, str], None]

BATCH = 2000
HEAD_ROWS = 50
SAMPLE_ROWS = 10
ERROR_LIMIT = 200  # errors kept on the RosterImport row for the page; the report has them all

MEMO_LIMIT = 20_000  # distinct values remembered per repeating column
_MISSING = object()


class _Refusal:
    """A memoised cell value that was refused, with the reason."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason


CREATE, UPDATE, UNCHANGED = range(3)

__all__ = [
    "Analysis",
    "ImportFileError",
    "analyse",
    "preview",
    "propose",
    "remember_mapping",
    "run",
]


@dataclass
class Analysis:
    header_row: int  # 0-based index of the header row (Excel row header_row + 1)
    headers: list[str]
    proposed: dict[int, str]  # column index → field name
    sample_rows: list[list[str]]  # the first rows under the header; ID-like values masked
    missing_required: list[str]  # required field names no column was proposed for
    file_kind: str  # "xlsx", "xls" or "csv"
    encoding: str | None  # text files only


def file_path(roster_import: RosterImport) -> Path:
    return Path(settings.MEDIA_ROOT) / roster_import.file


# --- analyse -----------------------------------------------------------------------------------


def _remembered(enterprise: Enterprise) -> dict[str, str]:
    mapping = (
        ImportMapping.objects.filter(enterprise=enterprise)
        .values_list("mapping", flat=True)
        .first()
    )
    return mapping or {}


def propose(headers: list[str], remembered: dict[str, str] | None = None) -> dict[int, str]:
    """Column index → field: what the enterprise confirmed last time first, then exact header
    synonyms, then headers that contain a synonym. Each field goes to one column only."""
    remembered = remembered or {}
    proposed: dict[int, str] = {}
    decided: set[int] = set()
    for i, header in enumerate(headers):
        key = header_key(header)
        if key and key in remembered:
            decided.add(i)  # "" means: the user chose to leave this column out
            fname = remembered[key]
            if fname in BY_FIELD and fname not in proposed.values():
                proposed[i] = fname
    for exact in (True, False):
        for i, header in enumerate(headers):
            if i in decided or i in proposed:
                continue
            fname, is_exact = field_for_header(header)
            if fname and is_exact == exact and fname not in proposed.values():
                proposed[i] = fname
    return dict(sorted(proposed.items()))


def _headers(cells: list[Cell]) -> list[str]:
    headers = [text_of(c).strip() for c in cells]
    while headers and not headers[-1]:
        headers.pop()
    return headers


_ID_LIKE = re.compile(r"^\d{15,17}[\dXx]$|^\d(\.\d+)?E\+\d+$", re.IGNORECASE)
_PHONE_LIKE = re.compile(r"^(\+?86)?1\d{10}$")


def _sample_text(cell: Cell) -> str:
    """A sample cell for the mapping page; ID numbers and mobiles masked, whichever column."""
    from workgate.core.masking import mask_id_number, mask_phone

    text = text_of(cell).strip()
    compacted = text.replace(" ", "")
    if _ID_LIKE.match(compacted):
        return mask_id_number(compacted)
    if _PHONE_LIKE.match(compacted):
        return mask_phone(compacted)
    return text[:60]


def _is_blank(cells: list[Cell]) -> bool:
    return all(c is None or (c.__class__ is str and not c.strip()) for c in cells)


def _no_rows() -> str:
    return _("The file has no people under its header row.")


def analyse(path: Path, *, enterprise: Enterprise) -> Analysis:
    """Find the header row in the first rows and propose a mapping; raise ImportFileError if
    the file is not a roster we can read."""
    info = inspect(path)
    head = read_head(path, info, HEAD_ROWS)
    if all(_is_blank(cells) for _, cells in head):
        raise ImportFileError(_("The file has no rows: the sheet is empty."))
    remembered = _remembered(enterprise)
    best: tuple[int, int, list[str], dict[int, str]] | None = None
    for position, (_row, cells) in enumerate(head):
        headers = _headers(cells)
        proposed = propose(headers, remembered)
        found = set(proposed.values())
        if all(f in found for f in REQUIRED):
            best = (position, len(proposed), headers, proposed)
            break
        if len(proposed) >= 2 and (best is None or len(proposed) > best[1]):
            best = (position, len(proposed), headers, proposed)
    if best is None:
        raise ImportFileError(
            _(
                "The file has no header row with a name and an ID number column. The roster "
                "needs a row of column titles such as 姓名 and 身份证号码 above the people."
            )
        )
    position, _count, headers, proposed = best
    samples = [
        [_sample_text(c) for c in cells[: len(headers)]]
        for _row, cells in head[position + 1 :]
        if not _is_blank(cells)
    ][:SAMPLE_ROWS]
    if not samples:
        raise ImportFileError(_no_rows())
    return Analysis(
        header_row=position,
        headers=headers,
        proposed=proposed,
        sample_rows=samples,
        missing_required=[f for f in REQUIRED if f not in proposed.values()],
        file_kind=info.kind,
        encoding=info.encoding,
    )


def remember_mapping(
    enterprise: Enterprise, headers: list[str], mapping: dict[Any, str]
) -> ImportMapping:
    """Keep the confirmed mapping by header text, to propose it on the enterprise's next file.

    A header the synonyms would have mapped but the user left out is remembered as "" so that
    it is not proposed again.
    """
    by_index = {int(k): v for k, v in mapping.items() if v}
    current = dict(_remembered(enterprise))
    for i, header in enumerate(headers):
        key = header_key(header)
        if not key:
            continue
        if i in by_index:
            current[key] = by_index[i]
        elif field_for_header(header)[0] is not None or key in current:
            current[key] = ""
    remembered, _created = ImportMapping.objects.update_or_create(
        enterprise=enterprise, defaults={"mapping": current}
    )
    return remembered


# --- checking and writing ----------------------------------------------------------------------


def _other_enterprise(name: str) -> str:
    return _(
        "This ID number already has a file at %(enterprise)s. Ask them or community "
        "staff to move the person; files are never moved silently."
    ) % {"enterprise": name}


class _Refused(Exception):
    """Raised inside the transaction to undo an all-or-nothing import that met a bad row."""


class _Feed:
    """Runs a generator on a thread of its own, at most one item ahead of the consumer.

    The reading side of an import: it parses and checks rows while the thread that owns the
    database connection (the caller's) writes the batch before. Python's lock lets only one
    of them run Python code at a time, but a driver releases it while the database works, so
    the two overlap by about the time the database takes. The generator must not touch the
    database. Its exceptions come out of the iteration; `close()` stops it (after an error on
    the writing side) and waits for it.
    """

    def __init__(self, produce: Callable[[], Iterator[Any]]) -> None:
        self._queue: queue.Queue[tuple[bool, Any]] = queue.Queue(maxsize=1)
        self._stop = threading.Event()
        # Messages made on the thread (cell errors) are in the uploader's language too.
        language = translation.get_language()
        self._thread = threading.Thread(
            target=self._run, args=(produce, language), name="roster-import-reader", daemon=True
        )
        self._thread.start()

    def _run(self, produce: Callable[[], Iterator[Any]], language: str | None) -> None:
        try:
            with translation.override(language):
                items = produce()
                try:
                    for item in items:
                        if not self._put((True, item)):
                            return
                finally:
                    items.close()  # type: ignore[attr-defined]
        except BaseException as exc:  # handed to the consumer, which raises it
            self._put((False, exc))
            return
        self._put((False, None))

    def _put(self, message: tuple[bool, Any]) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(message, timeout=0.05)
            except queue.Full:
                continue
            return True
        return False

    def __iter__(self) -> Iterator[Any]:
        while True:
            ok, item = self._queue.get()
            if ok:
                yield item
            elif item is None:
                return
            else:
                raise item

    def close(self) -> None:
        self._stop.set()
        self._thread.join()


# What the reading side hands over per row: (row number, cells, errors as [(column index,
# reason)], the values in `layout` order or None if the ID number was refused).
Row = tuple[int, list[Cell], list[tuple[int, str]], list[Any] | None]

# How a column is read: memoised with its validation (the value does not depend on the row),
# memoised but validated against the row's ID number, or parsed cell by cell.
FREE, ROW, PLAIN = range(3)


class _Importer:
    """Reads the ID column for duplicates, then checks (and writes) the rows batch by batch.

    The reading and checking (`_read`) runs on a `_Feed` thread and never touches the
    database; classifying the rows against the registry, writing them, the report and the
    progress happen on the caller's thread, which owns the connection and the transaction.
    """

    def __init__(self, roster_import: RosterImport, report: Report) -> None:
        self.imp = roster_import
        self.report = report
        self.enterprise = roster_import.enterprise
        path = file_path(roster_import)
        if not path.exists():
            raise ImportFileError(_("The uploaded file is no longer there. Upload it again."))
        self.info = inspect(path)
        self.rows = RowStream(path, self.info)
        mapping = {int(k): v for k, v in (roster_import.mapping or {}).items() if v}
        self.header_row = roster_import.header_row
        if not mapping:
            analysis = analyse(path, enterprise=self.enterprise)
            mapping = analysis.proposed
            self.header_row = analysis.header_row
            roster_import.header_row = analysis.header_row
            roster_import.mapping = {str(k): v for k, v in mapping.items()}
        self._check_mapping(mapping)
        self.mapping = mapping
        self.headers: list[str] = []
        order = [c.field for c in COLUMNS]
        self.columns: list[tuple[int, Column]] = sorted(
            ((i, BY_FIELD[f]) for i, f in mapping.items()), key=lambda ic: order.index(ic[1].field)
        )
        self.id_index = next(i for i, c in self.columns if c.field == "id_number")
        self.name_index = next(i for i, c in self.columns if c.field == "name")
        self.indexes = [i for i, _c in self.columns]
        self.width = max(self.indexes) + 1
        self.update_attrs = tuple(a for _i, c in self.columns for a in c.updates)
        # A row's values: what the ID number sets, then what the columns set (see writer).
        self.layout = (*ID_ATTRS, *self.update_attrs)
        position = {a: p for p, a in enumerate(self.update_attrs, start=len(ID_ATTRS))}
        # (cell index, how it is read, memo of cell → effect or parsed value, column,
        # position of a column that stores its value as it is, positions by attribute)
        self.steps: list[tuple[int, int, dict[Any, Any] | None, Column, int, dict[str, int]]] = []
        for i, c in self.columns:
            if c.field == "id_number":
                continue
            kind = (FREE if c.row_free else ROW) if c.repeats else PLAIN
            stores = getattr(c.validate, "stores", None)
            self.steps.append(
                (i, kind, {} if c.repeats else None, c, position.get(stores, -1), position)
            )
        self.workshop_position = position.get("workshop_id")
        shifts = list(
            Shift.objects.filter(enterprise=self.enterprise)
            .order_by("pk")
            .values_list("name", "pk")
        )
        workshops = Workshop.objects.filter(enterprise=self.enterprise).values_list("name", "pk")
        self.ctx = RowContext(
            home_prefix=self.enterprise.community.home_region_prefix,
            shifts={header_key(n): pk for n, pk in shifts},
            shift_names=[n for n, _pk in shifts],
            workshops={header_key(n): pk for n, pk in workshops},
            today=timezone.localdate(),
        )
        self.new_workshops: set[str] = set()
        self.created_workshops: dict[str, int] = {}
        self.enterprise_names: dict[int, str] = {}
        self.dups: dict[str, list[int]] = {}
        self.total_rows = 0
        self.counts = {CREATE: 0, UPDATE: 0, UNCHANGED: 0}
        self.error_count = 0
        self.error_rows = 0
        self.errors: list[dict[str, Any]] = []
        self.feed: _Feed | None = None
        self._batches: Iterator[list[Row]] | None = None

    def _check_mapping(self, mapping: dict[int, str]) -> None:
        unknown = sorted(f for f in mapping.values() if f not in BY_FIELD)
        if unknown:
            raise ImportFileError(_("Unknown fields in the mapping: %(f)s") % {"f": unknown})
        missing = [f for f in REQUIRED if f not in mapping.values()]
        if missing:
            raise ImportFileError(
                _("No column is mapped to: %(fields)s.")
                % {"fields": ", ".join(str(BY_FIELD[f].label) for f in missing)}
            )
        if len(set(mapping.values())) != len(mapping):
            raise ImportFileError(_("Each field can come from one column only."))

    # --- the reading side (the feed's thread; no database) ---------------------------------

    def start(self) -> None:
        """Start reading; return once the header and the duplicate ID numbers are known."""
        self.feed = _Feed(self._read)
        self._batches = iter(self.feed)
        next(self._batches)

    def close(self) -> None:
        if self.feed is not None:
            self.feed.close()

    def _read(self) -> Iterator[list[Row]]:
        self.find_duplicates()
        yield []  # the header and the duplicates are known
        yield from self._check_rows()

    def find_duplicates(self) -> None:
        """ID number → the rows it is on, for the numbers on more than one row."""
        header_number = self.header_row + 1
        index = self.id_index
        first: dict[str, int] = {}
        for row_number, cells in self.rows:
            if row_number <= header_number or len(cells) <= index:
                if row_number == header_number:
                    self.headers = _headers(cells)
                continue
            cell = cells[index]
            # The common clean cell is its own key: id_key would return it unchanged if its
            # check digit is right, and a wrong one is settled below, for repeats only.
            if (
                cell.__class__ is str
                and len(cell) == 18
                and cell[:17].isdigit()
                and cell[:17].isascii()
                and cell[17] in "0123456789X"
            ):
                number: str | None = cell
            else:
                number = id_key(cell)
                if number is None:
                    continue
            seen = first.setdefault(number, row_number)
            if seen != row_number:
                self.dups.setdefault(number, [seen]).append(row_number)
        self.dups = {number: rows for number, rows in self.dups.items() if id_key(number)}

    def _check_rows(self) -> Iterator[list[Row]]:
        """Parse and check every row; yield them a batch at a time."""
        header_number = self.header_row + 1
        id_index, name_index, indexes, width = (
            self.id_index,
            self.name_index,
            self.indexes,
            self.width,
        )
        steps, ctx, dups, home = self.steps, self.ctx, self.dups, self.ctx.home_prefix
        required_empty = _("This column must not be empty.")
        empty_tail = [None] * len(self.update_attrs)
        memoise_free, memoise = self._memoise_free, self._memoise
        batch: list[Row] = []
        count = 0
        size = BATCH
        for row_number, cells in self.rows:
            if row_number <= header_number:
                if row_number == header_number:
                    self.headers = _headers(cells)
                continue
            if len(cells) < width:
                cells = [*cells, *([""] * (width - len(cells)))]
            # A row with nothing in the mapped columns (a spacer, a footnote under 序号) is
            # not a person. Most rows have a name, which settles it at once.
            name = cells[name_index]
            if (name.__class__ is str and not name.strip()) and _is_blank(
                [cells[i] for i in indexes]
            ):
                continue
            errors: list[tuple[int, str]] = []
            try:
                parsed = parse_id(cells[id_index])
                if parsed is None:
                    raise CellError(required_empty)
            except CellError as exc:
                ctx.id = None
                errors.append((id_index, exc.message))
                number = None
                values = [None, None, None, None, None, None, *empty_tail]
            else:
                ctx.id = parsed
                number = parsed.number
                values = [
                    number,
                    parsed.sex,
                    parsed.birth_date,
                    number[:6],
                    parsed.region.code,
                    number.startswith(home),
                    *empty_tail,
                ]
            for i, kind, memo, column, position, positions in steps:
                cell = cells[i]
                if kind == FREE:
                    effect = memo.get(cell, _MISSING)  # type: ignore[union-attr]
                    if effect is _MISSING:
                        effect = memoise_free(memo, column, cell, positions)
                    if effect.__class__ is tuple:
                        for p, value in effect:
                            values[p] = value
                    elif effect is not None:
                        errors.append((i, effect.reason))
                    continue
                try:
                    if kind == ROW:
                        value = memo.get(cell, _MISSING)  # type: ignore[union-attr]
                        if value is _MISSING:
                            value = memoise(memo, column, cell)
                        if value.__class__ is _Refusal:
                            errors.append((i, value.reason))
                            continue
                    else:
                        value = column.parse(cell)
                    if value is None:
                        if column.required:
                            raise CellError(required_empty)
                        continue
                    if position >= 0:
                        values[position] = value
                    else:
                        for attr, v in column.validate(value, ctx).items():
                            values[positions[attr]] = v
                except CellError as exc:
                    errors.append((i, exc.message))
            if number is not None and number in dups:
                others = ", ".join(str(r) for r in dups[number] if r != row_number)
                errors.append(
                    (id_index, _("The same ID number is also on row %(rows)s.") % {"rows": others})
                )
            batch.append((row_number, cells, errors, values if number is not None else None))
            if len(batch) >= size:
                count += len(batch)
                yield batch
                batch = []
        count += len(batch)
        if not self.headers or not count:
            raise ImportFileError(_no_rows())
        if batch:
            yield batch

    def _memoise(self, memo: dict[Any, Any], column: Column, cell: Cell) -> Any:
        """Parse a cell value once per import (validated per row, against its ID number)."""
        try:
            value = column.parse(cell)
        except CellError as exc:
            value = _Refusal(exc.message)
        if len(memo) < MEMO_LIMIT:
            memo[cell] = value
        return value

    def _memoise_free(
        self, memo: dict[Any, Any], column: Column, cell: Cell, positions: dict[str, int]
    ) -> Any:
        """Parse and validate a cell value once per import: ((position, value), …) to set,
        None for an empty cell, or a _Refusal."""
        try:
            value = column.parse(cell)
            if value is None:
                if column.required:
                    raise CellError(_("This column must not be empty."))
                effect: Any = None
            else:
                valid = column.validate(value, self.ctx)
                effect = tuple((positions[a], v) for a, v in valid.items())
        except CellError as exc:
            effect = _Refusal(exc.message)
        if len(memo) < MEMO_LIMIT:
            memo[cell] = effect
        return effect

    # --- the writing side (the caller's thread, which owns the connection) -----------------

    def process(
        self,
        *,
        writer: EmployeeWriter | None,
        report_file: ErrorReport | None,
        error_limit: int | None,
    ) -> None:
        assert self._batches is not None, "start() first"
        header_number = self.header_row + 1
        total = max(self.rows.total - header_number, 1)
        message = _("Writing employee files") if writer else _("Checking rows")
        done = 0
        for batch in self._batches:
            self._flush(batch, writer, report_file, error_limit)
            done += len(batch)
            self.report(done, total, message)
        self.total_rows = done
        self.report(done, done, message)

    def _existing(self, numbers: list[str]) -> dict[str, tuple[Any, ...]]:
        if not numbers:
            return {}
        rows = by_id_number(
            self.imp.community_id, numbers, ["enterprise_id", "id", *self.update_attrs]
        )
        return {row[0]: row[1:] for row in rows}

    def _enterprise_name(self, pk: int) -> str:
        if pk not in self.enterprise_names:
            self.enterprise_names[pk] = (
                Enterprise.objects.filter(pk=pk).values_list("name", flat=True).first() or "?"
            )
        return self.enterprise_names[pk]

    def _flush(
        self,
        batch: list[Row],
        writer: EmployeeWriter | None,
        report_file: ErrorReport | None,
        error_limit: int | None,
    ) -> None:
        """Classify a batch against the registry; report its bad rows; write its good ones."""
        existing = self._existing([b[3][0] for b in batch if b[3] is not None])
        own, attrs, skip = self.enterprise.pk, self.update_attrs, len(ID_ATTRS)
        creates: list[list[Any]] = []
        updates: list[tuple[int, dict[str, Any]]] = []
        for row_number, cells, errors, values in batch:
            hit = None
            if values is not None and existing:
                hit = existing.get(values[0])
                if hit is not None and hit[0] != own:
                    name = self._enterprise_name(hit[0])
                    errors.append((self.id_index, _other_enterprise(name)))
            if errors:
                self._error(row_number, cells, errors, report_file, error_limit)
                continue
            assert values is not None
            if hit is None:
                self.counts[CREATE] += 1
                creates.append(values)
                continue
            changed = {
                a: v
                for a, v, current in zip(attrs, values[skip:], hit[2:], strict=True)
                if v is not None and current != v
            }
            if changed:
                self.counts[UPDATE] += 1
                updates.append((hit[1], changed))
            else:
                self.counts[UNCHANGED] += 1
        # Workshops new to the enterprise, as named by the rows about to be written.
        ws = self.workshop_position
        if ws is not None:
            named = {values[ws] for values in creates}
            named.update(changed.get("workshop_id") for _pk, changed in updates)
            self.new_workshops.update(n for n in named if isinstance(n, str))
        if writer is not None:
            missing = self.new_workshops - self.created_workshops.keys()
            if missing:
                self.created_workshops.update(workshops_create(self.enterprise.pk, missing))
            if ws is not None and self.created_workshops:
                created = self.created_workshops
                for values in creates:
                    if isinstance(values[ws], str):
                        values[ws] = created[values[ws]]
                for _pk, changed in updates:
                    if isinstance(changed.get("workshop_id"), str):
                        changed["workshop_id"] = created[changed["workshop_id"]]
            writer.create(creates)
            writer.update(updates)

    def _error(
        self,
        row_number: int,
        cells: list[Cell],
        errors: list[tuple[int, str]],
        report_file: ErrorReport | None,
        error_limit: int | None,
    ) -> None:
        self.error_count += len(errors)
        self.error_rows += 1
        for index, reason in errors:
            if error_limit is not None and len(self.errors) >= error_limit:
                break
            column = BY_FIELD.get(self.mapping.get(index, ""))
            self.errors.append(
                {
                    "row": row_number,
                    "column": self._header(index),
                    "value": masked(column, text_of(cells[index]) if index < len(cells) else ""),
                    "reason": reason,
                }
            )
        if report_file is not None:
            report_file.add(row_number, cells, [f"{self._header(i)}: {r}" for i, r in errors])

    def _header(self, index: int) -> str:
        return self.headers[index] if index < len(self.headers) else ""

    def summary(self) -> dict[str, Any]:
        return {
            "total_rows": self.total_rows,
            "created": self.counts[CREATE],
            "updated": self.counts[UPDATE],
            "unchanged": self.counts[UNCHANGED],
            "error_count": self.error_count,
            "error_rows": self.error_rows,
            "errors": self.errors,
        }


def _save_counts(imp: RosterImport, summary: dict[str, Any], status: str) -> None:
    imp.status = status
    imp.total_rows = summary["total_rows"]
    imp.created = summary["created"]
    imp.updated = summary["updated"]
    imp.unchanged = summary["unchanged"]
    imp.error_count = summary["error_count"]
    imp.errors = summary["errors"][:ERROR_LIMIT]
    imp.save()


def _failed(imp: RosterImport, message: str) -> None:
    RosterImport.objects.filter(pk=imp.pk).update(
        status=RosterImport.Status.FAILED,
        finished_at=timezone.now(),
        errors=[{"row": 0, "column": "", "value": "", "reason": message}],
    )
    imp.status = RosterImport.Status.FAILED


def preview(roster_import: RosterImport, report: Report) -> dict[str, Any]:
    """Check every row without writing; fill the counts as an import would make them."""
    try:
        importer = _Importer(roster_import, report)
        try:
            importer.start()
            importer.process(writer=None, report_file=None, error_limit=ERROR_LIMIT)
        finally:
            importer.close()
    except ImportFileError as exc:
        _failed(roster_import, exc.message)
        raise
    summary = importer.summary()
    _save_counts(roster_import, summary, RosterImport.Status.PREVIEWED)
    return {
        **summary,
        "status": str(roster_import.status),
        "new_workshops": sorted(importer.new_workshops),
    }


def run(
    roster_import: RosterImport,
    report: Report,
    *,
    actor: Actor,
    error_limit: int | None = ERROR_LIMIT,
) -> dict[str, Any]:
    """Check and write every row under the import's policy, in one transaction; write the
    report; remember the mapping; audit. `error_limit=None` returns every error (the CLI)."""
    relative = Path("imports") / str(roster_import.pk) / "report.xlsx"
    report_path = Path(settings.MEDIA_ROOT) / relative
    all_or_nothing = roster_import.policy == RosterImport.Policy.ALL_OR_NOTHING
    try:
        importer = _Importer(roster_import, report)
        try:
            importer.start()
            report_file = ErrorReport(report_path, importer.headers)
            refused = all_or_nothing and bool(importer.dups)
            try:
                with transaction.atomic():
                    writer = None
                    if not refused:
                        writer = EmployeeWriter(
                            community_id=roster_import.community_id,
                            enterprise_id=roster_import.enterprise_id,
                            import_id=str(roster_import.pk),
                            actor_label=actor.label,
                            layout=importer.layout,
                        )
                    try:
                        importer.process(
                            writer=writer, report_file=report_file, error_limit=error_limit
                        )
                    finally:
                        if writer is not None:
                            writer.close()
                    if all_or_nothing and importer.error_rows:
                        raise _Refused
            except _Refused:
                refused = True
        finally:
            importer.close()
        summary = importer.summary()
        if refused:
            summary.update(created=0, updated=0, unchanged=0)
        status = RosterImport.Status.REFUSED if refused else RosterImport.Status.DONE
        with transaction.atomic():
            report_file.close(_summary_rows(roster_import, summary, status))
            roster_import.report_file = str(relative)
            roster_import.finished_at = timezone.now()
            _save_counts(roster_import, summary, status)
            remember_mapping(roster_import.enterprise, importer.headers, importer.mapping)
            audit_record(
                actor=actor,
                action=AuditEntry.Action.IMPORT,
                obj=roster_import,
                detail={
                    "status": str(status),
                    "policy": roster_import.policy,
                    "rows": summary["total_rows"],
                    "created": summary["created"],
                    "updated": summary["updated"],
                    "unchanged": summary["unchanged"],
                    "errors": summary["error_count"],
                },
            )
    except ImportFileError as exc:
        report_path.unlink(missing_ok=True)
        _failed(roster_import, exc.message)
        raise
    except Exception:
        report_path.unlink(missing_ok=True)
        _failed(roster_import, _("The import failed and nothing was written."))
        raise
    return {**summary, "status": str(status), "report_file": roster_import.report_file}


def _summary_rows(imp: RosterImport, summary: dict[str, Any], status: str) -> list[tuple[str, Any]]:
    return [
        (_("File"), imp.original_name),
        (_("Enterprise"), imp.enterprise.name),
        (_("Policy"), str(RosterImport.Policy(imp.policy).label)),
        (_("Result"), str(RosterImport.Status(status).label)),
        (_("Rows read"), summary["total_rows"]),
        (_("New files"), summary["created"]),
        (_("Files changed"), summary["updated"]),
        (_("Files unchanged"), summary["unchanged"]),
        (_("Rows with errors"), summary["error_rows"]),
        (_("Errors"), summary["error_count"]),
    ]
