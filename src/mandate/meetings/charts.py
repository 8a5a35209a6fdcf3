"""Attendance over time for a recurring meeting: positions for a template of SVG primitives."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

WIDTH, HEIGHT = 340, 180
LEFT, RIGHT, TOP, BOTTOM = 36, 8, 10, 24


@dataclass(frozen=True)
class AttendancePoint:
    day: dt.date
    present: int
    meeting_id: int


@dataclass(frozen=True)
class AttendanceChart:
    width: int
    height: int
    points: str
    dots: list[dict[str, object]]
    axis: list[dict[str, object]]
    labels: list[dict[str, object]]
    left: int
    right: int
    bottom: int
    top_value: int


def _nice_top(value: int) -> int:
    """The y-axis top: the peak rounded up to a round number (at least 10)."""
    for step in (10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000):
        if value <= step * 4:
            return max(step, -(-value // step) * step)
    return -(-value // 10000) * 10000


def attendance_chart(points: list[AttendancePoint]) -> AttendanceChart:
    inner_w = WIDTH - LEFT - RIGHT
    inner_h = HEIGHT - TOP - BOTTOM
    top = _nice_top(max((p.present for p in points), default=0))

    def y(value: int) -> float:
        return round(TOP + inner_h * (1 - value / top), 1)

    def x(i: int) -> float:
        if len(points) == 1:
            return round(LEFT + inner_w / 2, 1)
        return round(LEFT + inner_w * i / (len(points) - 1), 1)

    coords, dots, labels = [], [], []
    step = max(1, len(points) // 5)
    for i, p in enumerate(points):
        coords.append(f"{x(i)},{y(p.present)}")
        dots.append(
            {"x": x(i), "y": y(p.present), "title": f"{p.day:%a %-d %b}: {p.present:,} present"}
        )
        if i % step == 0 or i == len(points) - 1:
            labels.append({"x": x(i), "text": f"{p.day:%-d %b}"})
    axis = [{"y": y(top * k // 4), "text": f"{top * k // 4:,}"} for k in range(5)]
    return AttendanceChart(
        width=WIDTH,
        height=HEIGHT,
        points=" ".join(coords),
        dots=dots,
        axis=axis,
        labels=labels,
        left=LEFT,
        right=WIDTH - RIGHT,
        bottom=HEIGHT - BOTTOM,
        top_value=top,
    )
