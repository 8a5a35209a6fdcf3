"""Reads used by the pages, the commands and the notices: results with their mandates, the
national table, the mandate register across disputes, result notice figures."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from django.db.models import Q, QuerySet

from mandate.ballots.models import (
    Ballot,
    ChecklistStep,
    Constituency,
    Mandate,
    QuestionKind,
    Result,
    StepStatus,
)
from mandate.core.models import Employer, Jurisdiction
from mandate.law.arithmetic import meets_share, percent, share_label
from mandate.law.model import Rulebook

MANDATE_COLUMNS = (
    "constituency",
    "jurisdiction",
    "question",
    "entitled",
    "turnout",
    "yes",
    "no",
    "turnout_met",
    "majority_met",
    "mandate",
    "last_day",
    "reason",
)

# Days-left marks on the mandate register: a reminder to plan action or re-ballot in time.
WARNING_DAYS = (30, 14, 7)


def mandate_rows(ballot: Ballot) -> list[dict[str, Any]]:
    """One row per constituency and question: the figures, each threshold and the mandate.

    ``turnout`` is the number of papers returned (votes cast); percentages are for display only.
    """
    results = {
        (r.constituency_id, r.question): r
        for r in Result.objects.filter(constituency__ballot=ballot)
    }
    rows = []
    for m in Mandate.objects.filter(constituency__ballot=ballot).select_related("constituency"):
        r = results.get((m.constituency_id, m.question))
        if r is None:
            continue
        rows.append(
            {
                "constituency": m.constituency.name,
                "jurisdiction": m.constituency.jurisdiction,
                "question": m.question,
                "entitled": r.entitled,
                "turnout": r.votes_cast,
                "yes": r.yes,
                "no": r.no,
                "turnout_met": m.turnout_met,
                "majority_met": m.majority_met,
                "mandate": m.granted,
                "last_day": m.last_day.isoformat() if m.last_day else None,
                "reason": m.reason,
            }
        )
    rows.sort(key=lambda row: (row["constituency"], row["question"]))
    return rows


@dataclass
class ResultLine:
    """A constituency's results and mandates, ready for a table."""

    constituency: Constituency
    by_question: dict[str, tuple[Result | None, Mandate | None]]
    entitled: int | None
    votes_cast: int | None

    @property
    def turnout_text(self) -> str:
        if self.entitled and self.votes_cast is not None:
            return percent(self.votes_cast, self.entitled)
        return "—"

    def turnout_key(self) -> Fraction:
        if self.entitled and self.votes_cast is not None:
            return Fraction(self.votes_cast, self.entitled)
        return Fraction(-1)

    @property
    def strike(self) -> tuple[Result | None, Mandate | None]:
        return self.by_question.get(QuestionKind.STRIKE, (None, None))

    @property
    def asos(self) -> tuple[Result | None, Mandate | None]:
        return self.by_question.get(QuestionKind.ASOS, (None, None))


SORTS = {
    "name": "constituency name",
    "turnout": "turnout, highest first",
    "-turnout": "turnout, lowest first",
}


def result_lines(ballot: Ballot, sort: str = "name") -> list[ResultLine]:
    """Every constituency with its results and mandates, in three queries whatever the size."""
    constituencies = list(ballot.constituencies.select_related("employer").order_by("name"))
    results = list(Result.objects.filter(constituency__ballot=ballot))
    mandates = list(Mandate.objects.filter(constituency__ballot=ballot))
    by_c: dict[int, dict[str, list[Any]]] = {}
    for r in results:
        by_c.setdefault(r.constituency_id, {}).setdefault(r.question, [None, None])[0] = r
    for m in mandates:
        by_c.setdefault(m.constituency_id, {}).setdefault(m.question, [None, None])[1] = m
    lines = []
    for c in constituencies:
        questions = by_c.get(c.pk, {})
        first = next((pair[0] for pair in questions.values() if pair[0] is not None), None)
        lines.append(
            ResultLine(
                constituency=c,
                by_question={q: (pair[0], pair[1]) for q, pair in questions.items()},
                entitled=first.entitled if first else c.entitled_count,
                votes_cast=first.votes_cast if first else None,
            )
        )
    if sort == "turnout":
        lines.sort(key=lambda line: (-line.turnout_key(), line.constituency.name))
    elif sort == "-turnout":
        lines.sort(key=lambda line: (line.turnout_key(), line.constituency.name))
    return lines


@dataclass
class ChartBar:
    label: str
    x: int
    width: int
    y: float
    height: float
    turnout: str
    met: bool


@dataclass
class Chart:
    """Turnout per constituency against the threshold line, as SVG primitives."""

    width: int
    height: int
    line_y: float
    line_label: str
    bars: list[ChartBar]


CHART_HEIGHT = 200
BAR_WIDTH = 8
BAR_GAP = 2


