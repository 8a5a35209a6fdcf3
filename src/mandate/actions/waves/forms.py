"""The planner's form: what to plan, and the officer's adjustments to the last plan."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.db.models import QuerySet

from mandate.ballots.models import Ballot, QuestionKind
from mandate.law.dates import parse_date
from mandate.law.errors import LawError

MAX_DATES = 400  # a list longer than a year of days is a paste gone wrong


class DateInput(forms.DateInput):
    input_type = "date"


def parse_date_list(text: str, *, label: str) -> list[dt.date]:
    """Dates one a line (or comma separated), each ISO or DD/MM/YYYY; "A to B" is a range.

    Errors name the line, so a pasted list of thirty dates can be fixed in one go.
    """
    found: list[dt.date] = []
    errors: list[str] = []
    lines = [part.strip() for line in text.splitlines() for part in line.split(",")]
    for number, line in enumerate((x for x in lines if x), start=1):
        pieces = re.split(r"\s+(?:to|until)\s+|\s+-\s+|\s*\.\.\s*", line)
        try:
            if len(pieces) == 2:
                first = parse_date(pieces[0], field=f"{label} entry {number}")
                last = parse_date(pieces[1], field=f"{label} entry {number}")
                if last < first:
                    errors.append(f"{label} entry {number}: {line!r} ends before it starts.")
                    continue
                if (last - first).days > MAX_DATES:
                    errors.append(f"{label} entry {number}: {line!r} is longer than a year.")
                    continue
                found.extend(first + dt.timedelta(days=i) for i in range((last - first).days + 1))
            elif len(pieces) == 1:
                found.append(parse_date(pieces[0], field=f"{label} entry {number}"))
            else:
                errors.append(f"{label} entry {number}: {line!r} is not a date or a range.")
        except LawError as exc:
            errors.append(exc.message)
    if errors:
        raise forms.ValidationError(errors)
    if len(found) > MAX_DATES:
        raise forms.ValidationError(f"{label}: at most {MAX_DATES} dates.")
    return sorted(set(found))


def next_monday(day: dt.date) -> dt.date:
    return day + dt.timedelta(days=7 - day.weekday())


class BallotChoiceField(forms.ModelChoiceField[Ballot]):
    def label_from_instance(self, obj: Ballot) -> str:
        return f"{obj.dispute.name}: {obj.name}"


class WavePlanForm(forms.Form):
    ballot = BallotChoiceField(
        queryset=Ballot.objects.none(),
        empty_label=None,
        help_text="A ballot with live mandates; its dispute is the one the action belongs to.",
    )
    question = forms.ChoiceField(
        choices=QuestionKind.choices,
        initial=QuestionKind.STRIKE,
        label="Action",
        help_text="Only employers with a mandate on this question take part (s229(2)).",
    )
    start = forms.DateField(
        widget=DateInput,
        label="First week (any day of it)",
        help_text="Weeks run Monday to Friday.",
    )
    weeks = forms.IntegerField(min_value=1, max_value=26, initial=4, label="Number of weeks")
    days_per_week = forms.IntegerField(
        min_value=1, max_value=5, initial=3, label="Strike days per region per week"
    )
    max_consecutive = forms.IntegerField(
        min_value=1, max_value=5, initial=3, label="Most consecutive days"
    )
    wave = forms.BooleanField(
        required=False,
        initial=True,
        label="Rolling wave: regions out in turn, week by week",
        help_text="Untick to call every region every week.",
    )
    regions_per_week = forms.IntegerField(
        min_value=1,
        required=False,
        label="Regions out each week",
        help_text="Blank: spread the regions evenly over the weeks.",
    )
    blackouts = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Blackout dates",
        help_text="One a line: 2026-12-24, 24/12/2026 or a range 21/12/2026 to 01/01/2027.",
    )
    preferred = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Preferred dates",
        help_text="Days that hurt most (graduation, clearing, open days); same format.",
    )
    neighbours = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Neighbouring regions",
        help_text="One pair a line, e.g. North West / Yorkshire; kept out of the same week if possible.",
    )
    notice_by_agreement = forms.BooleanField(
        required=False,
        label="Shorter notice agreed with the employers",
        help_text="Only where the regime allows it (7 days in regime B); ignored otherwise.",
    )

    def __init__(
        self,
        *args: Any,
        ballots: QuerySet[Ballot],
        region_names: dict[str, str],
        today: dt.date,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        ballot_field = self.fields["ballot"]
        if isinstance(ballot_field, BallotChoiceField):
            ballot_field.queryset = ballots
        self.fields["start"].initial = next_monday(today + dt.timedelta(days=7))
        self.region_names = region_names

    def clean_blackouts(self) -> list[dt.date]:
        return parse_date_list(self.cleaned_data.get("blackouts") or "", label="Blackout dates")

    def clean_preferred(self) -> list[dt.date]:
        return parse_date_list(self.cleaned_data.get("preferred") or "", label="Preferred dates")

    def clean_neighbours(self) -> list[tuple[str, str]]:
        by_name = {name.casefold(): key for key, name in self.region_names.items()}
        pairs: list[tuple[str, str]] = []
        errors: list[str] = []
        text = self.cleaned_data.get("neighbours") or ""
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split("/")]
            if len(parts) != 2:
                errors.append(f"Neighbouring regions line {number}: write two regions as A / B.")
                continue
            unknown = [p for p in parts if p.casefold() not in by_name]
            if unknown:
                errors.append(
                    f"Neighbouring regions line {number}: no region {unknown[0]!r} in this plan."
                )
                continue
            pairs.append((by_name[parts[0].casefold()], by_name[parts[1].casefold()]))
        if errors:
            raise forms.ValidationError(errors)
        return pairs
