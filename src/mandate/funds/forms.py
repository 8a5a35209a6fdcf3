"""Forms for claims, decisions, money in, fund rules and new funds. Each error says where."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms

from mandate.funds import rules as engine
from mandate.funds.models import FundKind, FundRules


class ClaimForm(forms.Form):
    days = forms.MultipleChoiceField(
        label="Days you are claiming for",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Tick at least one day to claim."},
    )
    account_name = forms.CharField(label="Name on the bank account", max_length=70)
    sort_code = forms.CharField(
        label="Sort code", max_length=8, help_text="Six digits, e.g. 12-34-56"
    )
    account_number = forms.CharField(label="Account number", max_length=8, help_text="Eight digits")
    note = forms.CharField(
        label="Anything the panel should know (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    declare = forms.BooleanField(
        label="I took part in the action on these days and lost the pay shown.",
        error_messages={"required": "Tick the declaration to send the claim."},
    )

    def __init__(self, *args: Any, day_choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["days"].choices = day_choices  # type: ignore[attr-defined]
        self.fields["sort_code"].widget.attrs.update(inputmode="numeric", autocomplete="off")
        self.fields["account_number"].widget.attrs.update(inputmode="numeric", autocomplete="off")

    def clean_sort_code(self) -> str:
        digits = re.sub(r"[\s-]", "", self.cleaned_data["sort_code"])
        if not re.fullmatch(r"\d{6}", digits):
            raise forms.ValidationError("A sort code is six digits, e.g. 12-34-56.")
        return digits

    def clean_account_number(self) -> str:
        digits = re.sub(r"\s", "", self.cleaned_data["account_number"])
        if not re.fullmatch(r"\d{8}", digits):
            raise forms.ValidationError("An account number is eight digits.")
        return digits

    def clean_days(self) -> list[datetime.date]:
        try:
            return [datetime.date.fromisoformat(d) for d in self.cleaned_data["days"]]
        except ValueError:
            raise forms.ValidationError("Pick days from the list.") from None


class DecideForm(forms.Form):
    decision = forms.ChoiceField(
        label="Decision",
        choices=[("approve", "Approve"), ("reject", "Reject")],
        widget=forms.RadioSelect,
    )
    amount = forms.DecimalField(
        label="Approve a lower amount (optional)",
        required=False,
        help_text="Leave empty to approve what the rules propose.",
        max_digits=10,
        decimal_places=2,
        min_value=Decimal("0"),
    )
    reason = forms.CharField(
        label="Reason (the member sees it; required to reject or pay less)",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class DepositForm(forms.Form):
    amount = forms.DecimalField(
        label="Amount paid in (£)", min_value=Decimal("0.01"), max_digits=12, decimal_places=2
    )
    memo = forms.CharField(label="Where it came from", max_length=200)


class CorrectionForm(forms.Form):
    amount = forms.DecimalField(
        label="Correction (£, negative takes money out)", max_digits=12, decimal_places=2
    )
    memo = forms.CharField(label="Which entry it corrects, and why", max_length=200)


class BatchPaidForm(forms.Form):
    bank_reference = forms.CharField(label="Bank's reference for the payment run", max_length=100)


class FundForm(forms.Form):
    name = forms.CharField(label="Name", max_length=200)
    kind = forms.ChoiceField(label="Kind", choices=FundKind.choices)
    where = forms.ChoiceField(label="Whose fund")

    def __init__(self, *args: Any, places: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["where"].choices = places  # type: ignore[attr-defined]


BANDS_HELP = (
    "One band a line: code | salary from | salary up to (empty: no top) | daily rate | "
    "first paid day (optional) | cap in days (optional) | cap in £ (optional). "
    "e.g. “A | 0 | 30000 | 75 | 2 | | 1100”."
)
SUBS_HELP = "Optional, lowest first: code | salary from | salary up to. e.g. “3 | 40000 |”."


LARGEST = Decimal("100000000")


def _money(text: str, where: str) -> Decimal:
    try:
        value = Decimal(text.replace(",", "").replace("£", "").strip())
    except InvalidOperation:
        raise forms.ValidationError(f"{where}: “{text}” is not an amount.") from None
    if not value.is_finite() or value < 0 or value >= LARGEST:
        raise forms.ValidationError(f"{where}: “{text}” is not an amount.")
    return value.quantize(engine.PENNY) if value == value.quantize(engine.PENNY) else value


def _opt_money(text: str, where: str) -> Decimal | None:
    return None if not text.strip() else _money(text, where)


def _opt_int(text: str, where: str) -> int | None:
    if not text.strip():
        return None
    if not text.strip().isdigit():
        raise forms.ValidationError(f"{where}: “{text}” is not a whole number.")
    return int(text)


def parse_bands(text: str) -> tuple[engine.Band, ...]:
    bands = []
    for n, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        parts = [p.strip() for p in raw.split("|")]
        if len(parts) < 4 or len(parts) > 7:
            raise forms.ValidationError(
                f"Line {n}: give code | salary from | salary up to | daily rate (and optionally "
                "first paid day | cap in days | cap in £)."
            )
        parts += [""] * (7 - len(parts))
        where = f"Line {n}"
        if not parts[0]:
            raise forms.ValidationError(f"{where}: the band needs a code.")
        bands.append(
            engine.Band(
                code=parts[0],
                salary_from=_money(parts[1] or "0", where),
                salary_to=_opt_money(parts[2], where),
                daily_rate=_money(parts[3], where),
                first_paid_day=_opt_int(parts[4], where),
                cap_days=_opt_int(parts[5], where),
                cap_money=_opt_money(parts[6], where),
            )
        )
    return tuple(bands)


def parse_subscriptions(text: str) -> tuple[engine.SubscriptionBand, ...]:
    subs = []
    for n, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        parts = [p.strip() for p in raw.split("|")] + ["", ""]
        if not parts[0]:
            raise forms.ValidationError(f"Line {n}: the subscription band needs a code.")
        subs.append(
            engine.SubscriptionBand(
                parts[0], _money(parts[1] or "0", f"Line {n}"), _opt_money(parts[2], f"Line {n}")
            )
        )
    return tuple(subs)


def bands_text(rules: FundRules) -> str:
    lines = []
    for b in rules.as_rules().bands:
        cells = [
            b.code,
            b.salary_from,
            b.salary_to,
            b.daily_rate,
            b.first_paid_day,
            b.cap_days,
            b.cap_money,
        ]
        lines.append(" | ".join("" if c is None else str(c) for c in cells).rstrip(" |"))
    return "\n".join(lines)


def subscriptions_text(rules: FundRules) -> str:
    return "\n".join(
        " | ".join("" if c is None else str(c) for c in (s.code, s.salary_from, s.salary_to))
        for s in rules.as_rules().subscription_bands
    )


class RulesForm(forms.Form):
    bands = forms.CharField(
        label="Salary bands and daily rates",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=BANDS_HELP,
    )
    first_paid_day = forms.IntegerField(
        label="First paid day",
        min_value=1,
        max_value=365,
        initial=1,
        help_text="1: from the first day out; 2: the first day is not paid.",
    )
    cap_days = forms.IntegerField(
        label="Cap in days per dispute (optional)", min_value=0, max_value=365, required=False
    )
    cap_money = forms.DecimalField(
        label="Cap in £ per dispute (optional)",
        required=False,
        max_digits=10,
        decimal_places=2,
        min_value=Decimal("0"),
    )
    asos_full_deduction = forms.BooleanField(
        label="Pay for action short of strike where 100% was deducted", required=False
    )
    evidence_required = forms.BooleanField(
        label="Evidence of the deduction required", required=False, initial=True
    )
    claim_window_days = forms.IntegerField(
        label="Claim window in days", min_value=1, max_value=3650, initial=365
    )
    good_standing_required = forms.BooleanField(
        label="Membership in good standing required", required=False, initial=True
    )
    subscription_bands = forms.CharField(
        label="Subscription bands (good standing)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=SUBS_HELP,
    )
    top_up = forms.BooleanField(
        label="Top up days another fund paid, up to the loss", required=False
    )
    pro_rata = forms.BooleanField(
        label="Scale payments pro rata when money is short", required=False
    )
    priority_groups = forms.MultipleChoiceField(
        label="Priority groups, paid first when money is short",
        choices=list(engine.PRIORITY_GROUPS.items()),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    low_pay_threshold = forms.DecimalField(
        label="Low pay: salary below (£)",
        required=False,
        max_digits=10,
        decimal_places=2,
        min_value=Decimal("0"),
    )
    note = forms.CharField(label="What changed (optional)", required=False, max_length=300)

    def clean_bands(self) -> tuple[engine.Band, ...]:
        return parse_bands(self.cleaned_data["bands"])

    def clean_subscription_bands(self) -> tuple[engine.SubscriptionBand, ...]:
        return parse_subscriptions(self.cleaned_data.get("subscription_bands", ""))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        try:
            data["rules"] = engine.Rules(
                bands=data["bands"],
                first_paid_day=data["first_paid_day"],
                cap_days=data.get("cap_days"),
                cap_money=data.get("cap_money"),
                asos_full_deduction=data.get("asos_full_deduction", False),
                evidence_required=data.get("evidence_required", False),
                claim_window_days=data["claim_window_days"],
                good_standing_required=data.get("good_standing_required", False),
                subscription_bands=data.get("subscription_bands", ()),
                top_up=data.get("top_up", False),
                priority_groups=tuple(data.get("priority_groups") or ()),
                low_pay_threshold=data.get("low_pay_threshold"),
                pro_rata=data.get("pro_rata", False),
            )
        except engine.RulesError as exc:
            raise forms.ValidationError(str(exc)) from None
        return data


def rules_initial(rules: FundRules | None) -> dict[str, Any]:
    if rules is None:
        return {}
    return {
        "bands": bands_text(rules),
        "first_paid_day": rules.first_paid_day,
        "cap_days": rules.cap_days,
        "cap_money": rules.cap_money,
        "asos_full_deduction": rules.asos_full_deduction,
        "evidence_required": rules.evidence_required,
        "claim_window_days": rules.claim_window_days,
        "good_standing_required": rules.good_standing_required,
        "subscription_bands": subscriptions_text(rules),
        "top_up": rules.top_up,
        "pro_rata": rules.pro_rata,
        "priority_groups": list(rules.priority_groups),
        "low_pay_threshold": rules.low_pay_threshold,
    }
