"""The rolling-wave planning problem and its answer, as plain data (no Django, no solver).

The planner works on regions and their branches; each branch covers one or more employers, and
the law works per employer: its bank holidays, its mandate's last lawful day and the notice of
action it must receive. The answer keeps every reason a day was chosen or refused, so an officer
can check the plan before a single notice is sent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mandate.law.model import Rulebook

# Jurisdictions as the core app stores them, with their label and the `holidays` subdivision.
JURISDICTION_LABELS: dict[str, str] = {
    "england": "England",
    "wales": "Wales",
    "scotland": "Scotland",
    "northern_ireland": "Northern Ireland",
}
SUBDIVISIONS: dict[str, str] = {
    "england": "ENG",
    "wales": "WLS",
    "scotland": "SCT",
    "northern_ireland": "NIR",
}
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class WaveInputError(ValueError):
    """The problem cannot be planned as given; ``field`` names the input at fault."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name
        self.message = message


def short_date(day: dt.date) -> str:
    """``Mon 7 Dec 2026``: the day name matters to a picket rota as much as the date."""
    return f"{DAY_NAMES[day.weekday()]} {day.day} {day:%b %Y}"


@dataclass(frozen=True)
class WaveEmployer:
    """One employer a branch covers: where the law is applied."""

    key: str
    name: str
    jurisdiction: str = "england"
    rulebook: str = "gb"
    # Last lawful day of the mandate on the question being planned; None: no statutory expiry.
    last_day: dt.date | None = None
    # "all_action": no action after last_day. "start_of_action": action must begin by it
    # (regime A, Northern Ireland); once begun, later days stay lawful.
    last_day_limits: str = "all_action"
    # The notice of action must follow the s231A result notice: the earliest day it may be
    # received. None: from the problem's ``today``.
    notice_from: dt.date | None = None


@dataclass(frozen=True)
class WaveBranch:
    key: str
    name: str
    employers: tuple[WaveEmployer, ...]


@dataclass(frozen=True)
class WaveRegion:
    key: str
    name: str
    branches: tuple[WaveBranch, ...]


@dataclass(frozen=True)
class WaveProblem:
    """Everything the planner needs; dates are calendar dates, weeks run Monday to Sunday."""

    regions: tuple[WaveRegion, ...]
    today: dt.date
    start: dt.date  # any day of week 1; normalised to its Monday
    weeks: int
    days_per_week: int
    rulebooks: Mapping[str, Rulebook] = field(default_factory=dict)
    max_consecutive: int = 5
    # Wave: regions out in turn, week by week. Otherwise every region strikes every week.
    wave: bool = True
    regions_per_week: int | None = None  # None: spread the regions evenly over the weeks
    blackouts: frozenset[dt.date] = frozenset()
    preferred: frozenset[dt.date] = frozenset()
    adjacent: tuple[tuple[str, str], ...] = ()  # pairs of region keys that border each other
    notice_by_agreement: bool = False
    # Officer's adjustments: branch-days taken out, and regions moved to a week (0-based).
    excluded: frozenset[tuple[str, dt.date]] = frozenset()
    pinned: Mapping[str, int] = field(default_factory=dict)
    time_limit: float = 4.0

    @property
    def monday(self) -> dt.date:
        return self.start - dt.timedelta(days=self.start.weekday())

    def week_of(self, day: dt.date) -> int:
        return (day - self.monday).days // 7

    def week_days(self, week: int) -> list[dt.date]:
        first = self.monday + dt.timedelta(days=7 * week)
        return [first + dt.timedelta(days=i) for i in range(5)]

    def validate(self) -> None:
        """Raise WaveInputError naming the field when the problem makes no sense."""
        if not self.regions:
            raise WaveInputError("regions", "there is no region with a live mandate to plan.")
        if not 1 <= self.weeks <= 26:
            raise WaveInputError("weeks", "plan between 1 and 26 weeks.")
        if not 1 <= self.days_per_week <= 5:
            raise WaveInputError("days_per_week", "strike days per week must be 1 to 5.")
        if not 1 <= self.max_consecutive <= 5:
            raise WaveInputError("max_consecutive", "consecutive days must be 1 to 5.")
        if self.regions_per_week is not None and not (
            1 <= self.regions_per_week <= len(self.regions)
        ):
            raise WaveInputError(
                "regions_per_week", f"regions out per week must be 1 to {len(self.regions)}."
            )
        if self.monday + dt.timedelta(days=7 * self.weeks) <= self.today:
            raise WaveInputError("start", "every week of the plan is already in the past.")
        keys = [r.key for r in self.regions]
        if len(set(keys)) != len(keys):
            raise WaveInputError("regions", "two regions share a key.")
        for region_key, week in self.pinned.items():
            if region_key not in keys:
                raise WaveInputError("pinned", f"no region {region_key!r} in the plan.")
            if not 0 <= week < self.weeks:
                raise WaveInputError("pinned", f"week {week + 1} is outside the plan.")
        for a, b in self.adjacent:
            if a not in keys or b not in keys:
                raise WaveInputError("adjacent", f"no region {a if a not in keys else b!r}.")
        for region in self.regions:
            for branch in region.branches:
                for employer in branch.employers:
                    if employer.jurisdiction not in SUBDIVISIONS:
                        raise WaveInputError(
                            "jurisdiction",
                            f"{employer.name}: unknown jurisdiction {employer.jurisdiction!r}.",
                        )


