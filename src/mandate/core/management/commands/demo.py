from __future__ import annotations

import time
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from mandate.core.demo import DEMO_LOGINS, DEMO_PASSWORD, demo_exists, run_demo
from mandate.core.security.demo import demo_login_note


class Command(BaseCommand):
    help = "Build the demo union (skipped if it exists) and print the demo logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale",
            choices=["default", "national"],
            default="default",
            help="default: 10 branches in seconds; national: 150 branches and 120,000 members",
        )
        parser.add_argument("--reset", action="store_true", help="empty the database first")
        parser.add_argument("--seed", type=int, default=2021)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["reset"]:
            call_command("flush", interactive=False, verbosity=0)
        if demo_exists():
            self.stdout.write("The demo union is already loaded (use --reset to rebuild it).")
        else:
            started = time.perf_counter()
            self.stdout.write(f"Building the demo union ({options['scale']})...")
            run_demo(scale=options["scale"], seed=options["seed"], out=self.stdout.write)
            self.stdout.write(f"Built in {time.perf_counter() - started:.1f} s.")
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, what in DEMO_LOGINS:
            self.stdout.write(f"  {username:<14} {what}")
        for line in demo_login_note():
            self.stdout.write(line)
