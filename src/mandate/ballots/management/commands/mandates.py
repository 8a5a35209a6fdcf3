"""``mandate mandates --ballot ID --format json|csv``: one row per constituency and question."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mandate.ballots.models import Ballot
from mandate.ballots.queries import MANDATE_COLUMNS, mandate_rows


class Command(BaseCommand):
    help = "Print a ballot's mandates: one row per constituency and question."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--ballot", required=True, metavar="ID")
        parser.add_argument("--format", choices=["json", "csv"], default="json")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            ballot = Ballot.objects.get(pk=int(options["ballot"]))
        except (ValueError, Ballot.DoesNotExist):
            raise CommandError(f"No ballot has the id {options['ballot']!r}.") from None
        rows = mandate_rows(ballot)
        if options["format"] == "json":
            self.stdout.write(json.dumps(rows, indent=2))
            return
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(MANDATE_COLUMNS), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        self.stdout.write(buffer.getvalue(), ending="")
