"""Forms of the action calendar; each field error names the field, and the line where one is bad."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from mandate.actions.models import (
    ActionKind,
    ActionStatus,
    AsosType,
    CriticalDateKind,
    DeliveryMethod,
    Pattern,
    SolidarityKind,
)
from mandate.ballots.models import Ballot, BallotState, Constituency
from mandate.core.models import Workplace
from mandate.disputes.models import Dispute, ResponseType

DATE = forms.DateInput(attrs={"type": "date"})


def parse_dates(text: str) -> list[dt.date]:
    """Dates one a line (or separated by commas), YYYY-MM-DD; the error names the bad line."""
    days: list[dt.date] = []
    for number, line in enumerate(text.splitlines(), start=1):
        for part in re.split(r"[,;]", line):
            part = part.strip()
            if not part:
                continue
            try:
                days.append(dt.date.fromisoformat(part))
            except ValueError:
                raise forms.ValidationError(
                    f"Line {number}: “{part[:20]}” is not a date; write YYYY-MM-DD."
                ) from None
    return days


class ActionForm(forms.Form):
    title = forms.CharField(max_length=200)
    ballot = forms.ModelChoiceField(queryset=Ballot.objects.none(), help_text="Whose mandates.")
    kind = forms.ChoiceField(choices=ActionKind.choices)
    asos_type = forms.ChoiceField(
        choices=[("", "— (strike)")] + list(AsosType.choices),
        required=False,
        label="Type of action short of strike",
    )
    pattern = forms.ChoiceField(choices=Pattern.choices)
    dates = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text="Discontinuous action: every date, one a line (YYYY-MM-DD).",
    )
    start_date = forms.DateField(required=False, widget=DATE, help_text="Continuous action.")
    end_date = forms.DateField(
        required=False, widget=DATE, help_text="Blank: until further notice."
    )
    constituencies = forms.ModelMultipleChoiceField(
        queryset=Constituency.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="Only constituencies with a live mandate are offered.",
    )
    categories = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="Job categories called, one a line, as the employer names them. Blank: all.",
    )
    workplaces = forms.ModelMultipleChoiceField(
        queryset=Workplace.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Blank: every workplace.",
    )
    instructions = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="What members are asked to do; shown on their own page.",
    )

    def __init__(self, *args: Any, dispute: Dispute, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        ballots = Ballot.objects.filter(dispute=dispute, state=BallotState.RESULTS_IN)
        self.fields["ballot"].queryset = ballots  # type: ignore[attr-defined]
        live: QuerySet[Constituency] = (
            Constituency.objects.filter(
                ballot__in=ballots, mandates__granted=True, mandates__last_day__gte=today
            )
            .distinct()
            .select_related("ballot")
            .order_by("ballot__name", "name")
        )
        self.fields["constituencies"].queryset = live  # type: ignore[attr-defined]
        self.fields["workplaces"].queryset = Workplace.objects.filter(  # type: ignore[attr-defined]
            employer__in=live.values("employer")
        ).select_related("employer")

    def clean_dates(self) -> list[dt.date]:
        return parse_dates(self.cleaned_data.get("dates") or "")


class DaysForm(forms.Form):
    dates = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), help_text="One a line (YYYY-MM-DD)."
    )

    def clean_dates(self) -> list[dt.date]:
        days = parse_dates(self.cleaned_data["dates"])
        if not days:
            raise forms.ValidationError("Give at least one date.")
        return days


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        choices=[
            (s, label)
            for s, label in ActionStatus.choices
            if s not in (ActionStatus.PLANNED, ActionStatus.CALLED, ActionStatus.NOTICE_SERVED)
        ]
    )


class FlagsForm(forms.Form):
    exclude_unballoted = forms.BooleanField(required=False)
    employer_agreed_resumption = forms.BooleanField(required=False)


class ServeForm(forms.Form):
    received_on = forms.DateField(widget=DATE, help_text="The day the employer received it.")
    method = forms.ChoiceField(choices=DeliveryMethod.choices)
    proof = forms.FileField(required=False, help_text="Signed receipt, tracking page, email reply.")
    proof_note = forms.CharField(
        max_length=300, required=False, help_text="Or describe the proof of delivery."
    )


class AgreementForm(forms.Form):
    """A shorter notice period agreed with the notice's employer, and the evidence of it."""

    agreed_notice_days = forms.IntegerField(
        label="Agreed notice period (days)",
        min_value=1,
        max_value=90,
        required=False,
        help_text="Leave empty to withdraw a recorded agreement.",
    )
    agreed_by = forms.CharField(
        label="Agreed for the employer by",
        max_length=200,
        required=False,
        help_text="Name and role, e.g. Director of HR.",
    )
    agreed_on = forms.DateField(label="Agreed on", widget=DATE, required=False)
    agreement_reference = forms.CharField(
        label="Evidence or reference",
        max_length=300,
        required=False,
        help_text="Where the agreement is recorded: a letter, an email, minutes of a meeting.",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("agreed_notice_days") is not None:
            for name, what in (
                ("agreed_by", "Say who agreed it for the employer."),
                ("agreed_on", "Give the day the employer agreed."),
                ("agreement_reference", "Say where the agreement is recorded."),
            ):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, what)
        return data


class CriticalDateForm(forms.Form):
    kind = forms.ChoiceField(choices=CriticalDateKind.choices)
    start = forms.DateField(widget=DATE, label="First day")
    end = forms.DateField(widget=DATE, required=False, label="Last day (if several)")
    note = forms.CharField(max_length=200, required=False)


class SolidarityForm(forms.Form):
    union_name = forms.CharField(max_length=200, label="Union")
    title = forms.CharField(max_length=300, label="Ballot or action")
    kind = forms.ChoiceField(choices=SolidarityKind.choices)
    start = forms.DateField(widget=DATE, label="First day")
    end = forms.DateField(widget=DATE, required=False, label="Last day")
    url = forms.URLField(required=False, label="Web page", assume_scheme="https")


class SolidarityImportForm(forms.Form):
    union_name = forms.CharField(max_length=200, label="Union")
    file = forms.FileField(required=False, label="ICS file")
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), required=False, label="Or paste the ICS text"
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("file") and not (data.get("text") or "").strip():
            raise forms.ValidationError("Upload an .ics file or paste its text.")
        return data


class EscalationForm(forms.Form):
    trigger = forms.ChoiceField(choices=ResponseType.choices, label="If the employer")
    plan = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="The branch will")
