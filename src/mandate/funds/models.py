"""Strike and hardship funds: their rules per dispute, claims, payment batches and the ledger.

Claim data (amounts, bank details, the explanation) is financial special category data: only
the fund's panel reads it, through ``mandate.core.policy``, and every read is audited.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from mandate.core.errors import InvalidState
from mandate.core.models import Branch
from mandate.funds import rules as engine


class FundKind(models.TextChoices):
    STRIKE = "strike", "Strike fund"
    HARDSHIP = "hardship", "Hardship fund"


class Fund(models.Model):
    """A national fund (no branch) or a branch's own fund."""

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=FundKind.choices)
    branch = models.ForeignKey(
        Branch, null=True, blank=True, on_delete=models.PROTECT, related_name="funds"
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["branch__name", "name"]
        constraints = [models.UniqueConstraint(fields=["branch", "name"], name="fund_unique_name")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_national(self) -> bool:
        return self.branch_id is None


class FundRules(models.Model):
    """One version of a fund's rules for one dispute. A change is a new version; claims keep
    the version they were assessed under."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="rule_versions")
    dispute = models.ForeignKey(
        "disputes.Dispute", on_delete=models.PROTECT, related_name="fund_rules"
    )
    version = models.PositiveIntegerField()
    first_paid_day = models.PositiveSmallIntegerField(default=1)
    cap_days = models.PositiveSmallIntegerField(null=True, blank=True)
    cap_money = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    asos_full_deduction = models.BooleanField(default=False)
    evidence_required = models.BooleanField(default=True)
    claim_window_days = models.PositiveSmallIntegerField(default=365)
    good_standing_required = models.BooleanField(default=True)
    top_up = models.BooleanField(default=False)
    pro_rata = models.BooleanField(default=False)
    priority_groups = models.JSONField(default=list, blank=True)
    low_pay_threshold = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    # [{"code", "salary_from", "salary_to", "daily_rate", "first_paid_day", "cap_days",
    #   "cap_money"}], money as strings so nothing passes through a float.
    bands = models.JSONField(default=list)
    subscription_bands = models.JSONField(default=list, blank=True)
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["fund", "dispute", "-version"]
        verbose_name_plural = "fund rules"
        constraints = [
            models.UniqueConstraint(
                fields=["fund", "dispute", "version"], name="fund_rules_one_version"
            )
        ]

    def __str__(self) -> str:
        return f"Rules v{self.version}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A version is a record of what was applied to claims: a change is a new version.
        if self.pk is not None and not self._state.adding:
            raise InvalidState("A published version of the rules is never changed.")
        super().save(*args, **kwargs)

    def as_rules(self) -> engine.Rules:
        return engine.Rules(
            bands=tuple(_band(b) for b in self.bands),
            first_paid_day=self.first_paid_day,
            cap_days=self.cap_days,
            cap_money=self.cap_money,
            asos_full_deduction=self.asos_full_deduction,
            evidence_required=self.evidence_required,
            claim_window_days=self.claim_window_days,
            good_standing_required=self.good_standing_required,
            subscription_bands=tuple(
                engine.SubscriptionBand(s["code"], _dec(s["salary_from"]), _opt(s["salary_to"]))
                for s in self.subscription_bands
            ),
            top_up=self.top_up,
            priority_groups=tuple(self.priority_groups),
            low_pay_threshold=self.low_pay_threshold,
            pro_rata=self.pro_rata,
        )


def _dec(value: Any) -> Decimal:
    return Decimal(str(value))


def _opt(value: Any) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


def _int(value: Any) -> int | None:
    return None if value in (None, "") else int(value)


def _band(b: dict[str, Any]) -> engine.Band:
    return engine.Band(
        code=str(b["code"]),
        salary_from=_dec(b["salary_from"]),
        salary_to=_opt(b.get("salary_to")),
        daily_rate=_dec(b["daily_rate"]),
        first_paid_day=_int(b.get("first_paid_day")),
        cap_days=_int(b.get("cap_days")),
        cap_money=_opt(b.get("cap_money")),
    )


def band_json(band: engine.Band) -> dict[str, Any]:
    def s(v: Decimal | None) -> str | None:
        return None if v is None else str(v)

    return {
        "code": band.code,
        "salary_from": str(band.salary_from),
        "salary_to": s(band.salary_to),
        "daily_rate": str(band.daily_rate),
        "first_paid_day": band.first_paid_day,
        "cap_days": band.cap_days,
        "cap_money": s(band.cap_money),
    }


class ClaimState(models.TextChoices):
    SUBMITTED = "submitted", "Waiting for the panel"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    BATCHED = "batched", "In a payment batch"
    PAID = "paid", "Paid"


# States in which a claim's days count as paid by its fund (money promised or sent).
COMMITTED = (ClaimState.APPROVED, ClaimState.BATCHED, ClaimState.PAID)


class Claim(models.Model):
    """A member's claim on one fund for days of one dispute."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="claims")
    rules = models.ForeignKey(FundRules, on_delete=models.PROTECT, related_name="claims")
    dispute = models.ForeignKey("disputes.Dispute", on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="claims")
    state = models.CharField(
        max_length=10, choices=ClaimState.choices, default=ClaimState.SUBMITTED
    )
    band = models.CharField(max_length=30, blank=True)
    # Lower number first when money is short: the index of the member's first priority group.
    tier = models.PositiveSmallIntegerField(default=0)
    groups = models.JSONField(default=list, blank=True)
    proposed = models.DecimalField(max_digits=10, decimal_places=2)
    explanation = models.JSONField(default=list)
    approved_amount = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    # What the batch pays: the approved amount, or less when a hardship fund scales pro rata.
    payable = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    payable_note = models.CharField(max_length=300, blank=True)
    account_name = models.CharField(max_length=70)
    sort_code = models.CharField(max_length=6)
    account_number = models.CharField(max_length=8)
    note = models.TextField(blank=True)
    submitted_at = models.DateTimeField(default=timezone.now)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(blank=True)
    batch = models.ForeignKey(
        "PaymentBatch", null=True, blank=True, on_delete=models.PROTECT, related_name="claims"
    )

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["fund", "state"], name="claim_fund_state")]
        constraints = [
            models.CheckConstraint(
                name="claim_amounts_not_negative",
                condition=models.Q(proposed__gte=0)
                & (models.Q(approved_amount__isnull=True) | models.Q(approved_amount__gte=0))
                & (models.Q(payable__isnull=True) | models.Q(payable__gte=0)),
            ),
            models.CheckConstraint(
                name="claim_payable_within_approved",
                condition=models.Q(payable__isnull=True)
                | models.Q(payable__lte=models.F("approved_amount")),
            ),
        ]

    def __str__(self) -> str:
        return f"Claim {self.pk}"

    @property
    def reference(self) -> str:
        """The payment reference the bank shows: no name, nothing about the dispute."""
        return f"MANDATE F{self.fund_id} C{self.pk}"

    @property
    def masked_account(self) -> str:
        return f"****{self.account_number[-4:]}"

    @property
    def decided(self) -> bool:
        return self.state != ClaimState.SUBMITTED


