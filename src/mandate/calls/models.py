"""Phone banking: call assignments, the queue of members to call, and the log of calls.

A call assignment is "target minus goal" (Zetkin's model): the target is a slice of a ballot's
frozen electorate, the goal the answers that take a member off the list (says voted, don't
contact ...). Targets are materialised once as ``CallTarget`` rows so that handing out the next
contact is one indexed query, not a recomputation of the segment; the goal is checked again at
hand-out because members report "I've voted" on their own at any time.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone

from mandate.ballots.models import Ballot, Constituency
from mandate.core.errors import InvalidState
from mandate.core.models import Branch
from mandate.members.models import Member

# A caller who opens a contact and walks away gives it back after this long.
LEASE = dt.timedelta(minutes=15)
# A skipped contact is not offered again (to anyone) for this long.
SKIP_DELAY = dt.timedelta(minutes=30)
MAX_COOLDOWN_HOURS = 24 * 14
MAX_HELD = 10

NEVER_CALLED = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

# The goal statuses a new assignment starts with; the organiser may choose others.
DEFAULT_GOAL = ("says_voted", "dont_contact", "wrong_number", "moved")


class AssignmentState(models.TextChoices):
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    ENDED = "ended", "Ended"


ASSIGNMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    AssignmentState.ACTIVE: frozenset({AssignmentState.PAUSED, AssignmentState.ENDED}),
    AssignmentState.PAUSED: frozenset({AssignmentState.ACTIVE, AssignmentState.ENDED}),
    AssignmentState.ENDED: frozenset(),
}


class PriorityOrder(models.TextChoices):
    # Votes matter most where a constituency is just short of the 50% turnout threshold
    # (T-turnout): a mandate is won or lost there.
    THRESHOLD = "threshold", "Constituencies closest to the turnout threshold first"
    ORDER = "order", "Never called first, then longest since the last call"


class CallAssignment(models.Model):
    """A phone bank on one ballot: whom to call, until when, with what script, by whom."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="call_assignments")
    # None: run nationally (by national officers) across every branch.
    branch = models.ForeignKey(
        Branch, null=True, blank=True, on_delete=models.CASCADE, related_name="call_assignments"
    )
    name = models.CharField(max_length=200)
    constituency = models.ForeignKey(
        Constituency, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # The member filter vocabulary of mandate.members.queries.MemberFilters, as saved segments use.
    target_filters = models.JSONField(default=dict, blank=True)
    goal_statuses = models.JSONField(default=list)
    priority_order = models.CharField(
        max_length=12, choices=PriorityOrder.choices, default=PriorityOrder.THRESHOLD
    )
    cooldown_hours = models.PositiveSmallIntegerField(default=24)
    max_held = models.PositiveSmallIntegerField(default=1)
    script = models.TextField(blank=True)
    starts_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField()
    state = models.CharField(
        max_length=10, choices=AssignmentState.choices, default=AssignmentState.ACTIVE
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    refreshed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="call_assignment_ends_after_start",
                condition=models.Q(ends_at__gt=models.F("starts_at")),
            ),
            models.CheckConstraint(
                name="call_assignment_held_range",
                condition=models.Q(max_held__gte=1, max_held__lte=MAX_HELD),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def cooldown(self) -> dt.timedelta:
        return dt.timedelta(hours=self.cooldown_hours)

    def is_live(self, now: dt.datetime) -> bool:
        """True while callers may be handed contacts: active, started and not yet over."""
        return self.state == AssignmentState.ACTIVE and self.starts_at <= now < self.ends_at

    def check_transition(self, state: str) -> None:
        """Raise InvalidState, naming the current state, unless the assignment may move to STATE."""
        if state not in ASSIGNMENT_TRANSITIONS.get(self.state, frozenset()):
            current = AssignmentState(self.state).label.lower()
            wanted = AssignmentState(state).label.lower()
            raise InvalidState(f"The call assignment is {current}, so it cannot become {wanted}.")

    def render_script(self, *, first_name: str, constituency: str) -> str:
        """The script with its merge fields filled; unknown braces are left as written."""
        text = self.script
        for key, value in (("{first_name}", first_name), ("{constituency}", constituency)):
            text = text.replace(key, value)
        return text


class CallerAssignment(models.Model):
    """A user allowed to work one call assignment (the role decides the rest)."""

    assignment = models.ForeignKey(CallAssignment, on_delete=models.CASCADE, related_name="callers")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="call_assignments"
    )
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["assignment", "user"], name="caller_unique")]

    def __str__(self) -> str:
        return f"Caller {self.user_id} on assignment {self.assignment_id}"


