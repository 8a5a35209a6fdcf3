"""The two real scrutineer's reports (UCU, November 2021) import cleanly and give the published outcomes."""

from __future__ import annotations

import csv
import io
import os
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from mandate.ballots.scrutineer import (
    ConstituencyResult,
    Jurisdiction,
    NoBasis,
    ParsedReport,
    Question,
    SourceRef,
    parse_report,
)

# The shared folder sits beside the repository root: <repo>/../shared/samples/scrutineer-reports.
SAMPLES = Path(__file__).resolve().parents[4].parent / "shared" / "samples" / "scrutineer-reports"
PAY = "ucu-2021-pay-four-fights.xlsx"
PENSIONS = "ucu-2021-uss-pensions.xlsx"


@pytest.fixture(scope="module")
def samples() -> Path:
    if not SAMPLES.is_dir():
        message = f"the real scrutineer's reports are not at {SAMPLES}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}; CI must provide them")
        pytest.skip(message)
    return SAMPLES


@pytest.fixture(scope="module")
def pay(samples: Path) -> ParsedReport:
    return parse_report((samples / PAY).read_bytes(), PAY)


@pytest.fixture(scope="module")
def pensions(samples: Path) -> ParsedReport:
    return parse_report((samples / PENSIONS).read_bytes(), PENSIONS)


def has_strike_mandate(result: ConstituencyResult) -> bool:
    """The statutory tests, written out here so the parser's output is checked independently.

    GB: s226(2)(a)(iia) at least half of those entitled voted (integers, never a rounded
    percentage), and s226(2)(a)(iii) a majority voted yes. Northern Ireland: majority only.
    Neither report gives a No count, so the majority is yes * 2 > votes cast.
    """
    if result.no is not None:
        majority = result.yes > result.no
    else:
        majority = result.yes * 2 > result.votes_cast
    if result.jurisdiction_hint is Jurisdiction.NI:
        return majority
    assert result.entitled is not None
    return 2 * result.votes_cast >= result.entitled and majority


# The pay and conditions ("Four Fights") ballot -----------------------------------------------


def test_pay_report_has_one_block_per_sheet(pay: ParsedReport) -> None:
    shape = [
        (b.sheet, b.question, b.jurisdiction_hint, b.header_row, len(b.results), b.total_row)
        for b in pay.blocks
    ]
    assert shape == [
        ("Strike", Question.STRIKE, Jurisdiction.GB, 6, 141, 148),
        ("ASOS", Question.ASOS, Jurisdiction.GB, 6, 141, 148),
        ("NI Strike", Question.STRIKE, Jurisdiction.NI, 6, 4, None),
        ("NI ASOS", Question.ASOS, Jurisdiction.NI, 6, 4, None),
    ]


def test_pay_report_imports_without_errors_and_totals_agree(pay: ParsedReport) -> None:
    assert pay.ok, pay.errors
    # Total rows are checked against the rows above them; a mismatch would be an error.
    assert not any("Total row" in p.message for p in pay.problems)
    assert all(not r.name.casefold().startswith("total") for r in pay.results)
    strike = pay.results_for(Question.STRIKE, Jurisdiction.GB)
    assert sum(r.entitled or 0 for r in strike) == 71060
    assert sum(r.votes_cast for r in strike) == 35956
    assert sum(r.yes for r in strike) == 25213


def test_pay_report_warnings_are_the_real_discrepancies(pay: ParsedReport) -> None:
    # The report's own percentages disagree with its counts in two places (the counts win),
    # and one NI ASOS row shows the majority question the missing No column leaves open.
    found = {(p.sheet, p.row, p.column) for p in pay.warnings}
    assert found == {
        ("Strike", 82, "D"),  # Bolton: 27 of 138 is 19.57%, not the 19.8% printed
        ("Strike", 140, "D"),  # Westminster: 245 of 493 is 49.70%, not 49.8%
        ("ASOS", 82, "D"),
        ("ASOS", 140, "D"),
        ("NI ASOS", 8, "F"),  # St Mary's Belfast: 3 yes of 7 cast, printed as 60% yes
    }
    bolton = next(r for r in pay.results_for(Question.STRIKE) if "Bolton" in r.name)
    assert (bolton.entitled, bolton.votes_cast) == (138, 27)
    assert bolton.percent_turnout_as_given == Decimal("19.8")


def test_pay_report_gives_54_strike_mandates(pay: ParsedReport) -> None:
    strike = pay.results_for(Question.STRIKE)
    gb = [r for r in strike if r.jurisdiction_hint is Jurisdiction.GB and has_strike_mandate(r)]
    ni = [r for r in strike if r.jurisdiction_hint is Jurisdiction.NI and has_strike_mandate(r)]
    assert (len(gb), len(ni)) == (52, 2)
    assert {r.name for r in ni} == {"Queen's University Belfast", "Ulster University"}
    # A rounded 50% is not 50%: Westminster returned 245 of 493.
    assert "University of Westminster" not in {r.name for r in gb}


