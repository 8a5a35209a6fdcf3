"""Forms for the ballot pages: each field labelled, each error saying what to fix."""

from __future__ import annotations

from typing import Any

from django import forms

from mandate.ballots.models import BallotKind, NoticeKind, QuestionKind
from mandate.law.registry import JURISDICTIONS


class DateInput(forms.DateInput):
    input_type = "date"


class BallotCreateForm(forms.Form):
    name = forms.CharField(max_length=200)
    opens = forms.DateField(widget=DateInput, help_text="The first day voting papers are sent.")
    closes = forms.DateField(
        widget=DateInput, help_text="The date of the ballot: the last day votes may be cast."
    )
    kind = forms.ChoiceField(choices=BallotKind.choices, initial=BallotKind.SEPARATE)
    aggregation_basis = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="s228A basis (aggregated ballots only)",
    )
    jurisdiction = forms.ChoiceField(choices=[(j, j.upper()) for j in JURISDICTIONS], initial="gb")
    ask_strike = forms.BooleanField(required=False, initial=True, label="Ask the strike question")
    ask_asos = forms.BooleanField(
        required=False, initial=True, label="Ask the action short of strike question"
    )
    scrutineer = forms.CharField(max_length=200, required=False)
    authorised_callers = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Person(s) authorised to call action (named on the voting paper)",
    )
    important_public_services = forms.BooleanField(required=False)


class StepRecordForm(forms.Form):
    done_on = forms.DateField(
        widget=DateInput, required=False, label="Done on (day of receipt by the employer)"
    )
    method = forms.CharField(
        max_length=100, required=False, label="How delivered (e.g. recorded delivery, email)"
    )
    evidence = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Evidence"
    )
    evidence_file = forms.FileField(required=False, label="Proof (scan, receipt, email)")
    not_required = forms.BooleanField(required=False, label="Not required for this ballot")
    note = forms.CharField(max_length=300, required=False, label="Why not required")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("not_required") and not data.get("done_on"):
            self.add_error("done_on", "Give the day the step was done.")
        return data


class ResultEntryForm(forms.Form):
    constituency = forms.TypedChoiceField(coerce=int)
    question = forms.ChoiceField(choices=QuestionKind.choices)
    entitled = forms.IntegerField(min_value=1, label="Entitled to vote")
    votes_cast = forms.IntegerField(min_value=0, label="Votes cast (papers returned)")
    yes = forms.IntegerField(min_value=0)
    no = forms.IntegerField(min_value=0)
    spoiled = forms.IntegerField(min_value=0, initial=0, label="Spoiled or blank")

    def __init__(self, *args: Any, constituencies: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["constituency"].choices = constituencies  # type: ignore[attr-defined]


class ResultsUploadForm(forms.Form):
    file = forms.FileField(label="Scrutineer's report (XLSX or CSV)")


class NoticeSentForm(forms.Form):
    kind = forms.ChoiceField(choices=NoticeKind.choices)
    employer = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    sent_at = forms.DateTimeField(
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}), label="Sent at"
    )
    method = forms.CharField(max_length=100, label="How sent")

    def __init__(self, *args: Any, employers: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["employer"].choices = [("", "—"), *employers]  # type: ignore[attr-defined]


class OverrideForm(forms.Form):
    rule_id = forms.CharField(max_length=30, label="Rule id")
    regime = forms.CharField(max_length=10, required=False, help_text="Blank: every regime.")
    param = forms.CharField(max_length=50, label="Parameter")
    value = forms.CharField(max_length=50)
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Reason (recorded)")


class TimelineForm(forms.Form):
    jurisdiction = forms.ChoiceField(choices=[(j, j.upper()) for j in JURISDICTIONS], initial="gb")
    opens = forms.DateField(widget=DateInput)
    closes = forms.DateField(widget=DateInput)
    first_action = forms.DateField(widget=DateInput, required=False, label="First day of action")
    notice_received = forms.DateField(
        widget=DateInput, required=False, label="Notice of action received on"
    )
    important_public_services = forms.BooleanField(required=False)
    extension_agreed = forms.BooleanField(
        required=False, label="Longer mandate / shorter notice agreed"
    )
    regime = forms.CharField(max_length=10, required=False, help_text="Force a regime (what-if).")
