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

from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from mandate.ballots.models import BallotState
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


def _claim(assignment: CallAssignment, caller: User, now: dt.datetime) -> CallTarget | None:
    queue = candidates(assignment, now)
    if connection.vendor == "postgresql":
        # Only the target row is locked; the member and goal rows are merely read.
        picked = (
            queue.select_for_update(skip_locked=True, of=("self",))
            .select_related("member", "constituency")
            .first()
        )
        if picked is None or not _take(picked.pk, caller, now):
            return None
        picked.state, picked.held_by, picked.held_until = TargetState.HELD, caller, now + LEASE
        return picked
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
