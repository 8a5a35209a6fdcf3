"""The answers a voter or an officer can act on."""

from __future__ import annotations

from mandate.core.errors import DomainError, InvalidState


class AlreadyVoted(DomainError):
    status_code = 409

    def __init__(self) -> None:
        super().__init__("You have already voted in this ballot. Only your first vote counts.")


class VotingClosed(DomainError):
    status_code = 409

    def __init__(self, message: str = "Voting has closed: this vote was not counted.") -> None:
        super().__init__(message)


class NotOnRoll(DomainError):
    status_code = 403

    def __init__(self) -> None:
        super().__init__("This voter is not on the roll of this ballot.")


class CountMismatch(InvalidState):
    """Ballots counted differ from voters marked: the poll is held for investigation."""
