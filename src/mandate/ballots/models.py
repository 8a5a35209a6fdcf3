"""Statutory ballots: constituencies, the pre-opening checklist, the frozen electorate, results,
mandates, result notices and the administrator's overrides of the rulebook.

Counts are stored as integers and every decision is recomputed from them through the rulebook;
no percentage is ever stored and then decided on.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone

from mandate.core.errors import InvalidState
from mandate.core.models import Employer, Jurisdiction, Workplace


class BallotKind(models.TextChoices):
    # s228: one ballot per workplace (or employer) is the default; aggregation needs a s228A test.
    SEPARATE = "separate", "Separate (one constituency per employer or workplace)"
    AGGREGATED = "aggregated", "Aggregated (one result for all)"


class BallotState(models.TextChoices):
    DRAFT = "draft", "Draft"
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"
    RESULTS_IN = "results_in", "Results in"


TRANSITIONS: dict[str, frozenset[str]] = {
    BallotState.DRAFT: frozenset({BallotState.OPEN, BallotState.RESULTS_IN}),
    BallotState.OPEN: frozenset({BallotState.CLOSED, BallotState.RESULTS_IN}),
    BallotState.CLOSED: frozenset({BallotState.RESULTS_IN}),
    BallotState.RESULTS_IN: frozenset({BallotState.RESULTS_IN}),
}


class QuestionKind(models.TextChoices):
    # s229(2): separate questions, each with its own result and mandate.
    STRIKE = "strike", "Strike"
    ASOS = "asos", "Action short of strike"


class Ballot(models.Model):
    """A statutory ballot in a dispute, from notice to employers to result."""

    dispute = models.ForeignKey(
        "disputes.Dispute", on_delete=models.PROTECT, related_name="ballots"
    )
    name = models.CharField(max_length=200)
    # The rulebook the ballot is run under ("gb", "ni"); NI constituencies of a GB ballot still
    # use the Northern Ireland rulebook.
    jurisdiction = models.CharField(max_length=10, default="gb")
    # Blank: the regime in force on the opening date. Set only to pick one explicitly.
    regime = models.CharField(max_length=10, blank=True)
    kind = models.CharField(max_length=12, choices=BallotKind.choices, default=BallotKind.SEPARATE)
    aggregation_basis = models.TextField(
        blank=True, help_text="The s228A test an aggregated ballot relies on, and why it is met."
    )
    ask_strike = models.BooleanField(default=True)
    ask_asos = models.BooleanField(default=True)
    scrutineer = models.CharField(max_length=200, blank=True)
    authorised_callers = models.TextField(
        blank=True,
        help_text="The person(s) named on the voting paper as authorised to call action.",
    )
    opens = models.DateField()
    closes = models.DateField()
    state = models.CharField(max_length=12, choices=BallotState.choices, default=BallotState.DRAFT)
    important_public_services = models.BooleanField(default=False)
    extension_agreed = models.BooleanField(
        default=False, help_text="The employer agreed to extend the mandate (where the law allows)."
    )
    electorate_frozen_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-opens", "name"]
        constraints = [
            models.CheckConstraint(
                name="ballot_closes_after_opens", condition=models.Q(closes__gte=models.F("opens"))
            ),
            models.CheckConstraint(
                name="ballot_aggregated_has_basis",
                condition=models.Q(kind="separate") | ~models.Q(aggregation_basis=""),
            ),
            models.CheckConstraint(
                name="ballot_asks_a_question",
                condition=models.Q(ask_strike=True) | models.Q(ask_asos=True),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def questions(self) -> list[QuestionKind]:
        asked = []
        if self.ask_strike:
            asked.append(QuestionKind.STRIKE)
        if self.ask_asos:
            asked.append(QuestionKind.ASOS)
        return asked

    def can_become(self, state: str) -> bool:
        return state in TRANSITIONS.get(self.state, frozenset())

    def check_transition(self, state: str) -> None:
        """Raise InvalidState, naming the current state, unless the ballot may move to STATE."""
        if not self.can_become(state):
            current = BallotState(self.state).label.lower()
            wanted = BallotState(state).label.lower()
            raise InvalidState(
                f"The ballot “{self.name}” is {current}, so it cannot become {wanted}."
            )

    @property
    def is_frozen(self) -> bool:
        return self.electorate_frozen_at is not None


class Constituency(models.Model):
    """The unit a result is counted in: an employer, a workplace, or everyone (aggregated)."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="constituencies")
    name = models.CharField(max_length=200)
    employer = models.ForeignKey(
        Employer, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    workplace = models.ForeignKey(
        Workplace, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    jurisdiction = models.CharField(
        max_length=20, choices=Jurisdiction.choices, default=Jurisdiction.ENGLAND
    )
    # Set when the electorate is frozen (or entered by hand for a ballot recorded afterwards).
    entitled_count = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "constituencies"
        constraints = [
            models.UniqueConstraint(fields=["ballot", "name"], name="constituency_unique_name")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def rulebook_key(self) -> str:
        return Jurisdiction(self.jurisdiction).rulebook


class ConstituencyAlias(models.Model):
    """A name as a scrutineer writes it, matched by hand once, remembered for every ballot."""

    alias = models.CharField(max_length=200)
    alias_key = models.CharField(max_length=200, unique=True)
    name = models.CharField(max_length=200, help_text="Our own name for the constituency.")
    employer = models.ForeignKey(
        Employer, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["alias"]
        verbose_name_plural = "constituency aliases"

    def __str__(self) -> str:
        return f"{self.alias} → {self.name}"


class StepStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DONE = "done", "Done"
    LATE = "late", "Done late"
    NOT_REQUIRED = "not_required", "Not required"


class StepPhase(models.TextChoices):
    BEFORE_OPENING = "before_opening", "Before opening"
    AFTER_CLOSE = "after_close", "After the result"


# Days before a deadline at which a pending step turns amber on the checklist (a display choice,
# not law).
DUE_SOON_DAYS = 3


class ChecklistStep(models.Model):
    """One statutory step of a ballot, for the ballot or one employer, with its evidence."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="steps")
    rule_id = models.CharField(max_length=30)
    employer = models.ForeignKey(
        Employer, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(max_length=300)
    citation = models.CharField(max_length=100, blank=True)
    phase = models.CharField(
        max_length=20, choices=StepPhase.choices, default=StepPhase.BEFORE_OPENING
    )
    due = models.DateField(null=True, blank=True)
    required = models.BooleanField(default=True)
    status = models.CharField(max_length=15, choices=StepStatus.choices, default=StepStatus.PENDING)
    done_on = models.DateField(null=True, blank=True)
    method = models.CharField(max_length=100, blank=True, help_text="How it was delivered.")
    evidence = models.TextField(blank=True)
    evidence_file = models.FileField(upload_to="ballots/evidence/%Y/%m/", blank=True)
    note = models.CharField(max_length=300, blank=True)
    recorded_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "due", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ballot", "rule_id", "employer"], name="step_unique_per_employer"
            ),
            models.UniqueConstraint(
                fields=["ballot", "rule_id"],
                condition=models.Q(employer__isnull=True),
                name="step_unique_per_ballot",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule_id}: {self.title}"

    def urgency(self, today: dt.date) -> str:
        """ok (done in time), soon (due within DUE_SOON_DAYS), bad (late or overdue), or none."""
        if self.status == StepStatus.DONE or self.status == StepStatus.NOT_REQUIRED:
            return "ok"
        if self.status == StepStatus.LATE:
            return "bad"
        if self.due is None:
            return "none"
        if today > self.due:
            return "bad"
        if (self.due - today).days <= DUE_SOON_DAYS:
            return "soon"
        return "none"

    def problem(self, today: dt.date) -> str:
        """Why this step stops the ballot opening, or "" if it does not."""
        if not self.required or self.status == StepStatus.NOT_REQUIRED:
            return ""
        where = f" ({self.employer.name})" if self.employer_id and self.employer else ""
        due = f"{self.due:%d %B %Y}" if self.due else ""
        if self.status == StepStatus.LATE and self.done_on:
            return (
                f"{self.rule_id}{where} is late: done on {self.done_on:%d %B %Y}, due by {due} "
                f"({self.citation})."
            )
        if self.status == StepStatus.PENDING:
            if self.due and today > self.due:
                return f"{self.rule_id}{where} is overdue: due by {due} ({self.citation})."
            return (
                f"{self.rule_id}{where} is missing"
                + (f": due by {due}" if due else "")
                + (f" ({self.citation})." if self.citation else ".")
            )
        return ""


class ExclusionReason(models.TextChoices):
    LEFT = "left", "Left the employer"
    VOLUNTARY_REDUNDANCY = "voluntary_redundancy", "Accepted voluntary redundancy"
    NOT_CALLED = "not_called", "Not in the group called to take action"
    TRANSFERRED = "transferred", "Transferred away"
    OTHER = "other", "Other (see note)"


class ElectorateExclusion(models.Model):
    """A member the union will not induce to act, recorded before the electorate is frozen."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="exclusions")
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=25, choices=ExclusionReason.choices)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ballot", "member"], name="exclusion_unique_member")
        ]

    def __str__(self) -> str:
        return f"Exclusion {self.pk}: {self.get_reason_display()}"


class ElectorateEntry(models.Model):
    """One member in a constituency's frozen electorate: entitled, or excluded with the reason.

    Turnout, notices and later call-outs (s232A) are checked against these rows.
    """

    constituency = models.ForeignKey(
        Constituency, on_delete=models.CASCADE, related_name="electorate"
    )
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    entitled = models.BooleanField()
    exclusion_reason = models.CharField(max_length=25, choices=ExclusionReason.choices, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["constituency", "member"], name="electorate_unique"),
            models.CheckConstraint(
                name="electorate_excluded_has_reason",
                condition=models.Q(entitled=True, exclusion_reason="")
                | models.Q(entitled=False) & ~models.Q(exclusion_reason=""),
            ),
        ]
        indexes = [models.Index(fields=["member", "entitled"], name="electorate_member")]

    def __str__(self) -> str:
        # Names no member: entries are listed wherever turnout is checked.
        return f"Electorate entry {self.pk} ({'entitled' if self.entitled else 'excluded'})"


class ResultSource(models.TextChoices):
    IMPORT = "import", "Scrutineer's report"
    MANUAL = "manual", "Entered by hand"


class ResultsImport(models.Model):
    """One import of a scrutineer's report into a ballot: the file's fingerprint and its counts."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="imports")
    filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    format = models.CharField(max_length=10)
    counts = models.JSONField(default=dict)
    warnings = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Import of {self.filename}"


class Result(models.Model):
    """The scrutineer's count for one constituency and one question."""

    constituency = models.ForeignKey(Constituency, on_delete=models.CASCADE, related_name="results")
    question = models.CharField(max_length=10, choices=QuestionKind.choices)
    # None only where the report gives no electorate (Northern Ireland: no turnout threshold).
    entitled = models.PositiveIntegerField(null=True, blank=True)
    votes_cast = models.PositiveIntegerField()
    yes = models.PositiveIntegerField()
    # None when the report gives no No count: the majority is then judged against all papers.
    no = models.PositiveIntegerField(null=True, blank=True)
    spoiled = models.PositiveIntegerField(null=True, blank=True)
    source = models.CharField(max_length=10, choices=ResultSource.choices)
    imported_from = models.ForeignKey(
        ResultsImport, null=True, blank=True, on_delete=models.SET_NULL, related_name="results"
    )
    source_ref = models.CharField(max_length=100, blank=True)
    entered_at = models.DateTimeField(default=timezone.now)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["constituency__name", "question"]
        constraints = [
            models.UniqueConstraint(fields=["constituency", "question"], name="result_unique"),
            models.CheckConstraint(
                name="result_yes_within_cast", condition=models.Q(yes__lte=models.F("votes_cast"))
            ),
        ]

    def __str__(self) -> str:
        return f"{self.constituency}: {self.question}"


class Mandate(models.Model):
    """The rulebook's decision on one result: recomputed when results or overrides change."""

    constituency = models.ForeignKey(
        Constituency, on_delete=models.CASCADE, related_name="mandates"
    )
    question = models.CharField(max_length=10, choices=QuestionKind.choices)
    rulebook = models.CharField(max_length=10)
    regime = models.CharField(max_length=10)
    turnout_met = models.BooleanField(null=True)
    majority_met = models.BooleanField()
    ips_met = models.BooleanField(null=True)
    granted = models.BooleanField()
    last_day = models.DateField(null=True, blank=True)
    last_day_limits = models.CharField(max_length=20, blank=True)
    reasons = models.JSONField(default=list)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["constituency__name", "question"]
        constraints = [
            models.UniqueConstraint(fields=["constituency", "question"], name="mandate_unique")
        ]
        indexes = [models.Index(fields=["granted", "last_day"], name="mandate_live")]

    def __str__(self) -> str:
        return f"{self.constituency}: {self.question} ({'mandate' if self.granted else 'none'})"

    @property
    def reason(self) -> str:
        return " ".join(str(r) for r in self.reasons)


class NoticeKind(models.TextChoices):
    MEMBER_STATEMENT = "member_statement", "Statement to members (s231)"
    EMPLOYER_LETTER = "employer_letter", "Letter to the employer (s231A)"


class ResultNotice(models.Model):
    """When a result notice was sent, how and by whom (T-inform)."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=20, choices=NoticeKind.choices)
    employer = models.ForeignKey(
        Employer, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField()
    method = models.CharField(max_length=100)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} sent {self.sent_at:%Y-%m-%d}"


class RuleOverride(models.Model):
    """An administrator's change to one rule parameter, with the reason recorded (audited)."""

    jurisdiction = models.CharField(max_length=10)
    rule_id = models.CharField(max_length=30)
    regime = models.CharField(max_length=10, blank=True, help_text="Blank: every regime.")
    param = models.CharField(max_length=50)
    value = models.CharField(max_length=50)
    reason = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        where = f"{self.rule_id}@{self.regime}" if self.regime else self.rule_id
        return f"{self.jurisdiction} {where}.{self.param} = {self.value}"

    @property
    def key(self) -> str:
        return f"{self.rule_id}@{self.regime}" if self.regime else self.rule_id
