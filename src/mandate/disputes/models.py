"""Disputes: their parties, demands, timeline, metrics, national frameworks and preconditions."""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.utils import timezone

from mandate.core.errors import DomainError, InvalidState
from mandate.core.models import Branch, Employer


class DisputeScope(models.TextChoices):
    NATIONAL = "national", "National"
    LOCAL = "local", "Local"


class DisputeStatus(models.TextChoices):
    OPEN = "open", "Open"
    ESCALATED = "escalated", "Escalated"
    SETTLED = "settled", "Settled"


# The lifecycle: a dispute is fought, may be escalated (more action, a re-ballot), and ends
# settled. A settled dispute stays settled: a new fight is a new dispute with its own ballot.
TRANSITIONS: dict[str, frozenset[str]] = {
    DisputeStatus.OPEN: frozenset({DisputeStatus.ESCALATED, DisputeStatus.SETTLED}),
    DisputeStatus.ESCALATED: frozenset({DisputeStatus.SETTLED}),
    DisputeStatus.SETTLED: frozenset(),
}


class PreconditionsUnmet(DomainError):
    """Action was asked for while a precondition agreed with the employer is still unmet."""

    status_code = 409


class DisputeQuerySet(models.QuerySet["Dispute"]):
    def live(self) -> DisputeQuerySet:
        """Disputes still being fought (open or escalated)."""
        return self.exclude(status=DisputeStatus.SETTLED)

    def national(self) -> DisputeQuerySet:
        return self.filter(scope=DisputeScope.NATIONAL)

    def local_to(self, branch: Branch) -> DisputeQuerySet:
        return self.filter(scope=DisputeScope.LOCAL, branch=branch)

    def involving(self, employer: Employer) -> DisputeQuerySet:
        """Disputes in which EMPLOYER is a party."""
        return self.filter(parties=employer)


class Dispute(models.Model):
    """A dispute with one employer (local) or a whole sector of employers (national)."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    scope = models.CharField(max_length=10, choices=DisputeScope.choices)
    # A local dispute belongs to one branch; a national dispute to none.
    branch = models.ForeignKey(
        Branch, null=True, blank=True, on_delete=models.PROTECT, related_name="disputes"
    )
    parties = models.ManyToManyField(Employer, related_name="disputes", blank=True)
    status = models.CharField(
        max_length=10, choices=DisputeStatus.choices, default=DisputeStatus.OPEN
    )
    summary = models.TextField(blank=True)
    opened_on = models.DateField(default=timezone.localdate)
    settled_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = DisputeQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_on", "name"]
        constraints = [
            models.CheckConstraint(
                name="dispute_branch_matches_scope",
                condition=models.Q(scope="national", branch__isnull=True)
                | models.Q(scope="local", branch__isnull=False),
            ),
            models.CheckConstraint(
                name="dispute_settled_on_only_when_settled",
                condition=models.Q(status="settled") | models.Q(settled_on__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_national(self) -> bool:
        return self.scope == DisputeScope.NATIONAL

    @property
    def is_live(self) -> bool:
        return self.status != DisputeStatus.SETTLED

    def can_become(self, status: str) -> bool:
        return status in TRANSITIONS.get(self.status, frozenset())

    def check_transition(self, status: str) -> None:
        """Raise InvalidState, naming the current state, unless the dispute may move to STATUS."""
        if not self.can_become(status):
            current = DisputeStatus(self.status).label.lower()
            wanted = DisputeStatus(status).label.lower()
            allowed = sorted(DisputeStatus(s).label.lower() for s in TRANSITIONS[self.status])
            hint = f" It can only be {' or '.join(allowed)}." if allowed else ""
            raise InvalidState(
                f"The dispute “{self.name}” is {current}, so it cannot be {wanted}.{hint}"
            )

    # The query API later features (action, notices) rely on ------------------------------

    def unmet_preconditions(self) -> models.QuerySet[Precondition]:
        """Preconditions to action agreed with the employer that are not yet met."""
        return self.preconditions.filter(met_at__isnull=True)

    def check_preconditions(self) -> None:
        """Raise PreconditionsUnmet, listing them, unless every precondition is met."""
        unmet = list(self.unmet_preconditions().values_list("description", flat=True))
        if unmet:
            listed = "; ".join(unmet)
            raise PreconditionsUnmet(
                f"Action cannot be called in “{self.name}” until these preconditions are met: "
                f"{listed}. Mark each met with its evidence on the dispute page."
            )

    def employer_responses(self) -> models.QuerySet[TimelineEntry]:
        return self.timeline.filter(kind=TimelineKind.EMPLOYER_RESPONSE)

    def escalation_triggers(self) -> models.QuerySet[TimelineEntry]:
        """Employer responses the union treats as grounds to escalate (e.g. 100% docking)."""
        return self.employer_responses().filter(response_type__in=ESCALATION_RESPONSES)


class Demand(models.Model):
    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="demands")
    title = models.CharField(max_length=200)
    detail = models.TextField(blank=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.title


class TimelineKind(models.TextChoices):
    CLAIM = "claim", "Claim"
    OFFER = "offer", "Offer"
    MEETING = "meeting", "Negotiation meeting"
    STATEMENT = "statement", "Statement"
    EMPLOYER_RESPONSE = "employer_response", "Employer response"
    ACTION = "action", "Action"
    OTHER = "other", "Other"


class ResponseType(models.TextChoices):
    """What an employer did, for responses that later features react to."""

    ASOS_100_PERCENT_DEDUCTION = (
        "asos_100_percent_deduction",
        "100% pay deduction for action short of strike",
    )
    ASOS_PARTIAL_DEDUCTION = "asos_partial_deduction", "Partial pay deduction for ASOS"
    STRIKE_DEDUCTION_1_260 = "strike_deduction_1_260", "Strike deduction at 1/260 a day"
    REFUSED_TO_NEGOTIATE = "refused_to_negotiate", "Refused to negotiate"
    REDUNDANCY_NOTICES = "redundancy_notices", "Issued redundancy notices"
    INJUNCTION_THREAT = "injunction_threat", "Threatened an injunction"


# The union treats 100% docking for ASOS as a lockout (Wiluszynski v Tower Hamlets 1989 lets the
# employer do it), and answers it with more action: these responses prompt escalation.
ESCALATION_RESPONSES = frozenset({ResponseType.ASOS_100_PERCENT_DEDUCTION})


class TimelineEntry(models.Model):
    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="timeline")
    date = models.DateField()
    kind = models.CharField(max_length=20, choices=TimelineKind.choices)
    title = models.CharField(max_length=200)
    detail = models.TextField(blank=True)
    # The employer this entry concerns, if one: an offer from it, its response.
    employer = models.ForeignKey(
        Employer, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    response_type = models.CharField(max_length=40, choices=ResponseType.choices, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name_plural = "timeline entries"
        indexes = [models.Index(fields=["dispute", "-date"], name="timeline_dispute_date")]
        constraints = [
            models.CheckConstraint(
                name="timeline_response_type_only_on_responses",
                condition=models.Q(kind="employer_response") | models.Q(response_type=""),
            )
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.title}"

    @property
    def prompts_escalation(self) -> bool:
        return self.response_type in ESCALATION_RESPONSES


class Metric(models.Model):
    """A number the dispute is fought over, tracked through time (jobs at risk, students hit)."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="metrics")
    name = models.CharField(max_length=200)
    unit = models.CharField(max_length=40, blank=True, help_text="e.g. jobs, students, %")
    higher_is_better = models.BooleanField(default=False)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["dispute", "name"], name="metric_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class MetricValue(models.Model):
    metric = models.ForeignKey(Metric, on_delete=models.CASCADE, related_name="values")
    date = models.DateField()
    value = models.DecimalField(max_digits=14, decimal_places=2)
    note = models.CharField(max_length=200, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["metric", "date"], name="metric_value_one_per_date")
        ]

    def __str__(self) -> str:
        return f"{self.metric_id} {self.date:%Y-%m-%d} {self.value}"


