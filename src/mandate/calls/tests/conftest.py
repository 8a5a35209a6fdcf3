from __future__ import annotations

from dataclasses import dataclass

import pytest

from mandate.ballots.models import Ballot
from mandate.calls.models import CallAssignment
from mandate.calls.tests import factories as f
from mandate.conftest import World
from mandate.core.models import User
from mandate.members.models import Member


@dataclass
class Bank:
    world: World
    ballot: Ballot
    members: list[Member]
    caller: User
    caller2: User
    assignment: CallAssignment


@pytest.fixture
def bank(world: World) -> Bank:
    """Six phoneable Liverpool members on an open local ballot, two callers on one assignment."""
    members = [f.phone_member(world.liverpool, str(i), first=f"M{i}") for i in range(1, 7)]
    ballot = f.open_ballot(world, members)
    c1 = f.caller("caller1", world.liverpool)
    c2 = f.caller("caller2", world.liverpool)
    a = f.assignment(ballot, world.liverpool, [c1, c2], cooldown_hours=4)
    return Bank(world, ballot, members, c1, c2, a)
