"""What an API token may be used for. A scope is a ceiling: the token's user's roles still
decide, through the permission policy, which branches and objects each call reaches."""

from __future__ import annotations

from enum import StrEnum


class Scope(StrEnum):
    MEMBERS_READ = "members:read"
    MEMBERS_WRITE = "members:write"
    DISPUTES_READ = "disputes:read"
    BALLOTS_READ = "ballots:read"
    RESULTS_WRITE = "results:write"
    TURNOUT_WRITE = "turnout:write"
    CALLS_WORK = "calls:work"
    ACTIONS_READ = "actions:read"
    VOTES_READ = "votes:read"
    VOTES_CAST = "votes:cast"
    PICKETS_READ = "pickets:read"
    FUNDS_READ = "funds:read"

    @property
    def description(self) -> str:
        return DESCRIPTIONS[self]


DESCRIPTIONS: dict[Scope, str] = {
    Scope.MEMBERS_READ: "Read the member register (list, search, one member)",
    Scope.MEMBERS_WRITE: "Import a register file (preview, then apply)",
    Scope.DISPUTES_READ: "Read disputes",
    Scope.BALLOTS_READ: "Read ballots, results and mandates",
    Scope.RESULTS_WRITE: "Import a scrutineer's results report",
    Scope.TURNOUT_WRITE: "Report your own ballot paper (I have voted, and so on)",
    Scope.CALLS_WORK: "Work a phone bank: next contact, record the outcome",
    Scope.ACTIONS_READ: "Read industrial action and notices of action",
    Scope.VOTES_READ: "List e-ballots",
    Scope.VOTES_CAST: "Cast your own vote in a consultative e-ballot",
    Scope.PICKETS_READ: "Read picket sites and the coming shifts (counts, not names)",
    Scope.FUNDS_READ: "Read strike and hardship fund totals",
}

SCOPE_CHOICES: list[tuple[str, str]] = [(s.value, f"{s.value}: {s.description}") for s in Scope]
