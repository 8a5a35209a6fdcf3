from __future__ import annotations

from typing import Any

from django import forms

from mandate.core.actions import BRANCH_GRANTABLE
from mandate.core.models import Branch, Department, RoleKind, User, Workplace


class RoleGrantForm(forms.Form):
    username = forms.SlugField(
        max_length=150,
        help_text="An existing login, or a new one to create (letters, numbers, - and _).",
    )
    first_name = forms.CharField(max_length=150, required=False, help_text="For a new login.")
    kind = forms.ChoiceField(label="Role", choices=[(k.value, k.label) for k in BRANCH_GRANTABLE])
    title = forms.CharField(max_length=100, required=False, help_text="e.g. Branch treasurer")
    workplaces = forms.ModelMultipleChoiceField(
        queryset=Workplace.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="For a rep: the workplaces they cover.",
    )
    departments = forms.ModelMultipleChoiceField(
        queryset=Department.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="For a rep: the departments they cover.",
    )
    membership_number = forms.CharField(
        max_length=30, required=False, help_text="For a member: their membership number."
    )

    def __init__(self, *args: Any, branch: Branch, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.branch = branch
        employers = branch.employers.all()
        self.fields["workplaces"].queryset = Workplace.objects.filter(  # type: ignore[attr-defined]
            employer__in=employers
        ).select_related("employer")
        self.fields["departments"].queryset = Department.objects.filter(  # type: ignore[attr-defined]
            employer__in=employers
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind")
        if kind == RoleKind.REP and not (data.get("workplaces") or data.get("departments")):
            self.add_error("workplaces", "A rep covers at least one workplace or department.")
        if kind == RoleKind.MEMBER:
            from mandate.members.models import Member

            number = (data.get("membership_number") or "").strip()
            member = Member.objects.filter(branch=self.branch, membership_number=number).first()
            if member is None:
                self.add_error(
                    "membership_number", "No member of this branch has that membership number."
                )
            elif member.user is not None and member.user.username != data.get("username"):
                self.add_error("membership_number", "That member already has a login.")
            data["member"] = member
        username = data.get("username")
        if username and not User.objects.filter(username=username).exists():
            data["new_user"] = True
        return data
