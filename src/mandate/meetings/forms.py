from __future__ import annotations

from typing import Any

from django import forms

from mandate.core.models import Branch
from mandate.meetings.models import (
    ChannelKind,
    Meeting,
    MeetingKind,
    MeetingMode,
    MeetingSeries,
    VoteMethod,
)
from mandate.meetings.rules import MajorityRule


class MeetingForm(forms.ModelForm[Meeting]):
    link = forms.URLField(
        required=False, assume_scheme="https", help_text="The online meeting's address."
    )
    starts_at = forms.DateTimeField(
        label="Starts at", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )

    class Meta:
        model = Meeting
        fields = [
            "title",
            "kind",
            "mode",
            "starts_at",
            "location",
            "link",
            "series",
            "quorum_number",
            "quorum_percent",
            "quorum_combine",
            "weight_formula",
            "weight_per",
        ]
        labels = {
            "quorum_number": "Quorum: number of people",
            "quorum_percent": "Quorum: percent of members",
            "quorum_combine": "If both are set",
            "weight_formula": "Card weights (delegate meetings)",
            "weight_per": "Members per unit of card weight",
        }

    def __init__(self, *args: Any, branch: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["series"].queryset = MeetingSeries.objects.filter(branch=branch)  # type: ignore[attr-defined]
        self.fields["series"].required = False
        if branch is None:
            self.fields["kind"].choices = [  # type: ignore[attr-defined]
                (MeetingKind.DELEGATE, MeetingKind.DELEGATE.label)
            ]
            del self.fields["series"]

    def clean_quorum_percent(self) -> Any:
        value = self.cleaned_data.get("quorum_percent")
        if value is not None and not 0 <= value <= 100:
            raise forms.ValidationError("A percentage between 0 and 100.")
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("mode") in (MeetingMode.ONLINE, MeetingMode.HYBRID) and not data.get("link"):
            series = data.get("series")
            if not (series and series.link):
                self.add_error("link", "An online or hybrid meeting needs its meeting link.")
        return data


class AgendaForm(forms.Form):
    title = forms.CharField(max_length=200)


class MotionForm(forms.Form):
    title = forms.CharField(max_length=200)
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    proposer = forms.CharField(max_length=200, required=False)


class AmendmentForm(forms.Form):
    text = forms.CharField(label="Amendment", widget=forms.Textarea(attrs={"rows": 2}))
    proposer = forms.CharField(max_length=200, required=False)


class VoteOpenForm(forms.Form):
    method = forms.ChoiceField(choices=VoteMethod.choices)
    rule = forms.ChoiceField(
        label="Majority", choices=[(r.value, r.label.capitalize()) for r in MajorityRule]
    )
    abstentions_count = forms.BooleanField(label="Count abstentions in the base", required=False)

    def __init__(self, *args: Any, delegate: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if delegate:
            self.fields["method"].choices = [  # type: ignore[attr-defined]
                (VoteMethod.CARD, VoteMethod.CARD.label)
            ]
        else:
            from mandate.meetings.actions import secret_votes_available

            hidden = {VoteMethod.CARD} | (
                set() if secret_votes_available() else {VoteMethod.SECRET}
            )
            self.fields["method"].choices = [  # type: ignore[attr-defined]
                c for c in VoteMethod.choices if c[0] not in hidden
            ]


class CountForm(forms.Form):
    votes_for = forms.IntegerField(label="For", min_value=0)
    votes_against = forms.IntegerField(label="Against", min_value=0)
    votes_abstain = forms.IntegerField(label="Abstaining", min_value=0, initial=0)


class DelegateForm(forms.Form):
    branch: forms.ModelChoiceField[Branch] = forms.ModelChoiceField(queryset=Branch.objects.none())
    name = forms.CharField(max_length=200)
    weight = forms.DecimalField(
        required=False,
        min_value=0,
        decimal_places=2,
        max_digits=12,
        help_text="Only for meetings weighted by hand.",
    )

    def __init__(self, *args: Any, branches: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = branches  # type: ignore[attr-defined]


class ChannelForm(forms.Form):
    name = forms.CharField(max_length=200)
    url = forms.URLField(label="Link", assume_scheme="https")
    kind = forms.ChoiceField(choices=ChannelKind.choices)
