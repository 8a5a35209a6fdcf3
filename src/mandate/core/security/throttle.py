"""How django-axes sees a client: the address behind our own proxies, and no personal data in logs."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or the entry MANDATE_PROXY_COUNT proxies appended."""
    count = int(settings.MANDATE_PROXY_COUNT)
    if count > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        # Each trusted proxy appends the address it saw; anything further left came from the
        # client and may be forged.
        if len(forwarded) >= count:
            return str(forwarded[-count])
    return str(request.META.get("REMOTE_ADDR", ""))


def client_str(
    username: str, ip_address: str, user_agent: str, path_info: str, request: HttpRequest
) -> str:
    """What django-axes writes to the log about a client: the path only, never who or where."""
    return f"a client of {path_info}"


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: object = None
) -> HttpResponse:
    """The lockout page: the same words whether or not the username exists."""
    cooloff: timedelta = settings.AXES_COOLOFF_TIME
    minutes = max(1, int(cooloff.total_seconds() // 60))
    return render(request, "security/lockout.html", {"minutes": minutes}, status=429)
