"""Plan rolling regional strike waves: which region goes out in which week, on which days.

The model is kept at region level (a boolean per region and weekday, and per region and week)
and branches are filtered afterwards, so 150 branches in 12 regions over 8 weeks is a model of
a few hundred booleans and solves in well under a second. CP-SAT (OR-Tools) finds the best plan;
a deterministic heuristic (``heuristic_turns``) is used when OR-Tools is missing or times out,
and scores with the same weights, so the two can be compared.

Hard rules: no weekend, no bank holiday of an employer's nation, no blackout, nothing before the
notice-safe day, nothing after a mandate's last lawful day, exactly the days asked for on each
region's turn, no more than the consecutive days allowed. Soft rules (objective): branch-days
out, preferred dates, the rotation order, neighbouring regions not out in the same week, a region
not out two weeks running, and the spread of regions over weeks.

Plain Python: no Django import (a test enforces it).
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Iterable

from mandate.actions.waves.facts import (
    W_ADJACENT,
    W_REPEAT,
    W_ROTATION,
    W_SPREAD,
    Facts,
    bank_holiday,
    day_refusal,
    gather,
    notice_deadline,
)
from mandate.actions.waves.problem import (
    DAY_NAMES,
    JURISDICTION_LABELS,
    BlockedDay,
    BranchPlan,
    EmployerPlan,
    RegionTurn,
    WaveBranch,
    WaveInputError,
    WavePlan,
    WaveProblem,
    short_date,
)

__all__ = [
    "WaveInputError",
    "WavePlan",
    "WaveProblem",
    "heuristic_turns",
    "score_turns",
    "solve",
]

Turns = dict[str, dict[int, tuple[dt.date, ...]]]  # region -> week -> days


def _spread(problem: WaveProblem, regions: int) -> tuple[int, int, int, int, int]:
    """Slots, and the lower and upper number of regions per week and turns per region."""
    weeks = problem.weeks
    if problem.regions_per_week is not None:
        slots = weeks * problem.regions_per_week
        return (
            slots,
            problem.regions_per_week,
            problem.regions_per_week,
            slots // regions,
            math.ceil(slots / regions),
        )
    slots = max(regions, weeks)
    return (
        slots,
        slots // weeks,
        math.ceil(slots / weeks),
        slots // regions,
        math.ceil(slots / regions),
    )


def rotation(problem: WaveProblem) -> dict[str, set[int]]:
    """The plain round-robin: slot s goes to region s mod R in week s mod W."""
    keys = [r.key for r in problem.regions]
    if not problem.wave:
        return {k: set(range(problem.weeks)) for k in keys}
    slots = _spread(problem, len(keys))[0]
    turns: dict[str, set[int]] = {k: set() for k in keys}
    for s in range(slots):
        turns[keys[s % len(keys)]].add(s % problem.weeks)
    return turns


def score_turns(facts: Facts, turns: Turns) -> int:
    """The objective both methods maximise, computed from a finished assignment."""
    problem = facts.problem
    keys = facts.region_keys()
    canon = rotation(problem)
    score = 0
    for key in keys:
        for week, days in turns.get(key, {}).items():
            score += sum(facts.day_score(key, d) for d in days)
            if week in canon[key]:
                score += W_ROTATION
            if problem.wave and week + 1 in turns.get(key, {}):
                score -= W_REPEAT
    if problem.wave:
        for a, b in problem.adjacent:
            shared = set(turns.get(a, {})) & set(turns.get(b, {}))
            score -= W_ADJACENT * len(shared)
        _, wlo, whi, rlo, rhi = _spread(problem, len(keys))
        for week in range(problem.weeks):
            count = sum(1 for k in keys if week in turns.get(k, {}))
            score -= W_SPREAD * (max(0, wlo - count) + max(0, count - whi))
        for key in keys:
            count = len(turns.get(key, {}))
            score -= W_SPREAD * (max(0, rlo - count) + max(0, count - rhi))
    return score


def _allowed_weeks(facts: Facts, key: str) -> list[int]:
    options = facts.turn_options[key]
    pinned = facts.problem.pinned.get(key)
    if pinned is not None and options.get(pinned) is not None:
        return [pinned]
    return [w for w, option in options.items() if option is not None]


def heuristic_turns(facts: Facts) -> Turns:
    """Deterministic fallback: walk the round-robin, moving a turn to the next open week.

    1. Pinned regions take their week first.
    2. For each slot s of the rotation in order, region s mod R asks for week s mod W; if that
       week cannot take it (too few open days, full, or already its week), the next weeks are
       tried in order, wrapping round.
    3. Each turn takes the best-scoring days of its week (exhaustive: at most ten choices).
    It ignores neighbouring regions, which the CP-SAT model weighs.
    """
    problem = facts.problem
    keys = facts.region_keys()
    turns: Turns = {k: {} for k in keys}

    def take(key: str, week: int) -> None:
        option = facts.turn_options[key][week]
        assert option is not None  # noqa: S101 - callers check the option first
        turns[key][week] = option[0]

    if not problem.wave:
        for key in keys:
            for week in _allowed_weeks(facts, key):
                take(key, week)
        return turns
    slots, _, whi, _, rhi = _spread(problem, len(keys))
    load = [0] * problem.weeks
    for key, week in problem.pinned.items():
        if facts.turn_options[key].get(week) is not None:
            take(key, week)
            load[week] += 1
    for s in range(slots):
        key = keys[s % len(keys)]
        if key in problem.pinned or len(turns[key]) >= rhi:
            continue
        wanted = s % problem.weeks
        allowed = set(_allowed_weeks(facts, key))
        order = [(wanted + i) % problem.weeks for i in range(problem.weeks)]
        for cap_ok in (True, False):
            choice = next(
                (
                    w
                    for w in order
                    if w in allowed
                    and w not in turns[key]
                    and (not cap_ok or load[w] < whi)
                    and w - 1 not in turns[key]
                    and w + 1 not in turns[key]
                ),
                None,
            )
            if choice is None:
                choice = next(
                    (
                        w
                        for w in order
                        if w in allowed and w not in turns[key] and (not cap_ok or load[w] < whi)
                    ),
                    None,
                )
            if choice is not None:
                take(key, choice)
                load[choice] += 1
                break
    return turns


def _cp_model_available() -> bool:
    try:
        from ortools.sat.python import cp_model  # noqa: F401
    except ImportError:
        return False
    return True


def _cp_sat_turns(facts: Facts, hint: Turns | None = None) -> tuple[Turns, str, int] | None:
    """Solve with CP-SAT; None if OR-Tools is not installed or found nothing in time.

    HINT (the heuristic's plan) is given to the solver as a starting point, so a search cut
    short by the time limit still ends at least as good as the heuristic.
    """
    try:
        from ortools.sat.python import cp_model
    except ImportError:
        return None
    problem = facts.problem
    keys = facts.region_keys()
    model = cp_model.CpModel()
    x: dict[tuple[str, dt.date], cp_model.IntVar] = {}
    y: dict[tuple[str, int], cp_model.IntVar] = {}
    objective: list[cp_model.LinearExprT] = []
    canon = rotation(problem)
    for key in keys:
        allowed = set(_allowed_weeks(facts, key))
        for week in range(problem.weeks):
            if week not in allowed:
                continue
            turn = model.new_bool_var(f"y[{key},{week}]")
            y[(key, week)] = turn
            days = facts.usable(key, week)
            for day in days:
                var = model.new_bool_var(f"x[{key},{day}]")
                x[(key, day)] = var
                objective.append(facts.day_score(key, day) * var)
            model.add(sum(x[(key, d)] for d in days) == problem.days_per_week * turn)
            # Windows of max_consecutive + 1 calendar days; weekends are never chosen, so
            # windows inside one week are enough.
            span = problem.max_consecutive + 1
            for i in range(len(days)):
                window = [d for d in days if 0 <= (d - days[i]).days < span]
                if (window[-1] - window[0]).days == span - 1 and len(window) == span:
                    model.add(sum(x[(key, d)] for d in window) <= problem.max_consecutive)
            if week in canon[key]:
                objective.append(W_ROTATION * turn)
        if not problem.wave:
            for week in allowed:
                model.add(y[(key, week)] == 1)
    if problem.wave:
        _, wlo, whi, rlo, rhi = _spread(problem, len(keys))
        for week in range(problem.weeks):
            count = sum(y[(k, week)] for k in keys if (k, week) in y)
            short = model.new_int_var(0, len(keys), f"short_w{week}")
            over = model.new_int_var(0, len(keys), f"over_w{week}")
            model.add(count + short >= wlo)
            model.add(count - over <= whi)
            objective.append(-W_SPREAD * (short + over))
        for key in keys:
            count = sum(y[(key, w)] for w in range(problem.weeks) if (key, w) in y)
            short = model.new_int_var(0, problem.weeks, f"short_{key}")
            over = model.new_int_var(0, problem.weeks, f"over_{key}")
            model.add(count + short >= rlo)
            model.add(count - over <= rhi)
            objective.append(-W_SPREAD * (short + over))
            for week in range(problem.weeks - 1):
                if (key, week) in y and (key, week + 1) in y:
                    both = model.new_bool_var(f"repeat[{key},{week}]")
                    model.add(both >= y[(key, week)] + y[(key, week + 1)] - 1)
                    objective.append(-W_REPEAT * both)
        for a, b in problem.adjacent:
            for week in range(problem.weeks):
                if (a, week) in y and (b, week) in y:
                    both = model.new_bool_var(f"adjacent[{a},{b},{week}]")
                    model.add(both >= y[(a, week)] + y[(b, week)] - 1)
                    objective.append(-W_ADJACENT * both)
    if hint is not None:
        for (key, week), var in y.items():
            model.add_hint(var, week in hint.get(key, {}))
        for (key, day), var in x.items():
            chosen = hint.get(key, {}).get(problem.week_of(day), ())
            model.add_hint(var, day in chosen)
    model.maximize(sum(objective))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = problem.time_limit
    # One worker with a fixed seed gives the same plan for the same input, so "re-check" does
    # not reshuffle a plan the officer has already read; the model is small enough for that.
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    turns: Turns = {k: {} for k in keys}
    for (key, week), var in y.items():
        if solver.value(var):
            turns[key][week] = tuple(
                d for d in facts.usable(key, week) if solver.value(x[(key, d)])
            )
    name = "OPTIMAL" if status == cp_model.OPTIMAL else "FEASIBLE"
    return turns, name, round(solver.objective_value)


def solve(problem: WaveProblem, *, method: str = "cp-sat") -> WavePlan:
    """Plan the waves. METHOD "cp-sat" falls back to the heuristic; "heuristic" forces it."""
    if method == "cp-sat":
        # Loading OR-Tools takes a second the first time; it is not part of solving.
        _cp_model_available()
    started = time.perf_counter()
    facts = gather(problem)
    greedy = heuristic_turns(facts)
    greedy_score = score_turns(facts, greedy)
    found = _cp_sat_turns(facts, greedy) if method == "cp-sat" else None
    if found is None or found[2] < greedy_score:
        turns, status, used, objective = greedy, "HEURISTIC", "heuristic", greedy_score
    else:
        turns, status, objective = found
        used = "cp-sat"
    elapsed = time.perf_counter() - started
    return build_plan(
        facts, turns, status=status, method=used, objective=objective, seconds=elapsed
    )


# Reading the answer ---------------------------------------------------------------------------


def _day_list(days: Iterable[dt.date]) -> str:
    days = sorted(days)
    if not days:
        return "no days"
    if len(days) > 1 and all((b - a).days == 1 for a, b in zip(days, days[1:], strict=False)):
        return f"{DAY_NAMES[days[0].weekday()]}–{DAY_NAMES[days[-1].weekday()]}"
    return ", ".join(DAY_NAMES[d.weekday()] for d in days)


def _turn_explanation(
    facts: Facts, key: str, name: str, week: int, days: tuple[dt.date, ...]
) -> str:
    problem = facts.problem
    canon = rotation(problem)
    monday = problem.week_days(week)[0]
    head = f"Region {name} strikes week {week + 1} (w/c {short_date(monday)}: {_day_list(days)})"
    if problem.pinned.get(key) == week:
        why = "moved to this week by the officer"
    elif not problem.wave:
        why = "every region strikes every week"
    elif week in canon[key]:
        why = "its turn in the rotation"
    else:
        reasons = []
        for w in sorted(canon[key]):
            refusal = facts.turn_refusals.get((key, w))
            if refusal:
                reasons.append(f"week {w + 1} impossible: {refusal}")
        here = sum(facts.weight.get((key, d), 0) for d in days)
        there = max(
            (
                sum(facts.weight.get((key, d), 0) for d in option[0])
                for w in canon[key]
                if (option := facts.turn_options[key].get(w)) is not None
            ),
            default=0,
        )
        hits = [d for d in days if d in problem.preferred]
        if reasons:
            why = "moved from its turn in the rotation: " + "; ".join(reasons)
        elif here > there:
            turn_weeks = ", ".join(str(w + 1) for w in sorted(canon[key]))
            why = (
                f"moved from its turn in the rotation (week {turn_weeks}) so that more branches "
                f"can join: {here} branch-days here against {there} there, as mandates end or "
                "notices take effect"
            )
        elif hits:
            why = "moved from its turn in the rotation to strike on a preferred date"
        else:
            why = (
                "moved from its turn in the rotation to keep neighbouring regions apart, "
                "a region from striking two weeks running, or each week covered"
            )
    parts = [f"{head}: {why}"]
    skipped = [d for d in problem.week_days(week) if d not in days]
    for day in skipped:
        if (key, day) not in facts.weight:
            parts.append(f"{DAY_NAMES[day.weekday()]} is out: {day_refusal(facts, key, day)}")
    hits = [d for d in days if d in problem.preferred]
    if hits:
        parts.append("preferred date " + ", ".join(short_date(d) for d in hits))
    return "; ".join(parts)


def _branch_plan(
    facts: Facts,
    branch: WaveBranch,
    region_key: str,
    region_days: list[dt.date],
    turn_weeks: list[int],
) -> tuple[BranchPlan, list[str]]:
    problem = facts.problem
    issues: list[str] = []
    employer_plans: list[EmployerPlan] = []
    branch_notes: list[str] = []
    for employer in branch.employers:
        ef = facts.employers[employer.key]
        notes: list[str] = []
        dates: list[dt.date] = []
        for day in region_days:
            if (branch.key, day) in problem.excluded:
                continue
            if not ef.allows(day):
                notes.append(f"{employer.name} sits out {short_date(day)}: {ef.refused[day]}")
                continue
            dates.append(day)
        if (
            employer.last_day_limits == "start_of_action"
            and employer.last_day is not None
            and dates
            and dates[0] > employer.last_day
        ):
            notes.append(
                f"{employer.name} excluded: action must begin by {short_date(employer.last_day)} "
                f"(A-mandate), before its region's first day {short_date(dates[0])}"
            )
            dates = []
        if (
            employer.last_day is not None
            and employer.last_day_limits != "start_of_action"
            and any(d > employer.last_day for d in region_days)
        ):
            notes.append(
                f"{employer.name} excluded after {short_date(employer.last_day)}: its mandate "
                f"ends {short_date(employer.last_day)} (A-mandate)"
            )
        deadline, explanation = (None, "")
        if dates:
            deadline, explanation = notice_deadline(facts, employer.key, dates[0])
        employer_plans.append(
            EmployerPlan(
                key=employer.key,
                name=employer.name,
                dates=tuple(dates),
                notice_deadline=deadline,
                notice_explanation=explanation,
                notes=tuple(dict.fromkeys(notes)),
            )
        )
    all_dates = sorted({d for e in employer_plans for d in e.dates})
    unticked = [d for d in region_days if (branch.key, d) in problem.excluded]
    if unticked:
        branch_notes.append(
            f"{branch.name} taken out by the officer on "
            + ", ".join(short_date(d) for d in unticked)
        )
    if not all_dates:
        issues.append(_why_branch_idle(facts, branch, region_days, turn_weeks))
    week1_end = problem.week_days(0)[-1]
    earliest = min(facts.employers[e.key].earliest for e in branch.employers)
    if earliest > week1_end and problem.monday > problem.today - dt.timedelta(days=7):
        first = problem.week_days(0)[0]
        deadline, _ = notice_deadline(facts, branch.employers[0].key, max(first, problem.today))
        if deadline is not None:
            branch_notes.append(
                f"{branch.name} cannot strike in week 1: the notice had to be received by "
                f"{short_date(deadline)} for {short_date(first)}; the earliest notice-safe day "
                f"is {short_date(earliest)}"
            )
    plan = BranchPlan(
        key=branch.key,
        name=branch.name,
        region=region_key,
        dates=tuple(all_dates),
        employers=tuple(employer_plans),
        notes=tuple(branch_notes),
    )
    return plan, issues


def _why_branch_idle(
    facts: Facts, branch: WaveBranch, region_days: list[dt.date], turn_weeks: list[int]
) -> str:
    problem = facts.problem
    if not region_days:
        return f"{branch.name}: its region has no turn in this plan"
    ends = [e.last_day for e in branch.employers if e.last_day is not None]
    if ends and max(ends) < region_days[0]:
        weeks = ", ".join(str(w + 1) for w in turn_weeks)
        return (
            f"{branch.name} cannot join: its mandate ends {short_date(max(ends))}, before its "
            f"region's turn in week {weeks} (from {short_date(region_days[0])})"
        )
    earliest = min(facts.employers[e.key].earliest for e in branch.employers)
    if earliest > region_days[-1]:
        return (
            f"{branch.name} cannot join: a notice received {short_date(problem.today)} is in "
            f"time only for action from {short_date(earliest)}, after its region's last day "
            f"{short_date(region_days[-1])}"
        )
    if all((branch.key, d) in problem.excluded for d in region_days):
        return f"{branch.name}: taken out of every day by the officer"
    reasons = {
        facts.employers[e.key].refused.get(d, "") for e in branch.employers for d in region_days
    } - {""}
    return f"{branch.name} cannot join on its region's days: " + "; ".join(sorted(reasons))


def _blocked_days(facts: Facts) -> list[BlockedDay]:
    problem = facts.problem
    out: list[BlockedDay] = [BlockedDay(d, r) for d, r in sorted(facts.blocked.items())]
    nations = sorted(
        {e.employer.jurisdiction for e in facts.employers.values()},
        key=list(JURISDICTION_LABELS).index,
    )
    for day in facts.weekdays:
        if day in facts.blocked:
            continue
        names: dict[str, list[str]] = {}
        for nation in nations:
            holiday = bank_holiday(nation, day)
            if holiday:
                names.setdefault(holiday, []).append(JURISDICTION_LABELS[nation])
        for holiday, where in names.items():
            out.append(BlockedDay(day, f"{holiday} ({', '.join(where)})"))
    if facts.employers:
        earliest = min(e.earliest for e in facts.employers.values())
        some = min(facts.employers, key=lambda k: facts.employers[k].earliest)
        for week in range(problem.weeks):
            days = [d for d in problem.week_days(week) if d not in facts.blocked]
            late = [d for d in days if d < earliest]
            for day in late:
                deadline, _ = notice_deadline(facts, some, day)
                when = f"received by {short_date(deadline)}" if deadline else "given in time"
                out.append(
                    BlockedDay(
                        day,
                        f"too soon for notice: it had to be {when}; the earliest notice-safe "
                        f"day is {short_date(earliest)}",
                    )
                )
    for region in problem.regions:
        for day in facts.weekdays:
            if (region.key, day) in facts.weight or day in facts.blocked:
                continue
            reason = day_refusal(facts, region.key, day)
            if "mandate" in reason:
                out.append(BlockedDay(day, f"{region.name}: {reason}", region.key))
    return sorted(out, key=lambda b: (b.day, b.region or ""))


def build_plan(
    facts: Facts, turns: Turns, *, status: str, method: str, objective: int, seconds: float
) -> WavePlan:
    """Turn a region-level assignment into branch dates, notice deadlines and explanations."""
    problem = facts.problem
    explanations: list[str] = []
    issues: list[str] = []
    region_turns: list[RegionTurn] = []
    branch_plans: list[BranchPlan] = []
    for week in range(problem.weeks):
        open_anywhere = any(facts.turn_options[k][week] is not None for k in facts.region_keys())
        if not open_anywhere:
            days = [d for d in problem.week_days(week) if d not in facts.blocked]
            earliest = min((e.earliest for e in facts.employers.values()), default=None)
            if days and earliest is not None and earliest > days[-1]:
                some = min(facts.employers, key=lambda k: facts.employers[k].earliest)
                deadline, _ = notice_deadline(facts, some, days[0])
                explanations.append(
                    f"Week {week + 1} impossible: notice must be received by "
                    f"{short_date(deadline) if deadline else 'the day before'} for "
                    f"{short_date(days[0])}; the earliest notice-safe day is {short_date(earliest)}"
                )
            else:
                explanations.append(
                    f"Week {week + 1} impossible: no region has {problem.days_per_week} open days"
                )
    for region in problem.regions:
        weeks = sorted(turns.get(region.key, {}))
        if not weeks:
            refusals = [
                f"week {w + 1}: {facts.turn_refusals[(region.key, w)]}"
                for w in range(problem.weeks)
                if (region.key, w) in facts.turn_refusals
            ]
            issues.append(
                f"Region {region.name} has no turn"
                + (": " + "; ".join(refusals) if refusals else ": every week is taken")
            )
        if region.key in problem.pinned and problem.pinned[region.key] not in weeks:
            week = problem.pinned[region.key]
            issues.append(
                f"Region {region.name} cannot move to week {week + 1}: "
                f"{facts.turn_refusals.get((region.key, week), 'that week is full')}"
            )
        region_days: list[dt.date] = []
        for week in weeks:
            chosen = turns[region.key][week]
            region_days.extend(chosen)
            text = _turn_explanation(facts, region.key, region.name, week, chosen)
            region_turns.append(RegionTurn(region.key, region.name, week, chosen, text))
            explanations.append(text)
        region_days.sort()
        for branch in region.branches:
            plan, found = _branch_plan(facts, branch, region.key, region_days, weeks)
            branch_plans.append(plan)
            issues.extend(found)
            for employer in plan.employers:
                explanations.extend(employer.notes)
            explanations.extend(plan.notes)
    region_turns.sort(key=lambda t: (t.week, [r.key for r in problem.regions].index(t.region)))
    if problem.adjacent and problem.wave:
        for a, b in problem.adjacent:
            for week in set(turns.get(a, {})) & set(turns.get(b, {})):
                names = {r.key: r.name for r in problem.regions}
                explanations.append(
                    f"Neighbouring regions {names[a]} and {names[b]} both strike week "
                    f"{week + 1}: no other arrangement kept every week covered"
                )
    return WavePlan(
        status=status,
        method=method,
        objective=objective,
        solve_seconds=round(seconds, 4),
        monday=problem.monday,
        weeks=problem.weeks,
        regions=tuple((r.key, r.name) for r in problem.regions),
        turns=tuple(region_turns),
        branches=tuple(branch_plans),
        blocked=tuple(_blocked_days(facts)),
        explanations=tuple(dict.fromkeys(explanations)),
        issues=tuple(dict.fromkeys(issues)),
    )
