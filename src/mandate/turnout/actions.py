"""Everything that changes GTVO state: contact reports, links, replacement requests, exports,
settings and daily snapshots.

``contact_record`` is the one way a report about a member's ballot paper gets in, whoever makes
it (the member's own link, a rep, the phone bank, a parsed text reply). Single reports are not
audited one by one (a phone bank makes thousands an evening and would drown the audit log);
they are kept in ``ContactEvent``. Exports and settings changes are audited.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from mandate.ballots.models import Ballot, BallotState, Constituency, ElectorateEntry
from mandate.core.errors import DomainError, InvalidState
from mandate.core.models import User
from mandate.members.models import Member
from mandate.turnout.models import (
    STRENGTH,
    ContactEvent,
    ContactStatus,
    Source,
    Status,
    TurnoutSnapshot,
)


class GtvoError(DomainError):
    """A GTVO report or change cannot be made as asked; the message says why."""


@dataclass(frozen=True)
class Recorded:
    """What ``contact_record`` did: the member's status after it, the event, and whether the
    report changed the status (False when a stronger source had already said otherwise)."""

    status: ContactStatus
    event: ContactEvent
    applied: bool


def _check_open(ballot: Ballot) -> None:
    if ballot.state != BallotState.OPEN:
        label = BallotState(ballot.state).label.lower()
        raise InvalidState(
            f"The ballot “{ballot.name}” is {label}: GTVO reports are taken only while it is open."
        )


def electorate_constituency(ballot: Ballot, member_id: int) -> int | None:
    """The constituency MEMBER is entitled to vote in on BALLOT, or None if not entitled.

    A member entitled in two constituencies (two employers) is counted in the first, by id.
    """
    return (
        ElectorateEntry.objects.filter(
            constituency__ballot=ballot, member_id=member_id, entitled=True
        )
        .order_by("constituency_id")
        .values_list("constituency_id", flat=True)
        .first()
    )


def status_row(ballot: Ballot, member_id: int, *, lock: bool = False) -> ContactStatus:
    """MEMBER's status row on BALLOT, created (status unknown) on first use.

    Raises GtvoError if the member is not in the ballot's frozen electorate.
    """
    qs = ContactStatus.objects.filter(ballot=ballot, member_id=member_id)
    if lock:
        qs = qs.select_for_update()
    row = qs.first()
    if row is not None:
        return row
    constituency_id = electorate_constituency(ballot, member_id)
    if constituency_id is None:
        raise GtvoError("This member is not entitled to vote in this ballot.")
    try:
        # A savepoint: a concurrent first report for the same member may win the insert.
        with transaction.atomic():
            return ContactStatus.objects.create(
                ballot=ballot, member_id=member_id, constituency_id=constituency_id
            )
    except IntegrityError:
        return qs.get()


@transaction.atomic
def contact_record(
    *,
    ballot: Ballot,
    member: Member,
    status: str,
    source: str,
    actor: User | None = None,
    note: str = "",
    at: dt.datetime | None = None,
) -> Recorded:
    """Record a report about MEMBER's ballot paper; a weaker source never overwrites a stronger."""
    if status not in Status.values or status == Status.UNKNOWN:
        raise GtvoError(f"{status!r} is not a GTVO answer.")
    if source not in Source.values:
        raise GtvoError(f"{source!r} is not a source of GTVO reports.")
    _check_open(ballot)
    at = at or timezone.now()
    # The row lock serialises concurrent reports about one member (PostgreSQL); SQLite's
    # IMMEDIATE transactions serialise all writers anyway.
    row = status_row(ballot, member.pk, lock=True)
    strength = STRENGTH[source]
    applied = strength > row.strength or (
        strength == row.strength and (row.at is None or at >= row.at)
    )
    if applied:
        row.set_from(status, source, at)
        row.save(update_fields=["status", "source", "strength", "at", "says_voted", "contacted"])
    event = ContactEvent.objects.create(
        ballot=ballot,
        member=member,
        constituency_id=row.constituency_id,
        status=status,
        source=source,
        at=at,
        actor=actor,
        note=note.strip()[:200],
        applied=applied,
    )
    return Recorded(status=row, event=event, applied=applied)


@dataclass(frozen=True)
class Tally:
    """One constituency's live counts."""

    constituency_id: int
    says_voted: int
    contacted: int


def tallies(ballot: Ballot, constituencies: list[int] | None = None) -> dict[int, Tally]:
    """Said-voted and contacted counts per constituency, in one GROUP BY over status rows."""
    qs = ContactStatus.objects.filter(ballot=ballot)
    if constituencies is not None:
        qs = qs.filter(constituency_id__in=constituencies)
    rows = (
        qs.order_by()
        .values("constituency_id")
        .annotate(
            voted=Count("pk", filter=Q(says_voted=True)),
            contacted=Count("pk", filter=Q(contacted=True)),
        )
    )
    return {
        r["constituency_id"]: Tally(r["constituency_id"], r["voted"], r["contacted"]) for r in rows
    }


@transaction.atomic
def snapshots_take(*, ballot: Ballot, day: dt.date | None = None) -> int:
    """Record every constituency's counts for DAY (today), replacing that day's earlier ones."""
    day = day or timezone.localdate()
    counts = tallies(ballot)
    constituencies = list(
        Constituency.objects.filter(ballot=ballot).values_list("pk", "entitled_count")
    )
    now = timezone.now()
    for pk, entitled in constituencies:
        tally = counts.get(pk, Tally(pk, 0, 0))
        TurnoutSnapshot.objects.update_or_create(
            constituency_id=pk,
            day=day,
            defaults={
                "entitled": entitled or 0,
                "says_voted": tally.says_voted,
                "contacted": tally.contacted,
                "taken_at": now,
            },
        )
    return len(constituencies)
