"""``mandate poll links POLL_ID --out FILE``: write an open e-ballot's personal links (CSV)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mandate.core.audit import audit_record
from mandate.votes import queries
from mandate.votes.models import Poll, PollState


class Command(BaseCommand):
    help = "E-ballot tasks: write the personal voting links of members yet to vote."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{links}")
        links = sub.add_parser(
            "links",
            help="write the links CSV for a mail merge",
            description="Write membership number, first name, personal email, mobile and "
            "personal link of every member on the roll who has not voted. The file holds "
            "personal data: keep it within the union and delete it after sending.",
        )
        links.add_argument("poll_id", type=int, metavar="POLL_ID")
        links.add_argument("--out", required=True, metavar="FILE")

    def handle(self, *args: Any, **options: Any) -> None:
        poll = Poll.objects.filter(pk=options["poll_id"]).first()
        if poll is None:
            raise CommandError(f"No e-ballot has the id {options['poll_id']}.")
        if poll.state != PollState.OPEN:
            raise CommandError(
                f"Links are written only while the ballot is open; it is {poll.get_state_display()}."
            )
        out = Path(options["out"])
        if out.exists():
            raise CommandError(f"{out} already exists; choose a new file name.")
        body, count = queries.links_csv(poll)
        try:
            out.write_text(body, encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"Cannot write {out}: {exc.strerror}.") from None
        audit_record(
            actor=None,
            action="poll.links_export",
            obj=poll,
            branch=poll.branch,
            detail={"rows": count, "via": "command"},
        )
        self.stdout.write(f"{count} links written to {out}")
