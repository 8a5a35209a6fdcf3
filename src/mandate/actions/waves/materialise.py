"""Turn a checked wave plan into planned actions, one per branch and set of dates."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict

from django.db import transaction

from mandate.actions.actions import action_create
from mandate.actions.models import Action
from mandate.actions.waves.problem import WavePlan, short_date
from mandate.ballots.models import Ballot, Constituency, Mandate
from mandate.core.audit import audit_record
from mandate.core.errors import DomainError
from mandate.core.models import AuditEvent, User


class WaveError(DomainError):
    """A plan cannot be turned into actions as it stands; the message says what changed."""


def plan_digest(ballot: Ballot, question: str, plan: WavePlan) -> str:
    """A fingerprint of what the plan would create, so the same plan is not created twice."""
    shape = sorted(
        (e.key, [d.isoformat() for d in e.dates])
        for b in plan.branches
        for e in b.employers
        if e.dates
    )
    text = json.dumps([ballot.pk, question, shape])
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def wave_materialise(
    *, ballot: Ballot, question: str, plan: WavePlan, today: dt.date, actor: User | None
) -> list[Action]:
    """Create a planned action per branch and set of dates; refuse if the law no longer fits."""
    wanted = {e.key: e for b in plan.branches for e in b.employers if e.dates}
    if not wanted:
        raise WaveError("The plan has no strike days to create.")
    digest = plan_digest(ballot, question, plan)
    with transaction.atomic():
        # Serialises two clicks on "Create" for the same ballot, so the duplicate check holds.
        Ballot.objects.select_for_update().get(pk=ballot.pk)
        if AuditEvent.objects.filter(action="wave.materialise", detail__digest=digest).exists():
            raise WaveError("These planned actions were already created from this plan.")
        constituencies = {
            str(c.pk): c
            for c in Constituency.objects.filter(ballot=ballot, pk__in=[int(k) for k in wanted])
        }
        mandates = {
            str(m.constituency_id): m
            for m in Mandate.objects.filter(
                constituency__ballot=ballot, question=question, granted=True
            )
        }
        problems: list[str] = []
        for key, employer in wanted.items():
            mandate = mandates.get(key)
            if key not in constituencies or mandate is None:
                problems.append(f"{employer.name}: no longer holds a mandate on this question.")
                continue
            if (
                mandate.last_day is not None
                and mandate.last_day_limits != "start_of_action"
                and employer.dates[-1] > mandate.last_day
            ):
                problems.append(
                    f"{employer.name}: its mandate now ends {short_date(mandate.last_day)}, "
                    f"before {short_date(employer.dates[-1])}."
                )
            if employer.notice_deadline is not None and employer.notice_deadline < today:
                problems.append(
                    f"{employer.name}: the notice for {short_date(employer.dates[0])} had to be "
                    f"received by {short_date(employer.notice_deadline)}; plan again."
                )
        if problems:
            raise WaveError(" ".join(problems))
        created: list[Action] = []
        for branch in plan.branches:
            groups: dict[tuple[dt.date, ...], list[Constituency]] = defaultdict(list)
            for employer in branch.employers:
                if employer.dates:
                    groups[employer.dates].append(constituencies[employer.key])
            for dates, chosen in groups.items():
                weeks = sorted({plan.week_of(d) + 1 for d in dates})
                label = ", ".join(str(w) for w in weeks)
                created.append(
                    action_create(
                        dispute=ballot.dispute,
                        ballot=ballot,
                        title=f"Rolling wave: {branch.name}, week {label}",
                        kind=question,
                        constituencies=chosen,
                        dates=dates,
                        instructions=(
                            "Part of a rolling regional wave: "
                            + "; ".join(short_date(d) for d in dates)
                        ),
                        actor=actor,
                    )
                )
        audit_record(
            actor=actor,
            action="wave.materialise",
            obj=ballot,
            branch=ballot.dispute.branch,
            detail={"digest": digest, "actions": len(created), "employers": len(wanted)},
        )
    return created
