"""The wave solver: hard rules hold on every plan, choices and refusals are explained."""

from __future__ import annotations

import datetime as dt
import random
import subprocess
import sys
from dataclasses import replace

import pytest

from mandate.actions.waves import solver as solver_module
from mandate.actions.waves.facts import bank_holiday, earliest_first_day, gather
from mandate.actions.waves.forms import parse_date_list
from mandate.actions.waves.problem import (
    WaveBranch,
    WaveEmployer,
    WaveInputError,
    WavePlan,
    WaveProblem,
    WaveRegion,
)
from mandate.actions.waves.solver import heuristic_turns, score_turns, solve
from mandate.law.registry import rulebook_for

TODAY = dt.date(2026, 11, 22)  # a Sunday
START = dt.date(2026, 12, 7)  # Monday: weeks run into Christmas and New Year
NATIONS = ["england", "wales", "scotland", "northern_ireland"]


def employer(
    key: str, *, nation: str = "england", last_day: dt.date | None = None, **kw: object
) -> WaveEmployer:
    return WaveEmployer(
        key=key,
        name=f"University {key}",
        jurisdiction=nation,
        rulebook="ni" if nation == "northern_ireland" else "gb",
        last_day=last_day,
        **kw,  # type: ignore[arg-type]
    )


def region(key: str, *branches: WaveBranch) -> WaveRegion:
    return WaveRegion(key=key, name=f"Region {key}", branches=branches)


def branch(key: str, *employers: WaveEmployer) -> WaveBranch:
    return WaveBranch(key=key, name=f"Branch {key}", employers=employers)


def simple(n_regions: int = 3, weeks: int = 3, **kw: object) -> WaveProblem:
    regions = tuple(
        region(f"r{r}", *(branch(f"b{r}{b}", employer(f"e{r}{b}")) for b in range(3)))
        for r in range(n_regions)
    )
    args: dict[str, object] = {
        "regions": regions,
        "today": TODAY,
        "start": dt.date(2027, 2, 1),
        "weeks": weeks,
        "days_per_week": 3,
    }
    args.update(kw)
    return WaveProblem(**args)  # type: ignore[arg-type]


def random_problem(seed: int) -> WaveProblem:
    rng = random.Random(seed)
    regions = []
    for r in range(rng.randint(2, 6)):
        nation = rng.choice(NATIONS)
        branches = []
        for b in range(rng.randint(1, 5)):
            roll = rng.random()
            last = (
                START + dt.timedelta(days=rng.randint(-3, 50))
                if roll < 0.4
                else START + dt.timedelta(days=300)
            )
            limits = (
                "start_of_action" if nation == "northern_ireland" and roll < 0.2 else "all_action"
            )
            branches.append(
                branch(
                    f"b{r}-{b}",
                    employer(f"e{r}-{b}", nation=nation, last_day=last, last_day_limits=limits),
                )
            )
        regions.append(region(f"r{r}", *branches))
    weeks = rng.randint(1, 8)
    return WaveProblem(
        regions=tuple(regions),
        today=TODAY - dt.timedelta(days=rng.randint(0, 14)),
        start=START - dt.timedelta(days=7 * rng.randint(0, 2)),
        weeks=weeks,
        days_per_week=rng.randint(1, 4),
        max_consecutive=rng.randint(2, 5),
        wave=rng.random() < 0.8,
        blackouts=frozenset({START + dt.timedelta(days=rng.randint(0, 40))}),
        preferred=frozenset({START + dt.timedelta(days=rng.randint(0, 40)) for _ in range(3)}),
        adjacent=tuple((f"r{i}", f"r{i + 1}") for i in range(len(regions) - 1)),
    )


