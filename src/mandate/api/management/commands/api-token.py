from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mandate.api import actions
from mandate.api.models import ApiToken
from mandate.api.scopes import Scope
from mandate.core.errors import DomainError
from mandate.core.models import User


class Command(BaseCommand):
    help = (
        "Create, list or revoke API tokens. Examples: "
        "mandate api-token create --user secretary --name sync --scope members:read --days 30; "
        "mandate api-token list --user secretary; mandate api-token revoke 12"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        create = sub.add_parser("create", help="create a token and print it once")
        create.add_argument("--user", required=True, help="username")
        create.add_argument("--name", required=True, help="what will use the token")
        create.add_argument(
            "--scope",
            action="append",
            default=[],
            help=f"repeat for each scope: {', '.join(s.value for s in Scope)}",
        )
        create.add_argument("--days", type=int, default=actions.DEFAULT_DAYS)
        listing = sub.add_parser("list", help="list tokens (never the tokens themselves)")
        listing.add_argument("--user", help="only this user's tokens")
        revoke = sub.add_parser("revoke", help="revoke a token by its id")
        revoke.add_argument("id", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        verb = options["verb"]
        if verb == "create":
            self._create(options)
        elif verb == "list":
            self._list(options)
        else:
            self._revoke(options)

    def _user(self, username: str) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"--user: no login {username!r}.")
        return user

    def _create(self, options: dict[str, Any]) -> None:
        user = self._user(options["user"])
        try:
            made = actions.token_create(
                user=user, name=options["name"], scopes=options["scope"], days=options["days"]
            )
        except DomainError as error:
            raise CommandError(error.message) from None
        token = made.token
        self.stdout.write(
            f"Token {token.pk} for {user.username} ({', '.join(token.scopes)}), expires "
            f"{token.expires_at:%Y-%m-%d}. Shown once:"
        )
        self.stdout.write(made.raw)

    def _list(self, options: dict[str, Any]) -> None:
        tokens = ApiToken.objects.select_related("user")
        if options["user"]:
            tokens = tokens.filter(user=self._user(options["user"]))
        for t in tokens[:500]:
            used = f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "never"
            self.stdout.write(
                f"{t.pk}\t{t.user.username}\t{t.prefix}…\t{t.state}\t{t.name}\t"
                f"{','.join(t.scopes)}\texpires {t.expires_at:%Y-%m-%d}\tused {used}"
            )

    def _revoke(self, options: dict[str, Any]) -> None:
        token = ApiToken.objects.filter(pk=options["id"]).first()
        if token is None:
            raise CommandError(f"No token with id {options['id']}.")
        try:
            actions.token_revoke(token=token, actor=None)
        except DomainError as error:
            raise CommandError(error.message) from None
        self.stdout.write(f"Revoked token {token.pk} ({token.prefix}…).")