class ClaimDay(models.Model):
    """One day on a claim. A day is claimed once from one fund (while the claim stands)."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="days")
    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    kind = models.CharField(max_length=10)
    action_id = models.PositiveBigIntegerField(null=True, blank=True)
    loss = models.DecimalField(max_digits=10, decimal_places=2)
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(
                fields=["fund", "member", "day"],
                condition=models.Q(active=True),
                name="claim_day_once_per_fund",
            ),
            models.CheckConstraint(
                name="claim_day_within_loss",
                condition=models.Q(amount__gte=0) & models.Q(amount__lte=models.F("loss")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d}"


class BatchState(models.TextChoices):
    READY = "ready", "Ready to export"
    EXPORTED = "exported", "Sent to the bank"
    PAID = "paid", "Paid"


class PaymentBatch(models.Model):
    """Approved claims gathered for one payment run, exported as a CSV for the bank."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="batches")
    state = models.CharField(max_length=10, choices=BatchState.choices, default=BatchState.READY)
    total = models.DecimalField(max_digits=12, decimal_places=2)
    scaled = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    exported_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    bank_reference = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Batch {self.pk}"


class EntryKind(models.TextChoices):
    DEPOSIT = "deposit", "Money in"
    PAYMENT = "payment", "Payment to a member"
    CORRECTION = "correction", "Correction"


class LedgerQuerySet(models.QuerySet["LedgerEntry"]):
    # The ledger is append-only: a mistake is corrected by a new entry, never by an edit.
    def update(self, **kwargs: Any) -> int:
        raise InvalidState("Ledger entries are never changed: add a correcting entry.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise InvalidState("Ledger entries are never deleted: add a correcting entry.")

    def balance(self) -> Decimal:
        total = self.aggregate(total=models.Sum("amount"))["total"]
        return Decimal(total or 0).quantize(engine.PENNY)


class LedgerEntry(models.Model):
    """One immutable movement of a fund's money: in (positive) or out (negative)."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="ledger")
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=10, choices=EntryKind.choices)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    claim = models.ForeignKey(
        Claim, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger"
    )
    batch = models.ForeignKey(
        PaymentBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger"
    )
    memo = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = LedgerQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "ledger entries"
        constraints = [
            # One payment per claim, whatever races happen above.
            models.UniqueConstraint(
                fields=["claim"],
                condition=models.Q(kind="payment"),
                name="ledger_one_payment_per_claim",
            ),
            models.CheckConstraint(
                name="ledger_sign_matches_kind",
                condition=models.Q(kind="deposit", amount__gt=0)
                | models.Q(kind="payment", amount__lt=0, claim__isnull=False)
                | models.Q(kind="correction"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise InvalidState("Ledger entries are never changed: add a correcting entry.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise InvalidState("Ledger entries are never deleted: add a correcting entry.")
