"""Attendance per picketing day, grouped by round, as positions for a template of SVG primitives:
one bar a day, rounds side by side, so growth from one round to the next is plain to see."""

from __future__ import annotations

from dataclasses import dataclass

from mandate.pickets.queries import Round

WIDTH, HEIGHT = 340, 190
LEFT, RIGHT, TOP, BOTTOM = 30, 6, 10, 36
GAP = 8  # between rounds
SHADES = ("#8a1538", "#1f5fbf", "#2e7d32", "#b26a00", "#5e35b1")


def _nice_top(value: int) -> int:
    for step in (5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000):
        if value <= step * 4:
            return max(step, -(-value // step) * step)
    return -(-value // 10000) * 10000


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[dict[str, object]]
    rounds: list[dict[str, object]]
    axis: list[dict[str, object]]
    left: int
    right: int
    bottom: int


def attendance_chart(rounds: list[Round]) -> Chart | None:
    days = sum(len(r.days) for r in rounds)
    if not days:
        return None
    inner_w = WIDTH - LEFT - RIGHT - GAP * (len(rounds) - 1)
    inner_h = HEIGHT - TOP - BOTTOM
    top = _nice_top(max(r.peak for r in rounds))
    slot = inner_w / days
    width = max(2.0, min(28.0, slot * 0.8))

    def y(value: int) -> float:
        return round(TOP + inner_h * (1 - value / top), 1)

    bars: list[dict[str, object]] = []
    labels: list[dict[str, object]] = []
    x = float(LEFT)
    for i, r in enumerate(rounds):
        start = x
        shade = SHADES[i % len(SHADES)]
        for d in r.days:
            bars.append(
                {
                    "x": round(x + (slot - width) / 2, 1),
                    "y": y(d.count),
                    "w": round(width, 1),
                    "h": round(y(0) - y(d.count), 1),
                    "fill": shade,
                    "title": f"{r.action.title}, {d.date:%a %-d %b}: {d.count:,} on the line",
                }
            )
            x += slot
        labels.append(
            {
                "x": round((start + x) / 2, 1),
                "text": f"{r.days[0].date:%-d %b}",
                "sub": f"avg {r.average:.0f}",
                "fill": shade,
            }
        )
        x += GAP
    axis = [{"y": y(v), "text": f"{v:,}"} for v in (0, top // 2, top)]
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        bars=bars,
        rounds=labels,
        axis=axis,
        left=LEFT,
        right=WIDTH - RIGHT,
        bottom=HEIGHT - BOTTOM,
    )
