"""Industrial action: strike days and action short of strike, notices of action, employers'
critical dates, other unions' ballots and action, calendar feed tokens and planned escalations.

No number of days is stored or decided here: every statutory test runs through the rulebook in
``mandate.actions.checks``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.utils import timezone

from mandate.core.errors import InvalidState
from mandate.core.models import Branch, Employer, Workplace
from mandate.disputes.models import ResponseType


class ActionKind(models.TextChoices):
    STRIKE = "strike", "Strike"
    ASOS = "asos", "Action short of strike"


class AsosType(models.TextChoices):
    WORK_TO_CONTRACT = "work_to_contract", "Work to contract"
    OVERTIME_BAN = "overtime_ban", "Overtime ban"
    MARKING_BOYCOTT = "marking_boycott", "Marking and assessment boycott"
    OTHER = "other", "Other action short of strike"


class Pattern(models.TextChoices):
    # s234A(3)(b): the notice says whether action is continuous (start date) or discontinuous
    # (every date on which it will take place).
    DISCONTINUOUS = "discontinuous", "Discontinuous (every date listed)"
    CONTINUOUS = "continuous", "Continuous (from a start date)"


class ActionStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    NOTICE_SERVED = "notice_served", "Notice served"
    CALLED = "called", "Called"
    TAKING_PLACE = "taking_place", "Taking place"
    SUSPENDED = "suspended", "Suspended"
    ENDED = "ended", "Ended"


# Calling (and calling again after a suspension) goes through action_call, which runs every
# check first; the table only says which moves exist at all.
TRANSITIONS: dict[str, frozenset[str]] = {
    ActionStatus.PLANNED: frozenset({ActionStatus.NOTICE_SERVED, ActionStatus.ENDED}),
    ActionStatus.NOTICE_SERVED: frozenset({ActionStatus.CALLED, ActionStatus.ENDED}),
    ActionStatus.CALLED: frozenset(
        {ActionStatus.TAKING_PLACE, ActionStatus.SUSPENDED, ActionStatus.ENDED}
    ),
    ActionStatus.TAKING_PLACE: frozenset({ActionStatus.SUSPENDED, ActionStatus.ENDED}),
    ActionStatus.SUSPENDED: frozenset(
        {ActionStatus.NOTICE_SERVED, ActionStatus.CALLED, ActionStatus.ENDED}
    ),
    ActionStatus.ENDED: frozenset(),
}


class Action(models.Model):
    """A programme of action in a dispute: who is called, to do what, on which days."""

    dispute = models.ForeignKey(
        "disputes.Dispute", on_delete=models.PROTECT, related_name="actions"
    )
    # The ballot whose mandates authorise the action.
    ballot = models.ForeignKey("ballots.Ballot", on_delete=models.PROTECT, related_name="actions")
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=ActionKind.choices)
    asos_type = models.CharField(max_length=20, choices=AsosType.choices, blank=True)
    pattern = models.CharField(max_length=15, choices=Pattern.choices)
    # Continuous action: from start_date; end_date blank means "until further notice".
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    constituencies = models.ManyToManyField(
        "ballots.Constituency", related_name="actions", blank=True
    )
    categories = models.TextField(
        blank=True,
        help_text="Job categories called, one a line, as the employer names them. "
        "Blank: every category in the constituencies' electorate.",
    )
    workplaces = models.ManyToManyField(Workplace, related_name="+", blank=True)
    instructions = models.TextField(
        blank=True, help_text="What members are asked to do (shown on their own page)."
    )
    status = models.CharField(
        max_length=15, choices=ActionStatus.choices, default=ActionStatus.PLANNED
    )
    employer_agreed_resumption = models.BooleanField(
        default=False,
        help_text="The employer agreed that suspended action may resume without a new notice.",
    )
    # s232A: members not entitled in the ballot (new joiners) may not be induced to act. The
    # branch confirms it tells them they are not called; until then the call is refused.
    exclude_unballoted = models.BooleanField(
        default=False,
        help_text="Members who were not entitled to vote (joined since) are told they are not "
        "called.",
    )
    suspended_at = models.DateTimeField(null=True, blank=True)
    called_at = models.DateTimeField(null=True, blank=True)
    called_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["start_date", "id"]
        constraints = [
            models.CheckConstraint(
                name="action_asos_type_only_for_asos",
                condition=models.Q(kind="asos") | models.Q(asos_type=""),
            ),
            models.CheckConstraint(
                name="action_continuous_has_start",
                condition=models.Q(pattern="discontinuous") | models.Q(start_date__isnull=False),
            ),
            models.CheckConstraint(
                name="action_end_after_start",
                condition=models.Q(end_date__isnull=True)
                | models.Q(start_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def question(self) -> str:
        """The ballot question (s229(2)) this action relies on: strike or ASOS."""
        return self.kind

    @property
    def what(self) -> str:
        if self.kind == ActionKind.ASOS:
            return AsosType(self.asos_type or AsosType.OTHER).label
        return "Strike"

    def listed_days(self) -> list[dt.date]:
        """The dates of a discontinuous action (empty for continuous action)."""
        return [d.date for d in self.days.all()]

    def first_day(self) -> dt.date | None:
        if self.pattern == Pattern.CONTINUOUS:
            return self.start_date
        days = self.listed_days()
        return min(days) if days else None

    def last_day(self) -> dt.date | None:
        """The last day of action, or None for continuous action until further notice."""
        if self.pattern == Pattern.CONTINUOUS:
            return self.end_date
        days = self.listed_days()
        return max(days) if days else None

    def covers(self, day: dt.date) -> bool:
        if self.pattern == Pattern.CONTINUOUS:
            if self.start_date is None or day < self.start_date:
                return False
            return self.end_date is None or day <= self.end_date
        return day in self.listed_days()

    def dates_within(self, start: dt.date, end: dt.date) -> list[dt.date]:
        """The days of action between START and END inclusive."""
        if self.pattern == Pattern.DISCONTINUOUS:
            return [d for d in sorted(self.listed_days()) if start <= d <= end]
        if self.start_date is None:
            return []
        lo = max(start, self.start_date)
        hi = min(end, self.end_date) if self.end_date else end
        return [lo + dt.timedelta(days=i) for i in range((hi - lo).days + 1)] if lo <= hi else []

    def category_list(self) -> list[str]:
        return [line.strip() for line in self.categories.splitlines() if line.strip()]

    def can_become(self, status: str) -> bool:
        return status in TRANSITIONS.get(self.status, frozenset())

    def check_transition(self, status: str) -> None:
        """Raise InvalidState, naming the current state, unless the action may move to STATUS."""
        if not self.can_become(status):
            current = ActionStatus(self.status).label.lower()
            wanted = ActionStatus(status).label.lower()
            allowed = sorted(ActionStatus(s).label.lower() for s in TRANSITIONS[self.status])
            hint = f" From here it can only become {' or '.join(allowed)}." if allowed else ""
            raise InvalidState(
                f"The action “{self.title}” is {current}, so it cannot become {wanted}.{hint}"
            )


class ActionDay(models.Model):
    """One date of a discontinuous action."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="days")
    date = models.DateField()

    class Meta:
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["action", "date"], name="action_day_unique")]
        indexes = [models.Index(fields=["date"], name="action_day_date")]

    def __str__(self) -> str:
        return self.date.isoformat()


