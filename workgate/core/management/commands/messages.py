"""`workgate messages update|compile|check`: keep the zh-Hans and en catalogues complete."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from workgate.core import i18n


class Command(BaseCommand):
    help = "Update, compile or check the translation catalogues (no GNU gettext needed)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["update", "compile", "check"])

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "update":
            added = i18n.update()
            for locale, n in added.items():
                self.stdout.write(f"{locale}: {n} new message(s)")
            i18n.compile_all()
        elif action == "compile":
            i18n.compile_all()
        else:
            problems = [p for locale in i18n.LOCALES for p in i18n.problems(locale)]
            if problems:
                raise CommandError("\n".join(problems))
            self.stdout.write("Both catalogues are complete.")
