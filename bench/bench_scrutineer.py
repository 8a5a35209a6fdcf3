"""Time reading and matching a 150-constituency scrutineer's report (target: under 2 s).

Builds a workbook shaped like the real 2021 reports (title rows, a Strike and an ASOS sheet for
Great Britain with Total rows, Northern Ireland sheets without, percentages partly stored as
text), then times parse_report + match_names over several runs and prints the median.

    .venv/bin/python bench/bench_scrutineer.py [constituencies] [runs]
"""

from __future__ import annotations

import io
import platform
import random
import statistics
import sys
import time

import openpyxl

from mandate.ballots.matching import match_names
from mandate.ballots.scrutineer import Question, parse_report

PLACES = [
    "Aberdeen",
    "Bath",
    "Belfast",
    "Birmingham",
    "Bolton",
    "Bradford",
    "Brighton",
    "Bristol",
    "Cambridge",
    "Cardiff",
    "Chester",
    "Derby",
    "Dundee",
    "Durham",
    "Edinburgh",
    "Essex",
    "Exeter",
    "Glasgow",
    "Hull",
    "Kent",
    "Lancaster",
    "Leeds",
    "Leicester",
    "Lincoln",
    "Liverpool",
    "Manchester",
    "Newcastle",
    "Nottingham",
    "Oxford",
    "Plymouth",
    "Portsmouth",
    "Reading",
    "Salford",
    "Sheffield",
    "Southampton",
    "Stirling",
    "Sussex",
    "Swansea",
    "Warwick",
    "York",
]
FORMS = ["University of {}", "{} University", "{} College", "{} Institute of Art"]
NI_COUNT = 4


def constituency_names(count: int) -> list[str]:
    names: list[str] = []
    for i in range(count):
        place = PLACES[i % len(PLACES)]
        form = FORMS[(i // len(PLACES)) % len(FORMS)]
        suffix = "" if i < len(PLACES) * len(FORMS) else f" {i}"
        names.append(form.format(place) + suffix)
    return names


def report_name(ours: str, rng: random.Random) -> str:
    """The scrutineer's spelling: a leading 'The', trailing spaces, or initials."""
    roll = rng.random()
    if roll < 0.3 and ours.startswith("University of"):
        return "The " + ours
    if roll < 0.4:
        return ours + "  "
    if roll < 0.45:
        words = [w if w.isdigit() else w[0] for w in ours.split() if w not in {"of", "the"}]
        return "".join(words).upper()
    return ours


def build_report(count: int, seed: int = 2021) -> tuple[bytes, dict[str, int]]:
    rng = random.Random(seed)
    ours = constituency_names(count)
    known = {name: i for i, name in enumerate(ours)}
    in_report = [report_name(name, rng) for name in ours]
    figures = []
    for _ in in_report:
        entitled = rng.randint(15, 2900)
        cast = rng.randint(0, entitled)
        figures.append((entitled, cast, rng.randint(0, cast), rng.randint(0, cast)))
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.worksheets[0])
    gb_count = count - NI_COUNT
    for title, question_text, rows, yes_index in (
        ("Strike", "STRIKE ACTION?", range(gb_count), 2),
        ("ASOS", "ACTION SHORT OF A STRIKE?", range(gb_count), 3),
        ("NI Strike", "STRIKE ACTION? ", range(gb_count, count), 2),
        ("NI ASOS", "ACTION SHORT OF A STRIKE? ", range(gb_count, count), 3),
    ):
        sheet = workbook.create_sheet(title)
        sheet.append(["UCU - Pay" + (" NI" if title.startswith("NI") else "")])
        sheet.append([])
        sheet.append([f"ARE YOU PREPARED TO TAKE INDUSTRIAL ACTION CONSISTING OF {question_text}"])
        sheet.append([])
        sheet.append(["Final Report - 04/11/2021"])
        sheet.append([None, "Mailedout", "Turnout", "%Turnout", "Yes", "%Yes"])
        totals = [0, 0, 0]
        for i in rows:
            entitled, cast, *yes_counts = figures[i]
            yes = yes_counts[yes_index - 2]
            turnout = round(100 * cast / entitled, 1)
            share = round(100 * yes / cast, 2) if cast else 0.0
            # About one percentage in six is stored as text, as in the real reports.
            share_cell: object = f"{share:.2f}" if rng.random() < 0.17 else round(share, 1)
            sheet.append([in_report[i], entitled, cast, turnout, yes, share_cell])
            totals = [totals[0] + entitled, totals[1] + cast, totals[2] + yes]
        if not title.startswith("NI"):
            e, c, y = totals
            sheet.append(["Total", e, c, 100 * c / e, y, 100 * y / c if c else 0])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue(), known


def run_once(data: bytes, known: dict[str, int]) -> tuple[float, float, int, int, int]:
    started = time.perf_counter()
    report = parse_report(data, "bench.xlsx")
    parsed = time.perf_counter()
    result = match_names(report.names(), known, {})
    matched = time.perf_counter()
    assert report.ok, report.errors[:3]
    strike = len(report.results_for(Question.STRIKE))
    return parsed - started, matched - parsed, strike, len(result.matched), len(result.unmatched)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 150
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    data, known = build_report(count)
    timings, parse_times, match_times = [], [], []
    for _ in range(runs):
        parse_s, match_s, strike, matched, unmatched = run_once(data, known)
        parse_times.append(parse_s)
        match_times.append(match_s)
        timings.append(parse_s + match_s)
    median = statistics.median(timings)
    print(f"report: {count} constituencies, {2 * count} result rows, {len(data) // 1024} KiB xlsx")
    print(
        f"strike results read: {strike}; names matched: {matched}, left for a person: {unmatched}"
    )
    print(
        f"parse + match, median of {runs}: {median:.3f} s "
        f"(min {min(timings):.3f}, max {max(timings):.3f}); target < 2 s"
    )
    print(
        f"  of which parse {statistics.median(parse_times):.3f} s, "
        f"match {statistics.median(match_times):.3f} s"
    )
    print(f"python {platform.python_version()} on {platform.machine()}")


if __name__ == "__main__":
    main()
