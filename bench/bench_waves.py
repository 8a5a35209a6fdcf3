"""Benchmark: plan a rolling wave for 150 branches in 12 regions over 8 weeks.

    .venv/bin/python bench/bench_waves.py [--branches 150] [--regions 12] [--weeks 8] [--runs 5]

Builds a problem like a national pay dispute's: branches spread over 12 regions (one Scottish,
one Welsh, one Northern Irish), mandates ending at varied dates (some inside the plan), a plan
from the first Monday of December so Christmas, Boxing Day, New Year and Scotland's 2 January
fall inside it, two blackout days, four preferred dates and neighbouring regions in a ring.
Solves it with CP-SAT and with the fallback heuristic and prints the median solve time of RUNS
runs, the status and the objective. No database: the solver is plain Python.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import random
import statistics
import time

from mandate.actions.waves.problem import WaveBranch, WaveEmployer, WaveProblem, WaveRegion
from mandate.actions.waves.solver import solve

TODAY = dt.date(2026, 11, 22)
START = dt.date(2026, 12, 7)
NATIONS = {3: "scotland", 7: "wales", 11: "northern_ireland"}


def build(branches: int, regions: int, weeks: int, seed: int = 7) -> WaveProblem:
    rng = random.Random(seed)
    region_branches: list[list[WaveBranch]] = [[] for _ in range(regions)]
    for i in range(branches):
        r = i % regions
        nation = NATIONS.get(r, "england")
        employers = []
        for j in range(1 if rng.random() < 0.9 else 2):
            roll = rng.random()
            if roll < 0.15:
                last_day = START + dt.timedelta(days=rng.randint(5, 7 * weeks))
            elif roll < 0.2:
                last_day = START - dt.timedelta(days=1)
            else:
                last_day = START + dt.timedelta(days=rng.randint(90, 300))
            employers.append(
                WaveEmployer(
                    key=f"e{i}-{j}",
                    name=f"Employer {i}-{j}",
                    jurisdiction=nation,
                    rulebook="ni" if nation == "northern_ireland" else "gb",
                    last_day=last_day,
                    notice_from=TODAY - dt.timedelta(days=rng.randint(0, 20)),
                )
            )
        region_branches[r].append(WaveBranch(f"b{i}", f"Branch {i}", tuple(employers)))
    ring = tuple((f"r{k}", f"r{(k + 1) % regions}") for k in range(regions))
    return WaveProblem(
        regions=tuple(
            WaveRegion(f"r{k}", f"Region {k}", tuple(bs)) for k, bs in enumerate(region_branches)
        ),
        today=TODAY,
        start=START,
        weeks=weeks,
        days_per_week=3,
        max_consecutive=3,
        blackouts=frozenset({dt.date(2026, 12, 24), dt.date(2026, 12, 31)}),
        preferred=frozenset(
            {dt.date(2026, 12, 9), dt.date(2027, 1, 13), dt.date(2027, 1, 20), dt.date(2027, 1, 27)}
        ),
        adjacent=ring,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--branches", type=int, default=150)
    parser.add_argument("--regions", type=int, default=12)
    parser.add_argument("--weeks", type=int, default=8)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    problem = build(args.branches, args.regions, args.weeks)
    print(
        f"{args.branches} branches, {args.regions} regions, {args.weeks} weeks; "
        f"python {platform.python_version()}, {platform.machine()}"
    )
    for method in ("cp-sat", "heuristic"):
        solve(problem, method=method)  # warm: loads OR-Tools and the holiday calendars
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            plan = solve(problem, method=method)
            times.append(time.perf_counter() - started)
        out = sum(1 for b in plan.branches if b.dates)
        print(
            f"{method:9}  median {statistics.median(times):.3f} s (max {max(times):.3f} s)  "
            f"status {plan.status:9}  objective {plan.objective}  branches out {out}  "
            f"issues {len(plan.issues)}"
        )


if __name__ == "__main__":
    main()
