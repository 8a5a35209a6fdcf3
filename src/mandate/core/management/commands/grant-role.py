from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from mandate.core import actions
from mandate.core.errors import DomainError
from mandate.core.models import Branch, Department, Region, RoleKind, User, Workplace


class Command(BaseCommand):
    help = (
        "Give a login a role. With --create, make the login first and print its one-time "
        "password. Example: mandate grant-role --user jo --role rep --branch liverpool "
        "--workplace 'Main campus' --create"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="username")
        parser.add_argument("--role", required=True, choices=RoleKind.values)
        parser.add_argument("--branch", help="branch slug (branch roles)")
        parser.add_argument("--region", help="region slug (regional officers)")
        parser.add_argument("--workplace", action="append", default=[], help="a rep's workplace")
        parser.add_argument("--department", action="append", default=[], help="a rep's department")
        parser.add_argument("--title", default="")
        parser.add_argument("--create", action="store_true", help="create the login if missing")

    def handle(self, *args: Any, **options: Any) -> None:
        branch = region = None
        if options["branch"]:
            branch = Branch.objects.filter(slug=options["branch"]).first()
            if branch is None:
                raise CommandError(f"--branch: no branch with the slug {options['branch']!r}.")
        if options["region"]:
            region = Region.objects.filter(slug=options["region"]).first()
            if region is None:
                raise CommandError(f"--region: no region with the slug {options['region']!r}.")
        employers = list(branch.employers.all()) if branch else []
        workplaces = self._named(Workplace, options["workplace"], employers, "--workplace")
        departments = self._named(Department, options["department"], employers, "--department")
        password = ""
        try:
            with transaction.atomic():
                user = User.objects.filter(username=options["user"]).first()
                if user is None:
                    if not options["create"]:
                        raise CommandError(
                            f"--user: no login {options['user']!r} (add --create to make it)."
                        )
                    password = actions.password_generate()
                    user = actions.user_create(username=options["user"], password=password)
                actions.role_grant(
                    user=user,
                    kind=options["role"],
                    branch=branch,
                    region=region,
                    workplaces=workplaces,
                    departments=departments,
                    title=options["title"],
                )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"{user.username}: {RoleKind(options['role']).label} granted.")
        if password:
            self.stdout.write(f"One-time password: {password}")

    def _named(
        self,
        model: type[Workplace] | type[Department],
        names: list[str],
        employers: list[Any],
        option: str,
    ) -> list[Any]:
        found = []
        for name in names:
            obj = model.objects.filter(employer__in=employers, name__iexact=name.strip()).first()
            if obj is None:
                raise CommandError(f"{option}: the branch has no {name!r}.")
            found.append(obj)
        return found
