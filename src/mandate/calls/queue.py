"""Handing out the next contact: one short transaction per request, safe under concurrency.

Two callers must never hold the same member at once. On PostgreSQL the best waiting row is
picked with ``SELECT ... FOR UPDATE SKIP LOCKED`` so 200 callers asking at once each take a
different row without queueing behind each other. Every claim, on every database, is then a
conditional ``UPDATE ... WHERE state = 'available'`` whose row count is checked: on SQLite
(where IMMEDIATE transactions serialise writers and row locks do not exist) that check is what
makes a lost race visible, and the next candidate is tried.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from mandate.ballots.models import BallotState
from mandate.calls import rows
from mandate.calls.models import (
    LEASE,
    CallAssignment,
    CallerAssignment,
    CallTarget,
    TargetState,
)
from mandate.core.errors import DomainError
from mandate.core.models import User
from mandate.members.models import MemberStatus
from mandate.turnout.models import ContactStatus

# Candidates tried on the conditional-update path before giving up on this request.
CANDIDATES = 5


class NotACaller(DomainError):
    status_code = 404


def goal_exists(assignment: CallAssignment) -> Exists:
    """True for a target whose member's answer on the ballot is in the assignment's goal."""
    return Exists(
        ContactStatus.objects.filter(
            ballot_id=assignment.ballot_id,
            member_id=OuterRef("member_id"),
            status__in=list(assignment.goal_statuses),
        )
    )


def phoneable_q(prefix: str = "member__") -> Q:
    """Members who may be phoned at all: active, consented to calls, not do-not-contact, with a
    number. Checked at hand-out as well as when the list is built: members opt out any time."""
    return Q(
        **{
            f"{prefix}status": MemberStatus.ACTIVE,
            f"{prefix}do_not_contact": False,
            f"{prefix}consent_phone": True,
        }
    ) & ~Q(**{f"{prefix}mobile": "", f"{prefix}other_phone": ""})


def due_q(now: dt.datetime) -> Q:
    return Q(not_before__isnull=True) | Q(not_before__lte=now)


QUEUE_ORDER = ("rank", "priority", "queue_at", "id")


def candidates(assignment: CallAssignment, now: dt.datetime) -> QuerySet[CallTarget]:
    """Waiting targets in hand-out order: due, still phoneable, not yet in the goal."""
    return (
        CallTarget.objects.filter(assignment=assignment, state=TargetState.AVAILABLE)
        .filter(due_q(now))
        .filter(phoneable_q())
        .exclude(goal_exists(assignment))
        .order_by(*QUEUE_ORDER)
    )


def release_expired(assignment: CallAssignment, now: dt.datetime) -> int:
    """Put back targets whose holder's lease ran out (the holder stays recorded in held_by, so
    a late report from them is still accepted if nobody else has taken the contact since)."""
    return CallTarget.objects.filter(
        assignment=assignment, state=TargetState.HELD, held_until__lte=now
    ).update(state=TargetState.AVAILABLE, held_until=None)


def _take(pk: int, caller: User, now: dt.datetime) -> bool:
    taken = CallTarget.objects.filter(pk=pk, state=TargetState.AVAILABLE).update(
        state=TargetState.HELD,
        held_by=caller,
        held_until=now + LEASE,
        claims=F("claims") + 1,
    )
    return taken == 1


# The time a cached claim query was compiled with, swapped for the real time on each use.
_COMPILED_AT = dt.datetime(1901, 2, 3, 4, 5, 6, 789012, tzinfo=dt.UTC)
_CLAIM_SQL: dict[tuple[Any, ...], tuple[str, tuple[Any, ...]]] = {}


def _claim_query(assignment: CallAssignment) -> tuple[str, tuple[Any, ...]]:
    """The PostgreSQL claim, compiled from ``candidates`` once per assignment and goal:
    building and compiling that queryset cost more than the rest of the request together."""
    key = (assignment.pk, assignment.ballot_id, tuple(sorted(assignment.goal_statuses)))
    cached = _CLAIM_SQL.get(key)
    if cached is None:
        # Only the target row is locked; the member and goal rows are merely read.
        first_free = (
            candidates(assignment, _COMPILED_AT)
            .select_for_update(skip_locked=True, of=("self",))
            .values_list("pk", flat=True)[:1]
        )
        pick, params = first_free.query.sql_with_params()
        if _COMPILED_AT not in params:
            raise AssertionError("the claim query no longer depends on the time")
        table = connection.ops.quote_name(CallTarget._meta.db_table)
        # The same conditional update as _take, on the row the ORM's query picks and locks,
        # read back with its member and constituency in the same statement.
        sql = (
            f"WITH t AS (UPDATE {table} SET state = %s, held_by_id = %s, "  # noqa: S608
            f"held_until = %s, claims = claims + 1 WHERE id = ({pick}) AND state = %s "
            f"RETURNING *) {rows.target_select()}"
        )
        if len(_CLAIM_SQL) > 1000:
            _CLAIM_SQL.clear()
        cached = _CLAIM_SQL[key] = (sql, tuple(params))
    return cached


def _claim(assignment: CallAssignment, caller: User, now: dt.datetime) -> CallTarget | None:
    if connection.vendor == "postgresql":
        sql, params = _claim_query(assignment)
        picked = [now if p == _COMPILED_AT else p for p in params]
        with connection.cursor() as cursor:
            cursor.execute(
                sql,
                [TargetState.HELD, caller.pk, now + LEASE, *picked, TargetState.AVAILABLE],
            )
            row = cursor.fetchone()
        return None if row is None else rows.target_from_row(row)
    queue = candidates(assignment, now)
    return claim_first_free(list(queue.values_list("pk", flat=True)[:CANDIDATES]), caller, now)


def claim_first_free(pks: list[int], caller: User, now: dt.datetime) -> CallTarget | None:
    """Claim the first of PKS (read a moment ago) that is still free when the update runs."""
    for pk in pks:
        if _take(pk, caller, now):
            return CallTarget.objects.select_related("member", "constituency").get(pk=pk)
    return None


def held_by(assignment: CallAssignment, caller: User, now: dt.datetime) -> QuerySet[CallTarget]:
    return CallTarget.objects.filter(
        assignment=assignment, state=TargetState.HELD, held_by=caller, held_until__gt=now
    ).order_by("held_until", "id")


def can_hand_out(assignment: CallAssignment, now: dt.datetime) -> bool:
    return assignment.is_live(now) and assignment.ballot.state == BallotState.OPEN


def _lock_caller(assignment: CallAssignment, caller: User) -> None:
    # Serialises one caller's own requests (two tabs, a double tap) so they can never take
    # more than their cap; other callers are not held up by this row.
    membership = list(
        CallerAssignment.objects.select_for_update()
        .filter(assignment=assignment, user=caller)
        .values_list("pk", flat=True)
    )
    if not membership:
        raise NotACaller("You are not a caller on this assignment.")


def next_contact(
    *, assignment: CallAssignment, caller: User, now: dt.datetime | None = None
) -> CallTarget | None:
    """The contact CALLER should ring now: the one they already hold (its lease renewed), else
    the best waiting one, claimed for them. None when the queue has nothing for them."""
    now = now or timezone.now()
    if connection.vendor == "postgresql":
        with transaction.atomic():
            return _next_contact_pg(assignment, caller, now)
    with transaction.atomic():
        _lock_caller(assignment, caller)
        mine = list(held_by(assignment, caller, now).select_related("member", "constituency"))
        if mine:
            current = mine[0]
            current.held_until = now + LEASE
            CallTarget.objects.filter(pk=current.pk).update(held_until=current.held_until)
            return current
        if not can_hand_out(assignment, now) or assignment.max_held < 1:
            return None
        release_expired(assignment, now)
        return _claim(assignment, caller, now)


def _next_contact_pg(
    assignment: CallAssignment, caller: User, now: dt.datetime
) -> CallTarget | None:
    """``next_contact``'s steps in plain SQL: the busiest page of a phone bank, and building
    these querysets cost more than running them."""
    quote = connection.ops.quote_name
    targets = quote(CallTarget._meta.db_table)
    callers = quote(CallerAssignment._meta.db_table)
    with connection.cursor() as cursor:
        # As _lock_caller: one caller's own requests queue here; other callers do not.
        cursor.execute(
            f"SELECT id FROM {callers} WHERE assignment_id = %s AND user_id = %s FOR UPDATE",  # noqa: S608
            [assignment.pk, caller.pk],
        )
        if cursor.fetchone() is None:
            raise NotACaller("You are not a caller on this assignment.")
        # The contact they hold, if any (as held_by), its lease renewed.
        cursor.execute(
            f"WITH t AS (UPDATE {targets} SET held_until = %s WHERE id = ("  # noqa: S608
            f"SELECT id FROM {targets} WHERE assignment_id = %s AND state = %s "
            "AND held_by_id = %s AND held_until > %s ORDER BY held_until, id LIMIT 1) "
            f"RETURNING *) {rows.target_select()}",
            [now + LEASE, assignment.pk, TargetState.HELD, caller.pk, now],
        )
        row = cursor.fetchone()
        if row is not None:
            return rows.target_from_row(row)
        if not can_hand_out(assignment, now) or assignment.max_held < 1:
            return None
        # As release_expired.
        cursor.execute(
            f"UPDATE {targets} SET state = %s, held_until = NULL "  # noqa: S608
            "WHERE assignment_id = %s AND state = %s AND held_until <= %s",
            [TargetState.AVAILABLE, assignment.pk, TargetState.HELD, now],
        )
    return _claim(assignment, caller, now)


def claim_for(
    *, assignment: CallAssignment, caller: User, now: dt.datetime | None = None
) -> CallTarget | None:
    """Claim one more contact for CALLER unless they already hold their cap (then None).

    ``next_contact`` is what the caller's screen uses; this is the raw claim it is built on,
    used directly where a caller may hold several contacts at once.
    """
    now = now or timezone.now()
    with transaction.atomic():
        _lock_caller(assignment, caller)
        if held_by(assignment, caller, now).count() >= assignment.max_held:
            return None
        if not can_hand_out(assignment, now):
            return None
        release_expired(assignment, now)
        return _claim(assignment, caller, now)
