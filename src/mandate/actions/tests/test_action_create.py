"""Creating actions: the shapes the model accepts and refuses, with the reason."""

from __future__ import annotations

import datetime as dt

import pytest

from mandate.actions import actions
from mandate.actions.models import ActionStatus, AsosType, Pattern
from mandate.actions.tests.factories import granted_ballot, strike
from mandate.conftest import World
from mandate.core.errors import InvalidState

OPENS = dt.date(2026, 3, 2)


def test_create_discontinuous_strike_lists_every_day(world: World) -> None:
    ballot = granted_ballot(world, opens=OPENS)
    days = [dt.date(2026, 5, 6), dt.date(2026, 5, 4), dt.date(2026, 5, 4)]
    action = strike(world, ballot, days)
    assert action.listed_days() == [dt.date(2026, 5, 4), dt.date(2026, 5, 6)]
    assert action.first_day() == dt.date(2026, 5, 4)
    assert action.status == ActionStatus.PLANNED


def test_create_continuous_marking_boycott(world: World) -> None:
    ballot = granted_ballot(world, opens=OPENS)
    action = actions.action_create(
        dispute=ballot.dispute,
        ballot=ballot,
        title="Marking and assessment boycott",
        kind="asos",
        asos_type=AsosType.MARKING_BOYCOTT,
        pattern=Pattern.CONTINUOUS,
        start_date=dt.date(2026, 5, 11),
        constituencies=list(ballot.constituencies.all()),
        actor=world.secretary,
    )
    assert action.covers(dt.date(2026, 9, 1))
    assert not action.covers(dt.date(2026, 5, 10))
    assert action.what == "Marking and assessment boycott"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"pattern": "discontinuous", "dates": []}, "at least one date"),
        ({"pattern": "continuous", "dates": []}, "needs a start date"),
        ({"kind": "asos"}, "which action short of strike"),
        ({"kind": "lockout"}, "is not strike"),
        ({"title": "  "}, "title"),
    ],
)
def test_create_refuses_bad_shapes(world: World, kwargs: dict[str, object], message: str) -> None:
    ballot = granted_ballot(world, opens=OPENS)
    base: dict[str, object] = {
        "dispute": ballot.dispute,
        "ballot": ballot,
        "title": "Strike",
        "kind": "strike",
        "pattern": "discontinuous",
        "dates": [dt.date(2026, 5, 4)],
        "constituencies": list(ballot.constituencies.all()),
        "actor": world.secretary,
    }
    base.update(kwargs)
    with pytest.raises(actions.ActionError, match=message):
        actions.action_create(**base)  # type: ignore[arg-type]


def test_transition_names_the_current_state(world: World) -> None:
    ballot = granted_ballot(world, opens=OPENS)
    action = strike(world, ballot, [dt.date(2026, 5, 4)])
    with pytest.raises(InvalidState, match="is planned, so it cannot become taking place"):
        actions.action_transition(action=action, status=ActionStatus.TAKING_PLACE, actor=None)
