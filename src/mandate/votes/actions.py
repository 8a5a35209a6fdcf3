"""The secret-ballot engine: create, open, cast, close, publish, count.

``mandate.votes.engine`` is the stable surface other apps (meetings) import; these functions are
what it exports. Nothing here logs or audits an individual vote: an audit line with a time
beside a ballot could pair them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import random
import secrets
import struct
import sys
import threading
import uuid
import weakref
from collections.abc import Iterable, Iterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import psycopg
from django.contrib.auth.models import AnonymousUser
from django.db import DEFAULT_DB_ALIAS, DataError, connection, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from psycopg import pq

from mandate.core.audit import audit_record
from mandate.core.errors import DomainError, InvalidState
from mandate.core.models import Branch, User
from mandate.members.models import Member, MemberStatus
from mandate.votes.errors import AlreadyVoted, CountMismatch, NotOnRoll, VotingClosed
from mandate.votes.models import CastVote, Choice, Poll, PollOrigin, PollState, Voter

if TYPE_CHECKING:
    from mandate.disputes.models import Dispute
    from mandate.members.models import Segment

# Receipt codes: 12 characters from 32 unambiguous ones (60 bits), shown in three groups of four (ABCD-EFGH-JKLM).
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_BATCH = 5000
MAX_CHOICES = 20


@dataclass(frozen=True)
class VoterSpec:
    """One elector to put on a roll: a stable key, and optionally member, branch and weight."""

    key: str
    member_id: int | None = None
    branch_id: int | None = None
    weight: Decimal = Decimal("1")


def member_key(member_id: int) -> str:
    return f"member:{member_id}"


def new_nonce() -> str:
    return secrets.token_urlsafe(12)


def new_receipt() -> str:
    raw = "".join(_ALPHABET[b & 31] for b in secrets.token_bytes(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def normalise_receipt(text: str) -> str:
    """A receipt as typed (any case, spaces or no dashes) in its printed form, or ''."""
    raw = "".join(c for c in text.upper() if c.isalnum())
    if len(raw) != 12 or any(c not in _ALPHABET for c in raw):
        return ""
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def _actor(actor: User | AnonymousUser | None) -> User | None:
    return actor if isinstance(actor, User) else None


def _clean_choices(choices: Sequence[str]) -> list[str]:
    labels = [c.strip() for c in choices]
    if len(labels) < 2:
        raise DomainError("A ballot needs at least two choices.")
    if len(labels) > MAX_CHOICES:
        raise DomainError(f"A ballot can have at most {MAX_CHOICES} choices.")
    for n, label in enumerate(labels, start=1):
        if not label:
            raise DomainError(f"Choice {n} is empty.")
        if len(label) > 200:
            raise DomainError(f"Choice {n} is longer than 200 characters.")
    seen: set[str] = set()
    for n, label in enumerate(labels, start=1):
        if label.lower() in seen:
            raise DomainError(f"Choice {n} ('{label}') repeats an earlier choice.")
        seen.add(label.lower())
    return labels


def poll_create(
    *,
    title: str,
    choices: Sequence[str],
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    question: str = "",
    voters: Iterable[VoterSpec] = (),
    dispute: Dispute | None = None,
    branch: Branch | None = None,
    segment: Segment | None = None,
    origin: str = PollOrigin.CONSULTATIVE,
    weighted: bool = False,
    results_by_branch: bool = True,
    min_branch_votes: int = 10,
    actor: User | AnonymousUser | None = None,
) -> Poll:
    """Create a draft poll with its choices and, optionally, its roll."""
    title = title.strip()
    if not title:
        raise DomainError("The ballot needs a title.")
    if closes_at <= opens_at:
        raise DomainError("Closing time must be after the opening time.")
    if min_branch_votes < 1:
        raise DomainError("The minimum votes for a branch's result must be at least 1.")
    labels = _clean_choices(choices)
    with transaction.atomic():
        poll = Poll.objects.create(
            title=title,
            question=question.strip(),
            origin=origin,
            dispute=dispute,
            branch=branch,
            segment=segment,
            opens_at=opens_at,
            closes_at=closes_at,
            weighted=weighted,
            results_by_branch=results_by_branch,
            min_branch_votes=min_branch_votes,
            created_by=_actor(actor),
        )
        Choice.objects.bulk_create(
            Choice(poll=poll, label=label, position=n) for n, label in enumerate(labels, start=1)
        )
        poll_add_voters(poll=poll, voters=voters)
        audit_record(
            actor=actor,
            action="poll.create",
            obj=poll,
            branch=branch,
            detail={"origin": origin, "choices": len(labels), "weighted": weighted},
        )
    return poll


def poll_add_voters(*, poll: Poll, voters: Iterable[VoterSpec]) -> int:
    """Add electors to a draft poll's roll; the roll is frozen once the poll opens."""
    if poll.state != PollState.DRAFT:
        raise InvalidState(f"The roll is frozen: this ballot is {poll.get_state_display()}.")
    rows: list[Voter] = []
    keys: set[str] = set()
    for n, spec in enumerate(voters, start=1):
        if not spec.key or len(spec.key) > 80:
            raise DomainError(f"Voter {n}: the key must be 1 to 80 characters.")
        if spec.key in keys:
            raise DomainError(f"Voter {n}: key '{spec.key}' appears twice.")
        if spec.weight <= 0:
            raise DomainError(f"Voter {n}: the weight must be positive.")
        if not poll.weighted and spec.weight != 1:
            raise DomainError(f"Voter {n}: weights are only allowed on a weighted ballot.")
        keys.add(spec.key)
        rows.append(
            Voter(
                poll=poll,
                key=spec.key,
                member_id=spec.member_id,
                branch_id=spec.branch_id,
                weight=spec.weight,
                nonce=new_nonce(),
            )
        )
    if not rows:
        return 0
    with transaction.atomic():
        clash = Voter.objects.filter(poll=poll, key__in=keys).values_list("key", flat=True)[:1]
        for key in clash:
            raise DomainError(f"Voter '{key}' is already on the roll.")
        Voter.objects.bulk_create(rows, batch_size=_BATCH)
    return len(rows)


