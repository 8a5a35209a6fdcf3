"""The compose form: segment, channel, subject, template and link, checked before any member
is looked at."""

from __future__ import annotations

from typing import Any

from django import forms

from mandate.members.models import Segment
from mandate.messaging.models import Channel
from mandate.messaging.templating import MERGE_FIELDS, TemplateError, parse_template

MAX_TEMPLATE = 5_000


class ComposeForm(forms.Form):
    segment = forms.ModelChoiceField(
        queryset=Segment.objects.none(),
        empty_label="Choose a saved segment",
        label="Send to",
        help_text="A saved segment of this branch's register.",
    )
    channel = forms.ChoiceField(
        choices=Channel.choices, widget=forms.RadioSelect, initial=Channel.SMS, label="By"
    )
    subject = forms.CharField(
        max_length=200, required=False, label="Subject", help_text="Emails only."
    )
    template = forms.CharField(
        max_length=MAX_TEMPLATE,
        widget=forms.Textarea(attrs={"rows": 6}),
        label="Message",
        help_text="Merge fields: "
        + ", ".join(f"{{{name}}} ({what})" for name, what in MERGE_FIELDS.items()),
    )
    link = forms.URLField(
        required=False,
        assume_scheme="https",
        label="Link",
        help_text="Put into the message where it says {link}.",
    )
    request_key = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, branch_segments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["segment"].queryset = branch_segments  # type: ignore[attr-defined]

    def clean_template(self) -> str:
        text: str = self.cleaned_data["template"]
        try:
            parse_template(text)
        except TemplateError as exc:
            raise forms.ValidationError(exc.problems) from None
        return text

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("channel") == Channel.EMAIL and not (data.get("subject") or "").strip():
            self.add_error("subject", "An email needs a subject.")
        template = data.get("template")
        if template and "link" in parse_template(template).fields and not data.get("link"):
            self.add_error("link", "The message uses {link}; give the link here.")
        return data


class PersonalLinkForm(forms.Form):
    """A message carrying each member's own link (a voting or check-in link): channel, subject,
    wording, and the one-time key that makes a second click on Send harmless."""

    channel = forms.ChoiceField(
        choices=Channel.choices, widget=forms.RadioSelect, initial=Channel.SMS, label="By"
    )
    subject = forms.CharField(
        max_length=200, required=False, label="Subject", help_text="Emails only."
    )
    template = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2_000,
        label="Message",
        help_text="{link} becomes each member's own link; {first_name} their first name.",
    )
    request_key = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("channel") == Channel.EMAIL and not (data.get("subject") or "").strip():
            self.add_error("subject", "An email needs a subject.")
        template = data.get("template") or ""
        if template:
            try:
                fields = parse_template(template).fields
            except TemplateError as exc:
                self.add_error("template", " ".join(exc.problems))
            else:
                if "link" not in fields:
                    self.add_error(
                        "template", "Put {link} in the message: it is each member's own link."
                    )
        return data
