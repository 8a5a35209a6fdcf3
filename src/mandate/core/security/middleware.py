"""Send a logged-in user who owes a second factor to verification (or enrolment) first."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from mandate.core.security import twofactor

# Pages a half-logged-in user may still open: the login pages themselves, the public token
# links (the token is the credential there, not the session) and the health probe.
EXEMPT_NAMESPACES = {"gtvo_link"}
EXEMPT_VIEWS = {
    "login",
    "logout",
    "healthz",
    "ballot_link",
    "ballot_published",
    "calendar_feed",
    "security:verify",
    "security:setup",
}


class RequireTwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: list[Any],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        if not settings.MANDATE_REQUIRE_2FA:
            return None
        user = request.user
        if not user.is_authenticated or twofactor.is_verified(request):
            return None
        match = request.resolver_match
        if match is not None and (
            match.view_name in EXEMPT_VIEWS or EXEMPT_NAMESPACES & set(match.namespaces)
        ):
            return None
        step = twofactor.owed_step(user)
        if step is None:
            return None
        target = reverse(f"security:{step}") + "?" + urlencode({"next": request.get_full_path()})
        if request.headers.get("HX-Request"):
            # A redirect would be followed inside the fragment; htmx loads the page itself.
            response = HttpResponse(status=200)
            response["HX-Redirect"] = target
            return response
        return HttpResponseRedirect(target)
