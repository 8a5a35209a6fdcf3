"""Reads for the phone-banking pages: queue statistics and why a queue ran dry."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone

from mandate.ballots.models import BallotState
from mandate.calls.models import (
    AssignmentState,
    CallAssignment,
    CallLog,
    CallTarget,
    Outcome,
    TargetState,
)
from mandate.calls.queue import goal_exists, phoneable_q


@dataclass(frozen=True)
class QueueStats:
    targets: int
    called: int
    reached: int
    says_voted: int
    done: int
    left_now: int
    cooling: int
    call_backs: int
    held: int
    goal_elsewhere: int
    unphoneable: int
    next_at: dt.datetime | None
    outcomes: list[tuple[str, int]] = field(default_factory=list)
    callers: list[tuple[str, int]] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    @property
    def left_later(self) -> int:
        return self.cooling + self.call_backs


def _when(at: dt.datetime) -> str:
    local = timezone.localtime(at)
    if local.date() == timezone.localdate():
        return f"{local:%H:%M}"
    return f"{local:%a %d %b %H:%M}"


def dry_reasons(assignment: CallAssignment, s: QueueStats, now: dt.datetime) -> list[str]:
    """Why nobody can be handed a contact right now, most decisive first ([] if someone can)."""
    reasons: list[str] = []
    if assignment.state == AssignmentState.ENDED or now >= assignment.ends_at:
        reasons.append("The call assignment has ended.")
    elif assignment.state == AssignmentState.PAUSED:
        reasons.append("The call assignment is paused.")
    elif now < assignment.starts_at:
        reasons.append(f"The call assignment starts at {_when(assignment.starts_at)}.")
    if assignment.ballot.state != BallotState.OPEN:
        reasons.append("The ballot is no longer open.")
    if reasons or s.left_now:
        return reasons
    if s.targets == 0:
        return [
            "Nobody is in the target group: no one in it can be phoned, or all were already "
            "in the goal when the list was built."
        ]
    if s.done == s.targets:
        reasons.append("Everyone has been called: every member on the list has a final answer.")
    if s.goal_elsewhere:
        reasons.append(
            f"{s.goal_elsewhere} reached the goal another way since the list was built "
            "(for example they said they voted)."
        )
    if s.cooling:
        reasons.append(f"{s.cooling} are resting between calls (cooldown or skipped).")
    if s.call_backs:
        reasons.append(f"{s.call_backs} call-backs are booked for later.")
    if s.next_at is not None:
        reasons.append(f"The next one becomes available at {_when(s.next_at)}.")
    if s.held:
        reasons.append(f"{s.held} are with other callers right now.")
    if s.unphoneable:
        reasons.append(f"{s.unphoneable} can no longer be phoned (opted out or no number).")
    if not reasons:
        reasons.append("Everyone left has been called through.")
    return reasons


def queue_stats(assignment: CallAssignment, now: dt.datetime | None = None) -> QueueStats:
    """The queue's figures in three queries: targets, outcomes, callers."""
    now = now or timezone.now()
    open_rows = ~Q(state=TargetState.DONE)
    live_hold = Q(state=TargetState.HELD, held_until__gt=now)
    waiting = open_rows & ~live_hold
    ok = Q(in_goal=False) & phoneable_q()
    due = Q(not_before__isnull=True) | Q(not_before__lte=now)
    later = Q(not_before__gt=now)
    figures = (
        CallTarget.objects.filter(assignment=assignment)
        .annotate(in_goal=goal_exists(assignment))
        .aggregate(
            targets=Count("pk"),
            called=Count("pk", filter=Q(attempts__gt=0)),
            reached=Count("pk", filter=Q(reached=True)),
            done=Count("pk", filter=Q(state=TargetState.DONE)),
            left_now=Count("pk", filter=waiting & due & ok),
            cooling=Count("pk", filter=waiting & later & Q(call_back_at__isnull=True) & ok),
            call_backs=Count("pk", filter=waiting & later & Q(call_back_at__isnull=False) & ok),
            held=Count("pk", filter=live_hold),
            goal_elsewhere=Count("pk", filter=open_rows & Q(in_goal=True)),
            unphoneable=Count("pk", filter=open_rows & Q(in_goal=False) & ~phoneable_q()),
            next_at=Min("not_before", filter=waiting & later & ok),
        )
    )
    outcome_rows = (
        CallLog.objects.filter(target__assignment=assignment)
        .order_by()
        .values_list("outcome")
        .annotate(n=Count("pk"))
    )
    by_outcome = dict(outcome_rows)
    outcomes = [(str(o.label), by_outcome[o.value]) for o in Outcome if by_outcome.get(o.value)]
    caller_rows = (
        CallLog.objects.filter(target__assignment=assignment)
        .order_by()
        .values_list("caller__username")
        .annotate(n=Count("pk"))
        .order_by("-n", "caller__username")
    )
    stats = QueueStats(
        **figures,
        says_voted=by_outcome.get(Outcome.SAYS_VOTED, 0),
        outcomes=outcomes,
        callers=[(name or "(removed user)", n) for name, n in caller_rows],
    )
    return QueueStats(**{**stats.__dict__, "reasons": dry_reasons(assignment, stats, now)})


def recent_calls(assignment: CallAssignment, limit: int = 20) -> QuerySet[CallLog]:
    """The latest calls, for the organiser (names the caller, not the member)."""
    return (
        CallLog.objects.filter(target__assignment=assignment)
        .select_related("caller", "target__constituency")
        .order_by("-at", "-id")[:limit]
    )
