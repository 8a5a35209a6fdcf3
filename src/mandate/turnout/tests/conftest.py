from __future__ import annotations

import pytest

from mandate.ballots.models import Ballot
from mandate.conftest import World
from mandate.turnout.tests.factories import open_ballot


@pytest.fixture
def ballot(world: World) -> Ballot:
    return open_ballot(world)