def test_pay_report_rows_keep_text_percentages_and_sources(pay: ParsedReport) -> None:
    anglia = pay.results_for(Question.STRIKE)[2]
    assert anglia == ConstituencyResult(
        name="Anglia Ruskin University",
        question=Question.STRIKE,
        entitled=347,
        votes_cast=100,
        yes=73,
        no=None,
        spoiled=None,
        percent_turnout_as_given=Decimal("28.8"),
        percent_yes_as_given=Decimal("73.00"),  # stored as the text "73.00"
        jurisdiction_hint=Jurisdiction.GB,
        source=SourceRef("Strike", 9),
        no_basis=NoBasis.UNKNOWN,
    )
    assert any("yes * 2 > votes cast" in note for note in pay.blocks[0].notes)


# The pensions (USS) ballot -------------------------------------------------------------------


def test_pensions_report_blocks_and_sections(pensions: ParsedReport) -> None:
    assert pensions.ok, pensions.errors
    assert pensions.warnings == []
    shape = [
        (b.header_row, b.question, b.jurisdiction_hint, len(b.results), b.total_row)
        for b in pensions.blocks
    ]
    assert shape == [
        (5, Question.STRIKE, Jurisdiction.GB, 66, 72),
        (77, Question.ASOS, Jurisdiction.GB, 66, 144),
        (147, Question.STRIKE, Jurisdiction.NI, 2, None),
        (151, Question.ASOS, Jurisdiction.NI, 2, None),
    ]
    # The "Results not requiring a 50% turnout" section gives only votes cast and yes.
    assert pensions.blocks[2].columns == {"percent_yes": "D", "votes_cast": "B", "yes": "C"}
    assert pensions.blocks[2].titles == ("Results not requiring a 50% turnout",)


def test_pensions_report_gives_37_of_68_strike_mandates(pensions: ParsedReport) -> None:
    # 68 constituencies answered the strike question: 66 in Great Britain, 2 in Northern Ireland.
    strike = pensions.results_for(Question.STRIKE)
    assert len(strike) == 68
    assert len(pensions.results_for(Question.STRIKE, Jurisdiction.GB)) == 66
    mandates = [r for r in strike if has_strike_mandate(r)]
    assert len(mandates) == 37
    assert sum(r.jurisdiction_hint is Jurisdiction.NI for r in mandates) == 2


def test_pensions_university_of_manchester_has_no_mandate(pensions: ParsedReport) -> None:
    manchester = next(
        r for r in pensions.results_for(Question.STRIKE) if r.name == "The University of Manchester"
    )
    assert (manchester.entitled, manchester.votes_cast) == (2094, 1046)
    assert manchester.percent_turnout_as_given == Decimal("49.95")
    assert not has_strike_mandate(manchester)


def test_ni_results_without_electorate_keep_entitled_unknown(pensions: ParsedReport) -> None:
    qub = pensions.results_for(Question.STRIKE, Jurisdiction.NI)[0]
    assert (qub.name, qub.entitled, qub.votes_cast, qub.yes) == (
        "Queen's University Belfast",
        None,
        283,
        210,
    )
    assert qub.source == SourceRef("USS_final", 148)


# The same data as CSV ------------------------------------------------------------------------


def _csv_text(value: object) -> str:
    if value is None:
        return ""
    return repr(value) if isinstance(value, float) else str(value)


def _sheets_as_csv(path: Path) -> dict[str, bytes]:
    workbook = openpyxl.load_workbook(path, data_only=True)
    exports: dict[str, bytes] = {}
    for sheet in workbook.worksheets:
        out = io.StringIO()
        writer = csv.writer(out)
        for row in sheet.iter_rows(values_only=True):
            writer.writerow([_csv_text(v) for v in row])
        exports[sheet.title] = out.getvalue().encode("utf-8")
    return exports


def _without_sheet(results: list[ConstituencyResult]) -> list[ConstituencyResult]:
    return [replace(r, source=SourceRef("", r.source.row)) for r in results]


@pytest.mark.parametrize("filename", [PAY, PENSIONS])
def test_csv_exports_parse_identically(samples: Path, filename: str) -> None:
    from_xlsx = parse_report((samples / filename).read_bytes(), filename)
    for sheet, data in _sheets_as_csv(samples / filename).items():
        # Named after the sheet, so "NI Strike.csv" carries the sheet's hints.
        from_csv = parse_report(data, f"{sheet}.csv")
        assert from_csv.format == "csv"
        expected = [r for r in from_xlsx.results if r.source.sheet == sheet]
        assert _without_sheet(from_csv.results) == _without_sheet(expected)
        assert [(p.row, p.column, p.message) for p in from_csv.problems] == [
            (p.row, p.column, p.message) for p in from_xlsx.problems if p.sheet == sheet
        ]


def test_csv_in_windows_encoding_with_semicolons_and_bom(samples: Path) -> None:
    text = _sheets_as_csv(samples / PENSIONS)["USS_final"].decode("utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    rows[5][0] = "  Aberystwyth   Université  "
    out = io.StringIO()
    csv.writer(out, delimiter=";").writerows(rows)
    for data in (out.getvalue().encode("cp1252"), b"\xef\xbb\xbf" + out.getvalue().encode()):
        report = parse_report(data, "uss.csv")
        assert report.results[0].name == "Aberystwyth Université"
        assert len(report.results_for(Question.STRIKE)) == 68
        assert report.ok
