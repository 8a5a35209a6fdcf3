"""Domain errors: each carries a message a person can act on, and views turn them into 4xx."""

from __future__ import annotations


class DomainError(Exception):
    """A rule was broken; the message says which and what to do."""

    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class PermissionDenied(DomainError):
    status_code = 403


class InvalidState(DomainError):
    status_code = 409