def members_as_voters(members: QuerySet[Member]) -> Iterator[VoterSpec]:
    for member_id, branch_id in members.order_by().values_list("pk", "branch_id").iterator():
        yield VoterSpec(key=member_key(member_id), member_id=member_id, branch_id=branch_id)


def electorate_members(poll: Poll, actor: User | AnonymousUser) -> QuerySet[Member]:
    """The active members a consultative poll's electorate takes, as reached by the opener."""
    from mandate.core import policy
    from mandate.core.policy import Perm
    from mandate.members.models import Segment as SegmentModel
    from mandate.members.queries import segment_members

    if poll.segment_id is not None:
        segment = SegmentModel.objects.get(pk=poll.segment_id)
        members = segment_members(segment, actor, Perm.VIEW_MEMBERS)
        if poll.branch_id is not None:
            members = members.filter(branch_id=poll.branch_id)
    elif poll.branch_id is not None:
        members = policy.members_for(actor, Perm.VIEW_MEMBERS).filter(branch_id=poll.branch_id)
    elif poll.dispute_id is not None:
        employers = poll.dispute.parties.all() if poll.dispute is not None else []
        members = policy.members_for(actor, Perm.VIEW_MEMBERS).filter(
            branch__employers__in=employers
        )
    else:
        members = policy.members_for(actor, Perm.VIEW_MEMBERS)
    return members.filter(status=MemberStatus.ACTIVE).distinct()


def _make_slots(poll: Poll, count: int) -> None:
    """Create COUNT empty ballot slots with random ids and receipts, in a random order."""
    receipts: set[str] = set()
    while len(receipts) < count:
        receipts.add(new_receipt())
    ordered = list(receipts)
    random.SystemRandom().shuffle(ordered)
    CastVote.objects.bulk_create(
        (CastVote(id=uuid.uuid4(), poll=poll, receipt=r) for r in ordered), batch_size=_BATCH
    )


def poll_open(
    *,
    poll: Poll,
    actor: User | AnonymousUser | None = None,
    now: dt.datetime | None = None,
) -> Poll:
    """Freeze the roll (from the segment if the roll is empty) and open the poll."""
    now = now or timezone.now()
    with transaction.atomic():
        poll = Poll.objects.select_for_update().get(pk=poll.pk)
        if poll.state != PollState.DRAFT:
            raise InvalidState(
                f"Only a draft ballot can open; this one is {poll.get_state_display()}."
            )
        if now >= poll.closes_at:
            raise InvalidState("The closing time has passed; change it before opening.")
        if poll.origin == PollOrigin.CONSULTATIVE and not Voter.objects.filter(poll=poll).exists():
            if actor is None:
                raise DomainError("Opening a members' ballot needs an officer to freeze the roll.")
            poll_add_voters(poll=poll, voters=members_as_voters(electorate_members(poll, actor)))
        size = Voter.objects.filter(poll=poll).count()
        if size == 0:
            raise DomainError("The electorate is empty: nobody could vote in this ballot.")
        _make_slots(poll, size)
        poll.state = PollState.OPEN
        poll.electorate = size
        poll.opened_at = now
        poll.save(update_fields=["state", "electorate", "opened_at"])
        audit_record(
            actor=actor,
            action="poll.open",
            obj=poll,
            branch=poll.branch,
            detail={"electorate": size},
        )
    return poll