def check_hard_rules(problem: WaveProblem, plan: WavePlan) -> None:
    employers = {e.key: e for r in problem.regions for b in r.branches for e in b.employers}
    books = {"gb": rulebook_for("gb"), "ni": rulebook_for("ni")}
    for bp in plan.branches:
        for ep in bp.employers:
            source = employers[ep.key]
            receipt = max(problem.today, source.notice_from or problem.today)
            safe = earliest_first_day(books[source.rulebook], receipt, False)
            for day in ep.dates:
                assert day.weekday() < 5, f"{ep.name} on a weekend {day}"
                assert bank_holiday(source.jurisdiction, day) is None, (
                    f"{ep.name} bank holiday {day}"
                )
                assert day not in problem.blackouts
                assert day >= safe, f"{ep.name} on {day} before notice-safe {safe}"
                assert (bp.key, day) not in problem.excluded
                if source.last_day is not None:
                    if source.last_day_limits == "start_of_action":
                        assert ep.dates[0] <= source.last_day
                    else:
                        assert day <= source.last_day, f"{ep.name} after mandate {day}"
            if ep.dates:
                assert ep.notice_deadline is not None
                assert ep.notice_deadline >= receipt
    for turn in plan.turns:
        assert len(turn.dates) == problem.days_per_week
        assert all(plan.week_of(d) == turn.week for d in turn.dates)
        run = 1
        days = sorted(turn.dates)
        for a, b in zip(days, days[1:], strict=False):
            run = run + 1 if (b - a).days == 1 else 1
            assert run <= problem.max_consecutive


