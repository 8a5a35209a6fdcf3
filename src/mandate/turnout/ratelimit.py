"""Fixed-window rate limits for the public link pages, kept in Django's cache.

The default cache is per process (locmem): enough on one server. With several web servers,
configure a shared cache (Redis) so the limits hold across them (docs/get-the-vote-out.md).
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

WINDOW_SECONDS = 600


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def _hit(key: str, limit: int) -> bool:
    """Count one request against KEY in this window; True while within LIMIT."""
    window = int(time.time()) // WINDOW_SECONDS
    full = f"gtvo-rl:{key}:{window}"
    if cache.add(full, 1, WINDOW_SECONDS + 5):
        return limit >= 1
    try:
        count = cache.incr(full)
    except ValueError:  # expired between add and incr
        cache.add(full, 1, WINDOW_SECONDS + 5)
        count = 1
    return count <= limit


def client_ip(request: HttpRequest) -> str:
    # REMOTE_ADDR only: a forwarded header is the client's to forge unless a trusted proxy
    # rewrites REMOTE_ADDR (docs/operations.md).
    return str(request.META.get("REMOTE_ADDR", ""))


def allow(request: HttpRequest, token: str) -> bool:
    """True if this request is within both the per-link and the per-address limits."""
    digest = hashlib.sha256(token.encode()).hexdigest()[:24]
    ip_ok = _hit(f"ip:{client_ip(request)}", _limit("MANDATE_GTVO_RATE_PER_IP", 120))
    token_ok = _hit(f"tok:{digest}", _limit("MANDATE_GTVO_RATE_PER_LINK", 30))
    return ip_ok and token_ok
