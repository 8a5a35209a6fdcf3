"""Everything that changes industrial action: creating and calling it, its notices of action,
employers' critical dates, solidarity events, calendar links and planned escalations.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.db import transaction
from django.utils import timezone

from mandate.actions.models import (
    Action,
    ActionDay,
    ActionKind,
    ActionStatus,
    AsosType,
    Pattern,
)
from mandate.ballots.models import Ballot, Constituency
from mandate.core.audit import audit_record
from mandate.core.errors import DomainError
from mandate.core.models import User, Workplace
from mandate.disputes.models import Dispute


class ActionError(DomainError):
    """An action cannot be created or changed as asked; the message says why."""


def _validate_shape(
    *,
    kind: str,
    asos_type: str,
    pattern: str,
    dates: Sequence[dt.date],
    start_date: dt.date | None,
    end_date: dt.date | None,
) -> None:
    if kind not in ActionKind.values:
        raise ActionError(f"Kind {kind!r} is not strike or action short of strike.")
    if kind == ActionKind.ASOS and asos_type not in AsosType.values:
        raise ActionError("Say which action short of strike is called (asos_type).")
    if kind == ActionKind.STRIKE and asos_type:
        raise ActionError("A strike has no type of action short of strike.")
    if pattern not in Pattern.values:
        raise ActionError(f"Pattern {pattern!r} is not continuous or discontinuous.")
    if pattern == Pattern.DISCONTINUOUS:
        if not dates:
            raise ActionError("Discontinuous action needs at least one date.")
        if start_date or end_date:
            raise ActionError("Discontinuous action lists its dates; it has no start or end date.")
    else:
        if dates:
            raise ActionError("Continuous action has a start date, not a list of dates.")
        if start_date is None:
            raise ActionError("Continuous action needs a start date.")
        if end_date is not None and end_date < start_date:
            raise ActionError(
                f"The end date {end_date:%d %B %Y} is before the start date {start_date:%d %B %Y}."
            )


def action_create(
    *,
    dispute: Dispute,
    ballot: Ballot,
    title: str,
    kind: str,
    constituencies: Iterable[Constituency],
    pattern: str = Pattern.DISCONTINUOUS,
    dates: Iterable[dt.date] = (),
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
    asos_type: str = "",
    categories: str = "",
    workplaces: Iterable[Workplace] = (),
    instructions: str = "",
    actor: User | None,
) -> Action:
    """Plan an action in DISPUTE under BALLOT's mandates; nothing is called until action_call."""
    day_list = sorted(set(dates))
    chosen = list(constituencies)
    places = list(workplaces)
    title = title.strip()
    if not title:
        raise ActionError("Give the action a title.")
    _validate_shape(
        kind=kind,
        asos_type=asos_type,
        pattern=pattern,
        dates=day_list,
        start_date=start_date,
        end_date=end_date,
    )
    if ballot.dispute_id != dispute.pk:
        raise ActionError(f"The ballot “{ballot.name}” belongs to another dispute.")
    if kind not in ballot.questions:
        raise ActionError(
            f"The ballot “{ballot.name}” did not ask about {ActionKind(kind).label.lower()}, "
            "so it cannot authorise it (s229(2))."
        )
    if not chosen:
        raise ActionError("Choose at least one constituency to call.")
    foreign = [c.name for c in chosen if c.ballot_id != ballot.pk]
    if foreign:
        raise ActionError(f"Not constituencies of “{ballot.name}”: {', '.join(foreign)}.")
    employer_ids = {c.employer_id for c in chosen if c.employer_id is not None}
    stray = [w.name for w in places if w.employer_id not in employer_ids]
    if stray:
        raise ActionError(
            f"Workplaces not at an employer of the chosen constituencies: {', '.join(stray)}."
        )
    with transaction.atomic():
        action = Action.objects.create(
            dispute=dispute,
            ballot=ballot,
            title=title[:200],
            kind=kind,
            asos_type=asos_type if kind == ActionKind.ASOS else "",
            pattern=pattern,
            start_date=start_date,
            end_date=end_date,
            categories=categories.strip(),
            instructions=instructions.strip(),
            created_by=actor,
        )
        action.constituencies.set(chosen)
        action.workplaces.set(places)
        ActionDay.objects.bulk_create([ActionDay(action=action, date=d) for d in day_list])
        audit_record(
            actor=actor,
            action="action.create",
            obj=action,
            branch=dispute.branch,
            detail={
                "kind": kind,
                "pattern": pattern,
                "days": len(day_list),
                "constituencies": len(chosen),
            },
        )
    return action


def action_add_days(*, action: Action, dates: Iterable[dt.date], actor: User | None) -> int:
    """Add dates to a discontinuous action; a notice already served does not cover them."""
    if action.pattern != Pattern.DISCONTINUOUS:
        raise ActionError("Continuous action has no list of dates; change its end date instead.")
    if action.status == ActionStatus.ENDED:
        raise ActionError(f"The action “{action.title}” has ended.")
    with transaction.atomic():
        existing = set(action.listed_days())
        new = sorted(set(dates) - existing)
        ActionDay.objects.bulk_create([ActionDay(action=action, date=d) for d in new])
        audit_record(
            actor=actor,
            action="action.add_days",
            obj=action,
            branch=action.dispute.branch,
            detail={"added": len(new)},
        )
    return len(new)


def action_transition(*, action: Action, status: str, actor: User | None) -> Action:
    """Move ACTION to STATUS where no check is needed (taking place, suspended, ended)."""
    if status == ActionStatus.CALLED:
        raise ActionError("Calling action runs every check first: use the Call button.")
    with transaction.atomic():
        locked = Action.objects.select_for_update().get(pk=action.pk)
        locked.check_transition(status)
        previous = locked.status
        locked.status = status
        fields = ["status"]
        if status == ActionStatus.SUSPENDED:
            locked.suspended_at = timezone.now()
            locked.employer_agreed_resumption = False
            fields += ["suspended_at", "employer_agreed_resumption"]
        locked.save(update_fields=fields)
        audit_record(
            actor=actor,
            action="action.status",
            obj=locked,
            branch=locked.dispute.branch,
            detail={"from": previous, "to": status},
        )
    return locked
