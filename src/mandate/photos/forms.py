from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet

from mandate.photos.images import MAX_UPLOAD_BYTES
from mandate.pickets.models import PicketSite


class PhotoForm(forms.Form):
    photo = forms.FileField(
        label="Photo",
        help_text=f"A JPEG, PNG or WebP up to {MAX_UPLOAD_BYTES // 1024 // 1024} MB. Location and "
        "camera details are removed before it is stored.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
        error_messages={"required": "Choose a photo to send."},
    )
    site = forms.ModelChoiceField(
        queryset=PicketSite.objects.none(),
        label="Picket line",
        required=False,
        empty_label="Not at a picket line / not saying",
        error_messages={"invalid_choice": "Choose one of the branch's picket lines."},
    )
    caption = forms.CharField(
        label="Caption", max_length=300, required=False, help_text="Optional; no surnames."
    )
    taken_on = forms.DateField(
        label="Day taken",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Leave empty for today.",
        error_messages={"invalid": "Enter the day as a date, for example 2026-11-25."},
    )
    consent = forms.BooleanField(
        label="Everyone who can be recognised in this photo agreed to it being used for the "
        "union's campaign.",
        error_messages={"required": "Ask before you send: tick this only if everyone agreed."},
    )
    consent_note = forms.CharField(
        label="How consent was given",
        max_length=300,
        required=False,
        help_text="Optional, for example 'asked on the line, all agreed'.",
    )

    def __init__(self, *args: Any, sites: QuerySet[PicketSite], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        site_field = cast(forms.ModelChoiceField, self.fields["site"])  # type: ignore[type-arg]
        site_field.queryset = sites
        if not sites.exists():
            del self.fields["site"]


class TakeDownReason(forms.Form):
    REASONS = [
        ("consent_withdrawn", "Someone in it withdrew consent"),
        ("not_suitable", "Not suitable for the campaign"),
        ("duplicate", "Duplicate"),
    ]
    reason = forms.ChoiceField(
        choices=REASONS,
        label="Why take it down?",
        error_messages={"required": "Choose why the photo is taken down."},
    )
