"""``mandate import-members FILE --branch SLUG [--dry-run] [--sheet NAME]``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mandate.core.models import Branch
from mandate.members.importing import ImportPlan, import_apply, plan_import, size_error


class Command(BaseCommand):
    help = (
        "Import a branch's member register from a CSV (UTF-8 or Windows-1252) or XLSX file. "
        "Checks every row first; any error and nothing is written (exit status 1)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the CSV or XLSX file")
        parser.add_argument("--branch", required=True, help="the branch's slug")
        parser.add_argument(
            "--dry-run", action="store_true", help="check and compare only; write nothing"
        )
        parser.add_argument("--sheet", default="", help="the sheet to read from a workbook")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            branch = Branch.objects.get(slug=options["branch"])
        except Branch.DoesNotExist:
            raise CommandError(f"No branch with the slug {options['branch']!r}.") from None
        path = Path(options["file"])
        try:
            # The size is checked before the file is read, so a huge file costs nothing.
            too_big = size_error(path.stat().st_size)
            if too_big:
                raise CommandError(too_big)
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from None
        if options["dry_run"]:
            plan = plan_import(branch=branch, data=data, filename=path.name, sheet=options["sheet"])
        else:
            plan = import_apply(
                branch=branch,
                data=data,
                actor=None,
                filename=path.name,
                sheet=options["sheet"],
            )
        self._report(plan, dry_run=options["dry_run"])

    def _report(self, plan: ImportPlan, *, dry_run: bool) -> None:
        for warning in plan.warnings:
            self.stdout.write(self.style.WARNING(f"warning: {warning}"))
        if not plan.ok:
            for error in plan.errors:
                self.stderr.write(str(error))
            hidden = plan.error_count - len(plan.errors)
            if hidden > 0:
                self.stderr.write(f"... and {hidden:,} more errors.")
            raise CommandError(
                f"{plan.error_count:,} error(s) in the file; nothing was written.", returncode=1
            )
        counts = plan.counts()
        verb = "would be" if dry_run else "were"
        self.stdout.write(
            f"{counts['rows']:,} rows: {counts['new']:,} new, {counts['changed']:,} changed, "
            f"{counts['unchanged']:,} unchanged, {counts['returned']:,} back in the file; "
            f"{counts['missing']:,} member(s) of the branch are not in the file "
            f"({counts['newly_missing']:,} {verb} newly flagged as missing)."
        )
        if dry_run:
            self.stdout.write("Dry run: nothing was written.")
        else:
            self.stdout.write(self.style.SUCCESS("Imported."))
