"""``mandate dispute create|list``: open a dispute from a script, list the disputes."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mandate.core.errors import DomainError
from mandate.core.models import Branch, Employer
from mandate.disputes import actions
from mandate.disputes.models import Dispute


class Command(BaseCommand):
    help = "Open a dispute (prints its slug) or list the disputes."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{create,list}")
        create = sub.add_parser(
            "create",
            help="open a dispute and print its slug",
            description=(
                "Open a dispute. Without --branch it is national; without --employer its "
                "parties are every employer (national) or the branch's employers (local)."
            ),
        )
        create.add_argument("--name", required=True, help="the dispute's name")
        create.add_argument("--branch", metavar="SLUG", help="the branch of a local dispute")
        create.add_argument(
            "--employer",
            metavar="SLUG",
            action="append",
            default=[],
            help="an employer party (repeat for several)",
        )
        create.add_argument(
            "--demand", metavar="TEXT", action="append", default=[], help="a demand (repeatable)"
        )
        create.add_argument("--summary", default="", help="a short summary")
        sub.add_parser("list", help="list disputes: slug, status, scope, name (tab-separated)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "list":
            self._list()
        else:
            self._create(options)

    def _create(self, options: dict[str, Any]) -> None:
        branch = None
        if options["branch"]:
            branch = Branch.objects.filter(slug=options["branch"]).first()
            if branch is None:
                raise CommandError(f"No branch has the slug {options['branch']!r}.")
        parties = None
        if options["employer"]:
            wanted = list(dict.fromkeys(options["employer"]))
            found = {e.slug: e for e in Employer.objects.filter(slug__in=wanted)}
            missing = [slug for slug in wanted if slug not in found]
            if missing:
                raise CommandError(f"No employer has the slug {', '.join(map(repr, missing))}.")
            parties = [found[slug] for slug in wanted]
        try:
            dispute = actions.dispute_create(
                name=options["name"],
                branch=branch,
                parties=parties,
                demands=options["demand"],
                summary=options["summary"],
            )
        except DomainError as error:
            raise CommandError(error.message) from None
        # Only the slug on stdout, so a script can capture it.
        self.stdout.write(dispute.slug)

    def _list(self) -> None:
        for dispute in Dispute.objects.select_related("branch").order_by("status", "name"):
            scope = dispute.branch.slug if dispute.branch else "national"
            self.stdout.write(f"{dispute.slug}\t{dispute.status}\t{scope}\t{dispute.name}")
