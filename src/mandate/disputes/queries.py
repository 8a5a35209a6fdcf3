"""Reads for the dispute pages: the metric charts, the framework tracker, the list."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Q, QuerySet
from django.utils.formats import date_format

from mandate.core import policy
from mandate.core.models import Employer, User
from mandate.core.policy import Perm
from mandate.disputes.models import (
    Dispute,
    Expectation,
    ExpectationStatus,
    ImplementationState,
    Metric,
    MetricValue,
)

# Charts ---------------------------------------------------------------------------------------
# Geometry in SVG user units; the SVG scales to its container, so one layout serves a 390 px
# phone and a desktop alike.
CHART_WIDTH = 360
CHART_HEIGHT = 200
PLOT_LEFT = 52
PLOT_RIGHT = CHART_WIDTH - 16
PLOT_TOP = 16
PLOT_BOTTOM = CHART_HEIGHT - 30
# Closest two date labels may sit on the x axis before they would overlap.
MIN_LABEL_GAP = 64


def format_number(value: Decimal | float) -> str:
    """1500 -> '1,500'; 2.5 -> '2.5': whole numbers without decimals, others trimmed."""
    number = Decimal(str(value))
    if number == number.to_integral_value():
        return f"{int(number):,}"
    return f"{number:,.2f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class ChartPoint:
    x: float
    y: float
    date: dt.date
    value: Decimal
    label: str  # the value as shown
    note: str

    @property
    def label_y(self) -> float:
        """Where the value's label sits: just above the point, inside the picture."""
        return max(self.y - 9, 11.0)


@dataclass(frozen=True)
class Tick:
    pos: float
    label: str
    anchor: str = "middle"


@dataclass(frozen=True)
class LineChart:
    """What the SVG template draws: a polyline through the points, with labelled axes."""

    title: str
    desc: str
    points: list[ChartPoint]
    polyline: str
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    show_values: bool
    width: int = CHART_WIDTH
    height: int = CHART_HEIGHT
    left: int = PLOT_LEFT
    right: int = PLOT_RIGHT
    top: int = PLOT_TOP
    bottom: int = PLOT_BOTTOM


def nice_step(span: float, target: int = 4) -> float:
    """A round step (1, 2, 2.5 or 5 times a power of ten) giving about TARGET intervals."""
    if span <= 0:
        return 1.0
    raw = span / target
    magnitude = 10.0 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 2.5, 5, 10):
        if multiple * magnitude >= raw:
            return multiple * magnitude
    return 10 * magnitude


def _axis_range(values: Sequence[float]) -> tuple[float, float, float]:
    # Counts start from zero so a fall from 47 to 2 looks like one; negatives extend below.
    lo, hi = min(0.0, *values), max(0.0, *values)
    if hi == lo:
        hi = lo + 1
    step = nice_step(hi - lo)
    return math.floor(lo / step) * step, math.ceil(hi / step) * step, step


def _x_ticks(points: list[ChartPoint]) -> list[Tick]:
    if not points:
        return []
    chosen = [points[0]]
    for point in points[1:-1]:
        if point.x - chosen[-1].x >= MIN_LABEL_GAP and points[-1].x - point.x >= MIN_LABEL_GAP:
            chosen.append(point)
    if len(points) > 1:
        if points[-1].x - chosen[-1].x < MIN_LABEL_GAP and len(chosen) > 1:
            chosen.pop()
        chosen.append(points[-1])
    ticks = []
    for i, point in enumerate(chosen):
        anchor = "middle"
        if len(chosen) > 1 and i == 0:
            anchor = "start"
        elif len(chosen) > 1 and i == len(chosen) - 1:
            anchor = "end"
        ticks.append(Tick(pos=point.x, label=date_format(point.date, "j M y"), anchor=anchor))
    return ticks


def line_chart(metric: Metric, values: Sequence[MetricValue]) -> LineChart | None:
    """Lay out METRIC's VALUES (in date order) as a line chart; None if there are none."""
    if not values:
        return None
    numbers = [float(v.value) for v in values]
    lo, hi, step = _axis_range(numbers)
    first, last = values[0].date, values[-1].date
    days = (last - first).days
    plot_w, plot_h = PLOT_RIGHT - PLOT_LEFT, PLOT_BOTTOM - PLOT_TOP

    def x_of(day: dt.date) -> float:
        if days == 0:
            return PLOT_LEFT + plot_w / 2
        return round(PLOT_LEFT + plot_w * (day - first).days / days, 1)

    def y_of(number: float) -> float:
        return round(PLOT_BOTTOM - plot_h * (number - lo) / (hi - lo), 1)

    unit = f" {metric.unit}" if metric.unit else ""
    points = [
        ChartPoint(
            x=x_of(v.date),
            y=y_of(n),
            date=v.date,
            value=v.value,
            label=format_number(v.value),
            note=v.note,
        )
        for v, n in zip(values, numbers, strict=True)
    ]
    y_ticks = []
    count = round((hi - lo) / step)
    for i in range(count + 1):
        number = lo + i * step
        y_ticks.append(Tick(pos=y_of(number), label=format_number(number), anchor="end"))
    desc = "; ".join(f"{p.label}{unit} on {date_format(p.date, 'j F Y')}" for p in points)
    return LineChart(
        title=f"{metric.name}, {len(points)} value{'s' if len(points) != 1 else ''}",
        desc=f"{metric.name}: {desc}.",
        points=points,
        polyline=" ".join(f"{p.x},{p.y}" for p in points),
        y_ticks=y_ticks,
        x_ticks=_x_ticks(points),
        show_values=len(points) <= 8,
    )


