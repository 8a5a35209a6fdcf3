"""``mandate retention [--apply]``: remove personal data past its retention period."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from mandate.core.retention import Line, retention_apply, retention_report


class Command(BaseCommand):
    help = (
        "Report (default) or remove (--apply) personal data kept longer than its retention "
        "period (settings MANDATE_RETENTION_<KIND>, in months). Prints counts only."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--apply", action="store_true", help="remove it (default: dry run)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["apply"]:
            lines = retention_apply()
            verb, heading = "removed", "Retention applied."
        else:
            lines = retention_report()
            verb, heading = "would go", "Dry run: nothing removed. Run with --apply to remove."
        self.stdout.write(heading)
        for line in lines:
            self.stdout.write(_line(line, verb))
        self.stdout.write(f"Total {verb}: {sum(ln.count for ln in lines)}")


def _line(line: Line, verb: str) -> str:
    if line.months is None:
        return f"  {line.kind}: {line.title}: kept (no period set)"
    after = f" after {line.counted_from}" if line.counted_from else ""
    months = f"{line.months} month{'s' if line.months != 1 else ''}"
    return f"  {line.kind}: {line.title} older than {months}{after}: {line.count} {verb}"
