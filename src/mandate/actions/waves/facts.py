"""What the calendar and the law allow, day by day, before any choice is made.

Both the CP-SAT model and the heuristic read the same facts and score with the same weights, so
their plans can be compared number for number.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from functools import cache

import holidays

from mandate.actions.waves.problem import (
    JURISDICTION_LABELS,
    SUBDIVISIONS,
    WaveEmployer,
    WaveProblem,
    short_date,
)
from mandate.law.calculate import action_notice_deadline
from mandate.law.model import Rulebook
from mandate.law.registry import rulebook_for

# Objective weights. A branch joining a strike day is the point of the plan; a preferred date
# (graduation, clearing, open day) is worth two branch-days; following the rotation order breaks
# ties; neighbouring regions out together and a region out two weeks running are avoided where
# possible; breaking the weekly spread (a week with no region, a region with no turn) costs
# more than anything else can win.
W_BRANCH_DAY = 10
W_PREFERRED = 20
W_ROTATION = 3
W_ADJACENT = 15
W_REPEAT = 8
W_SPREAD = 1000
# Mid-week days are preferred for a short turn (Tue-Thu rather than Mon-Wed): pickets and
# members' meetings are easier to staff, and a Monday or Friday strike is read as a long weekend.
WEEKDAY_BONUS = (0, 1, 2, 1, 0, 0, 0)

# A notice period never runs past this many days in any rulebook; the search stops there.
_NOTICE_SEARCH_DAYS = 120


@cache
def bank_holidays(jurisdiction: str, year: int) -> dict[dt.date, str]:
    """Bank holidays of one UK nation in one year, by the `holidays` package's calendar."""
    found = holidays.country_holidays("GB", subdiv=SUBDIVISIONS[jurisdiction], years=[year])
    return {day: str(name) for day, name in found.items()}


def bank_holiday(jurisdiction: str, day: dt.date) -> str | None:
    return bank_holidays(jurisdiction, day.year).get(day)


def _rulebook(problem: WaveProblem, key: str) -> Rulebook:
    book = problem.rulebooks.get(key)
    return book if book is not None else rulebook_for(key)


def earliest_first_day(book: Rulebook, receipt: dt.date, by_agreement: bool) -> dt.date:
    """The earliest day of action a notice received on RECEIPT is in time for.

    Asks the rulebook for the latest receipt of each candidate day, so a change of regime
    between receipt and action is handled as the law engine handles it.
    """
    for offset in range(_NOTICE_SEARCH_DAYS):
        day = receipt + dt.timedelta(days=offset)
        deadline = action_notice_deadline(book, first_action=day, by_agreement=by_agreement)
        if deadline is None or deadline.date >= receipt:
            return day
    return receipt + dt.timedelta(days=_NOTICE_SEARCH_DAYS)


@dataclass
class EmployerFacts:
    employer: WaveEmployer
    receipt: dt.date  # the earliest day the notice can be received
    earliest: dt.date  # the earliest notice-safe first day
    book: Rulebook
    # Weekday -> reason it is refused (missing: allowed, subject to start_of_action limits).
    refused: dict[dt.date, str] = field(default_factory=dict)

    def allows(self, day: dt.date) -> bool:
        return day not in self.refused


@dataclass
class Facts:
    problem: WaveProblem
    weekdays: list[dt.date]
    employers: dict[str, EmployerFacts]  # by employer key
    # (region key, day) -> number of branches able to join; only days with at least one.
    weight: dict[tuple[str, dt.date], int]
    blocked: dict[dt.date, str]  # weekdays blocked for the whole plan, with the reason
    # Region key -> week -> the best choice of days for a turn and its score (None: no turn).
    turn_options: dict[str, dict[int, tuple[tuple[dt.date, ...], int] | None]]
    turn_refusals: dict[tuple[str, int], str]  # why a region cannot take a turn in a week

    def region_keys(self) -> list[str]:
        return [r.key for r in self.problem.regions]

    def day_score(self, region: str, day: dt.date) -> int:
        weight = self.weight.get((region, day), 0)
        if weight == 0:
            return 0
        score = W_BRANCH_DAY * weight + WEEKDAY_BONUS[day.weekday()]
        if day in self.problem.preferred:
            score += W_PREFERRED
        return score

    def usable(self, region: str, week: int) -> list[dt.date]:
        return [d for d in self.problem.week_days(week) if self.weight.get((region, d), 0) > 0]


def _consecutive_ok(days: tuple[dt.date, ...], limit: int) -> bool:
    run = 1
    for a, b in itertools.pairwise(days):
        run = run + 1 if (b - a).days == 1 else 1
        if run > limit:
            return False
    return True


