from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mandate.ballots.models import Ballot, BallotState
from mandate.turnout.actions import snapshots_take


class Command(BaseCommand):
    help = (
        "Record today's turnout counts per constituency for the trend charts: every open ballot, "
        "or the one given. Run it from cron every evening (it replaces today's earlier figures)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--ballot", type=int, help="one ballot id (default: every open one)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["ballot"] is not None:
            ballots = list(Ballot.objects.filter(pk=options["ballot"]))
            if not ballots:
                raise CommandError(f"--ballot: no ballot with the id {options['ballot']}.")
        else:
            ballots = list(Ballot.objects.filter(state=BallotState.OPEN))
        for ballot in ballots:
            count = snapshots_take(ballot=ballot)
            self.stdout.write(f"ballot {ballot.pk}: {count} constituencies recorded")
        if not ballots:
            self.stdout.write("No open ballot: nothing recorded.")
