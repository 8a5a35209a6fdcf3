"""Forms for pay records; each error names the field and what to put there."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.db.models import QuerySet

from mandate.core.models import Employer
from mandate.pay.models import DayTaken

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def pick_value(action_id: int, day: dt.date) -> str:
    return f"{action_id}:{day.isoformat()}"


def parse_pick(value: str) -> tuple[int, dt.date]:
    """Read "ACTION_ID:YYYY-MM-DD"; raise ValueError when it is not that."""
    action_part, _, day_part = value.partition(":")
    return int(action_part), dt.date.fromisoformat(day_part)


class _AnyPick(forms.MultipleChoiceField):
    # Any well-formed pick reaches the action, so a day that was not called is refused with
    # the reason (not called, not yet happened) rather than a bare "not a valid choice".
    def valid_value(self, value: str) -> bool:
        try:
            parse_pick(value)
        except ValueError:
            return False
        return True


class DaysForm(forms.Form):
    picks = _AnyPick(
        widget=forms.CheckboxSelectMultiple,
        label="Days I took part in",
        error_messages={
            "required": "Tick at least one day you took part in.",
            "invalid_choice": "“%(value)s” is not a day of action.",
        },
    )

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(_AnyPick, self.fields["picks"]).choices = choices

    def picked(self) -> list[tuple[int, dt.date]]:
        return [parse_pick(v) for v in self.cleaned_data["picks"]]


class _DayChoice(forms.ModelMultipleChoiceField[DayTaken]):
    def label_from_instance(self, obj: DayTaken) -> str:
        return f"{obj.day:%a} {obj.day.day} {obj.day:%b %Y} — {obj.action.title}"


class PayslipForm(forms.Form):
    pay_date = forms.DateField(
        widget=DATE, label="Pay date", help_text="As printed on the payslip."
    )
    amount = forms.DecimalField(
        max_digits=10,
        decimal_places=2,
        min_value=Decimal("0.01"),
        label="Amount deducted (£)",
        help_text="The deduction for industrial action on this payslip, e.g. 161.54.",
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    days = _DayChoice(
        queryset=DayTaken.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label="Days it is for",
        error_messages={"required": "Tick the days of action this deduction is for."},
    )
    evidence = forms.FileField(
        required=False,
        label="Photo or PDF of the payslip",
        help_text="Up to 5 MB: PDF, JPEG, PNG or WebP. Only you, the fund panel and branch "
        "officers can open it.",
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/*"}),
    )
    note = forms.CharField(max_length=300, required=False, label="Note (optional)")

    def __init__(self, *args: Any, days: QuerySet[DayTaken], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(_DayChoice, self.fields["days"])
        field.queryset = days


class PolicyForm(forms.Form):
    employer = forms.ModelChoiceField(queryset=Employer.objects.none())
    effective_from = forms.DateField(
        widget=DATE,
        label="From",
        help_text="The first day of action this version applies to; earlier days keep the "
        "version before.",
    )
    strike_divisor = forms.IntegerField(
        min_value=1,
        max_value=366,
        initial=365,
        label="A strike day costs annual salary divided by",
        help_text="365 unless the contract says otherwise (Hartley v King Edward VI College). "
        "260 is flagged.",
    )
    contractual_basis = forms.CharField(
        max_length=300,
        required=False,
        label="Contract term relied on",
        help_text="Needed when the divisor is not 365.",
    )
    asos_percent = forms.DecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        initial=Decimal("0"),
        label="Action short of strike: % of a day's pay withheld",
    )
    asos_from = forms.DateField(
        widget=DATE,
        required=False,
        label="Date of the employer's notice refusing partial performance",
    )
    asos_payrolls = forms.IntegerField(
        min_value=1, max_value=24, initial=1, label="Spread over this many payrolls"
    )
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args: Any, employers: QuerySet[Employer], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast("forms.ModelChoiceField[Employer]", self.fields["employer"])
        field.queryset = employers

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        divisor = data.get("strike_divisor")
        if divisor is not None and divisor != 365 and not data.get("contractual_basis", "").strip():
            self.add_error(
                "contractual_basis",
                "Say which contract term the employer relies on for a divisor other than 365.",
            )
        percent = data.get("asos_percent")
        if percent and not data.get("asos_from"):
            self.add_error(
                "asos_from",
                "Give the date of the notice: withholding for action short of strike starts there.",
            )
        return data
