"""Concurrent check-ins and card votes on PostgreSQL with real threads."""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection

from mandate.conftest import World
from mandate.core.errors import InvalidState
from mandate.meetings import actions
from mandate.meetings.models import Attendance, CardVote, CheckInMethod, MeetingKind, VoteState
from mandate.meetings.rules import WeightFormula
from mandate.members.models import Member

THREADS = 16


def _run(target: Callable[[int], None], n: int) -> list[BaseException]:
    errors: list[BaseException] = []
    start = threading.Barrier(n)

    def work(i: int) -> None:
        try:
            start.wait()
            target(i)
        except BaseException as exc:  # surfaced in the main thread below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return errors


def _meeting(world: World, **kw: object):  # type: ignore[no-untyped-def]
    from django.utils import timezone

    fields: dict[str, object] = {
        "actor": world.secretary,
        "branch": world.liverpool,
        "kind": MeetingKind.MEMBERS,
        "title": "Members' meeting",
        "mode": "in_person",
        "starts_at": timezone.now(),
    }
    fields.update(kw)
    return actions.meeting_create(**fields)  # type: ignore[arg-type]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_taps_make_one_attendance_each(world: World) -> None:
    meeting = _meeting(world)
    people = [world.member, world.covered, world.uncovered, *[world.member] * 5]
    created: list[bool] = []
    lock = threading.Lock()

    def tap(i: int) -> None:
        member = Member.objects.get(pk=people[i % len(people)].pk)
        method = [CheckInMethod.QR, CheckInMethod.STEWARD, CheckInMethod.LINK][i % 3]
        result = actions.check_in(meeting=meeting, member=member, method=method)
        with lock:
            created.append(result.created)

    errors = _run(tap, THREADS)
    assert not errors, errors
    assert Attendance.objects.filter(meeting=meeting).count() == 3
    assert created.count(True) == 3 and len(created) == THREADS


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_cards_and_a_close_count_every_accepted_card(world: World) -> None:
    meeting = _meeting(
        world,
        actor=world.national,
        branch=None,
        kind=MeetingKind.DELEGATE,
        mode="online",
        link="https://meet.example.org/d",
        weight_formula=WeightFormula.MANUAL,
    )
    delegates = [
        actions.delegate_add(
            actor=None,
            meeting=meeting,
            branch=world.liverpool if i % 2 else world.ucl,
            name=f"D{i}",
            weight=Decimal(100 + i).scaleb(-2),
        )
        for i in range(THREADS)
    ]
    motion = actions.motion_add(actor=None, meeting=meeting, title="M", text="Text")
    vote = actions.vote_open(actor=None, meeting=meeting, motion=motion, method="card")
    accepted: list[int] = []
    lock = threading.Lock()

    def cast(i: int) -> None:
        if i == THREADS - 1:
            actions.vote_close(actor=None, vote=vote)
            return
        d = delegates[i]
        landed = False
        for _ in range(2):  # a phone retrying the same card
            try:
                actions.card_cast(
                    vote=vote, holder=d, delegate=d, for_=d.weight, against=0, abstain=0
                )
            except InvalidState:
                # The close came between the card and its retry: the first one still counts.
                break
            landed = True
        if landed:
            with lock:
                accepted.append(i)

    errors = _run(cast, THREADS)
    assert not errors, errors
    vote.refresh_from_db()
    assert vote.state == VoteState.CLOSED
    cards = CardVote.objects.filter(vote=vote)
    # every card accepted before the close is in the result, and none after it
    assert cards.count() == len(accepted)
    assert vote.votes_for == sum((delegates[i].weight for i in accepted), Decimal(0))
