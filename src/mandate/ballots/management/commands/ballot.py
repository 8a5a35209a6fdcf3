"""``mandate ballot create``: create a statutory ballot in a dispute and print its id."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mandate.ballots import actions
from mandate.ballots.models import BallotKind
from mandate.core.errors import DomainError
from mandate.disputes.models import Dispute


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{text!r} is not a date; use YYYY-MM-DD.") from None


class Command(BaseCommand):
    help = "Create a statutory ballot (prints its id)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{create}")
        create = sub.add_parser(
            "create",
            help="create a ballot and print its id",
            description="Create a ballot with one constituency per employer party of the "
            "dispute (or one for all with --aggregated) and its statutory checklist.",
        )
        create.add_argument("--dispute", required=True, metavar="SLUG")
        create.add_argument("--name", required=True)
        create.add_argument("--jurisdiction", default="gb", help="rulebook: gb, ni or ie")
        create.add_argument("--opens", required=True, metavar="YYYY-MM-DD")
        create.add_argument("--closes", required=True, metavar="YYYY-MM-DD")
        create.add_argument("--aggregated", action="store_true")
        create.add_argument(
            "--basis", default="", help="the s228A test an aggregated ballot relies on"
        )
        create.add_argument("--scrutineer", default="")
        create.add_argument("--regime", default="", help="force a regime (default: by opening)")
        create.add_argument("--no-asos", action="store_true", help="ask only the strike question")
        create.add_argument("--no-strike", action="store_true", help="ask only the ASOS question")

    def handle(self, *args: Any, **options: Any) -> None:
        dispute = Dispute.objects.filter(slug=options["dispute"]).first()
        if dispute is None:
            raise CommandError(f"No dispute has the slug {options['dispute']!r}.")
        try:
            ballot = actions.ballot_create(
                dispute=dispute,
                name=options["name"],
                jurisdiction=options["jurisdiction"],
                opens=_date(options["opens"]),
                closes=_date(options["closes"]),
                kind=BallotKind.AGGREGATED if options["aggregated"] else BallotKind.SEPARATE,
                aggregation_basis=options["basis"],
                scrutineer=options["scrutineer"],
                regime=options["regime"],
                ask_strike=not options["no_strike"],
                ask_asos=not options["no_asos"],
                actor=None,
            )
        except DomainError as error:
            raise CommandError(error.message) from None
        # Only the id on stdout, so a script can capture it.
        self.stdout.write(str(ballot.pk))
