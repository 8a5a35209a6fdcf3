"""Forms for the dispute pages. Each checks its input and names the field that is wrong; the
actions check the rules again, so the command line and the pages agree."""

from __future__ import annotations

import datetime as dt
from pathlib import PurePath
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.utils import timezone

from mandate.core.models import Branch, Employer
from mandate.disputes.actions import MAX_METRIC_VALUE
from mandate.disputes.models import (
    Dispute,
    Expectation,
    ImplementationState,
    ResponseType,
    TimelineKind,
)

# Evidence files: documents and pictures of them, small enough to upload on a phone.
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
EVIDENCE_SUFFIXES = (".pdf", ".png", ".jpg", ".jpeg", ".txt", ".doc", ".docx", ".odt", ".eml")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def _not_future(value: dt.date | None, what: str) -> dt.date | None:
    if value is not None and value > timezone.localdate():
        raise ValidationError(f"The {what} cannot be in the future.")
    return value


class DisputeCreateForm(forms.Form):
    name = forms.CharField(label="Name", max_length=200)
    branch = forms.ModelChoiceField(
        label="Branch",
        queryset=Branch.objects.none(),
        required=False,
        help_text="A local dispute belongs to one branch and is with that branch's employer.",
    )
    summary = forms.CharField(
        label="Summary", required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    demands = forms.CharField(
        label="Demands",
        required=False,
        max_length=5000,
        help_text="One a line, e.g. “No compulsory redundancies”.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    opened_on = forms.DateField(label="Opened on", widget=DateInput())

    def __init__(
        self, *args: Any, branches: QuerySet[Branch], national: bool, **kwargs: Any
    ) -> None:
        kwargs.setdefault("initial", {"opened_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.national = national
        field = cast("forms.ModelChoiceField[Any]", self.fields["branch"])
        field.queryset = branches.order_by("name")
        if national:
            field.empty_label = "None: a national dispute with every employer"
            field.help_text = (
                "Leave empty for a national dispute with every employer; choose a branch for a "
                "local dispute with that branch's employer."
            )
        else:
            field.required = True
            field.empty_label = None
            if branches.count() == 1:
                field.initial = branches.first()

    def clean_opened_on(self) -> dt.date | None:
        return _not_future(self.cleaned_data.get("opened_on"), "opening date")

    def clean_demands(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data.get("demands", "").splitlines()]
        demands = [line for line in lines if line]
        for n, line in enumerate(demands, start=1):
            if len(line) > 200:
                raise ValidationError(
                    f"Demand {n} is {len(line)} characters long; the limit is 200."
                )
        return demands


class DemandForm(forms.Form):
    title = forms.CharField(label="Demand", max_length=200)
    detail = forms.CharField(
        label="Detail", required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )


class PreconditionForm(forms.Form):
    description = forms.CharField(
        label="Precondition",
        max_length=300,
        help_text="A step the collective agreement requires before action, "
        "e.g. “External mediation (ACAS) exhausted”.",
    )


class PreconditionMetForm(forms.Form):
    evidence = forms.CharField(
        label="Evidence that it was met",
        max_length=5000,
        help_text="What happened and when, e.g. “ACAS conciliation ended without agreement "
        "on 3 June; letter from ACAS on file”.",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Give the evidence that this precondition was met."},
    )
    evidence_file = forms.FileField(
        label="Evidence file (optional)",
        required=False,
        help_text="A letter, minutes or an email: PDF, picture or document, up to 10 MB.",
    )

    def clean_evidence(self) -> str:
        evidence: str = self.cleaned_data.get("evidence", "").strip()
        if not evidence:
            raise ValidationError("Give the evidence that this precondition was met.")
        return evidence

    def clean_evidence_file(self) -> UploadedFile | None:
        upload: UploadedFile | None = self.cleaned_data.get("evidence_file")
        if upload is None:
            return None
        suffix = PurePath(upload.name or "").suffix.lower()
        if suffix not in EVIDENCE_SUFFIXES:
            raise ValidationError(
                f"Files of type “{suffix or 'none'}” are not accepted; use one of "
                f"{', '.join(EVIDENCE_SUFFIXES)}."
            )
        if (upload.size or 0) > EVIDENCE_MAX_BYTES:
            raise ValidationError("The file is larger than 10 MB; attach a smaller copy.")
        return upload


class TimelineForm(forms.Form):
    date = forms.DateField(label="Date", widget=DateInput())
    kind = forms.ChoiceField(label="Kind", choices=TimelineKind.choices)
    title = forms.CharField(label="Title", max_length=200)
    detail = forms.CharField(
        label="Detail", required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    employer = forms.ModelChoiceField(
        label="Employer", queryset=Employer.objects.none(), required=False
    )
    response_type = forms.ChoiceField(
        label="What the employer did",
        required=False,
        choices=[("", "—"), *ResponseType.choices],
        help_text="For employer responses only. A 100% deduction for ASOS prompts escalation.",
    )

    def __init__(self, *args: Any, dispute: Dispute, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"date": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.dispute = dispute
        field = cast("forms.ModelChoiceField[Any]", self.fields["employer"])
        field.queryset = dispute.parties.order_by("name")
        field.empty_label = "—"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind")
        if data.get("response_type") and kind != TimelineKind.EMPLOYER_RESPONSE:
            self.add_error("response_type", "Only an employer response can have a response type.")
        if (
            kind == TimelineKind.EMPLOYER_RESPONSE
            and self.dispute.is_national
            and not data.get("employer")
        ):
            self.add_error("employer", "Say which employer responded.")
        return data


class MetricForm(forms.Form):
    name = forms.CharField(label="What to track", max_length=200)
    unit = forms.CharField(
        label="Unit", required=False, max_length=40, help_text="e.g. jobs, students, %"
    )
    higher_is_better = forms.BooleanField(label="A higher number is better for us", required=False)

    def __init__(self, *args: Any, dispute: Dispute, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.dispute = dispute

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        if self.dispute.metrics.filter(name__iexact=name).exists():
            raise ValidationError(f"This dispute already tracks “{name}”.")
        return name


class MetricValueForm(forms.Form):
    date = forms.DateField(label="Date", widget=DateInput())
    value = forms.DecimalField(
        label="Value",
        max_digits=14,
        decimal_places=2,
        max_value=MAX_METRIC_VALUE,
        min_value=-MAX_METRIC_VALUE,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "any"}),
    )
    note = forms.CharField(label="Note", required=False, max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"date": timezone.localdate()})
        super().__init__(*args, **kwargs)

    def clean_date(self) -> dt.date | None:
        return _not_future(self.cleaned_data.get("date"), "date")


class ExpectationForm(forms.Form):
    title = forms.CharField(label="Expectation", max_length=200)
    detail = forms.CharField(
        label="Detail", required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ExpectationStatusForm(forms.Form):
    expectation = forms.ModelChoiceField(
        queryset=Expectation.objects.none(), widget=forms.HiddenInput
    )
    state = forms.ChoiceField(label="State", choices=ImplementationState.choices)
    note = forms.CharField(label="Note", required=False, max_length=300)

    def __init__(self, *args: Any, dispute: Dispute, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast("forms.ModelChoiceField[Any]", self.fields["expectation"])
        field.queryset = dispute.expectations.all()
        field.error_messages["invalid_choice"] = "That expectation is not part of this framework."


class EscalateForm(forms.Form):
    reason = forms.CharField(
        label="Why",
        required=False,
        max_length=5000,
        help_text="e.g. “Employer docking 100% of pay for the marking boycott”.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SettleForm(forms.Form):
    settled_on = forms.DateField(label="Settled on", widget=DateInput())
    terms = forms.CharField(
        label="Terms",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, dispute: Dispute, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"settled_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.dispute = dispute

    def clean_settled_on(self) -> dt.date | None:
        value = _not_future(self.cleaned_data.get("settled_on"), "settlement date")
        if value is not None and value < self.dispute.opened_on:
            raise ValidationError(
                f"The dispute opened on {self.dispute.opened_on:%d %B %Y}; "
                "it cannot settle before that."
            )
        return value
