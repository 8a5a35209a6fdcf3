"""Everything that changes phone-banking state: assignments, their callers and targets, and
the outcome of each call (which reaches the GTVO record through ``contact_record``).

Single calls are not audited one by one (an evening's phone bank makes thousands); they are
kept in ``CallLog``. Creating, refreshing, pausing and ending assignments are audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from mandate.ballots.models import Ballot, BallotState, Constituency, ElectorateEntry
from mandate.calls import rows
from mandate.calls.models import (
    CLOSING,
    MAX_COOLDOWN_HOURS,
    MAX_HELD,
    REACHED,
    SKIP_DELAY,
    AssignmentState,
    CallAssignment,
    CallerAssignment,
    CallLog,
    CallTarget,
    Outcome,
    PriorityOrder,
    Rank,
    TargetState,
)
from mandate.calls.queue import phoneable_q
from mandate.core.audit import audit_record
from mandate.core.errors import DomainError, InvalidState
from mandate.core.models import Branch, User
from mandate.members.models import Member
from mandate.members.queries import MemberFilters, filter_members
from mandate.turnout import actions as turnout
from mandate.turnout.models import ContactStatus, Source, Status

NOTE_MAX = 300
SCRIPT_MAX = 5000

# What each call outcome tells the GTVO record. No answer, a voicemail or a call-back says
# nothing about the ballot paper, so it is kept in the call log only: recording it would
# overwrite an earlier, more useful answer from the same strength of source.
OUTCOME_STATUS: dict[str, str] = {
    Outcome.SAYS_VOTED: Status.SAYS_VOTED,
    Outcome.WILL_VOTE: Status.WILL_VOTE,
    Outcome.NOT_ARRIVED: Status.NOT_ARRIVED,
    Outcome.UNDECIDED: Status.UNDECIDED,
    Outcome.WONT_VOTE: Status.WONT_VOTE,
    Outcome.DONT_CONTACT: Status.DONT_CONTACT,
    Outcome.WRONG_NUMBER: Status.WRONG_NUMBER,
    Outcome.MOVED: Status.MOVED,
}

# The GTVO answers an organiser may put in an assignment's goal.
GOAL_CHOICES: list[tuple[str, str]] = [
    (s.value, str(s.label)) for s in Status if s not in (Status.UNKNOWN, Status.NO_ANSWER)
]


class CallError(DomainError):
    """A call assignment or a call cannot be recorded as asked; the message says why."""


class NotYours(DomainError):
    """The contact is not (or no longer) with this caller."""

    status_code = 404


@dataclass(frozen=True)
class Materialised:
    added: int
    reprioritised: int
    total: int


def _priorities(assignment: CallAssignment) -> dict[int, int]:
    """Priority per constituency of the ballot (lower is called first).

    THRESHOLD: constituencies short of the 50% turnout threshold (T-turnout), smallest
    shortfall first, as a share of the entitled; then those already past it, least past first.
    Shares are compared in integers (ten-thousandths), never rounded percentages.
    """
    rows = list(
        Constituency.objects.filter(ballot_id=assignment.ballot_id).values_list(
            "pk", "entitled_count"
        )
    )
    if assignment.priority_order != PriorityOrder.THRESHOLD:
        return {pk: 0 for pk, _ in rows}
    counts = turnout.tallies(assignment.ballot)
    result: dict[int, int] = {}
    for pk, entitled in rows:
        if not entitled:
            result[pk] = 20_000
            continue
        said = counts[pk].says_voted if pk in counts else 0
        shortfall = entitled - 2 * said
        if shortfall > 0:
            result[pk] = shortfall * 10_000 // (2 * entitled)
        else:
            result[pk] = 10_000 + (-shortfall) * 10_000 // (2 * entitled)
    return result


def target_members(assignment: CallAssignment) -> dict[int, int]:
    """Member id -> constituency id for everyone the assignment targets, minus its goal."""
    entries = ElectorateEntry.objects.filter(
        constituency__ballot_id=assignment.ballot_id, entitled=True
    )
    if assignment.constituency_id is not None:
        entries = entries.filter(constituency_id=assignment.constituency_id)
    members: QuerySet[Member] = Member.objects.filter(phoneable_q(prefix=""))
    if assignment.branch_id is not None:
        members = members.filter(branch_id=assignment.branch_id)
    members = filter_members(members, MemberFilters.from_dict(assignment.target_filters))
    in_goal = ContactStatus.objects.filter(
        ballot_id=assignment.ballot_id, status__in=list(assignment.goal_statuses)
    ).values("member_id")
    chosen = (
        entries.filter(member_id__in=members.values("pk"))
        .exclude(member_id__in=in_goal)
        .order_by("constituency_id")
        .values_list("member_id", "constituency_id")
    )
    found: dict[int, int] = {}
    for member_id, constituency_id in chosen:
        # Entitled in two constituencies (two employers): counted in the first, as turnout is.
        found.setdefault(member_id, constituency_id)
    return found


def _materialise(assignment: CallAssignment) -> Materialised:
    wanted = target_members(assignment)
    priorities = _priorities(assignment)
    existing = set(
        CallTarget.objects.filter(assignment=assignment).values_list("member_id", flat=True)
    )
    CallTarget.objects.bulk_create(
        (
            CallTarget(
                assignment=assignment,
                member_id=member_id,
                constituency_id=constituency_id,
                priority=priorities.get(constituency_id, 0),
            )
            # In member order, so that ties in the queue (same rank, priority and time) go by
            # the register, whatever order the database returned the members in.
            for member_id, constituency_id in sorted(wanted.items())
            if member_id not in existing
        ),
        batch_size=2000,
    )
    changed = 0
    if existing:
        for constituency_id, priority in priorities.items():
            changed += (
                CallTarget.objects.filter(assignment=assignment, constituency_id=constituency_id)
                .exclude(priority=priority)
                .update(priority=priority)
            )
    added = len(set(wanted) - existing)
    return Materialised(added=added, reprioritised=changed, total=len(existing) + added)


def _check_settings(
    *, name: str, cooldown_hours: int, max_held: int, script: str, ends_at: dt.datetime
) -> None:
    if not name.strip():
        raise CallError("name: give the call assignment a name.")
    if not 0 <= cooldown_hours <= MAX_COOLDOWN_HOURS:
        raise CallError(f"cooldown_hours: choose between 0 and {MAX_COOLDOWN_HOURS} hours.")
    if not 1 <= max_held <= MAX_HELD:
        raise CallError(f"max_held: a caller may hold between 1 and {MAX_HELD} contacts.")
    if len(script) > SCRIPT_MAX:
        raise CallError(f"script: keep the script under {SCRIPT_MAX} characters.")
    if ends_at <= timezone.now():
        raise CallError("ends_at: the end must be in the future.")


@transaction.atomic
def assignment_create(
    *,
    ballot: Ballot,
    branch: Branch | None,
    name: str,
    ends_at: dt.datetime,
    actor: User | None,
    constituency: Constituency | None = None,
    filters: MemberFilters | None = None,
    goal_statuses: Iterable[str] | None = None,
    priority_order: str = PriorityOrder.THRESHOLD,
    cooldown_hours: int = 24,
    max_held: int = 1,
    script: str = "",
    callers: Iterable[User] = (),
) -> CallAssignment:
    """Create a call assignment and build its list of members to call."""
    from mandate.calls.models import DEFAULT_GOAL

    _check_settings(
        name=name, cooldown_hours=cooldown_hours, max_held=max_held, script=script, ends_at=ends_at
    )
    if ballot.state != BallotState.OPEN:
        label = BallotState(ballot.state).label.lower()
        raise InvalidState(f"ballot: the ballot is {label}; phone banks run while it is open.")
    if constituency is not None and constituency.ballot_id != ballot.pk:
        raise CallError("constituency: choose a constituency of this ballot.")
    goal = list(DEFAULT_GOAL if goal_statuses is None else goal_statuses)
    allowed = {value for value, _ in GOAL_CHOICES}
    bad = [g for g in goal if g not in allowed]
    if bad:
        raise CallError(f"goal_statuses: {bad[0]!r} is not a GTVO answer.")
    if priority_order not in PriorityOrder.values:
        raise CallError(f"priority_order: {priority_order!r} is not a priority order.")
    assignment = CallAssignment.objects.create(
        ballot=ballot,
        branch=branch,
        name=name.strip(),
        constituency=constituency,
        target_filters=(filters or MemberFilters()).to_dict(),
        goal_statuses=goal,
        priority_order=priority_order,
        cooldown_hours=cooldown_hours,
        max_held=max_held,
        script=script.strip(),
        ends_at=ends_at,
        created_by=actor,
        refreshed_at=timezone.now(),
    )
    CallerAssignment.objects.bulk_create(
        CallerAssignment(assignment=assignment, user=u) for u in {u.pk: u for u in callers}.values()
    )
    done = _materialise(assignment)
    audit_record(
        actor=actor,
        action="calls.assignment_create",
        obj=assignment,
        branch=branch,
        detail={
            "ballot": ballot.pk,
            "targets": done.total,
            "callers": assignment.callers.count(),
            "filters": (filters or MemberFilters()).names(),
        },
    )
    return assignment


@transaction.atomic
def assignment_refresh(*, assignment: CallAssignment, actor: User | None) -> Materialised:
    """Add members who joined the target since, and re-order by the latest turnout reports."""
    assignment = CallAssignment.objects.select_for_update().get(pk=assignment.pk)
    if assignment.state == AssignmentState.ENDED:
        raise InvalidState("The call assignment has ended; it cannot be refreshed.")
    done = _materialise(assignment)
    assignment.refreshed_at = timezone.now()
    assignment.save(update_fields=["refreshed_at"])
    audit_record(
        actor=actor,
        action="calls.assignment_refresh",
        obj=assignment,
        branch=assignment.branch,
        detail={"added": done.added, "reprioritised": done.reprioritised, "total": done.total},
    )
    return done


@transaction.atomic
def assignment_set_state(
    *, assignment: CallAssignment, state: str, actor: User | None
) -> CallAssignment:
    """Pause, resume or end a call assignment; ending gives back every held contact."""
    assignment = CallAssignment.objects.select_for_update().get(pk=assignment.pk)
    if state not in AssignmentState.values:
        raise CallError(f"{state!r} is not a state of a call assignment.")
    assignment.check_transition(state)
    assignment.state = state
    assignment.save(update_fields=["state"])
    if state == AssignmentState.ENDED:
        CallTarget.objects.filter(assignment=assignment, state=TargetState.HELD).update(
            state=TargetState.AVAILABLE, held_by=None, held_until=None
        )
    audit_record(
        actor=actor,
        action=f"calls.assignment_{state}",
        obj=assignment,
        branch=assignment.branch,
    )
    return assignment


@transaction.atomic
def assignment_set_callers(
    *, assignment: CallAssignment, users: Iterable[User], actor: User | None
) -> int:
    """Make USERS the assignment's callers; a removed caller's held contacts go back."""
    wanted = {u.pk for u in users}
    current = set(assignment.callers.values_list("user_id", flat=True))
    removed = current - wanted
    assignment.callers.filter(user_id__in=removed).delete()
    CallTarget.objects.filter(
        assignment=assignment, state=TargetState.HELD, held_by_id__in=removed
    ).update(state=TargetState.AVAILABLE, held_by=None, held_until=None)
    CallerAssignment.objects.bulk_create(
        CallerAssignment(assignment=assignment, user_id=pk) for pk in sorted(wanted - current)
    )
    audit_record(
        actor=actor,
        action="calls.callers_set",
        obj=assignment,
        branch=assignment.branch,
        detail={"added": len(wanted - current), "removed": len(removed)},
    )
    return len(wanted)


def _mine(assignment: CallAssignment, target_id: int, caller: User) -> CallTarget:
    """The target, locked, if it is with CALLER: held now, or held until its lease ran out and
    not taken by anyone since. Raise NotYours otherwise."""
    target: CallTarget | None
    if connection.vendor == "postgresql":
        # Every outcome post comes here: plain SQL, as the hand-out (see mandate.calls.rows).
        target = rows.held_target_locked(target_id, assignment.pk, caller.pk)
    else:
        target = (
            CallTarget.objects.select_for_update()
            .select_related("member")
            .filter(pk=target_id, assignment=assignment, held_by=caller)
            .exclude(state=TargetState.DONE)
            .first()
        )
    if target is None:
        raise NotYours(
            "This contact is not with you any more: it was recorded already, or it went back to "
            "the queue and another caller has it."
        )
    return target


@transaction.atomic
def call_record(
    *,
    assignment: CallAssignment,
    target_id: int,
    caller: User,
    outcome: str,
    note: str = "",
    call_back_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> CallLog:
    """Record the outcome of a call to a held contact and give the contact back to the queue."""
    now = now or timezone.now()
    if outcome not in Outcome.values:
        raise CallError(f"outcome: {outcome!r} is not a call outcome.")
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise CallError(f"note: keep the note under {NOTE_MAX} characters.")
    if outcome == Outcome.CALL_BACK:
        if call_back_at is None:
            raise CallError("call_back_at: say when to call back.")
        if call_back_at <= now:
            raise CallError("call_back_at: the call-back time must be in the future.")
        if call_back_at >= assignment.ends_at:
            raise CallError("call_back_at: the call-back falls after this phone bank ends.")
    else:
        call_back_at = None
    target = _mine(assignment, target_id, caller)
    fields: dict[str, object] = {
        "held_by": None,
        "held_until": None,
        "last_called_at": now,
        "queue_at": now,
        "last_outcome": outcome,
        "attempts": F("attempts") + 1,
        "call_back_at": call_back_at,
    }
    if outcome in REACHED:
        fields["reached"] = True
    if outcome in CLOSING:
        fields |= {"state": TargetState.DONE, "not_before": None, "rank": Rank.NORMAL}
    elif call_back_at is not None:
        fields |= {
            "state": TargetState.AVAILABLE,
            "not_before": call_back_at,
            "rank": Rank.CALL_BACK,
        }
    else:
        fields |= {
            "state": TargetState.AVAILABLE,
            "not_before": now + assignment.cooldown,
            "rank": Rank.NORMAL,
        }
    log = CallLog(
        target=target, caller=caller, at=now, outcome=outcome, note=note, call_back_at=call_back_at
    )
    if connection.vendor == "postgresql":
        _record_pg(log, fields)
    else:
        log.save(force_insert=True)
        CallTarget.objects.filter(pk=target.pk).update(**fields)
    status = OUTCOME_STATUS.get(outcome)
    if status is not None:
        turnout.contact_record(
            ballot=assignment.ballot,
            member=target.member,
            status=status,
            source=Source.CALLER,
            actor=caller,
            note=note,
            at=now,
        )
    return log


def _record_pg(log: CallLog, fields: dict[str, object]) -> None:
    """Insert LOG and update its target with FIELDS in one statement: every outcome post comes
    here, and building the two ORM queries cost more than running them."""
    quote = connection.ops.quote_name
    columns = {f.name: f.column for f in CallTarget._meta.concrete_fields}
    sets: list[str] = []
    params: list[Any] = []
    for name, value in fields.items():
        column = quote(columns[name])
        if name == "attempts":
            sets.append(f"{column} = {column} + 1")
        else:
            sets.append(f"{column} = %s")
            params.append(value)
    sql = (
        f"WITH log AS (INSERT INTO {quote(CallLog._meta.db_table)} "  # noqa: S608
        "(target_id, caller_id, at, outcome, call_back_at, note) "
        "VALUES (%s, %s, %s, %s, %s, %s) RETURNING id) "
        f"UPDATE {quote(CallTarget._meta.db_table)} SET {', '.join(sets)} "
        "WHERE id = %s RETURNING (SELECT id FROM log)"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                log.target_id,
                log.caller_id,
                log.at,
                log.outcome,
                log.call_back_at,
                log.note,
                *params,
                log.target_id,
            ],
        )
        row = cursor.fetchone()
    if row is None:  # the target row is locked by _mine: it cannot have gone
        raise RuntimeError(f"call target {log.target_id} vanished while locked")
    log.pk = row[0]
    log._state.adding = False
    log._state.db = connection.alias


@transaction.atomic
def call_skip(
    *, assignment: CallAssignment, target_id: int, caller: User, now: dt.datetime | None = None
) -> None:
    """Give a held contact back without calling; nobody is offered it again for a while."""
    now = now or timezone.now()
    target = _mine(assignment, target_id, caller)
    CallTarget.objects.filter(pk=target.pk).update(
        state=TargetState.AVAILABLE,
        held_by=None,
        held_until=None,
        not_before=max(now + SKIP_DELAY, target.not_before or now),
    )