def _lock_poll_shared(poll_id: int) -> tuple[str, dt.datetime, dt.datetime]:
    """Read the poll's state under a lock that closing must wait for.

    FOR KEY SHARE lets any number of votes proceed together but blocks ``poll_close``'s FOR
    UPDATE until they commit, so the count taken at close sees every vote accepted as open.
    SQLite's IMMEDIATE transactions already serialise writers.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(
                "SELECT state, opens_at, closes_at FROM votes_poll WHERE id = %s FOR KEY SHARE",
                [poll_id],
            )
            row = cur.fetchone()
        if row is None:
            raise Poll.DoesNotExist
        return row[0], row[1], row[2]
    return Poll.objects.values_list("state", "opens_at", "closes_at").get(pk=poll_id)


_TAKE_SLOT_PG = """
UPDATE votes_castvote SET choice_id = %s, branch_id = %s, weight = %s
WHERE id = (
    SELECT id FROM votes_castvote
    WHERE poll_id = %s AND choice_id IS NULL AND id {op} %s
    ORDER BY id {direction} LIMIT 1 FOR UPDATE SKIP LOCKED
)
RETURNING receipt
"""


def _fill_slot(poll_id: int, choice_id: int, branch_id: int | None, weight: Decimal | None) -> str:
    """Fill a free slot found from a random starting id; return its receipt."""
    start = uuid.uuid4()
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            for op, direction in ((">=", "ASC"), ("<", "DESC")):
                sql = _TAKE_SLOT_PG.format(op=op, direction=direction)
                cur.execute(sql, [choice_id, branch_id, weight, poll_id, start])
                row = cur.fetchone()
                if row is not None:
                    return str(row[0])
    else:
        free = CastVote.objects.filter(poll_id=poll_id, choice__isnull=True)
        slot = (
            free.filter(id__gte=start).order_by("id").values_list("id", "receipt").first()
            or free.filter(id__lt=start).order_by("-id").values_list("id", "receipt").first()
        )
        if slot is not None:
            CastVote.objects.filter(pk=slot[0]).update(
                choice_id=choice_id, branch_id=branch_id, weight=weight
            )
            return slot[1]
    # One slot per elector and one vote per elector: reaching here means the roll and the
    # slots disagree, which the count check at close would also report.
    raise InvalidState("No free ballot slot is left for this poll; the officers have been told.")


def vote_cast(
    *,
    poll: Poll,
    choice: Choice | int,
    voter: Voter | None = None,
    voter_key: str | None = None,
    now: dt.datetime | None = None,
) -> str:
    """Record one secret vote and return its receipt code.

    Exactly one of two simultaneous calls for the same voter succeeds: the conditional UPDATE
    of the roll row takes its row lock, so the second waits, then finds ``has_voted`` already
    true and matches no row (raising AlreadyVoted).
    """
    if (voter is None) == (voter_key is None):
        raise TypeError("pass exactly one of voter and voter_key")
    now = now or timezone.now()
    choice_id = choice.pk if isinstance(choice, Choice) else int(choice)
    if choice_id not in _choice_ids(poll):
        raise DomainError("Choose one of the options on the ballot.")
    if connection.vendor == "postgresql":
        if connection.in_atomic_block:
            with transaction.atomic():
                return _cast_pg(poll, choice_id, voter, voter_key, now)
        # Outside a transaction the one statement is its own transaction: no BEGIN and
        # COMMIT round trips on the busiest path.
        return _cast_pg(poll, choice_id, voter, voter_key, now)
    with transaction.atomic():
        state, opens_at, closes_at = _lock_poll_shared(poll.pk)
        _check_open(state, opens_at, closes_at, now)
        roll = Voter.objects.filter(poll_id=poll.pk)
        roll = roll.filter(pk=voter.pk) if voter is not None else roll.filter(key=voter_key)
        if roll.filter(has_voted=False).update(has_voted=True) != 1:
            raise AlreadyVoted() if roll.exists() else NotOnRoll()
        branch_id: int | None
        if voter is None:
            branch_id, weight = roll.values_list("branch_id", "weight").get()
        else:
            branch_id, weight = voter.branch_id, voter.weight
        return _fill_slot(
            poll.pk,
            choice_id,
            branch_id if poll.results_by_branch else None,
            weight if poll.weighted else None,
        )


def _check_open(
    state: str, opens_at: dt.datetime, closes_at: dt.datetime, now: dt.datetime
) -> None:
    if state != PollState.OPEN or now >= closes_at:
        raise VotingClosed()
    if now < opens_at:
        raise VotingClosed("Voting has not opened yet.")


# One statement (one round trip) for the whole cast on PostgreSQL: share-lock the open poll,
# mark the roll row if not yet marked, and fill a free slot found from a random id. Under READ
# COMMITTED a second submission blocks on the roll row's lock, then re-reads it, finds it
# marked and updates nothing; the slot update is gated on the roll update having happened.
_CAST_PG = """
WITH p AS (
    SELECT id FROM votes_poll
    WHERE id = %(poll)s AND state = 'open' AND opens_at <= %(now)s AND closes_at > %(now)s
    FOR KEY SHARE
), v AS (
    UPDATE votes_voter SET has_voted = true
    WHERE {voter} AND poll_id = %(poll)s AND NOT has_voted AND EXISTS (SELECT 1 FROM p)
    RETURNING branch_id, weight
), s AS (
    UPDATE votes_castvote SET
        choice_id = %(choice)s,
        branch_id = CASE WHEN %(by_branch)s THEN (SELECT branch_id FROM v) END,
        weight = CASE WHEN %(weighted)s THEN (SELECT weight FROM v) END
    WHERE EXISTS (SELECT 1 FROM v) AND id = COALESCE(
        (SELECT id FROM votes_castvote
         WHERE poll_id = %(poll)s AND choice_id IS NULL AND id >= %(start)s
         ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED),
        (SELECT id FROM votes_castvote
         WHERE poll_id = %(poll)s AND choice_id IS NULL AND id < %(start)s
         ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
    )
    RETURNING receipt
)
SELECT (SELECT count(*) FROM p), (SELECT count(*) FROM v), (SELECT receipt FROM s),
    -- A marked roll row without a filled slot must not stand: fail the whole statement.
    CASE WHEN (SELECT count(*) FROM v) > (SELECT count(*) FROM s) THEN 1 / (SELECT count(*) FROM s) END
"""
_CAST_PG_BY_ID = _CAST_PG.format(voter="id = %(voter)s")
_CAST_PG_BY_KEY = _CAST_PG.format(voter="key = %(key)s")


def _cast_pg(
    poll: Poll, choice_id: int, voter: Voter | None, voter_key: str | None, now: dt.datetime
) -> str:
    params: dict[str, Any] = {
        "poll": poll.pk,
        "now": now,
        "voter": voter.pk if voter is not None else None,
        "key": voter_key,
        "choice": choice_id,
        "by_branch": poll.results_by_branch,
        "weighted": poll.weighted,
        "start": uuid.uuid4(),
    }
    try:
        with connection.cursor() as cur:
            cur.execute(_CAST_PG_BY_ID if voter is not None else _CAST_PG_BY_KEY, params)
            row = cur.fetchone()
    except DataError:
        raise InvalidState(
            "No free ballot slot is left for this poll; the officers have been told."
        ) from None
    assert row is not None  # noqa: S101 - a SELECT of scalars always returns a row
    is_open, marked, receipt, _ = row
    if not is_open:
        _check_open(
            *Poll.objects.values_list("state", "opens_at", "closes_at").get(pk=poll.pk), now=now
        )
    if not marked:
        if voter is not None:  # read from the roll just now: it exists
            raise AlreadyVoted()
        on_roll = Voter.objects.filter(poll_id=poll.pk, key=voter_key).exists()
        raise AlreadyVoted() if on_roll else NotOnRoll()
    return str(receipt)


# A vote from a personal link in one statement on PostgreSQL: read the roll row the token names
# (its nonce must still match) with the poll's fields the pages show, check the choice belongs
# to the poll, then the same guarded mark-and-fill as _CAST_PG. No row comes back for a bad or
# revoked link. The signature on the token already proves the nonce came from this server, so
# comparing it in SQL (not in constant time) reveals nothing an attacker could use.
_CAST_LINK_PG = """
WITH r AS (
    SELECT p.title, p.state, p.opens_at, p.closes_at, p.weighted, p.results_by_branch,
           EXISTS (SELECT 1 FROM votes_choice c WHERE c.id = %(choice)s AND c.poll_id = p.id)
               AS choice_ok
    FROM votes_voter v JOIN votes_poll p ON p.id = v.poll_id
    WHERE v.id = %(voter)s AND v.poll_id = %(poll)s AND v.nonce = %(nonce)s
), p AS (
    SELECT id FROM votes_poll
    WHERE id = %(poll)s AND state = 'open' AND opens_at <= %(now)s AND closes_at > %(now)s
        AND EXISTS (SELECT 1 FROM r WHERE r.choice_ok)
    FOR KEY SHARE
), v AS (
    UPDATE votes_voter SET has_voted = true
    WHERE id = %(voter)s AND poll_id = %(poll)s AND NOT has_voted AND EXISTS (SELECT 1 FROM p)
    RETURNING branch_id, weight
), s AS (
    UPDATE votes_castvote SET
        choice_id = %(choice)s,
        branch_id = CASE WHEN (SELECT results_by_branch FROM r) THEN (SELECT branch_id FROM v) END,
        weight = CASE WHEN (SELECT weighted FROM r) THEN (SELECT weight FROM v) END
    WHERE EXISTS (SELECT 1 FROM v) AND id = COALESCE(
        (SELECT id FROM votes_castvote
         WHERE poll_id = %(poll)s AND choice_id IS NULL AND id >= %(start)s
         ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED),
        (SELECT id FROM votes_castvote
         WHERE poll_id = %(poll)s AND choice_id IS NULL AND id < %(start)s
         ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
    )
    RETURNING receipt
)
SELECT r.title, r.state, r.opens_at, r.closes_at, (SELECT count(*) FROM p), r.choice_ok,
    (SELECT count(*) FROM v), (SELECT receipt FROM s),
    CASE WHEN (SELECT count(*) FROM v) > (SELECT count(*) FROM s) THEN 1 / (SELECT count(*) FROM s) END
FROM r
"""


@dataclass(frozen=True)
class PollHeading:
    """What the pages answering a vote show of its poll."""

    pk: int
    title: str
    state: str
    # When voting closes; not part of what the pages show (nor of a heading's identity).
    closes_at: dt.datetime | None = field(default=None, compare=False)


def _typed(sql: str, types: dict[str, str]) -> str:
    """SQL with each named parameter cast to its type in TYPES."""
    for name, type_ in types.items():
        sql = sql.replace(f"%({name})s", f"%({name})s::{type_}")
    return sql


# The statement as libpq takes it: each named parameter a numbered one cast to its type, so
# the plan does not depend on the values. Prepared once per connection under a name that
# changes with its text.
_CAST_LINK_PARAMS = (
    ("poll", "bigint"),
    ("voter", "bigint"),
    ("nonce", "text"),
    ("choice", "bigint"),
    ("now", "timestamptz"),
    ("start", "uuid"),
)


def _numbered(sql: str, params: Sequence[tuple[str, str]]) -> str:
    """SQL with each %(name)s of PARAMS replaced by its $n, cast to its type."""
    for n, (name, type_) in enumerate(params, start=1):
        sql = sql.replace(f"%({name})s", f"${n}::{type_}")
    if "%(" in sql:
        raise AssertionError("a parameter of the cast statement has no number")
    return sql


_CAST_LINK_SQL = _numbered(_CAST_LINK_PG, _CAST_LINK_PARAMS).encode()
_CAST_LINK_NAME = f"mandate_cast_{hashlib.sha256(_CAST_LINK_SQL).hexdigest()[:16]}".encode()
# All text but the slot start, sent as its 16 bytes.
_CAST_LINK_FORMATS = [pq.Format.TEXT] * 5 + [pq.Format.BINARY]
# Connections (psycopg's, by identity) this process has prepared the statement on.
_PREPARED: weakref.WeakSet[psycopg.Connection[Any]] = weakref.WeakSet()
_PG_EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
_INT8 = struct.Struct("!q")


def _cast_link_row(db: BaseDatabaseWrapper, params: dict[str, Any]) -> tuple[Any, ...] | None:
    """Run the statement on DB's connection; its row, with the columns the caller reads.

    Planning the statement costs several times running it, so it is prepared once per
    connection, and each vote is one ``PQexecPrepared``: the values go as text (the slot start
    as bytes), the answer comes back in binary and is read here. Measured, psycopg's cursor
    machinery around the same call (adapting, its prepared-statement bookkeeping, loading the
    row) was a fifth of the web process's interpreter time on this path. Errors come out as
    Django's, as from its own cursors; a connection that is not in autocommit outside a
    transaction (where psycopg would begin one) takes the cursor path.
    """
    db.close_if_health_check_failed()  # as Django's cursor() does, then connects
    db.ensure_connection()
    db.validate_thread_sharing()
    raw = db.connection
    pgconn = raw.pgconn
    if not raw.autocommit and pgconn.transaction_status == pq.TransactionStatus.IDLE:
        return _cast_link_row_cursor(db, params)
    values = [
        str(params["poll"]).encode(),
        str(params["voter"]).encode(),
        params["nonce"].encode(),
        str(params["choice"]).encode(),
        params["now"].isoformat().encode(),
        params["start"].bytes,
    ]
    with db.wrap_database_errors:
        for attempt in range(2):
            if raw not in _PREPARED:
                prepared = pgconn.prepare(_CAST_LINK_NAME, _CAST_LINK_SQL)
                _raise_for(prepared, pgconn, pq.ExecStatus.COMMAND_OK)
                _PREPARED.add(raw)
            result = pgconn.exec_prepared(_CAST_LINK_NAME, values, _CAST_LINK_FORMATS, 1)
            if (
                attempt == 0
                and result.status == pq.ExecStatus.FATAL_ERROR
                and result.error_field(pq.DiagnosticField.SQLSTATE) == b"26000"
                and pgconn.transaction_status == pq.TransactionStatus.IDLE
            ):
                _PREPARED.discard(raw)  # deallocated on the server (DISCARD ALL): prepare again
                continue
            _raise_for(result, pgconn, pq.ExecStatus.TUPLES_OK)
            break
    if result.ntuples == 0:
        return None
    value = result.get_value
    return (
        _text(value(0, 0)),
        _text(value(0, 1)),
        _timestamptz(value(0, 2)),
        _timestamptz(value(0, 3)),
        _int8(value(0, 4)),
        value(0, 5) == b"\x01",
        _int8(value(0, 6)),
        _text(value(0, 7)),
    )


def _raise_for(result: pq.abc.PGresult, pgconn: pq.abc.PGconn, expected: pq.ExecStatus) -> None:
    """Raise RESULT's error as psycopg's class for its SQLSTATE, unless it has EXPECTED."""
    if result.status == expected:
        return
    if result.status == pq.ExecStatus.FATAL_ERROR:
        state = (result.error_field(pq.DiagnosticField.SQLSTATE) or b"").decode()
        message = (result.error_message or b"").decode("utf-8", "replace").strip()
        error_class = psycopg.errors.lookup(state) if state else psycopg.OperationalError
        raise error_class(message)
    raise psycopg.OperationalError(
        f"unexpected result from the cast statement: {pq.ExecStatus(result.status).name}; "
        f"{(pgconn.error_message or b'').decode('utf-8', 'replace').strip()}"
    )


def _text(value: bytes | None) -> str | None:
    return None if value is None else value.decode()


def _int8(value: bytes | None) -> int:
    return 0 if value is None else int(_INT8.unpack(value)[0])


def _timestamptz(value: bytes | None) -> dt.datetime | None:
    """A binary timestamptz (microseconds since 2000-01-01 UTC), in UTC."""
    if value is None:
        return None
    return _PG_EPOCH + dt.timedelta(microseconds=_INT8.unpack(value)[0])


# The same statement through a psycopg cursor, binding on the server, for a connection whose
# transaction psycopg must begin.
_CAST_LINK_TYPED = _typed(_CAST_LINK_PG, dict(_CAST_LINK_PARAMS))


def _cast_link_row_cursor(
    db: BaseDatabaseWrapper, params: dict[str, Any]
) -> tuple[Any, ...] | None:
    raw = db.connection
    if raw.prepare_threshold is None:
        # Django turns psycopg's preparing off; a threshold no query reaches keeps it off for
        # every query that does not ask for it (Django's client-side cursors never prepare).
        raw.prepare_threshold = sys.maxsize
    with db.wrap_database_errors, psycopg.Cursor(raw) as cur:
        cur.execute(_CAST_LINK_TYPED, params, prepare=True)
        row: tuple[Any, ...] | None = cur.fetchone()
        return row


# Where a vote starts looking for a free slot: a random version-4 UUID, as uuid4() draws, from
# the operating system's generator. One getrandom() call per vote showed in profiles of the
# busiest path, so each thread draws its bytes a few kilobytes at a time. A forked child starts
# with none: it must not reuse its parent's.
_ENTROPY = threading.local()
_ENTROPY_BATCH = 4096


def _forget_entropy() -> None:
    global _ENTROPY
    _ENTROPY = threading.local()


os.register_at_fork(after_in_child=_forget_entropy)


def _random_start() -> uuid.UUID:
    pool: bytes = getattr(_ENTROPY, "pool", b"")
    at: int = getattr(_ENTROPY, "at", 0)
    if at + 16 > len(pool):
        pool, at = os.urandom(_ENTROPY_BATCH), 0
        _ENTROPY.pool = pool
    _ENTROPY.at = at + 16
    return uuid.UUID(bytes=pool[at : at + 16], version=4)


def vote_cast_by_link(
    *,
    poll_id: int,
    voter_id: int,
    nonce: str,
    choice_id: int,
    now: dt.datetime,
    db: BaseDatabaseWrapper | None = None,
) -> tuple[PollHeading, str | None] | None:
    """Record the vote a personal link's holder sent, on PostgreSQL, in one round trip.

    Returns the poll's heading (what its answer pages show) and the receipt, or no receipt when the voter
    has already voted (only one of two simultaneous calls gets a receipt, as in ``vote_cast``);
    raises VotingClosed; returns None when the link is bad or revoked, the poll is a draft or
    the choice is not one of the poll's, so the caller can answer those through the general
    path. Outside a transaction the statement is its own transaction. DB is the default
    database's connection for this thread, when the caller has it at hand.
    """
    params = {
        "poll": poll_id,
        "voter": voter_id,
        "nonce": nonce,
        "choice": choice_id,
        "now": now,
        "start": _random_start(),
    }
    if db is None:
        db = connections[DEFAULT_DB_ALIAS]
    try:
        # Inside a caller's transaction, a savepoint keeps a failed statement from breaking it.
        savepoint = transaction.atomic() if db.in_atomic_block else nullcontext()
        with savepoint:
            row = _cast_link_row(db, params)
    except DataError:
        raise InvalidState(
            "No free ballot slot is left for this poll; the officers have been told."
        ) from None
    if row is None or row[1] == PollState.DRAFT or not row[5]:
        return None
    if not row[4]:  # the poll was not accepting (or closed while this statement waited)
        _check_open(row[1], row[2], row[3], now)
        raise VotingClosed()
    poll = PollHeading(pk=poll_id, title=row[0], state=row[1], closes_at=row[3])
    if not row[6]:
        return poll, None
    return poll, str(row[7])


# Choices never change once a poll exists (there is no action that edits them), so each
# process keeps a poll's choice ids after the first vote instead of reading them on every vote.
# Keyed with the creation time too: a SQLite id rolled back with its transaction can be reused.
_CHOICE_IDS: dict[tuple[int, dt.datetime], frozenset[int]] = {}


def _choice_ids(poll: Poll) -> frozenset[int]:
    key = (poll.pk, poll.created_at)
    cached = _CHOICE_IDS.get(key)
    if cached is None:
        cached = frozenset(Choice.objects.filter(poll_id=poll.pk).values_list("pk", flat=True))
        if len(_CHOICE_IDS) > 10_000:
            _CHOICE_IDS.clear()
        _CHOICE_IDS[key] = cached
    return cached


_COLUMNS = "id, poll_id, receipt, choice_id, branch_id, weight"


def _restamp(poll_id: int) -> None:
    """Rewrite the poll's roll, and its ballots in receipt order, in the closing transaction.

    On PostgreSQL every row carries the id of the transaction that last wrote it (xmin); a vote
    and its roll row share one until rewritten. Rewriting both here gives every row the same
    xmin, so a copy of the database taken after close cannot pair them. The ballots are
    deleted and inserted again ordered by receipt code (random): rewriting them in place with
    an UPDATE was measured to leave their physical order following the order of voting.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cur:
        cur.execute("UPDATE votes_voter SET has_voted = has_voted WHERE poll_id = %s", [poll_id])
        cur.execute(
            f"CREATE TEMPORARY TABLE votes_closing ON COMMIT DROP AS "  # noqa: S608 - constants
            f"SELECT {_COLUMNS} FROM votes_castvote WHERE poll_id = %s",
            [poll_id],
        )
        cur.execute("DELETE FROM votes_castvote WHERE poll_id = %s", [poll_id])
        cur.execute(
            f"INSERT INTO votes_castvote ({_COLUMNS}) "  # noqa: S608 - constants
            f"SELECT {_COLUMNS} FROM votes_closing ORDER BY receipt"
        )


def poll_close(
    *, poll: Poll, actor: User | AnonymousUser | None = None, now: dt.datetime | None = None
) -> Poll:
    """Close the poll, drop unused slots and check ballots counted against voters marked."""
    now = now or timezone.now()
    with transaction.atomic():
        # FOR UPDATE waits for every vote holding FOR KEY SHARE on the poll to commit.
        poll = Poll.objects.select_for_update().get(pk=poll.pk)
        if poll.state != PollState.OPEN:
            raise InvalidState(
                f"Only an open ballot can close; this one is {poll.get_state_display()}."
            )
        CastVote.objects.filter(poll=poll, choice__isnull=True).delete()
        _restamp(poll.pk)
        poll.ballots_counted = CastVote.objects.filter(poll=poll).count()
        poll.voters_marked = Voter.objects.filter(poll=poll, has_voted=True).count()
        poll.state = PollState.CLOSED
        poll.closed_at = now
        poll.save(update_fields=["state", "closed_at", "ballots_counted", "voters_marked"])
        audit_record(
            actor=actor,
            action="poll.close",
            obj=poll,
            branch=poll.branch,
            detail={
                "ballots_counted": poll.ballots_counted,
                "voters_marked": poll.voters_marked,
                "count_ok": poll.count_ok,
            },
        )
    return poll


def poll_publish(
    *, poll: Poll, actor: User | AnonymousUser | None = None, now: dt.datetime | None = None
) -> Poll:
    """Publish the result and the list of receipt codes with their choices."""
    with transaction.atomic():
        poll = Poll.objects.select_for_update().get(pk=poll.pk)
        if poll.state != PollState.CLOSED:
            raise InvalidState(
                f"Only a closed ballot can be published; this one is {poll.get_state_display()}."
            )
        if not poll.count_ok:
            raise CountMismatch(
                f"{poll.ballots_counted} ballots were counted but {poll.voters_marked} voters are "
                "marked as voted: the result cannot be published until this is explained."
            )
        poll.state = PollState.PUBLISHED
        poll.published_at = now or timezone.now()
        poll.save(update_fields=["state", "published_at"])
        audit_record(actor=actor, action="poll.publish", obj=poll, branch=poll.branch)
    return poll


# Counting ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChoiceCount:
    choice_id: int
    label: str
    votes: Decimal
    percent: float


@dataclass(frozen=True)
class BranchResult:
    branch_id: int | None
    name: str
    cast: int
    # None where the branch cast fewer than the poll's minimum: too few to keep votes secret.
    choices: list[ChoiceCount] | None


@dataclass(frozen=True)
class Tally:
    electorate: int
    cast: int
    choices: list[ChoiceCount]
    branches: list[BranchResult]
    min_branch_votes: int

    @property
    def turnout_percent(self) -> float:
        return 100.0 * self.cast / self.electorate if self.electorate else 0.0

    @property
    def winner(self) -> ChoiceCount | None:
        if not self.choices or self.cast == 0:
            return None
        top = max(c.votes for c in self.choices)
        leaders = [c for c in self.choices if c.votes == top]
        return leaders[0] if len(leaders) == 1 else None


def _counts(labels: dict[int, str], votes: dict[int, Decimal]) -> list[ChoiceCount]:
    total = sum(votes.values(), Decimal(0))
    return [
        ChoiceCount(
            choice_id=pk,
            label=label,
            votes=votes.get(pk, Decimal(0)),
            percent=float(100 * votes.get(pk, Decimal(0)) / total) if total else 0.0,
        )
        for pk, label in labels.items()
    ]


def _suppressed(cast_by_branch: dict[int | None, int], minimum: int) -> set[int | None]:
    """The branches whose result is withheld.

    First every branch under MINIMUM votes. Then, because the total less the branches shown
    gives the withheld branches' combined result, the smallest shown branches are withheld too
    until the withheld votes together reach MINIMUM (or nothing is shown).
    """
    hidden = {b for b, n in cast_by_branch.items() if n < minimum}
    hidden_votes = sum(cast_by_branch[b] for b in hidden)
    shown = sorted((n, str(b)) for b, n in cast_by_branch.items() if b not in hidden)
    by_key = {str(b): b for b in cast_by_branch}
    while 0 < hidden_votes < minimum and shown:
        n, key = shown.pop(0)
        hidden.add(by_key[key])
        hidden_votes += n
    return hidden


def tally(poll: Poll) -> Tally:
    """Count the poll's ballots in one grouped query; by branch only where enough voted."""
    if not poll.has_results:
        raise InvalidState("Votes are counted only after the ballot closes.")
    labels = dict(Choice.objects.filter(poll=poll).order_by("position").values_list("pk", "label"))
    weight_expr = Sum("weight") if poll.weighted else Count("*")
    rows = (
        CastVote.objects.filter(poll=poll, choice__isnull=False)
        .order_by()
        .values_list("branch_id", "choice_id")
        .annotate(n=Count("*"), w=weight_expr)
    )
    totals: dict[int, Decimal] = {}
    per_branch: dict[int | None, dict[int, Decimal]] = {}
    cast_by_branch: dict[int | None, int] = {}
    cast = 0
    for branch_id, choice_id, n, w in rows:
        value = Decimal(w)
        totals[choice_id] = totals.get(choice_id, Decimal(0)) + value
        per_branch.setdefault(branch_id, {})[choice_id] = value
        cast_by_branch[branch_id] = cast_by_branch.get(branch_id, 0) + n
        cast += n
    branches: list[BranchResult] = []
    if poll.results_by_branch:
        hidden = _suppressed(cast_by_branch, poll.min_branch_votes)
        names = dict(
            Branch.objects.filter(pk__in=[b for b in cast_by_branch if b]).values_list("pk", "name")
        )
        for branch_id in sorted(cast_by_branch, key=lambda b: names.get(b or 0, "")):
            branches.append(
                BranchResult(
                    branch_id=branch_id,
                    name=names.get(branch_id or 0, "No branch"),
                    cast=cast_by_branch[branch_id],
                    choices=None if branch_id in hidden else _counts(labels, per_branch[branch_id]),
                )
            )
    return Tally(
        electorate=poll.electorate,
        cast=cast,
        choices=_counts(labels, totals),
        branches=branches,
        min_branch_votes=poll.min_branch_votes,
    )


def published_receipts(poll: Poll) -> QuerySet[CastVote]:
    """The ballots as published: receipt and choice, ordered by receipt code."""
    if poll.state != PollState.PUBLISHED:
        raise InvalidState("The list of receipts is published with the result.")
    return (
        CastVote.objects.filter(poll=poll, choice__isnull=False)
        .select_related("choice")
        .only("receipt", "choice__label")
        .order_by("receipt")
    )


@dataclass(frozen=True)
class BranchTurnout:
    branch_id: int | None
    name: str
    electorate: int
    voted: int

    @property
    def percent(self) -> float:
        return 100.0 * self.voted / self.electorate if self.electorate else 0.0


def turnout(poll: Poll) -> list[BranchTurnout]:
    """Per-branch turnout from the roll: counts only, never names."""
    rows = (
        Voter.objects.filter(poll=poll)
        .order_by()
        .values_list("branch_id", "branch__name")
        .annotate(total=Count("*"), voted=Count("pk", filter=Q(has_voted=True)))
    )
    out = [BranchTurnout(b, name or "No branch", total, voted) for b, name, total, voted in rows]
    return sorted(out, key=lambda t: t.name)
