"""A fixed-window limit per voting link, kept in Django's cache.

Only per link, not per address: a whole workplace may vote from behind one address. With the
default per-process cache each web process counts on its own; several servers need a shared
cache for the limit to hold across them (docs/e-ballots.md).
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core.cache import cache

WINDOW_SECONDS = 600


def allow(token: str) -> bool:
    """Count one request on TOKEN's link; True while within the window's limit."""
    limit = int(getattr(settings, "MANDATE_VOTE_RATE_PER_LINK", 30))
    digest = hashlib.sha256(token.encode()).hexdigest()[:24]
    key = f"vote-rl:{digest}:{int(time.time()) // WINDOW_SECONDS}"
    if cache.add(key, 1, WINDOW_SECONDS + 5):
        return limit >= 1
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, WINDOW_SECONDS + 5)
        count = 1
    return count <= limit