class Expectation(models.Model):
    """One item of a national framework each employer is expected to implement locally."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="expectations")
    title = models.CharField(max_length=200)
    detail = models.TextField(blank=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.title


class ImplementationState(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    NEGOTIATING = "negotiating", "Negotiating"
    AGREED = "agreed", "Agreed"
    IMPLEMENTED = "implemented", "Implemented"

    @property
    def badge(self) -> str:
        return {
            "not_started": "bad",
            "negotiating": "warn",
            "agreed": "",
            "implemented": "ok",
        }[self.value]


class ExpectationStatus(models.Model):
    """How far one employer has got with one expectation. No row means not started."""

    expectation = models.ForeignKey(Expectation, on_delete=models.CASCADE, related_name="statuses")
    employer = models.ForeignKey(Employer, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(
        max_length=20, choices=ImplementationState.choices, default=ImplementationState.NOT_STARTED
    )
    note = models.CharField(max_length=300, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name_plural = "expectation statuses"
        constraints = [
            models.UniqueConstraint(
                fields=["expectation", "employer"], name="expectation_status_one_per_employer"
            )
        ]

    def __str__(self) -> str:
        return f"{self.expectation_id}/{self.employer_id}: {self.state}"


def evidence_path(instance: Precondition, filename: str) -> str:
    """Store evidence under a random name: an uploaded file's name may name a person."""
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"disputes/evidence/{uuid.uuid4().hex}{suffix}"


class Precondition(models.Model):
    """A step agreed in a collective agreement that must be done before action is called.

    Royal Mail v CWU 2017: action called before the agreed procedure was exhausted was restrained.
    """

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="preconditions")
    description = models.CharField(max_length=300)
    order = models.PositiveIntegerField(default=0)
    met_at = models.DateTimeField(null=True, blank=True)
    met_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    evidence = models.TextField(blank=True)
    evidence_file = models.FileField(upload_to=evidence_path, blank=True, max_length=200)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.CheckConstraint(
                name="precondition_met_needs_evidence",
                condition=models.Q(met_at__isnull=True) | ~models.Q(evidence=""),
            )
        ]

    def __str__(self) -> str:
        return self.description

    @property
    def is_met(self) -> bool:
        return self.met_at is not None
