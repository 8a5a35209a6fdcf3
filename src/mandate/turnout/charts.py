"""The trend chart's geometry: positions for a template of SVG primitives (no drawing here)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from mandate.law.arithmetic import percent
from mandate.turnout.queries import TrendPoint

WIDTH, HEIGHT = 340, 180
LEFT, RIGHT, TOP, BOTTOM = 34, 8, 10, 24


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    points: str  # "x,y x,y ..." for a polyline of the said-voted share
    contacted: str  # the same for the contacted share
    dots: list[dict[str, object]]
    line_y: float | None  # the threshold line
    line_label: str
    axis: list[dict[str, object]]  # y-axis ticks
    labels: list[dict[str, object]]  # x-axis day labels
    left: int
    right: int
    bottom: int


def trend_chart(points: list[TrendPoint], threshold: Fraction | None) -> Chart:
    inner_w = WIDTH - LEFT - RIGHT
    inner_h = HEIGHT - TOP - BOTTOM

    def y(share: float) -> float:
        return round(TOP + inner_h * (1 - share), 1)

    def x(i: int) -> float:
        return round(
            LEFT + (inner_w * i / (len(points) - 1) if len(points) > 1 else inner_w / 2), 1
        )

    said, reached, dots, labels = [], [], [], []
    step = max(1, len(points) // 5)
    for i, p in enumerate(points):
        share = p.says_voted / p.entitled if p.entitled else 0.0
        seen = p.contacted / p.entitled if p.entitled else 0.0
        said.append(f"{x(i)},{y(share)}")
        reached.append(f"{x(i)},{y(seen)}")
        dots.append(
            {
                "x": x(i),
                "y": y(share),
                "title": f"{p.day:%-d %b}: {p.says_voted:,} of {p.entitled:,} said voted"
                + (f" ({percent(p.says_voted, p.entitled)})" if p.entitled else "")
                + (" (live)" if p.live else ""),
                "live": p.live,
            }
        )
        if i % step == 0 or i == len(points) - 1:
            labels.append({"x": x(i), "text": f"{p.day:%-d %b}"})
    axis = [{"y": y(t / 100), "text": f"{t}%"} for t in (0, 25, 50, 75, 100)]
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        points=" ".join(said),
        contacted=" ".join(reached),
        dots=dots,
        line_y=y(float(threshold)) if threshold is not None else None,
        line_label=f"{float(threshold) * 100:g}% needed" if threshold is not None else "",
        axis=axis,
        labels=labels,
        left=LEFT,
        right=WIDTH - RIGHT,
        bottom=HEIGHT - BOTTOM,
    )
