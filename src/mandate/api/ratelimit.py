"""A fixed-window request limit per API token, kept in Django's cache.

With the default per-process cache the limit holds per server process; configure a shared
cache (Redis) and it holds across every app server (docs/api.md).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

WINDOW_SECONDS = 60


def per_minute() -> int:
    return int(getattr(settings, "MANDATE_API_RATE_PER_MINUTE", 120))


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    retry_after: int


def hit(token_id: int, *, now: float | None = None) -> Verdict:
    """Count one request by token TOKEN_ID in this window and say whether it may go ahead."""
    limit = per_minute()
    moment = time.time() if now is None else now
    window = int(moment) // WINDOW_SECONDS
    key = f"api-rl:{token_id}:{window}"
    if cache.add(key, 1, WINDOW_SECONDS + 5):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, WINDOW_SECONDS + 5)
            count = 1
    retry = WINDOW_SECONDS - int(moment) % WINDOW_SECONDS
    return Verdict(
        allowed=count <= limit,
        limit=limit,
        remaining=max(0, limit - count),
        retry_after=retry,
    )
