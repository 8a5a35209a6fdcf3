from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from mandate.conftest import PASSWORD, World
from mandate.disputes import actions
from mandate.disputes.models import Dispute


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def local(world: World) -> Dispute:
    """Liverpool's local dispute, with a metric, a met and an unmet precondition."""
    dispute = actions.dispute_create(
        name="Health and Life Sciences redundancies",
        branch=world.liverpool,
        demands=["No compulsory redundancies"],
        opened_on=dt.date(2026, 5, 5),
        actor=world.secretary,
    )
    metric = actions.metric_add(
        dispute=dispute, name="Compulsory redundancies at risk", unit="jobs"
    )
    for date, value in [(dt.date(2026, 5, 5), 47), (dt.date(2026, 7, 14), 6)]:
        actions.metric_record(metric=metric, date=date, value=value)
    met = actions.precondition_add(
        dispute=dispute, description="External mediation (ACAS) exhausted"
    )
    actions.precondition_mark_met(precondition=met, evidence="ACAS letter of 10 June")
    actions.precondition_add(
        dispute=dispute, description="Joint consultation meeting held under the procedure"
    )
    return dispute


@pytest.fixture
def national(world: World) -> Dispute:
    """A national dispute with every employer, a framework of two expectations."""
    dispute = actions.dispute_create(
        name="Four Fights 2026", demands=["Pay", "Workload"], actor=world.national
    )
    actions.expectation_add(dispute=dispute, title="Gender pay gap action plan")
    actions.expectation_add(dispute=dispute, title="Workload model agreed with the branch")
    return dispute


@pytest.fixture
def ucl_local(world: World) -> Dispute:
    return actions.dispute_create(name="UCL casualisation", branch=world.ucl, actor=world.outsider)


def login(client: Client, username: str) -> Client:
    assert client.login(username=username, password=PASSWORD)
    return client
