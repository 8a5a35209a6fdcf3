"""Real concurrency on PostgreSQL: threads, each with its own connection, racing one voter."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection

from mandate.votes import engine
from mandate.votes.models import CastVote, Voter
from mandate.votes.tests.conftest import make_members, open_poll

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(n: int, fn) -> list[str]:
    barrier = threading.Barrier(n)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run() -> None:
        try:
            barrier.wait()
            result = fn()
        except engine.AlreadyVoted:
            result = "already"
        except engine.VotingClosed:
            result = "closed"
        except Exception as exc:  # a crash is an outcome the test must see
            result = f"error: {exc!r}"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def test_twenty_threads_same_voter_exactly_one_accepted(world):
    members = make_members(world.liverpool, 3, "LIV")
    poll = open_poll(members)
    yes = poll.choices.get(label="Yes").pk
    key = engine.member_key(members[0].pk)
    outcomes = _race(
        20, lambda: "accepted:" + engine.vote_cast(poll=poll, voter_key=key, choice=yes)
    )
    kinds = Counter(o.split(":")[0] for o in outcomes)
    assert kinds == {"accepted": 1, "already": 19}, outcomes
    assert CastVote.objects.filter(poll=poll, choice__isnull=False).count() == 1
    assert Voter.objects.filter(poll=poll, has_voted=True).count() == 1


def test_many_voters_at_once_each_get_a_distinct_slot(world):
    members = make_members(world.liverpool, 30, "LIV")
    poll = open_poll(members)
    yes = poll.choices.get(label="Yes").pk
    keys = iter([engine.member_key(m.pk) for m in members])
    key_lock = threading.Lock()

    def cast() -> str:
        with key_lock:
            key = next(keys)
        return engine.vote_cast(poll=poll, voter_key=key, choice=yes)

    outcomes = _race(30, cast)
    assert len(set(outcomes)) == 30 and not [o for o in outcomes if o.startswith("error")]
    poll = engine.poll_close(poll=poll)
    assert poll.ballots_counted == poll.voters_marked == 30


def test_votes_racing_close_are_all_counted_or_refused(world):
    members = make_members(world.liverpool, 15, "LIV")
    poll = open_poll(members)
    yes = poll.choices.get(label="Yes").pk
    keys = iter([engine.member_key(m.pk) for m in members])
    key_lock = threading.Lock()

    def act() -> str:
        with key_lock:
            key = next(keys, None)
        if key is None:
            engine.poll_close(poll=poll)
            return "closer"
        return engine.vote_cast(poll=poll, voter_key=key, choice=yes)

    outcomes = _race(16, act)
    assert not [o for o in outcomes if o.startswith("error")], outcomes
    poll.refresh_from_db()
    accepted = len([o for o in outcomes if o not in ("closer", "closed")])
    assert poll.count_ok and poll.ballots_counted == accepted


def test_close_leaves_no_transaction_id_pairing_roll_and_ballots(world):
    members = make_members(world.liverpool, 12, "LIV")
    poll = open_poll(members)
    yes = poll.choices.get(label="Yes").pk
    receipts = {
        engine.vote_cast(poll=poll, voter_key=engine.member_key(m.pk), choice=yes)
        for m in members[:8]
    }
    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM votes_castvote c JOIN votes_voter v ON v.xmin = c.xmin "
            "WHERE c.poll_id = %s AND v.poll_id = %s AND c.choice_id IS NOT NULL",
            [poll.pk, poll.pk],
        )
        assert cur.fetchone()[0] == 8  # while open, each vote shares its roll row's xmin
    engine.poll_close(poll=poll)
    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(DISTINCT xmin::text) FROM votes_castvote WHERE poll_id = %s", [poll.pk]
        )
        assert cur.fetchone()[0] == 1
        cur.execute(
            "SELECT count(DISTINCT xmin::text) FROM votes_voter WHERE poll_id = %s", [poll.pk]
        )
        assert cur.fetchone()[0] == 1
    assert set(CastVote.objects.filter(poll=poll).values_list("receipt", flat=True)) == receipts


def test_same_link_posted_twice_at_once_one_receipt_one_already_voted(world):
    """The link's one-statement path: two simultaneous POSTs from one voter's link."""
    from django.test import Client

    from mandate.votes import links

    members = make_members(world.liverpool, 2, "LNK")
    poll = open_poll(members)
    yes = poll.choices.get(label="Yes").pk
    voter = Voter.objects.get(poll=poll, member=members[0])
    url = links.link_url(voter, absolute=False)

    def post() -> str:
        page = Client().post(url, {"choice": yes})
        if page.status_code == 200 and b'id="receipt"' in page.content:
            return "accepted"
        if page.status_code == 200 and b"You have already voted" in page.content:
            return "already"
        return f"other {page.status_code}"

    outcomes = _race(8, post)
    assert Counter(outcomes) == {"accepted": 1, "already": 7}, outcomes
    assert CastVote.objects.filter(poll=poll, choice__isnull=False).count() == 1
    assert Voter.objects.filter(poll=poll, has_voted=True).count() == 1
