"""``mandate action check``: prints the checks and fails the script when one fails."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from mandate.actions.tests.factories import granted_ballot, strike
from mandate.conftest import World


def test_check_prints_failures_and_exits_1(world: World) -> None:
    ballot = granted_ballot(world, opens=dt.date(2026, 3, 2))
    action = strike(world, ballot, [dt.date(2026, 5, 4)])
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("action", "check", str(action.pk), stdout=out)
    assert exit_info.value.code == 1
    text = out.getvalue()
    assert "FAIL A-notice: No notice of action has been served" in text
    assert "PASS A-mandate" in text and "[TULRCA s234" in text


def test_check_unknown_id(world: World) -> None:
    with pytest.raises(CommandError, match="No action has the id 999"):
        call_command("action", "check", "999")
