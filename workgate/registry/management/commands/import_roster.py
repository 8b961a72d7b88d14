"""`workgate import-roster FILE --enterprise CREDIT_CODE`: import a roster now, without a worker.

Columns are mapped automatically (the enterprise's remembered mapping, then header names); the
platform acts as the system actor of the enterprise's community. Exit status 0 when every row
was imported, 1 when rows were refused, 2 when the file or enterprise is wrong (one-line
error, never a traceback).
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from workgate.core.access import Actor
from workgate.core.models import Enterprise
from workgate.registry.importing import pipeline
from workgate.registry.importing.columns import BY_FIELD
from workgate.registry.importing.readers import ImportFileError
from workgate.registry.models import RosterImport


class Command(BaseCommand):
    help = "Import an employee roster (xlsx, xls or csv) into an enterprise, now."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="The roster: .xlsx, .xls or .csv")
        parser.add_argument(
            "--enterprise", required=True, help="The enterprise's unified social credit code"
        )
        parser.add_argument(
            "--policy",
            choices=RosterImport.Policy.values,
            default=RosterImport.Policy.VALID_ROWS,
            help="valid-rows: import the good rows and report the others (default); "
            "all-or-nothing: import nothing unless every row is good",
        )
        parser.add_argument(
            "--json", action="store_true", help="Print the result as JSON (created, updated, …)"
        )
        parser.add_argument(
            "--language",
            default=settings.LANGUAGE_CODE,
            choices=[code for code, _name in settings.LANGUAGES],
            help="Language of the messages",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self.verbosity = options["verbosity"]
        with translation.override(options["language"]):
            result = self._import(options)
        if options["json"]:
            out = {k: result[k] for k in ("created", "updated", "unchanged")}
            out["errors"] = [
                {"row": e["row"], "column": e["column"], "reason": e["reason"]}
                for e in result["errors"]
            ]
            self.stdout.write(json.dumps(out, ensure_ascii=False))
        else:
            with translation.override(options["language"]):
                self._print(result)
        if result["error_count"]:
            sys.exit(1)

    def _import(self, options: dict[str, Any]) -> dict[str, Any]:
        source = Path(options["file"])
        if not source.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": source}, returncode=2)
        code = options["enterprise"].strip().upper()
        enterprise = Enterprise.objects.select_related("community").filter(credit_code=code).first()
        if enterprise is None:
            raise CommandError(
                _("No enterprise has the credit code %(code)s.") % {"code": options["enterprise"]},
                returncode=2,
            )
        try:
            analysis = pipeline.analyse(source, enterprise=enterprise)
        except ImportFileError as exc:
            raise CommandError(exc.message, returncode=2) from exc
        if analysis.missing_required:
            raise CommandError(
                _(
                    "No column could be matched to: %(fields)s. Give those columns a header "
                    "such as 姓名 or 身份证号码."
                )
                % {"fields": ", ".join(str(BY_FIELD[f].label) for f in analysis.missing_required)},
                returncode=2,
            )
        roster_import = RosterImport(
            community_id=enterprise.community_id,
            enterprise=enterprise,
            original_name=source.name[:255],
            policy=options["policy"],
            header_row=analysis.header_row,
            mapping={str(k): v for k, v in analysis.proposed.items()},
        )
        # Kept under var/media like an upload, so the import record points at what it read.
        relative = Path("imports") / str(roster_import.pk) / f"upload{source.suffix.lower()}"
        target = Path(settings.MEDIA_ROOT) / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        roster_import.file = str(relative)
        roster_import.save()
        actor = Actor.system(enterprise.community_id)
        try:
            return pipeline.run(roster_import, self._progress, actor=actor, error_limit=None)
        except ImportFileError as exc:
            raise CommandError(exc.message, returncode=2) from exc

    def _progress(self, done: int, total: int, message: str) -> None:
        if self.verbosity >= 2:
            self.stderr.write(f"{message}: {done}/{total}")

    def _print(self, result: dict[str, Any]) -> None:
        write = self.stdout.write
        write(
            _("%(created)d new, %(updated)d changed, %(unchanged)d unchanged, %(errors)d errors.")
            % {
                "created": result["created"],
                "updated": result["updated"],
                "unchanged": result["unchanged"],
                "errors": result["error_count"],
            }
        )
        if result["status"] == RosterImport.Status.REFUSED:
            write(_("Nothing was imported: the policy is all-or-nothing and some rows are wrong."))
        for error in result["errors"]:
            write(
                _("Row %(row)d, %(column)s: %(reason)s")
                % {"row": error["row"], "column": error["column"], "reason": error["reason"]}
            )
        if result.get("report_file"):
            write(
                _("Report: %(path)s") % {"path": Path(settings.MEDIA_ROOT) / result["report_file"]}
            )
