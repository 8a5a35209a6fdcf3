"""Everything that changes GTVO state: contact reports, links, replacement requests, exports,
settings and daily snapshots.

``contact_record`` is the one way a report about a member's ballot paper gets in, whoever makes
it (the member's own link, a rep, the phone bank, a parsed text reply). Single reports are not
audited one by one (a phone bank makes thousands an evening and would drown the audit log);
they are kept in ``ContactEvent``. Exports and settings changes are audited.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from mandate.ballots.models import Ballot, BallotState, Constituency, ElectorateEntry
from mandate.core.audit import audit_record
from mandate.core.errors import DomainError, InvalidState
from mandate.core.models import User
from mandate.members.models import Member
from mandate.turnout.models import (
    STRENGTH,
    ContactEvent,
    ContactStatus,
    GtvoSettings,
    ReplacementRequest,
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


# Links ------------------------------------------------------------------------------------


def links_ensure(*, ballot: Ballot, member_ids: list[int]) -> dict[int, ContactStatus]:
    """Status rows (the holders of link nonces) for MEMBER_IDS in the electorate, created in bulk
    where missing. Members outside the electorate are left out."""
    found = {
        r.member_id: r
        for r in ContactStatus.objects.filter(ballot=ballot, member_id__in=member_ids)
    }
    missing = [m for m in member_ids if m not in found]
    if missing:
        entries = (
            ElectorateEntry.objects.filter(
                constituency__ballot=ballot, member_id__in=missing, entitled=True
            )
            .order_by("member_id", "constituency_id")
            .values_list("member_id", "constituency_id")
        )
        first: dict[int, int] = {}
        for member_id, constituency_id in entries:
            first.setdefault(member_id, constituency_id)
        ContactStatus.objects.bulk_create(
            (
                ContactStatus(ballot=ballot, member_id=m, constituency_id=c)
                for m, c in first.items()
            ),
            batch_size=5000,
            ignore_conflicts=True,
        )
        found.update(
            {
                r.member_id: r
                for r in ContactStatus.objects.filter(ballot=ballot, member_id__in=list(first))
            }
        )
    return found


@transaction.atomic
def link_rotate(
    *, ballot: Ballot, member: Member, actor: User | None, reason: str = ""
) -> ContactStatus:
    """Revoke MEMBER's personal link for BALLOT (a new one is made with the next message)."""
    from mandate.turnout.links import new_nonce

    row = status_row(ballot, member.pk, lock=True)
    row.nonce = new_nonce()
    row.link_revoked_at = timezone.now()
    row.save(update_fields=["nonce", "link_revoked_at"])
    audit_record(
        actor=actor,
        action="turnout.link_revoke",
        obj=ballot,
        branch=ballot.dispute.branch,
        detail={"member": member.pk, "reason": reason.strip()[:200]},
    )
    return row


# Replacement papers -----------------------------------------------------------------------

ADDRESS_FIELDS = ("address_line1", "address_line2", "town", "postcode")


@transaction.atomic
def replacement_request(
    *,
    ballot: Ballot,
    member: Member,
    address: dict[str, str],
    today: dt.date | None = None,
) -> ReplacementRequest:
    """Ask the scrutineer for a replacement paper posted to the confirmed home address."""
    from mandate.members.actions import member_update

    _check_open(ballot)
    today = today or timezone.localdate()
    gtvo = GtvoSettings.for_ballot(ballot)
    if not gtvo.replacement_open_on(today):
        raise GtvoError(
            f"Replacement papers can be asked for from {gtvo.window_opens:%-d %B} to "
            f"{gtvo.window_closes:%-d %B %Y}."
        )
    if not address.get("address_line1") or not address.get("postcode"):
        raise GtvoError("Give your home address and postcode: the paper is posted there.")
    row = status_row(ballot, member.pk, lock=True)
    pending = ReplacementRequest.objects.filter(
        ballot=ballot, member=member, exported_at__isnull=True
    ).first()
    changes = {f: address.get(f, "") for f in ADDRESS_FIELDS}
    member_update(member=member, changes=changes, actor=None, source="gtvo-link")
    if pending is not None:
        for f in ADDRESS_FIELDS:
            setattr(pending, f, changes[f])
        pending.at = timezone.now()
        pending.save(update_fields=[*ADDRESS_FIELDS, "at"])
        request = pending
    else:
        request = ReplacementRequest.objects.create(
            ballot=ballot, member=member, constituency_id=row.constituency_id, **changes
        )
    contact_record(
        ballot=ballot, member=member, status=Status.REPLACEMENT_REQUESTED, source=Source.SELF_REPORT
    )
    return request


REPLACEMENT_COLUMNS = (
    "membership_number",
    "first_name",
    "last_name",
    "address_line1",
    "address_line2",
    "town",
    "postcode",
    "constituency",
    "requested_at",
)


@transaction.atomic
def replacements_export(
    *, ballot: Ballot, actor: User | None, include_exported: bool = False
) -> tuple[str, int]:
    """The replacement requests as the scrutineer's CSV; marks them exported and audits the count.

    Cells a spreadsheet would run as formulas are neutralised.
    """
    from mandate.members.queries import neutralise_cell

    qs = ReplacementRequest.objects.filter(ballot=ballot).select_for_update()
    if not include_exported:
        qs = qs.filter(exported_at__isnull=True)
    requests = list(qs.select_related("member", "constituency").order_by("at", "pk"))
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(REPLACEMENT_COLUMNS)
    for r in requests:
        writer.writerow(
            neutralise_cell(v)
            for v in (
                r.member.membership_number,
                r.member.first_name,
                r.member.last_name,
                r.address_line1,
                r.address_line2,
                r.town,
                r.postcode,
                r.constituency.name,
                timezone.localtime(r.at).strftime("%Y-%m-%d %H:%M"),
            )
        )
    now = timezone.now()
    ReplacementRequest.objects.filter(
        pk__in=[r.pk for r in requests], exported_at__isnull=True
    ).update(exported_at=now)
    audit_record(
        actor=actor,
        action="turnout.replacements_export",
        obj=ballot,
        branch=ballot.dispute.branch,
        detail={"count": len(requests), "include_exported": include_exported},
    )
    return buffer.getvalue(), len(requests)


# Settings ---------------------------------------------------------------------------------

SETTINGS_FIELDS = (
    "replacement_opens",
    "replacement_closes",
    "posting_lead_days",
    "prior_turnout_percent",
    "prior_strength",
    "link_grace_days",
)


@transaction.atomic
def settings_save(*, ballot: Ballot, actor: User | None, values: dict[str, object]) -> GtvoSettings:
    """Save BALLOT's GTVO settings; audit which fields changed."""
    current = GtvoSettings.objects.select_for_update().filter(ballot=ballot).first()
    gtvo = current if current is not None else GtvoSettings(ballot=ballot)
    opens, closes = values.get("replacement_opens"), values.get("replacement_closes")
    if isinstance(opens, dt.date) and isinstance(closes, dt.date) and closes < opens:
        raise GtvoError("The replacement window must close on or after the day it opens.")
    changed = sorted(f for f in SETTINGS_FIELDS if f in values and getattr(gtvo, f) != values[f])
    for f in changed:
        setattr(gtvo, f, values[f])
    gtvo.updated_at = timezone.now()
    gtvo.updated_by = actor
    gtvo.save()
    audit_record(
        actor=actor,
        action="turnout.settings",
        obj=ballot,
        branch=ballot.dispute.branch,
        detail={"fields": changed},
    )
    return gtvo