def turnout_chart(lines: list[ResultLine], threshold: Fraction | None) -> Chart:
    """Bars of turnout (0-100%) per constituency, with the threshold drawn as a line."""
    bars: list[ChartBar] = []
    x = 0
    for line in lines:
        if not line.entitled or line.votes_cast is None:
            continue
        share = Fraction(line.votes_cast, line.entitled)
        height = float(min(share, Fraction(1)) * CHART_HEIGHT)
        met = threshold is None or meets_share(line.votes_cast, line.entitled, threshold)
        bars.append(
            ChartBar(
                label=line.constituency.name,
                x=x,
                width=BAR_WIDTH,
                y=CHART_HEIGHT - height,
                height=height,
                turnout=line.turnout_text,
                met=met,
            )
        )
        x += BAR_WIDTH + BAR_GAP
    share = threshold if threshold is not None else Fraction(0)
    return Chart(
        width=max(x, 100),
        height=CHART_HEIGHT,
        line_y=float(CHART_HEIGHT - share * CHART_HEIGHT),
        line_label=f"{share_label(share)} turnout" if threshold else "",
        bars=bars,
    )


def checklist(ballot: Ballot) -> QuerySet[ChecklistStep]:
    return ballot.steps.select_related("employer").order_by("phase", "order", "employer__name")


@dataclass
class RegisterLine:
    mandate: Mandate
    days_left: int
    warning: int | None  # the tightest of WARNING_DAYS reached, if any


def mandate_register(ballots: QuerySet[Ballot], today: dt.date) -> list[RegisterLine]:
    """Live mandates across the given ballots, soonest expiry first, with days left."""
    rows = (
        Mandate.objects.filter(constituency__ballot__in=ballots, granted=True, last_day__gte=today)
        .select_related("constituency", "constituency__ballot", "constituency__ballot__dispute")
        .order_by("last_day", "constituency__name", "question")
    )
    lines = []
    for m in rows:
        if m.last_day is None:
            continue
        left = (m.last_day - today).days
        reached = [d for d in WARNING_DAYS if left <= d]
        lines.append(
            RegisterLine(mandate=m, days_left=left, warning=min(reached) if reached else None)
        )
    return lines


@dataclass
class NoticeFigures:
    """Every figure s231 and s231A require, for one constituency and question; no member named."""

    constituency: str
    question: str
    entitled: int | None
    votes_cast: int
    yes: int
    no: int | None
    spoiled: int | None
    turnout: str
    turnout_threshold: str
    support_threshold: str
    majority: str
    mandate: bool


def _met(value: bool | None, label: str) -> str:
    if value is None:
        return f"{label} does not apply"
    return f"{label} met" if value else f"{label} not met"


def notice_figures(
    ballot: Ballot, *, employer_id: int | None, books: dict[str, Rulebook]
) -> list[NoticeFigures]:
    """The figures of every constituency (or one employer's) for each question asked."""
    lines = result_lines(ballot)
    figures = []
    for line in lines:
        c = line.constituency
        if employer_id is not None and c.employer_id != employer_id:
            continue
        book = books[Jurisdiction(c.jurisdiction).rulebook]
        for question in ballot.questions:
            result, mandate = line.by_question.get(question, (None, None))
            if result is None or mandate is None:
                continue
            turnout_rule = book.rule("T-turnout", regime=mandate.regime)
            ips_rule = book.rule("T-ips", regime=mandate.regime)
            turnout_label = (
                f"{share_label(turnout_rule.fraction_param('share'))} turnout threshold"
                if turnout_rule.applies
                else "Turnout threshold"
            )
            support_label = (
                f"{share_label(ips_rule.fraction_param('share'))} support threshold"
                if ips_rule.applies
                else "Support threshold (important public services)"
            )
            figures.append(
                NoticeFigures(
                    constituency=c.name,
                    question=QuestionKind(question).label,
                    entitled=result.entitled,
                    votes_cast=result.votes_cast,
                    yes=result.yes,
                    no=result.no,
                    spoiled=result.spoiled,
                    turnout=percent(result.votes_cast, result.entitled) if result.entitled else "—",
                    turnout_threshold=_met(mandate.turnout_met, turnout_label),
                    support_threshold=_met(mandate.ips_met, support_label),
                    majority="Majority voted yes"
                    if mandate.majority_met
                    else "No majority for yes",
                    mandate=mandate.granted,
                )
            )
    return figures


def attention_steps(
    ballots: QuerySet[Ballot],
    today: dt.date,
    *,
    employers: QuerySet[Employer] | None = None,
    horizon_days: int = 7,
) -> list[ChecklistStep]:
    """Statutory steps still to do that are overdue or due within HORIZON_DAYS, soonest first;
    steps for one employer only where it is among EMPLOYERS (when given)."""
    steps = ChecklistStep.objects.all()
    if employers is not None:
        steps = steps.filter(Q(employer__isnull=True) | Q(employer__in=employers))
    return list(
        steps.filter(
            ballot__in=ballots,
            status=StepStatus.PENDING,
            due__isnull=False,
            due__lte=today + dt.timedelta(days=horizon_days),
        )
        .select_related("ballot", "employer")
        .order_by("due", "ballot_id", "order")[:12]
    )
