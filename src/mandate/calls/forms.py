"""Forms for the phone-banking pages: each field labelled, each error saying what to fix."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import Q
from django.utils import timezone

from mandate.ballots.models import Ballot, BallotState, Constituency
from mandate.calls.actions import GOAL_CHOICES, NOTE_MAX, SCRIPT_MAX
from mandate.calls.models import (
    DEFAULT_GOAL,
    MAX_COOLDOWN_HOURS,
    MAX_HELD,
    Outcome,
    PriorityOrder,
)
from mandate.core import policy
from mandate.core.models import Branch, Role, RoleKind, User
from mandate.core.policy import Perm
from mandate.members.models import Segment

LOCAL_INPUT = "%Y-%m-%dT%H:%M"
# A national list of possible callers is cut here; add the rest on the assignment's page.
MAX_CALLER_CHOICES = 500
CALLER_KINDS = (RoleKind.CALLER, RoleKind.REP, RoleKind.BRANCH_OFFICER)
NATIONAL = "national"


def _set_choices(form: forms.Form, name: str, choices: list[tuple[Any, str]]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)  # noqa: S101 - a programming error, not input
    field.choices = choices


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format=LOCAL_INPUT)


def callable_ballots(user: User) -> list[Ballot]:
    """Open ballots the user may run a phone bank on: their branches' own ballots, and national
    ballots (for their branch's members, or everyone's if they are a national officer)."""
    qs = Ballot.objects.filter(state=BallotState.OPEN).select_related("dispute")
    if not policy.has_national(user, Perm.MANAGE_BALLOTS):
        qs = qs.filter(
            Q(dispute__branch__isnull=True)
            | Q(dispute__branch__in=policy.branches_with(user, Perm.MANAGE_BALLOTS))
        )
    return list(qs.order_by("-opens", "name")[:100])


def caller_choices(user: User, branches: list[Branch], national: bool) -> list[tuple[int, str]]:
    roles = Role.objects.filter(kind__in=CALLER_KINDS)
    if not national:
        roles = roles.filter(branch__in=branches)
    ids = roles.values("user_id")
    people = (
        User.objects.filter(Q(pk__in=ids) | Q(pk=user.pk))
        .order_by("username")
        .values_list("pk", "username", "first_name", "last_name")[:MAX_CALLER_CHOICES]
    )
    return [
        (pk, f"{name} ({first} {last})".replace(" ( )", "")) for pk, name, first, last in people
    ]


class AssignmentForm(forms.Form):
    name = forms.CharField(max_length=200, help_text="e.g. Liverpool GTVO evening calls")
    ballot = forms.TypedChoiceField(coerce=int, label="Ballot (open ballots only)")
    branch = forms.ChoiceField(
        label="Branch", help_text="Whose members to call; a national list needs a national role."
    )
    constituency = forms.TypedChoiceField(
        coerce=int, required=False, empty_value=None, label="Constituency (leave at all)"
    )
    segment = forms.TypedChoiceField(
        coerce=int, required=False, empty_value=None, label="Only members of this saved segment"
    )
    goal_statuses = forms.MultipleChoiceField(
        choices=GOAL_CHOICES,
        initial=list(DEFAULT_GOAL),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Stop calling a member once they have said",
        help_text="Members who asked not to be contacted, opted out of calls or have no number "
        "are never called.",
    )
    priority_order = forms.ChoiceField(
        choices=PriorityOrder.choices, initial=PriorityOrder.THRESHOLD, label="Who to call first"
    )
    cooldown_hours = forms.IntegerField(
        min_value=0,
        max_value=MAX_COOLDOWN_HOURS,
        initial=24,
        label="Hours between two calls to the same member",
    )
    max_held = forms.IntegerField(
        min_value=1, max_value=MAX_HELD, initial=1, label="Contacts one caller may hold at once"
    )
    script = forms.CharField(
        required=False,
        max_length=SCRIPT_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Merge fields: {first_name}, {constituency}. Never ask members to vote at work "
        "or to photograph their paper.",
    )
    ends_at = forms.DateTimeField(
        widget=LocalDateTimeInput(), input_formats=[LOCAL_INPUT], label="Ends at"
    )
    callers = forms.TypedMultipleChoiceField(
        coerce=int, required=False, widget=forms.CheckboxSelectMultiple, label="Callers"
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.national = policy.has_national(user, Perm.MANAGE_BALLOTS)
        self.ballots = {b.pk: b for b in callable_ballots(user)}
        _set_choices(self, "ballot", [(pk, b.name) for pk, b in self.ballots.items()])
        branches = list(policy.branches_with(user, Perm.MANAGE_BALLOTS).order_by("name")[:500])
        self.branches = {str(b.pk): b for b in branches}
        branch_choices = [(str(b.pk), b.name) for b in branches]
        if self.national:
            branch_choices.insert(0, (NATIONAL, "National: every branch"))
        _set_choices(self, "branch", branch_choices)
        constituencies = Constituency.objects.filter(ballot_id__in=list(self.ballots)).order_by(
            "ballot_id", "name"
        )
        self.constituencies = {c.pk: c for c in constituencies}
        _set_choices(
            self,
            "constituency",
            [("", "All constituencies")]
            + [
                (c.pk, f"{c.name} ({self.ballots[c.ballot_id].name})")
                for c in self.constituencies.values()
            ],
        )
        segments = Segment.objects.filter(
            Q(branch__in=branches) | (Q(branch__isnull=True) if self.national else Q(pk__in=[]))
        ).order_by("name")
        self.segments = {s.pk: s for s in segments}
        _set_choices(
            self,
            "segment",
            [("", "Everyone in the target")] + [(s.pk, s.name) for s in self.segments.values()],
        )
        _set_choices(self, "callers", caller_choices(user, branches, self.national))
        if not self.is_bound:
            self.initial.setdefault(
                "ends_at", (timezone.localtime() + dt.timedelta(days=7)).replace(second=0)
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        ballot = self.ballots.get(data.get("ballot") or 0)
        branch_key = data.get("branch")
        branch = self.branches.get(branch_key or "")
        data["ballot_obj"] = ballot
        data["branch_obj"] = branch
        if ballot is not None and branch_key:
            own = ballot.dispute.branch_id
            if own is not None and (branch is None or branch.pk != own):
                self.add_error("branch", "A local ballot's phone bank belongs to its own branch.")
        constituency = self.constituencies.get(data.get("constituency") or 0)
        if data.get("constituency") and (
            constituency is None or ballot is None or constituency.ballot_id != ballot.pk
        ):
            self.add_error("constituency", "Choose a constituency of the chosen ballot.")
        data["constituency_obj"] = constituency
        segment = self.segments.get(data.get("segment") or 0)
        if (
            segment is not None
            and branch is not None
            and segment.branch_id not in (None, branch.pk)
        ):
            self.add_error("segment", "Choose a segment of the chosen branch.")
        data["segment_obj"] = segment
        return data


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(choices=Outcome.choices)
    note = forms.CharField(
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Note for the next caller (optional)",
    )
    call_back_at = forms.DateTimeField(
        required=False,
        widget=LocalDateTimeInput(),
        input_formats=[LOCAL_INPUT],
        label="Call back at (for “Call back later”)",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("outcome") == Outcome.CALL_BACK and not data.get("call_back_at"):
            self.add_error("call_back_at", "Say when to call back, then tap “Call back later”.")
        return data


class CallersForm(forms.Form):
    callers = forms.TypedMultipleChoiceField(
        coerce=int, required=False, widget=forms.CheckboxSelectMultiple, label="Callers"
    )

    def __init__(
        self,
        *args: Any,
        user: User,
        branch: Branch | None,
        current: list[int],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        branches = [branch] if branch is not None else []
        choices = caller_choices(user, branches, branch is None)
        known = {pk for pk, _ in choices}
        # Current callers stay listed (and can be removed) even outside the usual choices.
        extra = User.objects.filter(pk__in=set(current) - known).order_by("username")
        choices += [(u.pk, u.username) for u in extra]
        _set_choices(self, "callers", choices)
