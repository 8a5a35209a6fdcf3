"""Forms of the picket pages; each error names the field it belongs to."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from mandate.actions.models import Action
from mandate.core.models import User, Workplace
from mandate.members.models import Member
from mandate.pickets.models import Entrance, IncidentKind, SupporterKind

TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class SiteForm(forms.Form):
    name = forms.CharField(max_length=200, help_text="e.g. Main gate, Brownlow Hill")
    workplace = forms.ModelChoiceField(queryset=Workplace.objects.none())
    meeting_point = forms.CharField(max_length=300, required=False)
    entrances = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="One a line. Blank: one “Main entrance”.",
    )

    def __init__(self, *args: Any, workplaces: QuerySet[Workplace], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["workplace"].queryset = workplaces  # type: ignore[attr-defined]


class SiteEditForm(forms.Form):
    name = forms.CharField(max_length=200)
    meeting_point = forms.CharField(max_length=300, required=False)
    organiser = forms.ModelChoiceField(
        queryset=User.objects.none(), required=False, help_text="Runs this site's rota."
    )
    supervisor = forms.ModelChoiceField(
        queryset=Member.objects.none(),
        required=False,
        label="Picket supervisor",
        help_text="A member familiar with the Code of Practice, named in the letter.",
    )
    supervisor_phone = forms.CharField(max_length=30, required=False)

    def __init__(
        self,
        *args: Any,
        organisers: QuerySet[User],
        supervisors: QuerySet[Member],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organiser"].queryset = organisers  # type: ignore[attr-defined]
        self.fields["supervisor"].queryset = supervisors  # type: ignore[attr-defined]
        self.fields["organiser"].label_from_instance = (  # type: ignore[attr-defined]
            lambda u: u.get_full_name() or u.get_username()
        )
        self.fields["supervisor"].label_from_instance = (  # type: ignore[attr-defined]
            lambda m: m.full_name
        )


class GenerateForm(forms.Form):
    action = forms.ModelChoiceField(queryset=Action.objects.none(), label="Strike action")
    pattern = forms.CharField(
        max_length=200,
        initial="07:30-09:30, 12:00-14:00",
        help_text="Shifts on every strike day, e.g. 07:30-09:30, 12:00-14:00",
    )

    def __init__(self, *args: Any, actions: QuerySet[Action], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["action"].queryset = actions  # type: ignore[attr-defined]


class ShiftForm(forms.Form):
    starts = forms.TimeField(widget=TIME)
    ends = forms.TimeField(widget=TIME)
    note = forms.CharField(max_length=200, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts"), data.get("ends")
        if starts is not None and ends is not None and ends <= starts:
            self.add_error("ends", "The shift must end after it starts.")
        return data


class IncidentForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[(k, label) for k, label in IncidentKind.choices if k != IncidentKind.LETTER_SHOWN]
    )
    happened_at = forms.DateTimeField(
        label="When",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Who, what was said or done, what followed. Names of officers or badge numbers.",
    )

    def clean_happened_at(self) -> dt.datetime:
        value: dt.datetime = self.cleaned_data["happened_at"]
        if value > timezone.now() + dt.timedelta(minutes=5):
            raise forms.ValidationError("That time is in the future.")
        return value


class LetterShownForm(forms.Form):
    shown_to = forms.CharField(
        max_length=200, label="Shown to", help_text="e.g. the employer's security manager"
    )


class SupporterForm(forms.Form):
    name = forms.CharField(max_length=120, label="Your name")
    phone = forms.CharField(max_length=30, required=False, label="Mobile phone")
    email = forms.EmailField(required=False, label="Email")
    kind = forms.ChoiceField(choices=SupporterKind.choices, label="You are")
    entrance = forms.ModelChoiceField(
        queryset=Entrance.objects.none(), required=False, empty_label="Wherever needed"
    )
    consent = forms.BooleanField(
        required=True,
        label="The branch may keep these details to organise picket shifts and contact me "
        "about mine; they are never added to the union's member register.",
        error_messages={"required": "Tick this to sign up: the organiser needs to reach you."},
    )

    def __init__(self, *args: Any, entrances: QuerySet[Entrance], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["entrance"].queryset = entrances  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("phone") and not data.get("email") and not self.errors:
            raise forms.ValidationError("Give a phone number or an email, so we can reach you.")
        return data
