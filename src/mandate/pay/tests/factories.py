"""Called actions and pay records for tests, built through the real actions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from mandate.actions.models import Action, ActionStatus
from mandate.actions.tests.factories import granted_ballot, strike
from mandate.conftest import World
from mandate.pay import actions
from mandate.pay.models import DeductionPolicy

TODAY = dt.date(2026, 3, 31)
STRIKE_DAYS = [dt.date(2026, 3, 2), dt.date(2026, 3, 3), dt.date(2026, 3, 4)]


def called_action(
    world: World, days: list[dt.date] | None = None, *, kind: str = "strike"
) -> Action:
    """A Liverpool action on DAYS, balloted and called (the calling checks are the actions
    app's business and are tested there)."""
    days = days or STRIKE_DAYS
    ballot = granted_ballot(world, opens=min(days) - dt.timedelta(days=70))
    action = strike(world, ballot, days, kind=kind)
    called_at = timezone.make_aware(
        dt.datetime.combine(min(days) - dt.timedelta(days=15), dt.time(9))
    )
    Action.objects.filter(pk=action.pk).update(status=ActionStatus.CALLED, called_at=called_at)
    action.refresh_from_db()
    return action


def policy(
    world: World,
    *,
    divisor: int = 365,
    asos_percent: str = "0",
    asos_from: dt.date | None = None,
    payrolls: int = 1,
    effective_from: dt.date = dt.date(2026, 1, 1),
) -> DeductionPolicy:
    return actions.policy_add(
        employer=world.liverpool_employer,
        effective_from=effective_from,
        strike_divisor=divisor,
        contractual_basis="" if divisor == 365 else "Contract clause 12: 1/260 per day",
        asos_percent=Decimal(asos_percent),
        asos_from=asos_from,
        asos_payrolls=payrolls,
        actor=world.secretary,
    )
