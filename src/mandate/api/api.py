"""The REST API: one NinjaAPI, its error handlers, and the routers of each area.

Every route authenticates with a bearer token, checks the token's scope, then asks the
permission policy exactly as the web pages do; an object out of the user's reach is a 404.
Errors are JSON: ``{"detail": "...", "errors": [{"field": "...", "message": "..."}]}``.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError, ValidationError

from mandate.api import ratelimit
from mandate.api.auth import RateLimited, TokenAuth
from mandate.api.routes import ballots, calls, disputes, funds, members, mine, pickets, polls
from mandate.core.errors import DomainError

DESCRIPTION = """\
Script against Mandate with a personal API token (create one under *API tokens* in the web
app, or `mandate api-token create`). Send it as `Authorization: Bearer mdt_…`.

A token carries scopes (the most it may do); the token's user's roles decide where: the same
branch scoping as the web app, so an object outside your reach is a 404. Lists are paged with
`limit` (at most 200) and `offset`. Each token may make a limited number of requests a minute;
over it, the answer is 429 with `Retry-After`. Errors are JSON with a `detail` message and,
where fields were refused, an `errors` list naming each field.
"""


class MandateAPI(NinjaAPI):
    def create_response(
        self,
        request: HttpRequest,
        data: Any,
        *,
        status: int | None = None,
        temporal_response: HttpResponse | None = None,
    ) -> HttpResponse:
        response = super().create_response(
            request, data, status=status, temporal_response=temporal_response
        )
        verdict = getattr(request, "api_rate", None)
        if isinstance(verdict, ratelimit.Verdict):
            response["X-RateLimit-Limit"] = str(verdict.limit)
            response["X-RateLimit-Remaining"] = str(verdict.remaining)
        return response


api = MandateAPI(
    title="Mandate API",
    version="1",
    description=DESCRIPTION,
    auth=TokenAuth(),
    urls_namespace="api",
    # Swagger UI from the bundled static files; no call to the public validator either.
    docs=Swagger(settings={"validatorUrl": None, "persistAuthorization": False}),
)


def _error(request: HttpRequest, status: int, detail: str, **extra: Any) -> HttpResponse:
    return api.create_response(request, {"detail": detail, "errors": [], **extra}, status=status)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(request, 404, "Not found, or not within your reach.")


@api.exception_handler(DomainError)
def _domain(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return _error(request, exc.status_code, exc.message)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
    response = _error(
        request,
        401,
        "Send a live API token: Authorization: Bearer mdt_… (it may be unknown, expired or "
        "revoked).",
    )
    response["WWW-Authenticate"] = 'Bearer realm="mandate"'
    return response


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, exc.status_code, str(exc))


@api.exception_handler(RateLimited)
def _rate_limited(request: HttpRequest, exc: RateLimited) -> HttpResponse:
    response = _error(
        request,
        429,
        f"Too many requests: this token may make {exc.verdict.limit} a minute. "
        f"Try again in {exc.verdict.retry_after} seconds.",
    )
    response["Retry-After"] = str(exc.verdict.retry_after)
    return response


_WHERE = ("query", "path", "body", "form", "file", "header", "cookie")


def _field(loc: Any) -> str:
    """The name a person sent: ("body", "payload", "answer") -> "answer"; ("file", "file") -> "file"."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in _WHERE:
        parts = parts[1:]
    if len(parts) > 1 and parts[0] == "payload":
        parts = parts[1:]
    return ".".join(parts) or "body"


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        {"field": _field(e.get("loc", ())), "message": str(e.get("msg", ""))} for e in exc.errors
    ]
    names = ", ".join(sorted({e["field"] for e in errors}))
    return api.create_response(
        request,
        {"detail": f"Some values were refused: {names}.", "errors": errors},
        status=422,
    )


api.add_router("/", members.router)
api.add_router("/", disputes.router)
api.add_router("/", ballots.router)
api.add_router("/", polls.router)
api.add_router("/", calls.router)
api.add_router("/", mine.router)
api.add_router("/", pickets.router)
api.add_router("/", funds.router)
