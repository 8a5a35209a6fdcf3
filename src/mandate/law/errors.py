"""The rulebook's own error: plain Python, so callers with Django turn it into their own."""

from __future__ import annotations


class LawError(ValueError):
    """Input a rule cannot be applied to; the message names the field and what to fix."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
