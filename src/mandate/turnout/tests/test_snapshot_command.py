from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from mandate.conftest import World


def test_snapshot_command_without_open_ballots_says_so(world: World) -> None:
    out = StringIO()
    call_command("gtvo-snapshot", stdout=out)
    assert "No open ballot" in out.getvalue()


def test_snapshot_command_rejects_an_unknown_ballot(world: World) -> None:
    with pytest.raises(CommandError, match="no ballot with the id 999"):
        call_command("gtvo-snapshot", "--ballot", "999")


def test_snapshot_command_records_every_open_ballot(ballot) -> None:  # type: ignore[no-untyped-def]
    from mandate.turnout.models import TurnoutSnapshot

    out = StringIO()
    call_command("gtvo-snapshot", stdout=out)
    assert f"ballot {ballot.pk}:" in out.getvalue()
    assert TurnoutSnapshot.objects.filter(constituency__ballot=ballot).exists()
    # Run again the same day: today's figures are replaced, not doubled.
    before = TurnoutSnapshot.objects.count()
    call_command("gtvo-snapshot", stdout=StringIO())
    assert TurnoutSnapshot.objects.count() == before