def proof_path(instance: NoticeOfAction, filename: str) -> str:
    """Store proof of delivery under a random name: a file's own name may name a person."""
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"actions/proof/{uuid.uuid4().hex}{suffix}"


class DeliveryMethod(models.TextChoices):
    HAND = "hand", "By hand, receipt signed"
    RECORDED_POST = "recorded_post", "Recorded or special delivery post"
    EMAIL = "email", "Email, receipt acknowledged"
    OTHER = "other", "Other (see proof)"


class NoticeOfAction(models.Model):
    """A notice of action to one employer (s234A): a snapshot of what it says, fixed once served.

    The figures describe the frozen electorate by job category and workplace; they never name
    a member.
    """

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="notices")
    employer = models.ForeignKey(Employer, on_delete=models.PROTECT, related_name="+")
    pattern = models.CharField(max_length=15, choices=Pattern.choices)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    # Discontinuous action: every date, ISO strings, sorted.
    dates = models.JSONField(default=list)
    # {"categories": [{"name", "count"}], "workplaces": [{"name", "count"}], "total": n}
    figures = models.JSONField(default=dict)
    explanation = models.TextField()
    # The regime whose content and notice period apply, by the date the employer received it.
    regime = models.CharField(max_length=10, blank=True)
    received_on = models.DateField(null=True, blank=True)
    method = models.CharField(max_length=20, choices=DeliveryMethod.choices, blank=True)
    proof = models.FileField(upload_to=proof_path, blank=True, max_length=200)
    proof_note = models.CharField(max_length=300, blank=True)
    served_at = models.DateTimeField(null=True, blank=True)
    served_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A notice period the union and this employer agreed, shorter than the statutory one
    # (s234A(4)(b) before ERA 2025: 7 days instead of 14). The checks apply it only as far as
    # the rulebook allows; who agreed, when and the evidence are kept for a court.
    agreed_notice_days = models.PositiveSmallIntegerField(null=True, blank=True)
    agreed_by = models.CharField(max_length=200, blank=True)
    agreed_on = models.DateField(null=True, blank=True)
    agreement_reference = models.CharField(max_length=300, blank=True)
    agreement_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    agreement_recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["employer__name", "-created_at", "-id"]
        verbose_name_plural = "notices of action"
        constraints = [
            models.CheckConstraint(
                name="notice_agreement_complete",
                condition=models.Q(agreed_notice_days__isnull=True)
                | models.Q(agreed_on__isnull=False)
                & ~models.Q(agreed_by="")
                & ~models.Q(agreement_reference=""),
            ),
            models.CheckConstraint(
                name="notice_served_has_receipt",
                condition=models.Q(served_at__isnull=True)
                | models.Q(received_on__isnull=False) & ~models.Q(method=""),
            ),
            # One draft at a time per employer; served notices accumulate.
            models.UniqueConstraint(
                fields=["action", "employer"],
                condition=models.Q(served_at__isnull=True),
                name="notice_one_draft_per_employer",
            ),
        ]

    def __str__(self) -> str:
        return f"Notice of action {self.pk} to {self.employer}"

    @property
    def is_served(self) -> bool:
        return self.served_at is not None

    def covered_dates(self) -> list[dt.date]:
        return [dt.date.fromisoformat(d) for d in self.dates]

    def covers(self, day: dt.date) -> bool:
        if self.pattern == Pattern.CONTINUOUS:
            if self.start_date is None or day < self.start_date:
                return False
            return self.end_date is None or day <= self.end_date
        return day.isoformat() in self.dates


