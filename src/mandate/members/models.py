"""The member register: members, their employments, saved segments and import runs."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone

from mandate.core.models import Branch, Department, Employer, Workplace


class MemberStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    LAPSED = "lapsed", "Lapsed"
    RESIGNED = "resigned", "Resigned"
    DECEASED = "deceased", "Deceased"


class ContractType(models.TextChoices):
    OPEN_ENDED = "open_ended", "Open-ended"
    FIXED_TERM = "fixed_term", "Fixed-term"
    HOURLY_PAID = "hourly_paid", "Hourly-paid"
    ZERO_HOURS = "zero_hours", "Zero-hours"


class MemberQuerySet(models.QuerySet["Member"]):
    def active(self) -> MemberQuerySet:
        return self.filter(status=MemberStatus.ACTIVE)

    def contactable_by(self, channel: str) -> MemberQuerySet:
        """Members who consented to CHANNEL ('email', 'sms', 'phone') and are not do-not-contact."""
        field = {"email": "consent_email", "sms": "consent_sms", "phone": "consent_phone"}[channel]
        return self.filter(**{field: True}, do_not_contact=False)


class Member(models.Model):
    """A member of the union. Membership itself is special category data (UK GDPR Art. 9)."""

    # Indexed through member_branch_name and member_branch_status, which start with the branch:
    # one index fewer to keep up on every member an import writes.
    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, related_name="members", db_index=False
    )
    # Unique through member_number_unique: a field's unique=True would add a second index
    # (varchar_pattern_ops, for LIKE 'x%') that no query uses and every import keeps up.
    membership_number = models.CharField(max_length=30)
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    personal_email = models.EmailField(blank=True)
    # Kept apart and never used for dispute messages: employers may read work mail.
    work_email = models.EmailField(blank=True)
    mobile = models.CharField(max_length=20, blank=True, help_text="E.164")
    other_phone = models.CharField(max_length=20, blank=True, help_text="E.164")
    address_line1 = models.CharField(max_length=200, blank=True)
    address_line2 = models.CharField(max_length=200, blank=True)
    town = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    status = models.CharField(
        max_length=10, choices=MemberStatus.choices, default=MemberStatus.ACTIVE
    )
    join_date = models.DateField(null=True, blank=True)
    subscription_band = models.CharField(max_length=30, blank=True)
    consent_email = models.BooleanField(default=True)
    consent_sms = models.BooleanField(default=True)
    consent_phone = models.BooleanField(default=True)
    do_not_contact = models.BooleanField(default=False)
    notes = models.TextField(blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="member",
    )
    # Set when an import of the branch's register did not contain this member; never deleted.
    missing_since = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = MemberQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        indexes = [
            models.Index(fields=["branch", "last_name", "first_name"], name="member_branch_name"),
            models.Index(fields=["branch", "status"], name="member_branch_status"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["membership_number"], name="member_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} ({self.membership_number})"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def dispute_email(self) -> str:
        """The only address dispute messages may go to: the personal one, never work."""
        if self.personal_email and self.personal_email.lower() != self.work_email.lower():
            return self.personal_email
        return ""


class Employment(models.Model):
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="employments")
    # Indexed through employment_site, which starts with the employer.
    employer = models.ForeignKey(
        Employer, on_delete=models.PROTECT, related_name="employments", db_index=False
    )
    workplace = models.ForeignKey(Workplace, null=True, blank=True, on_delete=models.PROTECT)
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT)
    job_category = models.CharField(max_length=100, blank=True)
    grade = models.CharField(max_length=50, blank=True)
    contract_type = models.CharField(
        max_length=20, choices=ContractType.choices, default=ContractType.OPEN_ENDED
    )
    fte = models.DecimalField(max_digits=4, decimal_places=3, default=Decimal("1.000"))
    # Visible only to roles with the view_salary permission.
    annual_salary = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-start_date", "id"]
        indexes = [models.Index(fields=["employer", "workplace"], name="employment_site")]

    def __str__(self) -> str:
        return f"{self.job_category or 'Employment'} at {self.employer}"

    @property
    def is_current(self) -> bool:
        return self.end_date is None or self.end_date >= timezone.localdate()


class MemberChange(models.Model):
    """One entry in a member's history: what changed, when, by whom, through which route."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="changes")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    source = models.CharField(max_length=30)  # "import", "edit", "self-service", ...
    # {"field": [old, new]}: part of the member's own record, shown only to those who see it.
    changes = models.JSONField(default=dict)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.source} at {self.at:%Y-%m-%d %H:%M}"


class Segment(models.Model):
    """A saved filter over the register, reused for call lists, reminders and electorates."""

    branch = models.ForeignKey(
        Branch, null=True, blank=True, on_delete=models.CASCADE, related_name="segments"
    )
    name = models.CharField(max_length=200)
    filters = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["branch", "name"], name="segment_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class ImportRun(models.Model):
    """An upload to the import wizard, between preview and apply."""

    class State(models.TextChoices):
        PREVIEWED = "previewed", "Previewed"
        INVALID = "invalid", "Has errors"
        APPLIED = "applied", "Applied"

    branch = models.ForeignKey(Branch, on_delete=models.CASCADE, related_name="import_runs")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    filename = models.CharField(max_length=255)
    sheet = models.CharField(max_length=100, blank=True)
    # The uploaded bytes, kept only until applied or abandoned, so apply reads exactly the file
    # that was previewed.
    content = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    state = models.CharField(max_length=10, choices=State.choices)
    summary = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Import of {self.filename} ({self.get_state_display()})"
