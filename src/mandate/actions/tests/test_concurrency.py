"""Officers acting at once, on PostgreSQL with real threads and real transactions."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from mandate.actions import actions
from mandate.actions.models import ActionStatus, CalendarToken, NoticeOfAction
from mandate.actions.tests.factories import granted_ballot, strike
from mandate.conftest import build_world
from mandate.core.errors import InvalidState
from mandate.core.models import AuditEvent

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


def test_an_action_is_called_once() -> None:
    world = build_world()
    ballot = granted_ballot(world, opens=dt.date(2026, 3, 2))
    action = strike(world, ballot, [dt.date(2026, 5, 4)])
    notice = actions.notice_prepare(action=action, employer=world.liverpool_employer, actor=None)
    actions.notice_mark_served(
        notice=notice, received_on=dt.date(2026, 4, 20), method="hand", proof_note="x", actor=None
    )
    outcomes = race(*(lambda: actions.action_call(action=action, actor=None) for _ in range(4)))
    errors = [o for o in outcomes if isinstance(o, Exception)]
    assert len(errors) == 3 and all(isinstance(e, InvalidState) for e in errors)
    action.refresh_from_db()
    assert action.status == ActionStatus.CALLED
    assert AuditEvent.objects.filter(action="action.call").count() == 1


def test_a_notice_is_served_once_and_drafts_do_not_collide() -> None:
    world = build_world()
    ballot = granted_ballot(world, opens=dt.date(2026, 3, 2))
    action = strike(world, ballot, [dt.date(2026, 5, 4)])
    employer = world.liverpool_employer
    drafts = race(
        *(
            lambda: actions.notice_prepare(action=action, employer=employer, actor=None)
            for _ in range(3)
        )
    )
    assert not [d for d in drafts if isinstance(d, Exception)]
    notice = NoticeOfAction.objects.get(action=action)
    outcomes = race(
        *(
            lambda n=n: actions.notice_mark_served(
                notice=notice,
                received_on=dt.date(2026, 4, 20),
                method="hand",
                proof_note=f"receipt {n}",
                actor=None,
            )
            for n in range(3)
        )
    )
    errors = [o for o in outcomes if isinstance(o, Exception)]
    assert len(errors) == 2 and all(isinstance(e, InvalidState) for e in errors)


def test_two_new_links_at_once_leave_one_live() -> None:
    world = build_world()
    race(*(lambda: actions.calendar_token_issue(member=world.member, actor=None) for _ in range(3)))
    assert CalendarToken.objects.filter(member=world.member, revoked_at__isnull=True).count() == 1
    assert CalendarToken.objects.filter(member=world.member).count() == 3
