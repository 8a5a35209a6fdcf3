"""``mandate subject-access <member-id> --out file.zip``: one member's data, for a request."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mandate.core.audit import audit_record
from mandate.core.privacy.access import build_zip
from mandate.members.models import Member


class Command(BaseCommand):
    help = (
        "Write everything held about one member (by register id) to a zip of JSON and CSV. "
        "Example: mandate subject-access 123 --out member-123.zip"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("member_id", help="the member's register id (not membership number)")
        parser.add_argument("--out", required=True, help="the zip file to write")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            member = Member.objects.select_related("branch").get(pk=int(options["member_id"]))
        except (ValueError, Member.DoesNotExist):
            raise CommandError(f"No member with the id {options['member_id']!r}.") from None
        out = Path(options["out"])
        if out.is_dir() or not out.parent.is_dir():
            raise CommandError(f"--out: cannot write a file at {out}.")
        data, counts = build_zip(member)
        out.write_bytes(data)
        audit_record(
            actor=None,
            action="member.subject_access_export",
            obj=member,
            branch=member.branch,
            detail={"rows": sum(counts.values()), "route": "command"},
        )
        self.stdout.write(
            f"Wrote {out}: {sum(counts.values())} records in {len(counts)} kinds of data."
        )