class CriticalDateKind(models.TextChoices):
    CLEARING = "clearing", "Clearing"
    CONFIRMATION = "confirmation", "Confirmation of results"
    EXAM_BOARD = "exam_board", "Exam board"
    GRADUATION = "graduation", "Graduation"
    TERM = "term", "Term dates"
    OTHER = "other", "Other"


class CriticalDate(models.Model):
    """A date in an employer's year that action can hit: a target, not an obstacle."""

    employer = models.ForeignKey(Employer, on_delete=models.CASCADE, related_name="critical_dates")
    kind = models.CharField(max_length=15, choices=CriticalDateKind.choices)
    start = models.DateField()
    end = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["start", "id"]
        constraints = [
            models.CheckConstraint(
                name="critical_date_end_after_start",
                condition=models.Q(end__isnull=True) | models.Q(end__gte=models.F("start")),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.start:%Y-%m-%d}"

    @property
    def last(self) -> dt.date:
        return self.end or self.start


class SolidarityKind(models.TextChoices):
    BALLOT = "ballot", "Ballot"
    ACTION = "action", "Action"


class SolidaritySource(models.TextChoices):
    MANUAL = "manual", "Entered by an officer"
    ICS = "ics", "Imported from a calendar file"


class SolidarityEvent(models.Model):
    """Another union's ballot or action, shown beside the union's own to coordinate solidarity."""

    union_name = models.CharField(max_length=200)
    title = models.CharField(max_length=300)
    kind = models.CharField(max_length=10, choices=SolidarityKind.choices)
    start = models.DateField()
    end = models.DateField(null=True, blank=True)
    source = models.CharField(
        max_length=10, choices=SolidaritySource.choices, default=SolidaritySource.MANUAL
    )
    url = models.URLField(blank=True)
    # The event's UID in an imported calendar, so importing the same feed again updates it.
    uid = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["start", "id"]
        constraints = [
            models.CheckConstraint(
                name="solidarity_end_after_start",
                condition=models.Q(end__isnull=True) | models.Q(end__gte=models.F("start")),
            ),
            models.UniqueConstraint(
                fields=["uid"], condition=~models.Q(uid=""), name="solidarity_unique_uid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.union_name}: {self.title}"

    @property
    def last(self) -> dt.date:
        return self.end or self.start


class CalendarToken(models.Model):
    """The secret in a calendar feed address, for one branch or one member; revocable."""

    branch = models.ForeignKey(
        Branch, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    member = models.ForeignKey(
        "members.Member", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="calendar_token_one_owner",
                condition=models.Q(branch__isnull=False, member__isnull=True)
                | models.Q(branch__isnull=True, member__isnull=False),
            )
        ]

    def __str__(self) -> str:
        # Never the token itself: this string reaches logs and the admin.
        owner = f"branch {self.branch_id}" if self.branch_id else f"member {self.member_id}"
        return f"Calendar link {self.pk} ({owner})"

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None


class PlannedEscalation(models.Model):
    """What the branch agreed in advance to do if the employer responds in a given way."""

    dispute = models.ForeignKey(
        "disputes.Dispute", on_delete=models.CASCADE, related_name="planned_escalations"
    )
    trigger = models.CharField(max_length=40, choices=ResponseType.choices)
    plan = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Planned escalation on {self.get_trigger_display()}"