def test_solver_package_imports_no_django() -> None:
    code = (
        "import sys; import mandate.actions.waves.solver, mandate.actions.waves.facts; "
        "bad = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.')); "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run(  # noqa: S603 - fixed arguments, this interpreter
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("seed", range(25))
@pytest.mark.parametrize("method", ["cp-sat", "heuristic"])
def test_hard_rules_hold_on_random_problems(seed: int, method: str) -> None:
    problem = random_problem(seed)
    plan = solve(problem, method=method)
    check_hard_rules(problem, plan)


@pytest.mark.parametrize("seed", range(25))
def test_cp_sat_never_scores_below_the_heuristic(seed: int) -> None:
    problem = random_problem(seed)
    exact = solve(problem, method="cp-sat")
    greedy = solve(problem, method="heuristic")
    assert exact.status == "OPTIMAL"
    assert exact.objective >= greedy.objective


def test_cp_sat_objective_is_the_shared_score() -> None:
    problem = random_problem(3)
    facts = gather(problem)
    found = solver_module._cp_sat_turns(facts)
    assert found is not None
    turns, _, objective = found
    assert score_turns(facts, turns) == objective


@pytest.mark.parametrize("regions,weeks", [(3, 3), (2, 4), (4, 2), (5, 5)])
def test_heuristic_and_solver_agree_on_simple_cases(regions: int, weeks: int) -> None:
    problem = simple(regions, weeks)
    exact = solve(problem, method="cp-sat")
    greedy = solve(problem, method="heuristic")
    assert exact.objective == greedy.objective
    assert {(t.region, t.week) for t in exact.turns} == {(t.region, t.week) for t in greedy.turns}


def test_each_region_gets_a_turn_and_weeks_are_spread() -> None:
    problem = simple(5, 3)
    plan = solve(problem)
    assert {t.region for t in plan.turns} == {r.key for r in problem.regions}
    per_week = [len(plan.turns_in(w)) for w in range(3)]
    assert sorted(per_week) == [1, 2, 2]
    three_weeks = solve(simple(3, 3))
    assert [t.region for t in three_weeks.turns] == ["r0", "r1", "r2"]
    assert all("its turn in the rotation" in t.explanation for t in three_weeks.turns)


def test_short_turn_is_mid_week() -> None:
    plan = solve(simple(1, 1))
    assert [d.weekday() for d in plan.turns[0].dates] == [1, 2, 3]
    assert "(w/c Mon 1 Feb 2027: Tue–Thu)" in plan.turns[0].explanation


def test_bank_holiday_is_blocked_with_its_name_and_nation() -> None:
    problem = WaveProblem(
        regions=(
            region("nw", branch("liv", employer("liv"))),
            region("sc", branch("gla", employer("gla", nation="scotland"))),
        ),
        today=TODAY,
        start=dt.date(2026, 12, 21),
        weeks=2,
        days_per_week=3,
        wave=False,
    )
    plan = solve(problem)
    texts = [b.text for b in plan.blocked]
    assert "Fri 25 Dec 2026: Christmas Day (England, Scotland)" in texts
    assert "Fri 1 Jan 2027: New Year's Day (England, Scotland)" in texts
    assert all(
        d.isoformat() not in ("2026-12-25", "2026-12-28") for b in plan.branches for d in b.dates
    )
    explanation = next(t.explanation for t in plan.turns if t.region == "nw" and t.week == 1)
    assert "Mon is out: Boxing Day (observed) (England)" in explanation


def test_scottish_holiday_only_blocks_scotland() -> None:
    # 2 January is a bank holiday in Scotland only; in 2027 it falls on a Saturday and is
    # observed on Monday 4 January.
    problem = WaveProblem(
        regions=(
            region("nw", branch("liv", employer("liv"))),
            region("sc", branch("gla", employer("gla", nation="scotland"))),
        ),
        today=TODAY,
        start=dt.date(2027, 1, 4),
        weeks=1,
        days_per_week=5,
        wave=False,
    )
    plan = solve(problem)
    days = {b.key: b.dates for b in plan.branches}
    assert dt.date(2027, 1, 4) in days["liv"]
    assert days["gla"] == ()
    assert any("Region sc has no turn" in i for i in plan.issues)
    assert any("New Year Holiday (observed) (Scotland)" in b.text for b in plan.blocked)


def test_employer_sits_out_its_own_nations_holiday() -> None:
    # St Andrew's Day, Tuesday 30 November 2027: Scotland only.
    problem = WaveProblem(
        regions=(
            region(
                "north",
                branch("ncl", employer("ncl")),
                branch("edi", employer("edi", nation="scotland")),
            ),
        ),
        today=TODAY,
        start=dt.date(2027, 11, 29),
        weeks=1,
        days_per_week=5,
        wave=False,
    )
    plan = solve(problem)
    days = {b.key: b.dates for b in plan.branches}
    assert len(days["ncl"]) == 5
    assert dt.date(2027, 11, 30) not in days["edi"] and len(days["edi"]) == 4
    assert (
        "University edi sits out Tue 30 Nov 2027: Saint Andrew's Day (Scotland)"
        in plan.explanations
    )


def test_mandate_expiry_excludes_and_explains() -> None:
    ends = dt.date(2027, 2, 3)  # a Wednesday in week 1
    problem = WaveProblem(
        regions=(
            region(
                "nw",
                branch("liv", employer("liv", last_day=ends)),
                branch("man", employer("man")),
            ),
        ),
        today=TODAY,
        start=dt.date(2027, 2, 1),
        weeks=2,
        days_per_week=3,
        wave=False,
    )
    plan = solve(problem)
    liv = next(b for b in plan.branches if b.key == "liv")
    assert liv.dates and max(liv.dates) <= ends
    note = (
        "University liv excluded after Wed 3 Feb 2027: its mandate ends Wed 3 Feb 2027 (A-mandate)"
    )
    assert note in plan.explanations


def test_branch_whose_mandate_ends_before_its_turn_is_an_issue() -> None:
    problem = simple(
        3,
        3,
        regions=(
            region("a", branch("a1", employer("a1"))),
            region("b", branch("b1", employer("b1"))),
            region(
                "c",
                branch("c1", employer("c1", last_day=dt.date(2027, 2, 5))),
                branch("c2", employer("c2")),
            ),
        ),
    )
    plan = solve(problem)
    # Left to itself, the solver brings region c forward so its expiring branch can still join.
    c_turn = next(t for t in plan.turns if t.region == "c")
    assert c_turn.week == 0
    assert (
        "so that more branches can join: 6 branch-days here against 3 there" in c_turn.explanation
    )
    assert not plan.issues
    # Moved back to its own week by the officer, the branch cannot join, and the plan says why.
    plan = solve(replace(problem, pinned={"c": 2}))
    assert any(
        i.startswith(
            "Branch c1 cannot join: its mandate ends Fri 5 Feb 2027, before its region's turn"
        )
        for i in plan.issues
    )


def test_week_one_impossible_when_notice_cannot_arrive() -> None:
    # Today is Sunday 22 Nov: a notice received today reaches Wed 2 Dec at the earliest
    # (10 days, regime C); week 1 is w/c 23 Nov.
    problem = WaveProblem(
        regions=(
            region("nw", branch("liv", employer("liv"))),
            region("ldn", branch("ucl", employer("ucl"))),
        ),
        today=TODAY,
        start=dt.date(2026, 11, 23),
        weeks=3,
        days_per_week=2,
    )
    plan = solve(problem)
    assert any(
        e.startswith("Week 1 impossible: notice must be received by") for e in plan.explanations
    )
    assert not plan.turns_in(0)
    assert any("too soon for notice" in b.reason for b in plan.blocked_in(0))
    assert any("Branch liv cannot strike in week 1" in n for b in plan.branches for n in b.notes)
    liv = next(b for b in plan.branches if b.key == "liv")
    first = liv.employers[0]
    assert first.dates[0] >= dt.date(2026, 12, 2)
    assert first.notice_deadline == first.dates[0] - dt.timedelta(days=10)


def test_officer_moves_a_region_and_unticks_a_day() -> None:
    base = simple(3, 3)
    plan = solve(base)
    day = plan.turns[0].dates[0]
    moved = solve(simple(3, 3, pinned={"r0": 2}))
    r1_day = next(t for t in moved.turns if t.region == "r1").dates[0]
    adjusted = solve(simple(3, 3, pinned={"r0": 2}, excluded=frozenset({("b10", r1_day)})))
    # Taking one branch out of a day leaves its region's days where they were.
    assert adjusted.turns == moved.turns
    r0 = [t for t in adjusted.turns if t.region == "r0"]
    assert [t.week for t in r0] == [2]
    assert "moved to this week by the officer" in r0[0].explanation
    b10 = next(b for b in adjusted.branches if b.key == "b10")
    assert r1_day not in b10.dates
    assert r1_day in next(b for b in adjusted.branches if b.key == "b11").dates
    assert any("taken out by the officer" in n for n in b10.notes)
    assert day.weekday() < 5


def test_falls_back_to_the_heuristic_without_or_tools(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(solver_module, "_cp_sat_turns", lambda facts, hint=None: None)
    plan = solve(simple(3, 3))
    assert plan.status == "HEURISTIC"
    assert plan.method == "heuristic"
    assert len(plan.turns) == 3


def test_plan_round_trips_through_json() -> None:
    plan = solve(random_problem(5))
    assert WavePlan.from_dict(plan.to_dict()) == plan


@pytest.mark.parametrize(
    "change,field",
    [
        ({"weeks": 0}, "weeks"),
        ({"days_per_week": 6}, "days_per_week"),
        ({"pinned": {"nowhere": 1}}, "pinned"),
        ({"regions": ()}, "regions"),
        ({"start": dt.date(2026, 1, 5)}, "start"),
    ],
)
def test_bad_input_names_the_field(change: dict[str, object], field: str) -> None:
    with pytest.raises(WaveInputError) as info:
        solve(replace(simple(3, 3), **change))
    assert info.value.field == field


def test_date_lists_accept_ranges_and_name_the_bad_entry() -> None:
    assert parse_date_list("2026-12-24\n28/12/2026 to 30/12/2026", label="Blackout dates") == [
        dt.date(2026, 12, 24),
        dt.date(2026, 12, 28),
        dt.date(2026, 12, 29),
        dt.date(2026, 12, 30),
    ]
    from django import forms

    with pytest.raises(forms.ValidationError) as info:
        parse_date_list("2026-12-24, 31/02/2026", label="Blackout dates")
    assert "Blackout dates entry 2" in str(info.value)


def test_heuristic_turns_follow_the_rotation() -> None:
    facts = gather(simple(3, 6))
    turns = heuristic_turns(facts)
    assert {k: sorted(v) for k, v in turns.items()} == {"r0": [0, 3], "r1": [1, 4], "r2": [2, 5]}
