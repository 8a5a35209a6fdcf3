"""`mandate twofactor status|reset|code USERNAME`: look after someone's second factor."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.oath import totp

from mandate.core import policy
from mandate.core.models import User
from mandate.core.security import actions, twofactor


class Command(BaseCommand):
    help = (
        "status: whether USERNAME has two-factor authentication; reset: remove their devices "
        "(a lost phone; audited) so they enrol again at next login; code: print the current "
        "code of their authenticator (DEBUG only, for the demo)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["status", "reset", "code"])
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No login named {options['username']!r}.")
        action = options["action"]
        if action == "status":
            enrolled = "on" if twofactor.is_enrolled(user) else "off"
            needed = "required" if policy.requires_two_factor(user) else "optional"
            left = twofactor.backup_codes_left(user)
            self.stdout.write(
                f"{user.username}: two-factor {enrolled} ({needed}); {left} backup codes left"
            )
        elif action == "reset":
            removed = actions.twofactor_reset(actor=None, user=user)
            self.stdout.write(
                f"{user.username}: removed {removed} device(s); they set up two-factor again at "
                "their next login."
            )
        else:
            # Printing a live code defeats the second factor, so only a development server may.
            if not settings.DEBUG:
                raise CommandError("`twofactor code` works only with DEBUG=1 (the demo).")
            device = twofactor.confirmed_totp(user)
            if device is None:
                raise CommandError(f"{user.username} has no authenticator set up.")
            code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
            self.stdout.write(f"{code:0{device.digits}d}")
