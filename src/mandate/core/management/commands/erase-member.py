"""``mandate erase-member <member-id> --confirm <membership number>``: erase one member."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mandate.core.privacy.erasure import ErasureError, member_erase
from mandate.members.models import Member


class Command(BaseCommand):
    help = (
        "Erase one member's personal data, keeping ballot, turnout and meeting counts. "
        "Cannot be undone. Example: mandate erase-member 123 --confirm LIV000123"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("member_id", help="the member's register id")
        parser.add_argument(
            "--confirm",
            required=True,
            help="the member's membership number, to show the right member was chosen",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            member = Member.objects.get(pk=int(options["member_id"]))
        except (ValueError, Member.DoesNotExist):
            raise CommandError(f"No member with the id {options['member_id']!r}.") from None
        if options["confirm"] != member.membership_number:
            raise CommandError(
                f"--confirm does not match the membership number of member {member.pk}; "
                "nothing was erased."
            )
        try:
            counts = member_erase(member=member, actor=None)
        except ErasureError as exc:
            raise CommandError(str(exc)) from None
        touched = {k: v for k, v in counts.items() if v}
        self.stdout.write(f"Erased member {member.pk}: {sum(touched.values())} records.")
        for kind, n in sorted(touched.items()):
            self.stdout.write(f"  {kind}: {n}")