class TargetState(models.TextChoices):
    AVAILABLE = "available", "Waiting to be called"
    HELD = "held", "With a caller"
    DONE = "done", "Done"


class Rank(models.IntegerChoices):
    # Promised call-backs come before everyone else once due.
    CALL_BACK = 0, "Call-back"
    NORMAL = 1, "Normal"


class CallTarget(models.Model):
    """One member to call in one assignment, with their place in the queue and their lease."""

    assignment = models.ForeignKey(CallAssignment, on_delete=models.CASCADE, related_name="targets")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    constituency = models.ForeignKey(Constituency, on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveSmallIntegerField(choices=Rank.choices, default=Rank.NORMAL)
    # Lower comes first; set from the assignment's priority order at (re)materialisation.
    priority = models.IntegerField(default=0)
    state = models.CharField(
        max_length=10, choices=TargetState.choices, default=TargetState.AVAILABLE
    )
    # The holder while HELD; kept after a lease expires so the late holder can still report.
    held_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    held_until = models.DateTimeField(null=True, blank=True)
    # Not handed out before this time: a cooldown after a call, a skip, or a promised call-back.
    not_before = models.DateTimeField(null=True, blank=True)
    call_back_at = models.DateTimeField(null=True, blank=True)
    last_called_at = models.DateTimeField(null=True, blank=True)
    # The queue's tie-break: the last call, or the epoch for never called, so never-called come
    # first with a plain ascending index on every database (SQLite indexes have no NULLS FIRST).
    queue_at = models.DateTimeField(default=NEVER_CALLED)
    last_outcome = models.CharField(max_length=20, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    reached = models.BooleanField(default=False)
    claims = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assignment", "member"], name="call_target_unique"),
            models.CheckConstraint(
                name="call_target_held_has_holder",
                condition=~models.Q(state="held")
                | models.Q(held_by__isnull=False, held_until__isnull=False),
            ),
        ]
        indexes = [
            # The queue: only waiting rows, in hand-out order.
            models.Index(
                models.F("assignment"),
                models.F("rank"),
                models.F("priority"),
                models.F("queue_at"),
                models.F("id"),
                condition=models.Q(state="available"),
                name="call_target_queue",
            ),
            models.Index(
                fields=["assignment", "held_by", "held_until"],
                condition=models.Q(state="held"),
                name="call_target_held",
            ),
        ]

    def __str__(self) -> str:
        return f"Call target {self.pk} ({self.state})"

    @property
    def phone(self) -> str:
        return self.member.mobile or self.member.other_phone


class Outcome(models.TextChoices):
    SAYS_VOTED = "says_voted", "Says they voted"
    WILL_VOTE = "will_vote", "Will vote"
    NOT_ARRIVED = "not_arrived", "Paper not arrived"
    UNDECIDED = "undecided", "Undecided"
    WONT_VOTE = "wont_vote", "Won't vote"
    DONT_CONTACT = "dont_contact", "Don't contact again"
    NO_ANSWER = "no_answer", "No answer"
    VOICEMAIL = "voicemail", "Left voicemail"
    WRONG_NUMBER = "wrong_number", "Wrong number"
    CALL_BACK = "call_back", "Call back later"
    MOVED = "moved", "Moved away"


# Outcomes where someone spoke to the member.
REACHED = frozenset(
    {
        Outcome.SAYS_VOTED,
        Outcome.WILL_VOTE,
        Outcome.NOT_ARRIVED,
        Outcome.UNDECIDED,
        Outcome.WONT_VOTE,
        Outcome.DONT_CONTACT,
        Outcome.CALL_BACK,
    }
)
# Outcomes that take the member off this list for good.
CLOSING = frozenset({Outcome.SAYS_VOTED, Outcome.DONT_CONTACT, Outcome.WRONG_NUMBER, Outcome.MOVED})


class CallLog(models.Model):
    """One call: who rang whom, when, and what came of it."""

    target = models.ForeignKey(CallTarget, on_delete=models.CASCADE, related_name="logs")
    caller = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    call_back_at = models.DateTimeField(null=True, blank=True)
    # The caller's short note for the next caller; shown to organisers, never exported.
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["target", "-at"], name="call_log_target")]

    def __str__(self) -> str:
        return f"Call {self.pk}: {self.outcome}"
