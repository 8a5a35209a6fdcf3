"""Reads for the GTVO pages: projected rows per constituency, branch breakdowns, trends."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from mandate.ballots.models import Ballot, Constituency
from mandate.ballots.rules import load_rulebooks
from mandate.law.arithmetic import percent
from mandate.law.model import Rulebook
from mandate.members.models import Employment, Member
from mandate.turnout.actions import tallies
from mandate.turnout.models import ContactStatus, GtvoSettings, Status, TurnoutSnapshot
from mandate.turnout.projection import Prior, Projection, last_safe_posting_day, project


def threshold_for(book: Rulebook, ballot: Ballot) -> Fraction | None:
    """The T-turnout share for BALLOT in BOOK's jurisdiction, or None where it does not apply."""
    rule = (
        book.rule("T-turnout", regime=ballot.regime)
        if ballot.regime
        else book.rule("T-turnout", on=ballot.opens)
    )
    return rule.fraction_param("share") if rule.applies else None


@dataclass(frozen=True)
class Row:
    constituency: Constituency
    projection: Projection
    last_posting_day: dt.date

    @property
    def said_voted_percent(self) -> str:
        p = self.projection
        return percent(p.said_voted, p.entitled) if p.entitled else "–"

    @property
    def estimate_percent(self) -> str:
        p = self.projection
        return percent(round(p.expected_votes), p.entitled) if p.entitled else "–"

    @property
    def band(self) -> str:
        p = self.projection
        if not p.entitled:
            return "–"
        return f"{percent(p.low_votes, p.entitled)} to {percent(p.high_votes, p.entitled)}"


def prior_for(gtvo: GtvoSettings) -> Prior:
    return Prior.from_turnout(gtvo.prior_turnout_percent, gtvo.prior_strength)


def constituency_rows(
    ballot: Ballot, constituencies: QuerySet[Constituency], gtvo: GtvoSettings
) -> list[Row]:
    """One projected row per constituency: three queries whatever the number (constituencies,
    the GROUP BY over status rows, rule overrides)."""
    chosen = list(constituencies.order_by("name"))
    counts = tallies(ballot, [c.pk for c in chosen] if len(chosen) < 500 else None)
    books = load_rulebooks()
    thresholds: dict[str, Fraction | None] = {}
    prior = prior_for(gtvo)
    rows: list[Row] = []
    for c in chosen:
        key = c.rulebook_key
        if key not in thresholds:
            thresholds[key] = threshold_for(books[key], ballot)
        tally = counts.get(c.pk)
        rows.append(
            Row(
                constituency=c,
                projection=project(
                    entitled=c.entitled_count or 0,
                    said_voted=tally.says_voted if tally else 0,
                    contacted=tally.contacted if tally else 0,
                    prior=prior,
                    threshold=thresholds[key],
                ),
                last_posting_day=last_safe_posting_day(
                    ballot.closes, gtvo.posting_lead_days, c.jurisdiction
                ),
            )
        )
    return rows


def league(rows: Iterable[Row], order: str) -> list[Row]:
    """Rows as a league table: by estimate (default) or by the share who said they voted."""

    def said(r: Row) -> Fraction:
        p = r.projection
        return Fraction(p.said_voted, p.entitled) if p.entitled else Fraction(0)

    def estimate(r: Row) -> float:
        return r.projection.estimate or 0.0

    key = said if order == "said" else estimate
    return sorted(rows, key=lambda r: (key(r), r.constituency.name), reverse=True)


@dataclass(frozen=True)
class Breakdown:
    """Said voted / entitled for one workplace or department of a constituency."""

    name: str
    entitled: int
    said_voted: int
    contacted: int

    @property
    def share(self) -> str:
        return percent(self.said_voted, self.entitled) if self.entitled else "–"

    @property
    def not_yet(self) -> int:
        return self.entitled - self.said_voted


def breakdowns(
    ballot: Ballot, constituency: Constituency, today: dt.date | None = None
) -> tuple[list[Breakdown], list[Breakdown]]:
    """The constituency's electorate by current workplace and by department: where the
    non-voters are. Two GROUP BY queries."""
    today = today or timezone.localdate()
    base = Employment.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=today),
        member__in=constituency.electorate.filter(entitled=True).values("member_id"),
    )
    if constituency.employer_id:
        base = base.filter(employer_id=constituency.employer_id)
    voted = ContactStatus.objects.filter(ballot=ballot, says_voted=True).values("member_id")
    contacted = ContactStatus.objects.filter(ballot=ballot, contacted=True).values("member_id")

    def group(field: str) -> list[Breakdown]:
        rows = (
            base.order_by()
            .values(f"{field}__name")
            .annotate(
                entitled=Count("member_id", distinct=True),
                voted=Count("member_id", distinct=True, filter=Q(member_id__in=voted)),
                reached=Count("member_id", distinct=True, filter=Q(member_id__in=contacted)),
            )
        )
        out = [
            Breakdown(
                r[f"{field}__name"] or "Not recorded", r["entitled"], r["voted"], r["reached"]
            )
            for r in rows
        ]
        return sorted(out, key=lambda b: (Fraction(b.said_voted, max(b.entitled, 1)), b.name))

    return group("workplace"), group("department")


def not_reached(
    ballot: Ballot, constituency: Constituency, members: QuerySet[Member], limit: int = 200
) -> list[dict[str, object]]:
    """Members of the constituency within MEMBERS (the viewer's reach) who have not said they
    voted, with their current answer: the list a rep works through."""
    statuses = dict(
        ContactStatus.objects.filter(ballot=ballot, constituency=constituency).values_list(
            "member_id", "status"
        )
    )
    entitled = constituency.electorate.filter(entitled=True).values("member_id")
    rows = (
        members.filter(pk__in=entitled)
        .exclude(pk__in=[m for m, s in statuses.items() if s == Status.SAYS_VOTED])
        .order_by("last_name", "first_name", "pk")
        .values("pk", "first_name", "last_name", "membership_number", "branch__slug")[:limit]
    )
    labels = dict(Status.choices)
    return [{**r, "status": labels[statuses.get(int(str(r["pk"])), Status.UNKNOWN)]} for r in rows]


@dataclass(frozen=True)
class TrendPoint:
    day: dt.date
    entitled: int
    says_voted: int
    contacted: int
    live: bool = False


def trend(constituency: Constituency, live: Row | None) -> list[TrendPoint]:
    """Daily snapshots, with today's live count appended when no snapshot covers today."""
    points = [
        TrendPoint(s.day, s.entitled, s.says_voted, s.contacted)
        for s in TurnoutSnapshot.objects.filter(constituency=constituency).order_by("day")
    ]
    today = timezone.localdate()
    if live is not None and (not points or points[-1].day < today):
        p = live.projection
        points.append(TrendPoint(today, p.entitled, p.said_voted, p.contacted, live=True))
    return points


def status_counts(ballot: Ballot, constituency_ids: list[int]) -> dict[str, int]:
    """How many members hold each answer, across the given constituencies."""
    rows = (
        ContactStatus.objects.filter(ballot=ballot, constituency_id__in=constituency_ids)
        .order_by()
        .values("status")
        .annotate(n=Count("pk"))
    )
    out: dict[str, int] = defaultdict(int)
    for r in rows:
        out[r["status"]] += r["n"]
    return dict(out)
