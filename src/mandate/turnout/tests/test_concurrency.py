"""contact_record under real concurrency on PostgreSQL: one status row, every event kept, and
the strongest source wins whatever the order."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from mandate.conftest import World, build_world
from mandate.turnout.actions import contact_record
from mandate.turnout.models import ContactEvent, ContactStatus, Status
from mandate.turnout.tests.factories import open_ballot


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_reports_keep_one_row_and_the_strongest_answer() -> None:
    world: World = build_world()
    ballot = open_ballot(world)
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def report(i: int) -> None:
        try:
            barrier.wait()
            # Seven weaker reports race one self-report.
            source = "self_report" if i == 3 else ("caller" if i % 2 else "text_reply")
            status = Status.SAYS_VOTED if i == 3 else Status.WILL_VOTE
            contact_record(ballot=ballot, member=world.member, status=status, source=source)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=report, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert ContactStatus.objects.filter(ballot=ballot, member=world.member).count() == 1
    row = ContactStatus.objects.get(ballot=ballot, member=world.member)
    assert (row.status, row.source) == (Status.SAYS_VOTED, "self_report")
    assert ContactEvent.objects.filter(ballot=ballot, member=world.member).count() == 8
