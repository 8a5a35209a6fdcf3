"""A fixed-window limit per voting link, kept in Django's cache.

Only per link, not per address: a whole workplace may vote from behind one address. With the
default per-process cache each web process counts on its own; several servers need a shared
cache for the limit to hold across them (docs/e-ballots.md).
"""

from __future__ import annotations

import hashlib
import threading
import time
from typing import Any

from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.signals import setting_changed
from django.dispatch import receiver

WINDOW_SECONDS = 600

# Whether the default cache is the per-process one (its backend is fixed by settings: found
# once, again after a setting changes).
_per_process: bool | None = None


@receiver(setting_changed)
def _forget_backend(**kwargs: Any) -> None:
    global _per_process
    _per_process = None


def allow(token: str) -> bool:
    """Count one request on TOKEN's link; True while within the window's limit."""
    limit = int(getattr(settings, "MANDATE_VOTE_RATE_PER_LINK", 30))
    digest = hashlib.sha256(token.encode()).hexdigest()[:24]
    window = int(time.time()) // WINDOW_SECONDS
    global _per_process
    if _per_process is None:
        _per_process = isinstance(caches[DEFAULT_CACHE_ALIAS], LocMemCache)
    if _per_process:
        return _local.hit(digest, window) <= limit
    key = f"vote-rl:{digest}:{window}"
    if cache.add(key, 1, WINDOW_SECONDS + 5):
        return limit >= 1
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, WINDOW_SECONDS + 5)
        count = 1
    return count <= limit


class _Counts:
    """The same counts for a per-process cache, without its pickling and key checks: every
    vote is counted, and the cache's bookkeeping was a tenth of the voting path's CPU."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._window = -1
        self._counts: dict[str, int] = {}

    def hit(self, digest: str, window: int) -> int:
        with self._lock:
            if window != self._window:
                self._window, self._counts = window, {}
            count = self._counts.get(digest, 0) + 1
            self._counts[digest] = count
            return count


_local = _Counts()
