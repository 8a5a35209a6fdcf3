"""``mandate results import FILE --ballot ID``: import a scrutineer's results report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mandate.ballots import actions
from mandate.ballots.models import Ballot
from mandate.ballots.scrutineer import ReportError
from mandate.core.errors import DomainError


class Command(BaseCommand):
    help = "Import a scrutineer's results report (XLSX or CSV) into a ballot."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{import}")
        imp = sub.add_parser(
            "import",
            help="import a results report, all or nothing, and compute the mandates",
        )
        imp.add_argument("file", metavar="FILE")
        imp.add_argument("--ballot", required=True, metavar="ID")
        imp.add_argument(
            "--create-constituencies",
            action="store_true",
            help="create a constituency for each report name that matches none",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            ballot = Ballot.objects.select_related("dispute").get(pk=int(options["ballot"]))
        except (ValueError, Ballot.DoesNotExist):
            raise CommandError(f"No ballot has the id {options['ballot']!r}.") from None
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{path}: cannot read the file ({exc.strerror}).") from None
        try:
            record = actions.results_import(
                ballot=ballot,
                data=data,
                filename=path.name,
                actor=None,
                create_constituencies=options["create_constituencies"],
            )
        except actions.ImportRefused as refused:
            lines = [refused.headline, *(f"  {p}" for p in refused.problems)]
            raise CommandError("\n".join(lines)) from None
        except ReportError as error:
            raise CommandError(f"{path.name}: {error.message}") from None
        except DomainError as error:
            raise CommandError(error.message) from None
        counts = record.counts
        self.stdout.write(
            f"Imported {counts['results']} results for {counts['constituencies']} "
            f"constituencies ({counts['created']} created); {counts['mandates']} mandates "
            f"granted."
        )
        for warning in record.warnings:
            self.stdout.write(f"  {warning}")
