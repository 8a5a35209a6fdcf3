"""A member's own page: see what the union holds about them and correct their contact details."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from mandate.core.models import User
from mandate.members.actions import member_update
from mandate.members.models import Member
from mandate.members.validation import normalise_email, normalise_phone, normalise_postcode

SELF_FIELDS = (
    "personal_email",
    "mobile",
    "other_phone",
    "address_line1",
    "address_line2",
    "town",
    "postcode",
    "consent_email",
    "consent_sms",
    "consent_phone",
)


class MyDetailsForm(forms.ModelForm[Member]):
    class Meta:
        model = Member
        fields = SELF_FIELDS
        labels = {
            "personal_email": "Personal email",
            "mobile": "Mobile",
            "other_phone": "Other phone",
            "address_line1": "Home address",
            "address_line2": "Address line 2",
            "consent_email": "The union may email me",
            "consent_sms": "The union may text me",
            "consent_phone": "The union may phone me",
        }
        help_texts = {
            "personal_email": "Not your work address: employers can read work mail.",
            "address_line1": "Statutory ballot papers are posted here.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["mobile"].widget.attrs.update(type="tel", autocomplete="tel")
        self.fields["other_phone"].widget.attrs.update(type="tel")

    def clean_personal_email(self) -> str:
        value = normalise_email(self.cleaned_data.get("personal_email") or "")
        work = (self.instance.work_email or "").lower()
        if value and work and value.lower() == work:
            raise ValidationError("That is your work address: give a personal one.")
        return value

    def clean_mobile(self) -> str:
        return normalise_phone(self.cleaned_data.get("mobile") or "")

    def clean_other_phone(self) -> str:
        return normalise_phone(self.cleaned_data.get("other_phone") or "")

    def clean_postcode(self) -> str:
        return normalise_postcode(self.cleaned_data.get("postcode") or "")


@login_required
def my_details(request: HttpRequest) -> HttpResponse:
    user = request.user
    member = (
        Member.objects.filter(user=user).select_related("branch").first()
        if isinstance(user, User)
        else None
    )
    if member is None or not isinstance(user, User):
        raise Http404("Your login is not linked to a membership record.")
    original = {name: getattr(member, name) for name in SELF_FIELDS}
    form = MyDetailsForm(request.POST or None, instance=member)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in SELF_FIELDS}
        # The form wrote its values onto the instance; member_update compares against the
        # stored values, so restore them first.
        for name, value in original.items():
            setattr(member, name, value)
        changed = member_update(member=member, changes=changes, actor=user, source="self-service")
        messages.success(request, "Saved." if changed else "Nothing had changed.")
        return redirect("my_details")
    return render(request, "members/me.html", {"member": member, "form": form})
