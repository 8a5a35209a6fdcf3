"""From the database to a wave problem: the ballot's live mandates, by region and branch."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from mandate.actions.waves.problem import WaveBranch, WaveEmployer, WaveRegion
from mandate.ballots.models import Ballot, Mandate, NoticeKind, ResultNotice
from mandate.core.models import Branch, Region


@dataclass(frozen=True)
class Scope:
    """What one planner run covers: the regions in reach and the ballot's live mandates there."""

    regions: tuple[WaveRegion, ...]
    # Constituencies with a live mandate that no branch covers, or with no employer (an
    # aggregated constituency): shown so nobody is silently left out.
    left_out: tuple[str, ...]


def ballots_with_mandates(ballots: QuerySet[Ballot], today: dt.date) -> QuerySet[Ballot]:
    """Ballots with at least one granted mandate still running on TODAY."""
    live = Mandate.objects.filter(
        Q(last_day__gte=today) | Q(last_day__isnull=True), granted=True
    ).values("constituency__ballot_id")
    return ballots.filter(pk__in=live).select_related("dispute").order_by("-closes", "name")


def wave_scope(
    *, ballot: Ballot, question: str, regions: QuerySet[Region], today: dt.date
) -> Scope:
    """Regions in reach, with each branch's employers that hold a live mandate on QUESTION."""
    mandates = list(
        Mandate.objects.filter(constituency__ballot=ballot, question=question, granted=True)
        .select_related("constituency", "constituency__employer")
        .order_by("constituency__name")
    )
    # Later rows overwrite earlier ones in the dict, so newest first leaves the first letter.
    letters: dict[int | None, dt.datetime] = dict(
        ResultNotice.objects.filter(ballot=ballot, kind=NoticeKind.EMPLOYER_LETTER)
        .order_by("-sent_at")
        .values_list("employer_id", "sent_at")
    )
    branches = list(
        Branch.objects.filter(region__in=regions)
        .select_related("region")
        .prefetch_related("employers")
        .order_by("region__name", "name")
    )
    branch_of: dict[int, Branch] = {}
    for branch in branches:
        for employer in branch.employers.all():
            branch_of.setdefault(employer.pk, branch)
    covered = set(
        Branch.employers.through.objects.filter(
            employer_id__in=[m.constituency.employer_id for m in mandates]
        ).values_list("employer_id", flat=True)
    )
    by_branch: dict[int, list[WaveEmployer]] = defaultdict(list)
    left_out: list[str] = []
    for mandate in mandates:
        constituency = mandate.constituency
        if mandate.last_day is not None and mandate.last_day < today:
            continue
        owner = branch_of.get(constituency.employer_id or 0)
        if owner is None:
            # Another region's branch is simply out of this officer's reach; only a
            # constituency no branch covers at all is worth flagging.
            if constituency.employer_id not in covered:
                left_out.append(constituency.name)
            continue
        # The notice of action must follow the s231A letter (Metrobus): from the day it was
        # sent, or the ballot's closing day if none is recorded yet.
        sent = letters.get(constituency.employer_id or 0) or letters.get(None)
        notice_from = timezone.localdate(sent) if sent is not None else ballot.closes
        by_branch[owner.pk].append(
            WaveEmployer(
                key=str(constituency.pk),
                name=constituency.name,
                jurisdiction=constituency.jurisdiction,
                rulebook=constituency.rulebook_key,
                last_day=mandate.last_day,
                last_day_limits=mandate.last_day_limits or "all_action",
                notice_from=notice_from,
            )
        )
    out: list[WaveRegion] = []
    by_region: dict[int, list[WaveBranch]] = defaultdict(list)
    names: dict[int, Region] = {}
    for branch in branches:
        if by_branch.get(branch.pk):
            by_region[branch.region_id].append(
                WaveBranch(key=branch.slug, name=branch.name, employers=tuple(by_branch[branch.pk]))
            )
            names[branch.region_id] = branch.region
    for region_id, wave_branches in by_region.items():
        region = names[region_id]
        out.append(WaveRegion(key=region.slug, name=region.name, branches=tuple(wave_branches)))
    return Scope(regions=tuple(out), left_out=tuple(left_out))
