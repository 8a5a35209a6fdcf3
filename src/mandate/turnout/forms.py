"""Forms: a member's details and address on their link page, the officers' GTVO settings and
reminders."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from mandate.ballots.models import Constituency
from mandate.core.models import Workplace
from mandate.members.models import Employment, Member
from mandate.members.validation import normalise_email, normalise_phone, normalise_postcode
from mandate.messaging.rules import PUBLIC_MAIL_DOMAINS, WorkDomains, domain_of
from mandate.turnout.models import GtvoSettings


def _work_postcodes(member: Member) -> set[str]:
    employers = Employment.objects.filter(member=member).values("employer_id")
    return {
        p.replace(" ", "").upper()
        for p in Workplace.objects.filter(employer_id__in=employers)
        .exclude(postcode="")
        .values_list("postcode", flat=True)
    }


class AddressForm(forms.Form):
    """A home address: ballot papers are posted only to members' homes (V-post, s230)."""

    address_line1 = forms.CharField(label="Home address", max_length=200)
    address_line2 = forms.CharField(label="Address line 2", max_length=200, required=False)
    town = forms.CharField(label="Town or city", max_length=100, required=False)
    postcode = forms.CharField(label="Postcode", max_length=10)

    def __init__(self, *args: Any, member: Member, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.member = member
        self.fields["address_line1"].widget.attrs.update(autocomplete="address-line1")
        self.fields["address_line2"].widget.attrs.update(autocomplete="address-line2")
        self.fields["town"].widget.attrs.update(autocomplete="address-level2")
        self.fields["postcode"].widget.attrs.update(autocomplete="postal-code")

    def clean_postcode(self) -> str:
        value = normalise_postcode(self.cleaned_data.get("postcode") or "")
        if value and value.replace(" ", "") in _work_postcodes(self.member):
            raise ValidationError(
                "That is a workplace postcode. Ballot papers can only go to your home address."
            )
        return value


class DetailsForm(AddressForm):
    """A member's own contact details, from their link: personal email, mobile, home address."""

    personal_email = forms.CharField(label="Personal email", max_length=254, required=False)
    mobile = forms.CharField(label="Mobile", max_length=30, required=False)
    field_order = ["personal_email", "mobile", "address_line1", "address_line2", "town", "postcode"]

    def __init__(self, *args: Any, member: Member, **kwargs: Any) -> None:
        super().__init__(*args, member=member, **kwargs)
        self.fields["personal_email"].widget = forms.EmailInput(attrs={"autocomplete": "email"})
        self.fields["personal_email"].help_text = "Not your work address: employers can read it."
        self.fields["mobile"].widget.attrs.update(type="tel", autocomplete="tel")

    def clean_personal_email(self) -> str:
        value = normalise_email(self.cleaned_data.get("personal_email") or "")
        if not value:
            return value
        domain = domain_of(value)
        employers = Employment.objects.filter(member=self.member).values_list(
            "employer_id", flat=True
        )
        work = set().union(*WorkDomains.load(employers).by_employer.values())
        own = domain_of(self.member.work_email) if self.member.work_email else ""
        if own and own not in PUBLIC_MAIL_DOMAINS:
            work.add(own)
        if value.lower() == (self.member.work_email or "").lower() or domain in work:
            raise ValidationError("That is a work address. Give a personal email address.")
        return value

    def clean_mobile(self) -> str:
        return normalise_phone(self.cleaned_data.get("mobile") or "")


class SettingsForm(forms.ModelForm[GtvoSettings]):
    class Meta:
        model = GtvoSettings
        fields = (
            "replacement_opens",
            "replacement_closes",
            "posting_lead_days",
            "prior_turnout_percent",
            "prior_strength",
            "link_grace_days",
        )
        widgets = {
            "replacement_opens": forms.DateInput(attrs={"type": "date"}),
            "replacement_closes": forms.DateInput(attrs={"type": "date"}),
        }
        labels = {
            "replacement_opens": "Replacement requests open",
            "replacement_closes": "Replacement requests close",
            "posting_lead_days": "Posting lead time (working days)",
            "prior_turnout_percent": "Turnout at the last comparable ballot (%)",
            "prior_strength": "Weight of that past turnout (members)",
            "link_grace_days": "Members' links work this many days after the close",
        }
        help_texts = {
            "replacement_opens": "Blank: five days after the papers go out.",
            "replacement_closes": "Blank: five days before the close (ask the scrutineer).",
            "posting_lead_days": "Second class post: 3 working days is a safe default.",
            "prior_strength": "How many members' answers the past turnout counts as.",
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        opens, closes = data.get("replacement_opens"), data.get("replacement_closes")
        if opens and closes and closes < opens:
            self.add_error("replacement_closes", "Must be on or after the day requests open.")
        percent = data.get("prior_turnout_percent")
        if percent is not None and not 1 <= percent <= 99:
            self.add_error("prior_turnout_percent", "Give a turnout between 1 and 99.")
        lead = data.get("posting_lead_days")
        if lead is not None and lead > 15:
            self.add_error("posting_lead_days", "More than 15 working days is not a post time.")
        return data


REMINDER_TEMPLATE = (
    "Hi {first_name}, have you posted your ballot paper yet? Post it from home in the envelope "
    "it came with. Tell us here when you have, or if it hasn't arrived: {link}"
)


class ReminderForm(forms.Form):
    constituencies: forms.ModelMultipleChoiceField[Any] = forms.ModelMultipleChoiceField(
        queryset=Constituency.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Constituencies",
        help_text="None ticked: every constituency you may remind.",
    )
    channel = forms.ChoiceField(
        choices=(("sms", "Text (SMS)"), ("email", "Email")),
        widget=forms.RadioSelect,
        initial="sms",
        label="By",
    )
    subject = forms.CharField(max_length=200, required=False, help_text="Emails only.")
    template = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=2000,
        initial=REMINDER_TEMPLATE,
        label="Message",
        help_text="{link} becomes each member's own link. Never ask members to vote at work, "
        "hand papers in or photograph them.",
    )
    request_key = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, constituencies: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["constituencies"].queryset = constituencies  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("channel") == "email" and not (data.get("subject") or "").strip():
            self.add_error("subject", "An email needs a subject.")
        text = (data.get("template") or "").lower()
        # Royal Mail v CWU 2019: campaigning must never steer papers into the workplace.
        if any(w in text for w in ("at work", "photo", "hand in", "bring your paper")):
            self.add_error(
                "template",
                "Papers are posted from home: do not mention voting at work, handing papers in "
                "or photographing them.",
            )
        return data


class LinkRevokeForm(forms.Form):
    """Revoke one member's personal link, and optionally send them a new one."""

    reason = forms.CharField(
        label="Why (kept in the audit log)",
        max_length=200,
        required=False,
        help_text="For example: forwarded to a manager, phone lost.",
    )
    send = forms.ChoiceField(
        label="Send a new link",
        choices=[
            ("", "Don't send one now"),
            ("sms", "By text to their mobile"),
            ("email", "By email to their personal address"),
        ],
        required=False,
        widget=forms.RadioSelect,
    )
