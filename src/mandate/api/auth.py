"""Who is calling: a bearer token, its user, its scopes and its rate limit."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer

from mandate.api import ratelimit
from mandate.api.actions import token_authenticate
from mandate.api.models import ApiToken
from mandate.api.scopes import Scope
from mandate.core.errors import DomainError
from mandate.core.models import User


class RateLimited(Exception):
    def __init__(self, verdict: ratelimit.Verdict) -> None:
        super().__init__("rate limited")
        self.verdict = verdict


class ScopeMissing(DomainError):
    status_code = 403


class BadText(DomainError):
    status_code = 400


class TokenAuth(HttpBearer):
    """Authorization: Bearer <token>. The request then runs as the token's user."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = token_authenticate(token.strip())
        if found is None:
            return None
        verdict = ratelimit.hit(found.pk)
        if not verdict.allowed:
            raise RateLimited(verdict)
        for key, values in request.GET.lists():
            if "\x00" in key or any("\x00" in v for v in values):
                raise BadText(f"{key.replace(chr(0), '')}: the value holds a NUL character.")
        request.user = found.user
        request.api_rate = verdict  # type: ignore[attr-defined]
        return found


def token_of(request: HttpRequest) -> ApiToken:
    token = getattr(request, "auth", None)
    if not isinstance(token, ApiToken):  # routes all require the token auth
        raise ScopeMissing("Send an API token.")
    return token


def need(request: HttpRequest, scope: Scope) -> User:
    """The calling user, if their token carries SCOPE; else a 403 naming the scope."""
    token = token_of(request)
    if scope.value not in token.scopes:
        raise ScopeMissing(
            f"This token does not carry the scope {scope.value} ({scope.description.lower()}). "
            "Create a token with that scope."
        )
    return token.user
