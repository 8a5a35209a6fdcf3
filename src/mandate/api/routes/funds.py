"""Strike and hardship funds: totals per claim state, as the fund pages show each role.

Claims themselves (financial special category data) stay with the fund panel's pages.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from mandate.api.auth import need
from mandate.api.schemas import ERRORS, ErrorOut, IdPath
from mandate.api.scopes import Scope
from mandate.core import policy
from mandate.core.models import User
from mandate.funds.models import Fund
from mandate.funds.queries import totals

router = Router(tags=["funds"])


class StateTotalOut(Schema):
    state: str
    label: str
    count: int
    amount: Decimal


class FundOut(Schema):
    id: int
    name: str
    kind: str
    branch: str | None = Field(description="null for a national fund")
    scope: str = Field(
        description="all: every claim; own-branches: only your branches' members' claims"
    )
    totals: list[StateTotalOut]


def _fund(user: User, fund: Fund) -> dict[str, Any]:
    branches = policy.fund_total_branches(user, fund)
    return {
        "id": fund.pk,
        "name": fund.name,
        "kind": fund.kind,
        "branch": fund.branch.slug if fund.branch else None,
        "scope": "all" if branches is None else "own-branches",
        "totals": [
            {"state": t.state, "label": str(t.label), "count": t.count, "amount": t.amount}
            for t in totals(fund, branches)
        ],
    }


@router.get(
    "/funds", response={200: list[FundOut], ERRORS: ErrorOut}, summary="Funds and their totals"
)
def fund_list(request: HttpRequest) -> Any:
    user = need(request, Scope.FUNDS_READ)
    funds = policy.funds_with_totals(user).select_related("branch").order_by("name", "pk")[:50]
    return [_fund(user, f) for f in funds]


@router.get(
    "/funds/{fund_id}",
    response={200: FundOut, ERRORS: ErrorOut},
    summary="One fund's totals",
)
def fund_read(request: HttpRequest, fund_id: IdPath) -> Any:
    user = need(request, Scope.FUNDS_READ)
    return _fund(user, policy.get_fund(user, fund_id, details=False))
