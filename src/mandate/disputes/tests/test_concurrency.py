"""Two officers acting at once, on PostgreSQL with real threads and real transactions."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from mandate.conftest import build_world
from mandate.core.errors import InvalidState
from mandate.disputes import actions
from mandate.disputes.models import Dispute, ExpectationStatus, MetricValue

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(*calls: Callable[[], Any]) -> list[Any]:
    """Run CALLS at the same moment, each in its own thread and connection; return outcomes."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[Any] = [None] * len(calls)

    def run(i: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            outcomes[i] = call()
        except Exception as error:  # noqa: BLE001 - the outcome under test
            outcomes[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_a_precondition_is_marked_met_once() -> None:
    world = build_world()
    dispute = actions.dispute_create(name="HLS", branch=world.liverpool)
    precondition = actions.precondition_add(dispute=dispute, description="ACAS exhausted")
    outcomes = race(
        *(
            lambda n=n: actions.precondition_mark_met(precondition=precondition, evidence=f"e{n}")
            for n in range(4)
        )
    )
    errors = [o for o in outcomes if isinstance(o, Exception)]
    assert len(errors) == 3 and all(isinstance(e, InvalidState) for e in errors)
    precondition.refresh_from_db()
    assert precondition.is_met


def test_two_officers_set_the_same_tracker_cell_at_once() -> None:
    world = build_world()
    dispute = actions.dispute_create(name="Four Fights")
    expectation = actions.expectation_add(dispute=dispute, title="Pay gap plan")
    outcomes = race(
        *(
            lambda s=s: actions.expectation_set_status(
                expectation=expectation, employer=world.liverpool_employer, state=s
            )
            for s in ("negotiating", "agreed", "implemented")
        )
    )
    assert not [o for o in outcomes if isinstance(o, Exception)]
    assert ExpectationStatus.objects.count() == 1


def test_same_name_disputes_opened_at_once_get_their_own_slugs() -> None:
    build_world()
    outcomes = race(*(lambda: actions.dispute_create(name="Pay 2026") for _ in range(4)))
    assert not [o for o in outcomes if isinstance(o, Exception)]
    assert sorted(Dispute.objects.values_list("slug", flat=True)) == [
        "pay-2026",
        "pay-2026-2",
        "pay-2026-3",
        "pay-2026-4",
    ]


def test_two_values_for_the_same_day_leave_one() -> None:
    world = build_world()
    dispute = actions.dispute_create(name="HLS", branch=world.liverpool)
    metric = actions.metric_add(dispute=dispute, name="At risk")
    outcomes = race(
        *(
            lambda v=v: actions.metric_record(metric=metric, date=dt.date(2026, 11, 17), value=v)
            for v in (2, 3)
        )
    )
    assert not [o for o in outcomes if isinstance(o, Exception)]
    assert MetricValue.objects.filter(metric=metric).count() == 1


def test_a_dispute_is_settled_once() -> None:
    world = build_world()
    dispute = actions.dispute_create(name="HLS", branch=world.liverpool)
    outcomes = race(*(lambda: actions.dispute_settle(dispute=dispute) for _ in range(3)))
    errors = [o for o in outcomes if isinstance(o, Exception)]
    assert len(errors) == 2 and all(isinstance(e, InvalidState) for e in errors)
    assert dispute.timeline.filter(title="Dispute settled").count() == 1
