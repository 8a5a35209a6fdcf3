"""Demo: one read-only API token for the demo branch secretary, printed with the logins."""

from __future__ import annotations

from mandate.api.actions import token_create
from mandate.api.scopes import Scope
from mandate.core.demo import DemoContext

DEMO_SCOPES = [
    Scope.MEMBERS_READ,
    Scope.DISPUTES_READ,
    Scope.BALLOTS_READ,
    Scope.ACTIONS_READ,
    Scope.PICKETS_READ,
    Scope.FUNDS_READ,
]


def build_api(ctx: DemoContext) -> None:
    secretary = ctx.users.get("secretary")
    if secretary is None:
        return
    made = token_create(
        user=secretary, name="Demo script (read only)", scopes=[s.value for s in DEMO_SCOPES]
    )
    ctx.out(f"  API token for secretary (read only, /api/docs): {made.raw}")
