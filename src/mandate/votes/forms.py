"""The officers' form for a new e-ballot: every field labelled, every error naming its field."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import Q
from django.utils import timezone

from mandate.core import policy
from mandate.core.models import Branch, User
from mandate.core.policy import Perm
from mandate.disputes.models import DisputeScope
from mandate.members.models import Segment
from mandate.votes.actions import MAX_CHOICES

LOCAL_INPUT = "%Y-%m-%dT%H:%M"
ACROSS = "all"


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format=LOCAL_INPUT)


def _set_choices(form: forms.Form, name: str, choices: list[tuple[Any, str]]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)  # noqa: S101 - a programming error, not input
    field.choices = choices


class PollForm(forms.Form):
    title = forms.CharField(max_length=200, label="Title")
    question = forms.CharField(
        label="Question put to members",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Shown above the choices on the voting page.",
    )
    choices = forms.CharField(
        label="Choices, one per line",
        widget=forms.Textarea(attrs={"rows": 3}),
        initial="Yes\nNo",
    )
    scope = forms.ChoiceField(label="Who votes")
    dispute = forms.ChoiceField(label="Dispute", required=False)
    segment = forms.ChoiceField(
        label="Segment",
        required=False,
        help_text="Leave empty for every active member in scope. The roll is frozen when the "
        "ballot opens.",
    )
    opens_at = forms.DateTimeField(
        label="Opens", widget=LocalDateTimeInput(), input_formats=[LOCAL_INPUT]
    )
    closes_at = forms.DateTimeField(
        label="Closes", widget=LocalDateTimeInput(), input_formats=[LOCAL_INPUT]
    )
    min_branch_votes = forms.IntegerField(
        label="Show a branch's result only if it cast at least",
        min_value=5,
        max_value=1000,
        initial=10,
        help_text="Votes. Fewer than 10 risks showing how individuals voted.",
    )

    def __init__(self, data: Any = None, *, user: User) -> None:
        super().__init__(data)
        self.user = user
        self.national = policy.has_national(user, Perm.MANAGE_POLLS)
        self.branches = list(policy.branches_with(user, Perm.MANAGE_POLLS).order_by("name"))
        scopes: list[tuple[str, str]] = []
        if self.national:
            scopes.append((ACROSS, "Members across branches (national)"))
        scopes += [(str(b.pk), f"{b.name} only") for b in self.branches]
        _set_choices(self, "scope", scopes)
        disputes = policy.disputes_for(user, Perm.MANAGE_DISPUTES).order_by("name")
        self.disputes = {str(d.pk): d for d in disputes.select_related("branch")[:200]}
        _set_choices(
            self, "dispute", [("", "None")] + [(k, d.name) for k, d in self.disputes.items()]
        )
        segments = Segment.objects.filter(
            Q(branch__in=self.branches) | Q(branch__isnull=True)
            if self.national
            else Q(branch__in=self.branches)
        ).select_related("branch")
        self.segments = {str(s.pk): s for s in segments.order_by("name")[:300]}
        _set_choices(
            self,
            "segment",
            [("", "All active members in scope")]
            + [
                (k, f"{s.name} ({s.branch.name if s.branch else 'national'})")
                for k, s in self.segments.items()
            ],
        )
        if not self.is_bound:
            now = timezone.localtime().replace(second=0, microsecond=0)
            self.initial.setdefault("opens_at", now + dt.timedelta(hours=1))
            self.initial.setdefault("closes_at", now + dt.timedelta(days=7))

    def clean_choices(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["choices"].splitlines()]
        labels = [line for line in lines if line]
        if len(labels) < 2:
            raise forms.ValidationError("Give at least two choices, one per line.")
        if len(labels) > MAX_CHOICES:
            raise forms.ValidationError(f"Give at most {MAX_CHOICES} choices.")
        return labels

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        scope = data.get("scope")
        branch: Branch | None = None
        if scope and scope != ACROSS:
            branch = next((b for b in self.branches if str(b.pk) == scope), None)
        data["branch_obj"] = branch
        dispute = self.disputes.get(data.get("dispute") or "")
        data["dispute_obj"] = dispute
        own_branch = branch.pk if branch is not None else None
        if (
            dispute is not None
            and dispute.scope == DisputeScope.LOCAL
            and dispute.branch_id != own_branch
        ):
            self.add_error(
                "scope", f"{dispute.name} is a dispute of one branch: choose that branch."
            )
        segment = self.segments.get(data.get("segment") or "")
        data["segment_obj"] = segment
        if segment is not None and segment.branch_id not in (None, own_branch):
            self.add_error(
                "segment",
                "That segment belongs to one branch: choose that branch under “Who votes”.",
            )
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", "Closing time must be after the opening time.")
        if closes and closes <= timezone.now():
            self.add_error("closes_at", "Closing time must be in the future.")
        return data