def gather(problem: WaveProblem) -> Facts:
    """Work out, for every weekday of the plan, who may strike and why not."""
    problem.validate()
    weekdays = [d for w in range(problem.weeks) for d in problem.week_days(w)]
    blocked: dict[dt.date, str] = {}
    for day in weekdays:
        if day in problem.blackouts:
            blocked[day] = "blackout date chosen by the officer"
        elif day <= problem.today:
            blocked[day] = "already past: a notice can no longer reach it"

    employers: dict[str, EmployerFacts] = {}
    notice_cache: dict[tuple[str, dt.date], dt.date] = {}
    for region in problem.regions:
        for branch in region.branches:
            for employer in branch.employers:
                if employer.key in employers:
                    continue
                book = _rulebook(problem, employer.rulebook)
                receipt = max(problem.today, employer.notice_from or problem.today)
                cache_key = (employer.rulebook, receipt)
                if cache_key not in notice_cache:
                    notice_cache[cache_key] = earliest_first_day(
                        book, receipt, problem.notice_by_agreement
                    )
                facts = EmployerFacts(employer, receipt, notice_cache[cache_key], book)
                label = JURISDICTION_LABELS[employer.jurisdiction]
                for day in weekdays:
                    holiday = bank_holiday(employer.jurisdiction, day)
                    if day in blocked:
                        facts.refused[day] = blocked[day]
                    elif holiday:
                        facts.refused[day] = f"{holiday} ({label})"
                    elif day < facts.earliest:
                        facts.refused[day] = (
                            f"too soon: a notice received {short_date(receipt)} is in time only "
                            f"for action from {short_date(facts.earliest)}"
                        )
                    elif (
                        employer.last_day is not None
                        and day > employer.last_day
                        and employer.last_day_limits != "start_of_action"
                    ):
                        facts.refused[day] = (
                            f"its mandate ends {short_date(employer.last_day)} (A-mandate)"
                        )
                employers[employer.key] = facts

    # A branch-day the officer unticked still counts here: the officer took one branch out of
    # a day, and the region's days should not shift under the other branches because of it.
    weight: dict[tuple[str, dt.date], int] = {}
    for region in problem.regions:
        for day in weekdays:
            count = sum(
                1
                for branch in region.branches
                if any(employers[e.key].allows(day) for e in branch.employers)
            )
            if count:
                weight[(region.key, day)] = count

    facts_out = Facts(problem, weekdays, employers, weight, blocked, {}, {})
    for region in problem.regions:
        options: dict[int, tuple[tuple[dt.date, ...], int] | None] = {}
        for week in range(problem.weeks):
            options[week] = _best_turn(facts_out, region.key, week)
            if options[week] is None:
                facts_out.turn_refusals[(region.key, week)] = _why_no_turn(
                    facts_out, region.key, week
                )
        facts_out.turn_options[region.key] = options
    return facts_out


def _best_turn(facts: Facts, region: str, week: int) -> tuple[tuple[dt.date, ...], int] | None:
    """The highest-scoring choice of a week's days for one region's turn (ties: earliest)."""
    problem = facts.problem
    usable = facts.usable(region, week)
    best: tuple[tuple[dt.date, ...], int] | None = None
    for combo in itertools.combinations(usable, problem.days_per_week):
        if not _consecutive_ok(combo, problem.max_consecutive):
            continue
        score = sum(facts.day_score(region, d) for d in combo)
        if best is None or score > best[1]:
            best = (combo, score)
    return best


def _why_no_turn(facts: Facts, region: str, week: int) -> str:
    problem = facts.problem
    days = problem.week_days(week)
    usable = facts.usable(region, week)
    if len(usable) >= problem.days_per_week:
        return (
            f"{problem.days_per_week} days cannot be found in week {week + 1} without more than "
            f"{problem.max_consecutive} consecutive days"
        )
    reasons = []
    for day in days:
        if day in usable:
            continue
        reasons.append(f"{short_date(day)}: {day_refusal(facts, region, day)}")
    return (
        f"only {len(usable)} of the {problem.days_per_week} days needed in week {week + 1} "
        f"are open ({'; '.join(reasons)})"
    )


def day_refusal(facts: Facts, region_key: str, day: dt.date) -> str:
    """Why no branch of a region can strike on a day, in the words most useful to an officer."""
    if day in facts.blocked:
        return facts.blocked[day]
    region = next(r for r in facts.problem.regions if r.key == region_key)
    reasons: dict[str, int] = {}
    for branch in region.branches:
        for employer in branch.employers:
            reason = facts.employers[employer.key].refused.get(day, "")
            if reason.startswith("its mandate ends"):
                reason = "every mandate in the region has ended"
            if reason:
                reasons[reason] = reasons.get(reason, 0) + 1
    if not reasons:
        return "no branch with a live mandate"
    return "; ".join(sorted(reasons, key=lambda r: (-reasons[r], r)))


def notice_deadline(
    facts: Facts, employer_key: str, first_day: dt.date
) -> tuple[dt.date | None, str]:
    """Latest receipt of the notice of action for an employer's first day, with the reason."""
    ef = facts.employers[employer_key]
    found = action_notice_deadline(
        ef.book, first_action=first_day, by_agreement=facts.problem.notice_by_agreement
    )
    if found is None:
        return None, "no notice of action period applies in this rulebook"
    return found.date, found.explanation
