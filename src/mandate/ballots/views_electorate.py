"""The electorate of a ballot: who will be entitled to vote, and who is left out and why.

Before opening, officers record exclusions (leavers, voluntary redundancy, not in the called
group: British Airways v Unite 2009); opening freezes the list, which notices, turnout and later
call-outs are checked against (s232A).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from mandate.ballots import actions
from mandate.ballots.models import (
    Ballot,
    BallotKind,
    ElectorateEntry,
    ElectorateExclusion,
    ExclusionReason,
)
from mandate.core import policy
from mandate.core.access import request_user as _actor
from mandate.core.errors import DomainError
from mandate.core.policy import Perm
from mandate.members.models import Employment, Member


class ExclusionForm(forms.Form):
    membership_number = forms.CharField(max_length=30)
    reason = forms.ChoiceField(choices=ExclusionReason.choices)
    note = forms.CharField(max_length=200, required=False, help_text="Required for “Other”.")


def _ballot_employer_ids(ballot: Ballot) -> set[int]:
    ids = set(
        ballot.constituencies.exclude(employer__isnull=True).values_list("employer_id", flat=True)
    )
    if ballot.kind == BallotKind.AGGREGATED:
        ids |= set(ballot.dispute.parties.values_list("pk", flat=True))
    return ids


def _counts(ballot: Ballot) -> list[dict[str, Any]]:
    """Entitled and excluded per constituency: frozen rows once open, a preview before."""
    names = dict(ballot.constituencies.values_list("pk", "name"))
    entitled: Counter[int] = Counter()
    excluded: Counter[int] = Counter()
    rows: Iterable[tuple[int, bool]]
    if ballot.is_frozen:
        rows = ElectorateEntry.objects.filter(constituency__ballot=ballot).values_list(
            "constituency_id", "entitled"
        )
    else:
        rows = (
            (c.constituency_id, c.entitled)
            for c in actions.electorate_candidates(ballot, ballot.opens or timezone.localdate())
        )
    for constituency_id, is_entitled in rows:
        (entitled if is_entitled else excluded)[constituency_id] += 1
    return [
        {"name": name, "entitled": entitled[pk], "excluded": excluded[pk]}
        for pk, name in sorted(names.items(), key=lambda item: item[1])
    ]


@login_required
def electorate(request: HttpRequest, pk: int) -> HttpResponse:
    ballot = policy.get_ballot(request.user, pk, Perm.VIEW_BALLOTS)
    can_manage = policy.can_on_ballot(request.user, Perm.MANAGE_BALLOTS, ballot)
    visible = (
        set(policy.members_for(request.user, Perm.VIEW_MEMBERS).values_list("pk", flat=True))
        if can_manage
        else set()
    )
    exclusions = [
        {"exclusion": e, "member": e.member if e.member_id in visible else None}
        for e in ballot.exclusions.select_related("member").order_by("member__last_name")
    ]
    counts = _counts(ballot)
    return render(
        request,
        "ballots/electorate.html",
        {
            "ballot": ballot,
            "counts": counts,
            "total_entitled": sum(c["entitled"] for c in counts),
            "exclusions": exclusions,
            "hidden_exclusions": sum(1 for e in exclusions if e["member"] is None),
            "can_manage": can_manage and not ballot.is_frozen,
            "form": ExclusionForm(),
        },
    )


@login_required
@require_POST
def exclusion_add(request: HttpRequest, pk: int) -> HttpResponse:
    ballot = policy.get_ballot(request.user, pk, Perm.MANAGE_BALLOTS)
    form = ExclusionForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(request, f"{field.replace('_', ' ')}: {' '.join(map(str, errors))}")
        return redirect("ballots:electorate", pk=ballot.pk)
    number = form.cleaned_data["membership_number"].strip()
    member = (
        policy.members_for(request.user, Perm.VIEW_MEMBERS).filter(membership_number=number).first()
    )
    in_ballot = (
        member is not None
        and Employment.objects.filter(
            member=member, employer_id__in=_ballot_employer_ids(ballot)
        ).exists()
    )
    if member is None or not in_ballot:
        messages.error(
            request,
            f"membership number: {number} is not a member you can see at an employer in this "
            "ballot.",
        )
        return redirect("ballots:electorate", pk=ballot.pk)
    try:
        actions.exclusion_record(
            ballot=ballot,
            member_id=member.pk,
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data["note"],
            actor=_actor(request),
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{_label(member)} will not be balloted.")
    return redirect("ballots:electorate", pk=ballot.pk)


@login_required
@require_POST
def exclusion_remove(request: HttpRequest, pk: int, exclusion: int) -> HttpResponse:
    ballot = policy.get_ballot(request.user, pk, Perm.MANAGE_BALLOTS)
    found = ElectorateExclusion.objects.filter(pk=exclusion, ballot=ballot).first()
    if found is None:
        raise Http404("No such exclusion.")
    try:
        actions.exclusion_remove(exclusion=found, actor=_actor(request))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Exclusion removed: the member will be balloted.")
    return redirect("ballots:electorate", pk=ballot.pk)


def _label(member: Member) -> str:
    return f"{member.full_name} ({member.membership_number})"
