from __future__ import annotations

from django import forms

from mandate.api.actions import DEFAULT_DAYS, MAX_DAYS, NAME_MAX
from mandate.api.scopes import SCOPE_CHOICES

DAY_CHOICES = [(7, "7 days"), (30, "30 days"), (90, "90 days"), (365, "A year")]


class TokenForm(forms.Form):
    name = forms.CharField(
        max_length=NAME_MAX,
        label="Name",
        help_text="What will use it, e.g. “branch register sync”.",
    )
    scopes = forms.MultipleChoiceField(
        choices=SCOPE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        label="What it may do",
        help_text="Your roles still decide which branches and records it reaches.",
    )
    days = forms.TypedChoiceField(
        choices=DAY_CHOICES,
        coerce=int,
        initial=DEFAULT_DAYS,
        label="Expires after",
    )

    def clean_days(self) -> int:
        days: int = self.cleaned_data["days"]
        if not 1 <= days <= MAX_DAYS:
            raise forms.ValidationError("Choose one of the periods offered.")
        return days
