from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mandate.pickets import supporter_reminders
from mandate.pickets.actions import reminders_queue


class Command(BaseCommand):
    help = (
        "Queue a reminder to each member and supporter rostered on a picket shift that starts "
        "within the next HOURS hours (default 18), once per sign-up, and send the supporters' "
        "reminders that are due. Run it from cron every 15 minutes; `mandate worker` sends the "
        "members' reminders."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--hours", type=int, default=18, help="look this far ahead")
        parser.add_argument(
            "--no-send",
            action="store_true",
            help="queue supporters' reminders but do not send them in this run",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        hours = options["hours"]
        if not 1 <= hours <= 72:
            raise CommandError("--hours: give a number of hours from 1 to 72.")
        within = dt.timedelta(hours=hours)
        done = reminders_queue(within=within)
        self.stdout.write(
            f"{done.shifts} shifts: {done.queued} reminders queued, {done.skipped} skipped "
            f"(no consent, opted out, or no personal address)"
        )
        extra = supporter_reminders.queue(within=within)
        self.stdout.write(
            f"Supporters: {extra.queued} reminders queued, {extra.skipped} not to be sent "
            f"(stopped, no mobile or personal email, or a work address)"
        )
        if options["no_send"]:
            return
        sent = supporter_reminders.deliver()
        self.stdout.write(
            f"Supporters: {sent['sent']} sent, {sent['deferred']} held for texting hours, "
            f"{sent['retry']} to retry, {sent['failed']} failed, {sent['skipped']} not sent"
        )