@dataclass(frozen=True)
class EmployerPlan:
    key: str
    name: str
    dates: tuple[dt.date, ...]
    notice_deadline: dt.date | None  # latest receipt of the notice of action for the first day
    notice_explanation: str
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class BranchPlan:
    key: str
    name: str
    region: str
    dates: tuple[dt.date, ...]
    employers: tuple[EmployerPlan, ...]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class RegionTurn:
    region: str
    name: str
    week: int  # 0-based
    dates: tuple[dt.date, ...]
    explanation: str


@dataclass(frozen=True)
class BlockedDay:
    day: dt.date
    reason: str
    region: str | None = None  # None: blocked everywhere in the plan

    @property
    def text(self) -> str:
        return f"{short_date(self.day)}: {self.reason}"


@dataclass(frozen=True)
class WavePlan:
    """The schedule, the notice deadlines, and why each choice was made."""

    status: str  # OPTIMAL, FEASIBLE (CP-SAT), HEURISTIC, or INFEASIBLE
    method: str  # "cp-sat" or "heuristic"
    objective: int
    solve_seconds: float
    monday: dt.date
    weeks: int
    regions: tuple[tuple[str, str], ...]  # (key, name) in the problem's order
    turns: tuple[RegionTurn, ...]
    branches: tuple[BranchPlan, ...]
    blocked: tuple[BlockedDay, ...]
    explanations: tuple[str, ...]
    issues: tuple[str, ...]

    def week_monday(self, week: int) -> dt.date:
        return self.monday + dt.timedelta(days=7 * week)

    def week_of(self, day: dt.date) -> int:
        return (day - self.monday).days // 7

    def turns_in(self, week: int) -> list[RegionTurn]:
        return [t for t in self.turns if t.week == week]

    def blocked_in(self, week: int) -> list[BlockedDay]:
        start = self.week_monday(week)
        end = start + dt.timedelta(days=6)
        return [b for b in self.blocked if start <= b.day <= end]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, so a plan an officer has checked can be carried in a signed form field."""
        return {
            "status": self.status,
            "method": self.method,
            "objective": self.objective,
            "solve_seconds": self.solve_seconds,
            "monday": self.monday.isoformat(),
            "weeks": self.weeks,
            "regions": [list(r) for r in self.regions],
            "turns": [
                {
                    "region": t.region,
                    "name": t.name,
                    "week": t.week,
                    "dates": [d.isoformat() for d in t.dates],
                    "explanation": t.explanation,
                }
                for t in self.turns
            ],
            "branches": [
                {
                    "key": b.key,
                    "name": b.name,
                    "region": b.region,
                    "dates": [d.isoformat() for d in b.dates],
                    "notes": list(b.notes),
                    "employers": [
                        {
                            "key": e.key,
                            "name": e.name,
                            "dates": [d.isoformat() for d in e.dates],
                            "notice_deadline": (
                                e.notice_deadline.isoformat() if e.notice_deadline else None
                            ),
                            "notice_explanation": e.notice_explanation,
                            "notes": list(e.notes),
                        }
                        for e in b.employers
                    ],
                }
                for b in self.branches
            ],
            "blocked": [
                {"day": b.day.isoformat(), "reason": b.reason, "region": b.region}
                for b in self.blocked
            ],
            "explanations": list(self.explanations),
            "issues": list(self.issues),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WavePlan:
        def day(value: str) -> dt.date:
            return dt.date.fromisoformat(value)

        return cls(
            status=str(data["status"]),
            method=str(data["method"]),
            objective=int(data["objective"]),
            solve_seconds=float(data["solve_seconds"]),
            monday=day(data["monday"]),
            weeks=int(data["weeks"]),
            regions=tuple((str(k), str(n)) for k, n in data["regions"]),
            turns=tuple(
                RegionTurn(
                    region=t["region"],
                    name=t["name"],
                    week=int(t["week"]),
                    dates=tuple(day(d) for d in t["dates"]),
                    explanation=t["explanation"],
                )
                for t in data["turns"]
            ),
            branches=tuple(
                BranchPlan(
                    key=b["key"],
                    name=b["name"],
                    region=b["region"],
                    dates=tuple(day(d) for d in b["dates"]),
                    notes=tuple(b["notes"]),
                    employers=tuple(
                        EmployerPlan(
                            key=e["key"],
                            name=e["name"],
                            dates=tuple(day(d) for d in e["dates"]),
                            notice_deadline=(
                                day(e["notice_deadline"]) if e["notice_deadline"] else None
                            ),
                            notice_explanation=e["notice_explanation"],
                            notes=tuple(e["notes"]),
                        )
                        for e in b["employers"]
                    ),
                )
                for b in data["branches"]
            ),
            blocked=tuple(
                BlockedDay(day=day(b["day"]), reason=b["reason"], region=b["region"])
                for b in data["blocked"]
            ),
            explanations=tuple(data["explanations"]),
            issues=tuple(data["issues"]),
        )
