"""A member's double tap, on PostgreSQL with real threads: one day recorded once."""

from __future__ import annotations

import pytest

from mandate.actions.tests.test_concurrency import race
from mandate.conftest import build_world
from mandate.pay import actions
from mandate.pay.actions import PayError
from mandate.pay.models import DayTaken
from mandate.pay.tests.factories import STRIKE_DAYS, called_action

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_the_same_day_recorded_twice_at_once_is_kept_once() -> None:
    world = build_world()
    action = called_action(world)

    def record() -> object:
        return actions.days_record(
            member=world.member, picks=[(action, d) for d in STRIKE_DAYS], actor=None
        )

    outcomes = race(record, record, record)
    kept = [o for o in outcomes if isinstance(o, list)]
    refused = [o for o in outcomes if isinstance(o, PayError)]
    assert len(kept) == 1 and len(refused) == 2, outcomes
    assert DayTaken.objects.filter(member=world.member).count() == len(STRIKE_DAYS)
