"""``mandate poll links POLL_ID --out FILE``: write an open e-ballot's personal links (CSV);
``mandate poll links POLL_ID --send sms|email``: send each member yet to vote their own link
through messaging instead (consent, opt-outs, texting hours, never a work address)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mandate.core.audit import audit_record
from mandate.core.errors import DomainError
from mandate.members.models import Member
from mandate.messaging.actions import skipped_rows
from mandate.messaging.models import Channel
from mandate.messaging.templating import TemplateError, parse_template
from mandate.votes import queries, sending
from mandate.votes.models import Poll, PollState


class Command(BaseCommand):
    help = "E-ballot tasks: write the personal voting links of members yet to vote."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{links}")
        links = sub.add_parser(
            "links",
            help="write the links CSV for a mail merge",
            description="Write membership number, first name, personal email, mobile and "
            "personal link of every member on the roll who has not voted (--out; the file holds "
            "personal data: keep it within the union and delete it after sending), or send "
            "each of them their own link through messaging (--send).",
        )
        links.add_argument("poll_id", type=int, metavar="POLL_ID")
        where = links.add_mutually_exclusive_group(required=True)
        where.add_argument("--out", metavar="FILE")
        where.add_argument("--send", choices=Channel.values, metavar="{sms,email}")
        links.add_argument(
            "--template", help="the message; must contain {link} (default: a short invitation)"
        )
        links.add_argument("--subject", default="", help="email subject (default: the title)")

    def handle(self, *args: Any, **options: Any) -> None:
        poll = Poll.objects.filter(pk=options["poll_id"]).first()
        if poll is None:
            raise CommandError(f"No e-ballot has the id {options['poll_id']}.")
        if poll.state != PollState.OPEN:
            raise CommandError(
                f"Links are written only while the ballot is open; it is {poll.get_state_display()}."
            )
        if options["send"]:
            self._send(poll, options)
            return
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

    def _send(self, poll: Poll, options: dict[str, Any]) -> None:
        channel = options["send"]
        template = options["template"] or sending.default_template(poll)
        try:
            if "link" not in parse_template(template).fields:
                raise CommandError("--template must contain {link}: each member's own link.")
        except TemplateError as exc:
            raise CommandError(f"--template: {exc.message}") from None
        subject = options["subject"] or f"Your vote: {poll.title}"[:200]
        members = sending.recipients(poll, Member.objects.all())
        try:
            # The plan refuses texts longer than messaging allows before anything is queued.
            sending.plan(
                poll=poll, channel=channel, template=template, subject=subject, members=members
            )
            send = sending.links_send(
                actor=None,
                poll=poll,
                channel=channel,
                template=template,
                subject=subject,
                members=members,
                via="command",
            )
        except DomainError as exc:
            raise CommandError(exc.message) from None
        skipped = "".join(f"; {label}: {n}" for label, n in skipped_rows(send))
        self.stdout.write(
            f"{send.queued_count} of {send.recipient_count} links queued by {channel} "
            f"(send {send.pk}){skipped}"
        )
