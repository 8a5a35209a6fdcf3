"""``mandate action check ID``: print an action's checks; exit 1 if any fails."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mandate.actions.checks import action_checks
from mandate.actions.models import Action


class Command(BaseCommand):
    help = "Check an action against the rulebook (exit status 1 if a check fails)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{check}")
        check = sub.add_parser(
            "check",
            help="print every check of an action, with its citation",
            description="Print every check the action must pass before it is called; the exit "
            "status is 1 if any fails, so scripts can stop on it.",
        )
        check.add_argument("id", type=int, metavar="ID")

    def handle(self, *args: Any, **options: Any) -> None:
        action = Action.objects.select_related("ballot", "dispute").filter(pk=options["id"]).first()
        if action is None:
            raise CommandError(f"No action has the id {options['id']}.")
        results = action_checks(action)
        self.stdout.write(f"{action.title} ({action.get_status_display()})")
        for r in results:
            mark = "PASS" if r.ok else "FAIL"
            cite = f" [{r.citation}]" if r.citation else ""
            self.stdout.write(f"{mark} {r.rule_id}: {r.message}{cite}")
        failed = sum(1 for r in results if not r.ok)
        self.stdout.write(f"{len(results) - failed} passed, {failed} failed")
        if failed:
            sys.exit(1)
