"""Forms for the member register. Values are cleaned by the shared normalisers in
``members.validation``, so the form, the importer and the API agree on what is valid."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from mandate.members.models import Member, MemberStatus
from mandate.members.validation import normalise_email, normalise_phone, normalise_postcode

# The fields the edit form offers, in the order it shows them.
EDIT_FIELDS = (
    "personal_email",
    "work_email",
    "mobile",
    "other_phone",
    "address_line1",
    "address_line2",
    "town",
    "postcode",
    "status",
    "consent_email",
    "consent_sms",
    "consent_phone",
    "do_not_contact",
    "notes",
)


def _normalised(name: str, normaliser: Callable[[str], str]) -> Callable[[MemberEditForm], str]:
    """A ``clean_<name>`` method that runs the shared normaliser on the field's text."""

    def clean(form: MemberEditForm) -> str:
        raw: str = form.cleaned_data.get(name, "") or ""
        return normaliser(raw)

    return clean


class MemberEditForm(forms.Form):
    """The member's contact details, status, consents and notes."""

    personal_email = forms.CharField(
        label="Personal email",
        required=False,
        max_length=254,
        help_text="Ballot and dispute messages go here.",
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    work_email = forms.CharField(
        label="Work email",
        required=False,
        max_length=254,
        help_text="Kept for the record only: never used for dispute messages.",
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    mobile = forms.CharField(
        label="Mobile",
        required=False,
        max_length=40,
        help_text="UK numbers may start with 0; others need their +country code.",
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    other_phone = forms.CharField(
        label="Other phone",
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    address_line1 = forms.CharField(label="Address line 1", required=False, max_length=200)
    address_line2 = forms.CharField(label="Address line 2", required=False, max_length=200)
    town = forms.CharField(label="Town", required=False, max_length=100)
    postcode = forms.CharField(
        label="Postcode",
        required=False,
        max_length=12,
        widget=forms.TextInput(attrs={"autocapitalize": "characters"}),
    )
    status = forms.ChoiceField(label="Membership status", choices=MemberStatus.choices)
    consent_email = forms.BooleanField(label="Agrees to email", required=False)
    consent_sms = forms.BooleanField(label="Agrees to text messages", required=False)
    consent_phone = forms.BooleanField(label="Agrees to phone calls", required=False)
    do_not_contact = forms.BooleanField(
        label="Do not contact",
        required=False,
        help_text="Overrides every consent: no calls, texts or emails at all.",
    )
    notes = forms.CharField(
        label="Notes",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Seen by everyone who can see this member. No health or other sensitive details.",
    )
    # The member's last change time when the form was opened, to refuse a stale save.
    version = forms.CharField(widget=forms.HiddenInput, required=False)

    clean_personal_email = _normalised("personal_email", normalise_email)
    clean_work_email = _normalised("work_email", normalise_email)
    clean_mobile = _normalised("mobile", normalise_phone)
    clean_other_phone = _normalised("other_phone", normalise_phone)
    clean_postcode = _normalised("postcode", normalise_postcode)

    def __init__(self, *args: Any, member: Member, **kwargs: Any) -> None:
        self.member = member
        if "initial" not in kwargs and not args:
            kwargs["initial"] = {name: getattr(member, name) for name in EDIT_FIELDS}
            kwargs["initial"]["version"] = member.updated_at.isoformat()
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        personal, work = data.get("personal_email"), data.get("work_email")
        if personal and work and personal.lower() == work.lower():
            self.add_error(
                "personal_email",
                "This is the work address. Dispute messages never go to work, so leave the "
                "personal email blank until the member gives one.",
            )
        if data.get("version") != self.member.updated_at.isoformat():
            raise ValidationError(
                "Someone else changed this member while you were editing. "
                "Reload the page to see their change, then make yours again."
            )
        return data

    def changes(self) -> dict[str, Any]:
        """The cleaned values of the editable fields, for ``member_update``."""
        return {name: self.cleaned_data[name] for name in EDIT_FIELDS}


class SegmentNameForm(forms.Form):
    name = forms.CharField(label="Segment name", max_length=200, strip=True)
