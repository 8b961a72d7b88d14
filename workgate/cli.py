"""The `workgate` command: every Django management command, with one-line errors instead of
tracebacks for the mistakes people make when setting up (database down, var/ not writable)."""

from __future__ import annotations

import os
import sys


def _fail(message: str) -> None:
    sys.stderr.write(f"workgate: {message}\n")
    raise SystemExit(2)


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "workgate.settings")
    argv = list(sys.argv if argv is None else argv)
    argv[0] = "workgate"
    # `workgate import-roster` reads better than `import_roster`; both work.
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")

    from django.core.exceptions import ImproperlyConfigured
    from django.db.utils import OperationalError

    try:
        from django.core.management import execute_from_command_line

        execute_from_command_line(argv)
    except ImproperlyConfigured as exc:
        _fail(str(exc))
    except OperationalError as exc:
        from django.conf import settings

        url = settings.DATABASE_URL
        safe = url.split("@")[-1] if "@" in url else url
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        _fail(
            f"cannot use the database at {safe}: {reason}. "
            "Check DATABASE_URL (unset it to use the built-in SQLite database under var/), "
            "that the server is running, and that var/ is writable."
        )
    except KeyboardInterrupt:
        raise SystemExit(130) from None


if __name__ == "__main__":
    main()
