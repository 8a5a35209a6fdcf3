"""Many callers asking at once: every target handed out exactly once, never to two callers."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import close_old_connections, connection

from mandate.calls import actions, queue
from mandate.calls.models import CallLog, CallTarget, Outcome, TargetState
from mandate.calls.tests import factories as f

THREADS = 20
TARGETS = 120


def _run(workers: list[threading.Thread]) -> None:
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    assert not any(w.is_alive() for w in workers)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_callers_drain_the_queue_each_target_once(world) -> None:
    members = [f.phone_member(world.liverpool, str(i)) for i in range(TARGETS)]
    ballot = f.open_ballot(world, members)
    callers = [f.caller(f"c{i}", world.liverpool) for i in range(THREADS)]
    assignment = f.assignment(ballot, world.liverpool, callers, cooldown_hours=24)
    handed: list[tuple[int, int]] = []
    overlaps: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def work(caller) -> None:
        try:
            start.wait()
            for _ in range(TARGETS + 5):
                t = queue.next_contact(assignment=assignment, caller=caller)
                if t is None:
                    break
                holders = CallTarget.objects.filter(pk=t.pk).values_list("held_by", flat=True)
                if list(holders) != [caller.pk]:
                    overlaps.append(f"target {t.pk} held by {list(holders)}, not {caller.pk}")
                with lock:
                    handed.append((t.pk, caller.pk))
                actions.call_record(
                    assignment=assignment,
                    target_id=t.pk,
                    caller=caller,
                    outcome=Outcome.NO_ANSWER,
                )
        except BaseException as exc:  # surfaced in the main thread below
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    _run([threading.Thread(target=work, args=(c,)) for c in callers])
    assert not errors, errors[:3]
    assert not overlaps, overlaps[:3]
    counts = Counter(pk for pk, _ in handed)
    assert len(counts) == TARGETS and set(counts.values()) == {1}
    logs = Counter(CallLog.objects.values_list("target_id", flat=True))
    assert len(logs) == TARGETS and set(logs.values()) == {1}
    assert not CallTarget.objects.filter(state=TargetState.HELD).exists()
    assert len({c for _, c in handed}) > 1  # the work really was shared


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_caller_in_many_tabs_holds_one_contact(world) -> None:
    members = [f.phone_member(world.liverpool, str(i)) for i in range(10)]
    ballot = f.open_ballot(world, members)
    caller = f.caller("tabs", world.liverpool)
    assignment = f.assignment(ballot, world.liverpool, [caller])
    got: list[int] = []
    start = threading.Barrier(8)

    def tab() -> None:
        try:
            start.wait()
            t = queue.next_contact(assignment=assignment, caller=caller)
            got.append(t.pk)
        finally:
            connection.close()

    _run([threading.Thread(target=tab) for _ in range(8)])
    assert len(got) == 8 and len(set(got)) == 1
    assert CallTarget.objects.filter(state=TargetState.HELD).count() == 1
