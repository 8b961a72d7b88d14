"""The roster import: analyse a file (header row, proposed mapping), check every row (preview),
write them (run).

A run reads the file once. The first pass parses and checks each row, looks its ID number up in
the registry one batch at a time, and spills the result to a temporary file; only the ID
numbers seen so far are kept in memory, to find duplicates. Once the whole file is known (a
duplicate on row 90,000 makes row 17 wrong too), the second pass reads the spill back in file
order and writes the good rows in batches, inside one transaction, and the bad rows to the
report. See docs/decisions/0009-roster-import.md.
"""

from __future__ import annotations

import pickle
import re
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from workgate.core.access import Actor
from workgate.core.audit import audit_record
from workgate.core.models import AuditEntry, Enterprise
from workgate.registry.importing.columns import (
    BY_FIELD,
    COLUMNS,
    REQUIRED,
    CellError,
    Column,
    RowContext,
    field_for_header,
    header_key,
    masked,
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
from workgate.registry.importing.writer import EmployeeWriter, workshops_create
from workgate.registry.models import Employee, ImportMapping, RosterImport, Shift, Workshop

Report = Callable[[int, int, str], None]

BATCH = 2000
HEAD_ROWS = 50
SAMPLE_ROWS = 10
ERROR_LIMIT = 200  # errors kept on the RosterImport row for the page; the report has them all

CREATE, UPDATE, UNCHANGED, BAD = range(4)

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


class _Importer:
    """One pass over the file (check), then one over the spill (finish)."""

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
        self.columns: list[tuple[int, Column]] = sorted(
            ((i, BY_FIELD[f]) for i, f in mapping.items()),
            key=lambda ic: [c.field for c in COLUMNS].index(ic[1].field),
        )
        self.id_index = next(i for i, c in self.columns if c.field == "id_number")
        self.others = [(i, c) for i, c in self.columns if c.field != "id_number"]
        self.indexes = [i for i, _c in self.columns]
        self.update_attrs = tuple(a for _i, c in self.columns for a in c.updates)
        shifts = list(Shift.objects.filter(enterprise=self.enterprise).values_list("name", "pk"))
        self.ctx = RowContext(
            home_prefix=self.enterprise.community.home_region_prefix,
            shifts={header_key(n): pk for n, pk in shifts},
            shift_names=[n for n, _pk in shifts],
            workshops={
                header_key(n): pk
                for n, pk in Workshop.objects.filter(enterprise=self.enterprise).values_list(
                    "name", "pk"
                )
            },
            today=timezone.localdate(),
        )
        self.enterprise_names: dict[int, str] = {}
        self.seen: dict[str, int] = {}  # ID number → first row: the one whole-file structure
        self.dups: dict[str, list[int]] = {}
        self.spill = tempfile.TemporaryFile()  # noqa: SIM115 - closed in finish()
        self.total_rows = 0
        self.bad_rows = 0  # found in the first pass; duplicates come on top
        self.counts = {CREATE: 0, UPDATE: 0, UNCHANGED: 0}
        self.error_count = 0
        self.error_rows = 0
        self.errors: list[dict[str, Any]] = []

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

    @property
    def has_errors(self) -> bool:
        return bool(self.bad_rows or self.dups)

    # --- first pass ---------------------------------------------------------------------------

    def check(self, *, steps: int) -> None:
        """Parse and check every row; spill the results. `steps` scales progress (1 or 2)."""
        header_number = self.header_row + 1
        total = max(self.rows.total - header_number, 1)
        batch: list[list[Any]] = []
        id_index, others, indexes, ctx = self.id_index, self.others, self.indexes, self.ctx
        required_empty = _("This column must not be empty.")
        done = 0
        message = _("Checking rows")
        for row_number, cells in self.rows:
            if row_number <= header_number:
                if row_number == header_number:
                    self.headers = _headers(cells)
                continue
            width = len(cells)
            if width <= max(indexes):
                cells = [*cells, *([""] * (max(indexes) + 1 - width))]
            if _is_blank([cells[i] for i in indexes]):
                continue
            errors: list[tuple[int, str]] = []
            out: dict[str, Any] = {}
            ident: dict[str, Any] | None = None
            try:
                parsed = BY_FIELD["id_number"].parse(cells[id_index])
                if parsed is None:
                    raise CellError(required_empty)
                ctx.id = parsed
                ident = BY_FIELD["id_number"].validate(parsed, ctx)
            except CellError as exc:
                ctx.id = None
                errors.append((id_index, exc.message))
            for i, column in others:
                try:
                    value = column.parse(cells[i])
                    if value is None:
                        if column.required:
                            raise CellError(required_empty)
                        continue
                    out.update(column.validate(value, ctx))
                except CellError as exc:
                    errors.append((i, exc.message))
            batch.append([row_number, cells, errors, ident, out])
            if len(batch) >= BATCH:
                self._check_batch(batch)
                done += len(batch)
                self.report(done, total * steps, message)
                batch = []
        if batch:
            self._check_batch(batch)
            done += len(batch)
        self.total_rows = done
        self.report(done, total * steps, message)
        if not self.headers:
            raise ImportFileError(_("The file has no rows under its header row."))

    def _existing(self, numbers: list[str]) -> dict[str, tuple[Any, ...]]:
        if not numbers:
            return {}
        rows = Employee.objects.filter(
            community_id=self.imp.community_id, id_number__in=numbers
        ).values_list("id_number", "enterprise_id", "pk", *self.update_attrs)
        return {row[0]: row[1:] for row in rows}

    def _enterprise_name(self, pk: int) -> str:
        if pk not in self.enterprise_names:
            self.enterprise_names[pk] = (
                Enterprise.objects.filter(pk=pk).values_list("name", flat=True).first() or "?"
            )
        return self.enterprise_names[pk]

    def _check_batch(self, batch: list[list[Any]]) -> None:
        existing = self._existing([b[3]["id_number"] for b in batch if b[3] is not None])
        own = self.enterprise.pk
        attrs = self.update_attrs
        records = []
        for row_number, cells, errors, ident, out in batch:
            kind, payload, number = BAD, None, None
            if ident is not None:
                number = ident["id_number"]
                first = self.seen.get(number)
                if first is None:
                    self.seen[number] = row_number
                else:
                    self.dups.setdefault(number, [first]).append(row_number)
                hit = existing.get(number)
                if hit is not None and hit[0] != own:
                    errors.append((self.id_index, _other_enterprise(self._enterprise_name(hit[0]))))
                elif not errors:
                    if hit is None:
                        kind, payload = CREATE, {**ident, **out}
                    else:
                        current = dict(zip(attrs, hit[2:], strict=True))
                        changed = {a: v for a, v in out.items() if a in current and current[a] != v}
                        kind, payload = (
                            (UPDATE, (hit[1], changed)) if changed else (UNCHANGED, None)
                        )
            if errors:
                self.bad_rows += 1
            records.append((row_number, cells, errors, number, kind, payload))
        pickle.dump(records, self.spill, protocol=pickle.HIGHEST_PROTOCOL)

    # --- second pass --------------------------------------------------------------------------

    def _spilled(self) -> Iterator[list[tuple[Any, ...]]]:
        self.spill.seek(0)
        while True:
            try:
                yield pickle.load(self.spill)  # noqa: S301 - our own temporary file
            except EOFError:
                return

    def finish(
        self,
        *,
        writer: EmployeeWriter | None,
        report_file: ErrorReport | None,
        error_limit: int | None,
        steps: int,
    ) -> None:
        """Read the spill in file order: count, collect errors, write good rows if `writer`."""
        total = max(self.rows.total - self.header_row - 1, 1) * steps
        done = self.total_rows * (steps - 1)
        new_workshops: dict[str, int] = {}
        if writer is not None and self.ctx.new_workshops:
            new_workshops = workshops_create(self.enterprise.pk, self.ctx.new_workshops)
        message = _("Writing employee files") if writer else _("Counting")
        for records in self._spilled():
            creates: list[dict[str, Any]] = []
            updates: list[tuple[int, dict[str, Any]]] = []
            for row_number, cells, errors, number, kind, payload in records:
                if number in self.dups:
                    others = [str(r) for r in self.dups[number] if r != row_number]
                    reason = _("The same ID number is also on row %(rows)s.") % {
                        "rows": ", ".join(others)
                    }
                    errors = [*errors, (self.id_index, reason)]
                if errors:
                    self._error(row_number, cells, errors, report_file, error_limit)
                    continue
                self.counts[kind] += 1
                if writer is None:
                    continue
                if kind == CREATE:
                    creates.append(_resolve_workshop(payload, new_workshops))
                elif kind == UPDATE:
                    updates.append((payload[0], _resolve_workshop(payload[1], new_workshops)))
            if writer is not None:
                writer.create(creates)
                writer.update(updates)
            done += len(records)
            self.report(done, total, message)
        self.spill.close()

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
            header = self.headers[index] if index < len(self.headers) else ""
            self.errors.append(
                {
                    "row": row_number,
                    "column": header,
                    "value": masked(column, text_of(cells[index]) if index < len(cells) else ""),
                    "reason": reason,
                }
            )
        if report_file is not None:
            reasons = [
                f"{self.headers[i] if i < len(self.headers) else ''}: {reason}"
                for i, reason in errors
            ]
            report_file.add(row_number, cells, reasons)

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


def _resolve_workshop(values: dict[str, Any], created: dict[str, int]) -> dict[str, Any]:
    workshop = values.get("workshop_id")
    if isinstance(workshop, str):
        return {**values, "workshop_id": created[workshop]}
    return values


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
        importer.check(steps=1)
        importer.finish(writer=None, report_file=None, error_limit=ERROR_LIMIT, steps=1)
    except ImportFileError as exc:
        _failed(roster_import, exc.message)
        raise
    summary = importer.summary()
    _save_counts(roster_import, summary, RosterImport.Status.PREVIEWED)
    return {
        **summary,
        "status": str(roster_import.status),
        "new_workshops": sorted(importer.ctx.new_workshops),
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
    report_path: Path | None = None
    try:
        importer = _Importer(roster_import, report)
        importer.check(steps=2)
        refuse = roster_import.policy == RosterImport.Policy.ALL_OR_NOTHING and importer.has_errors
        relative = Path("imports") / str(roster_import.pk) / "report.xlsx"
        report_path = Path(settings.MEDIA_ROOT) / relative
        report_file = ErrorReport(report_path, importer.headers)
        with transaction.atomic():
            writer = None
            if not refuse:
                writer = EmployeeWriter(
                    community_id=roster_import.community_id,
                    enterprise_id=roster_import.enterprise_id,
                    import_id=str(roster_import.pk),
                    actor_label=actor.label,
                )
            importer.finish(
                writer=writer, report_file=report_file, error_limit=error_limit, steps=2
            )
            summary = importer.summary()
            if refuse:
                summary.update(created=0, updated=0, unchanged=0)
            status = RosterImport.Status.REFUSED if refuse else RosterImport.Status.DONE
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
                    "status": status,
                    "policy": roster_import.policy,
                    "rows": summary["total_rows"],
                    "created": summary["created"],
                    "updated": summary["updated"],
                    "unchanged": summary["unchanged"],
                    "errors": summary["error_count"],
                },
            )
    except ImportFileError as exc:
        _failed(roster_import, exc.message)
        raise
    except Exception:
        if report_path is not None:
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
