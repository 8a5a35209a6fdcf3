"""Pay deductions: each employer's deduction policy (dated versions), the action days a member
took part in, and the deductions their payslips show.

The arithmetic lives in ``mandate.pay.rules`` (exact Decimal, pennies rounded half up) and the
per-day loss the funds pay against in ``mandate.pay.loss``.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from pathlib import PurePath

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from mandate.core.models import Employer

# Hartley v King Edward VI College [2017] UKSC 39: an annual salary accrues over every calendar
# day, so a strike day costs 1/365 of it unless the contract clearly says otherwise.
STATUTORY_DIVISOR = 365
# Working days in a year: the divisor employers reach for, and the branch contests.
WORKING_DAY_DIVISOR = 260


class DeductionPolicy(models.Model):
    """How one employer deducts pay for action, from a date on. A change is a new version with a
    later ``effective_from``: the days before it keep the version that applied to them."""

    employer = models.ForeignKey(
        Employer, on_delete=models.PROTECT, related_name="deduction_policies"
    )
    effective_from = models.DateField(help_text="The first day of action this version applies to.")
    strike_divisor = models.PositiveSmallIntegerField(
        default=STATUTORY_DIVISOR,
        validators=[MinValueValidator(1), MaxValueValidator(366)],
        help_text="A strike day costs annual salary divided by this (365 unless the contract "
        "says otherwise).",
    )
    contractual_basis = models.CharField(
        max_length=300,
        blank=True,
        help_text="The contract term the employer relies on for another divisor.",
    )
    asos_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text="Share of a day's pay withheld for each day of action short of strike.",
    )
    asos_from = models.DateField(
        null=True,
        blank=True,
        help_text="Date of the employer's notice refusing partial performance: withholding for "
        "action short of strike starts that day.",
    )
    asos_payrolls = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(24)],
        help_text="Number of payrolls the employer spreads each deduction over.",
    )
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["employer__name", "-effective_from", "-id"]
        verbose_name_plural = "deduction policies"
        constraints = [
            models.UniqueConstraint(
                fields=["employer", "effective_from"], name="pay_policy_one_version_per_day"
            ),
            models.CheckConstraint(
                name="pay_policy_divisor_range",
                condition=models.Q(strike_divisor__gte=1, strike_divisor__lte=366),
            ),
            models.CheckConstraint(
                name="pay_policy_asos_percent_range",
                condition=models.Q(asos_percent__gte=0, asos_percent__lte=100),
            ),
            models.CheckConstraint(
                name="pay_policy_payrolls_positive", condition=models.Q(asos_payrolls__gte=1)
            ),
        ]

    def __str__(self) -> str:
        return f"Deduction policy of {self.employer} from {self.effective_from:%Y-%m-%d}"

    @property
    def is_working_days(self) -> bool:
        """Flag: the employer deducts 1/260, more than Hartley's 1/365."""
        return self.strike_divisor == WORKING_DAY_DIVISOR

    @property
    def is_contractual(self) -> bool:
        return self.strike_divisor != STATUTORY_DIVISOR

    @property
    def asos_is_lockout(self) -> bool:
        """Docking all pay for partial performance: the union treats it as a lockout."""
        return self.asos_from is not None and self.asos_percent >= Decimal("100")


class DayTaken(models.Model):
    """A day of action the member says they took part in, checked against what called them."""

    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="days_taken"
    )
    action = models.ForeignKey(
        "actions.Action", on_delete=models.PROTECT, related_name="days_taken"
    )
    day = models.DateField()
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["day", "id"]
        constraints = [
            # One day is one loss: a strike day that is also an ASOS day is counted once.
            models.UniqueConstraint(fields=["member", "day"], name="pay_day_taken_once"),
        ]
        indexes = [models.Index(fields=["action", "day"], name="pay_day_taken_action")]

    def __str__(self) -> str:
        return f"Day of action {self.day:%Y-%m-%d}"


def evidence_path(instance: Payslip, filename: str) -> str:
    """Store a payslip under a random name: its own name may name the member."""
    suffix = PurePath(filename).suffix.lower()[:6]
    return f"pay/evidence/{uuid.uuid4().hex}{suffix}"


class Payslip(models.Model):
    """A deduction shown on one of the member's payslips, and the action days it covers."""

    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="payslips")
    dispute = models.ForeignKey(
        "disputes.Dispute", on_delete=models.PROTECT, related_name="payslips"
    )
    pay_date = models.DateField()
    amount = models.DecimalField(
        max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    days = models.ManyToManyField(DayTaken, related_name="payslips")
    evidence = models.FileField(upload_to=evidence_path, blank=True, max_length=200)
    evidence_type = models.CharField(max_length=40, blank=True)
    evidence_size = models.PositiveIntegerField(default=0)
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["pay_date", "id"]
        constraints = [
            models.CheckConstraint(
                name="pay_payslip_amount_positive", condition=models.Q(amount__gt=0)
            )
        ]

    def __str__(self) -> str:
        return f"Payslip deduction {self.pk} paid {self.pay_date:%Y-%m-%d}"

    @property
    def has_evidence(self) -> bool:
        return bool(self.evidence)
