"""Whatever bytes arrive, the parser answers with results, problems or a ReportError: never a crash."""

from __future__ import annotations

import csv
import io

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mandate.ballots.scrutineer import ParsedReport, ReportError, parse_report

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

ROWS = [
    ["UCU - Pay"],
    [],
    ["ARE YOU PREPARED TO TAKE INDUSTRIAL ACTION CONSISTING OF STRIKE ACTION?"],
    ["", "Mailedout", "Turnout", "%Turnout", "Yes", "%Yes"],
    ["Abertay University", "96", "47", "49", "34", "72.3"],
    ["Anglia Ruskin University", "347", "100", "28.8", "73", "73.00"],
    ["Birkbeck, UoL", "490", "303", "61.8", "212", "70.4"],
    ["Total", "933", "450", "48.2", "319", "70.9"],
    [],
    ["Results not requiring a 50% turnout"],
    ["Strike action", "Votes cast", "Votes Yes", "%Yes"],
    ["Ulster University", "289", "205", "71.18"],
]


def _csv() -> str:
    out = io.StringIO()
    csv.writer(out).writerows(ROWS)
    return out.getvalue()


VALID_CSV = _csv()


def _xlsx() -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Strike"
    for row in ROWS:
        sheet.append([int(v) if v.isdigit() else v for v in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


VALID_XLSX = _xlsx()


def parse_or_refuse(data: bytes, filename: str) -> ParsedReport | None:
    try:
        report = parse_report(data, filename)
    except ReportError as exc:
        assert exc.problem.message
        return None
    # Every problem says where it is, and a report with errors is never ok.
    for problem in report.problems:
        assert problem.sheet and problem.message
    assert report.ok == (not report.errors)
    return report


def test_the_unmutated_inputs_are_clean() -> None:
    for data, name in ((VALID_CSV.encode(), "r.csv"), (VALID_XLSX, "r.xlsx")):
        report = parse_or_refuse(data, name)
        assert report is not None and report.ok and report.problems == []
        assert len(report.results) == 4


@FUZZ
@given(st.binary(max_size=2000), st.sampled_from(["r.csv", "r.xlsx", "r.txt", "r"]))
def test_random_bytes(data: bytes, filename: str) -> None:
    parse_or_refuse(data, filename)


@st.composite
def mutated_csv(draw: st.DrawFn) -> bytes:
    text = VALID_CSV
    for _ in range(draw(st.integers(1, 8))):
        position = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["insert", "delete", "replace"]))
        piece = draw(
            st.sampled_from([",", ";", "\t", '"', "\n", "\r", "-", "%", "Total", "x", "9", "", "é"])
            | st.text(max_size=4)
        )
        if action == "insert":
            text = text[:position] + piece + text[position:]
        elif action == "delete":
            text = text[:position] + text[position + draw(st.integers(1, 20)) :]
        else:
            text = text[:position] + piece + text[position + len(piece) :]
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]))
    return text.encode(encoding, errors="replace")


@FUZZ
@given(mutated_csv())
def test_mutated_csv(data: bytes) -> None:
    parse_or_refuse(data, "report.csv")


@FUZZ
@given(st.lists(st.tuples(st.integers(0, len(VALID_XLSX) - 1), st.integers(0, 255)), max_size=6))
def test_mutated_xlsx(flips: list[tuple[int, int]]) -> None:
    data = bytearray(VALID_XLSX)
    for position, byte in flips:
        data[position] = byte
    parse_or_refuse(bytes(data), "report.xlsx")


CELL = (
    st.none()
    | st.booleans()
    | st.integers(-(10**12), 10**12)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | st.sampled_from(["Total", "NI", "ASOS", "49.95%", "1,046", ""])
    | st.dates()
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(CELL, max_size=7), max_size=8))
def test_spreadsheet_cells_of_any_type(rows: list[list[object]]) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Strike"
    sheet.append(["Branch", "Mailedout", "Turnout", "%Turnout", "Yes", "%Yes", "Spoilt"])
    for row in rows:
        # Text that openpyxl would refuse to store (control characters) is not a real report.
        sheet.append(
            [
                v if not isinstance(v, str) else "".join(ch for ch in v if ch.isprintable())
                for v in row
            ]
        )
    out = io.BytesIO()
    workbook.save(out)
    parse_or_refuse(out.getvalue(), "report.xlsx")