@dataclass(frozen=True)
class Trend:
    text: str
    badge: str  # ok (better), bad (worse) or "" (no change)


def trend(metric: Metric, values: Sequence[MetricValue]) -> Trend | None:
    """How the latest value compares with the first, and whether that is good news."""
    if len(values) < 2:
        return None
    first, last = values[0], values[-1]
    change = last.value - first.value
    since = date_format(first.date, "j F Y")
    if change == 0:
        return Trend(text=f"unchanged since {since}", badge="")
    better = (change > 0) == metric.higher_is_better
    direction = "up" if change > 0 else "down"
    return Trend(
        text=f"{direction} {format_number(abs(change))} since {since}",
        badge="ok" if better else "bad",
    )


@dataclass
class MetricPanel:
    metric: Metric
    values: list[MetricValue]
    chart: LineChart | None
    trend: Trend | None
    latest: MetricValue | None
    form: object = None  # the record-a-value form, bound when it came back with errors

    @property
    def latest_label(self) -> str:
        return format_number(self.latest.value) if self.latest else ""


def metric_panels(dispute: Dispute) -> list[MetricPanel]:
    """Every metric of DISPUTE with its history and chart, in two queries."""
    metrics = list(dispute.metrics.prefetch_related("values"))
    panels = []
    for metric in metrics:
        values = list(metric.values.all())
        panels.append(metric_panel(metric, values))
    return panels


def metric_panel(metric: Metric, values: list[MetricValue] | None = None) -> MetricPanel:
    if values is None:
        values = list(metric.values.all())
    return MetricPanel(
        metric=metric,
        values=values,
        chart=line_chart(metric, values),
        trend=trend(metric, values),
        latest=values[-1] if values else None,
    )


# The framework tracker --------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    expectation: Expectation
    state: ImplementationState
    note: str


@dataclass
class TrackerRow:
    employer: Employer
    cells: list[Cell]
    can_update: bool


@dataclass
class SummaryRow:
    expectation: Expectation
    counts: list[tuple[ImplementationState, int]]


@dataclass
class Tracker:
    expectations: list[Expectation]
    rows: list[TrackerRow]
    summary: list[SummaryRow]
    employers_total: int
    # Totals over every cell of the framework, per state.
    totals: list[tuple[ImplementationState, int]] = field(default_factory=list)

    @property
    def sees_all(self) -> bool:
        return len(self.rows) == self.employers_total


def tracker(
    dispute: Dispute, user: User | AnonymousUser, employers: QuerySet[Employer] | None = None
) -> Tracker:
    """The framework tracker of DISPUTE as USER may see it, in a fixed number of queries.

    Rows: the parties within the user's reach (every party for national officers). The summary
    counts cover every party: they name no employer.
    """
    expectations = list(dispute.expectations.all())
    parties = dispute.parties.all()
    employers_total = parties.count()
    visible_qs = parties.filter(pk__in=policy.employers_with(user, Perm.VIEW_DISPUTES).values("pk"))
    if employers is not None:
        visible_qs = visible_qs.filter(pk__in=employers.values("pk"))
    visible = list(visible_qs.order_by("name"))
    manageable = set(
        parties.filter(
            pk__in=policy.employers_with(user, Perm.MANAGE_DISPUTES).values("pk")
        ).values_list("pk", flat=True)
    )
    statuses: dict[tuple[int, int], ExpectationStatus] = {
        (s.expectation_id, s.employer_id): s
        for s in ExpectationStatus.objects.filter(
            expectation__dispute=dispute, employer__in=[e.pk for e in visible]
        )
    }
    rows = []
    for employer in visible:
        cells = []
        for expectation in expectations:
            status = statuses.get((expectation.pk, employer.pk))
            state = ImplementationState(status.state) if status else ImplementationState.NOT_STARTED
            cells.append(
                Cell(expectation=expectation, state=state, note=status.note if status else "")
            )
        rows.append(
            TrackerRow(employer=employer, cells=cells, can_update=employer.pk in manageable)
        )

    counted: dict[int, dict[str, int]] = defaultdict(dict)
    for item in (
        ExpectationStatus.objects.filter(expectation__dispute=dispute, employer__in=parties)
        .exclude(state=ImplementationState.NOT_STARTED)
        .values("expectation_id", "state")
        .annotate(n=Count("id"))
        .order_by()
    ):
        counted[item["expectation_id"]][item["state"]] = item["n"]
    summary = []
    totals = dict.fromkeys(ImplementationState, 0)
    for expectation in expectations:
        counts = counted.get(expectation.pk, {})
        started = sum(counts.values())
        row = []
        for state in ImplementationState:
            n = (
                employers_total - started
                if state == ImplementationState.NOT_STARTED
                else counts.get(state, 0)
            )
            row.append((state, n))
            totals[state] += n
        summary.append(SummaryRow(expectation=expectation, counts=row))
    return Tracker(
        expectations=expectations,
        rows=rows,
        summary=summary,
        employers_total=employers_total,
        totals=list(totals.items()),
    )


# The list -----------------------------------------------------------------------------------


def dispute_list(user: User | AnonymousUser) -> QuerySet[Dispute]:
    """The disputes USER may see, live ones first, with counts the list shows."""
    return (
        policy.disputes_for(user, Perm.VIEW_DISPUTES)
        .select_related("branch")
        .annotate(
            unmet=Count(
                "preconditions", filter=Q(preconditions__met_at__isnull=True), distinct=True
            ),
            party_count=Count("parties", distinct=True),
        )
        # "escalated" < "open" < "settled": the live disputes come first, the hottest on top.
        .order_by("status", "-opened_on", "name")
    )
