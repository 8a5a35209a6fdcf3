"""Two officers press Apply on the same preview at once: it is applied exactly once."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from mandate.conftest import build_world
from mandate.core.errors import InvalidState
from mandate.members.importing import import_run_apply, import_run_create
from mandate.members.models import ImportRun, Member, MemberChange
from mandate.members.tests.test_import_helpers import csv_bytes, good_rows


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_applies_of_one_run() -> None:
    world = build_world()
    rows = [*good_rows(), ["L0001", "Mo", "Ahmed", "mo@example.org", "07911 123458", "", ""]]
    run = import_run_create(
        branch=world.liverpool,
        filename="register.csv",
        data=csv_bytes(rows),
        sheet="",
        actor=world.secretary,
    )
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def press_apply() -> None:
        try:
            barrier.wait()
            import_run_apply(run=run, actor=world.secretary)
            outcomes.append("applied")
        except InvalidState:
            outcomes.append("refused")
        except Exception as exc:  # noqa: BLE001 - shown in the assertion below
            outcomes.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=press_apply) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["applied", "refused"], outcomes
    assert Member.objects.filter(membership_number__in=["N1001", "N1002"]).count() == 2
    assert MemberChange.objects.filter(member=world.member, source="import").count() == 1
    assert ImportRun.objects.get().state == "applied"
