"""Bad and unusual reports: every problem names its sheet, row and column; whole-file failures raise."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import openpyxl
import pytest

from mandate.ballots.scrutineer import (
    Jurisdiction,
    NoBasis,
    ParsedReport,
    Question,
    ReportError,
    Severity,
    parse_report,
)
from mandate.core.errors import DomainError

HEADER = ["Branch", "Mailedout", "Turnout", "%Turnout", "Yes", "%Yes"]


def csv_bytes(rows: list[list[object]], delimiter: str = ",") -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerows(rows)
    return out.getvalue().encode("utf-8")


def strike_csv(*rows: list[object], header: list[str] = HEADER) -> ParsedReport:
    """A strike table with a title row (row 1) and header (row 2): data starts on row 3."""
    return parse_report(csv_bytes([["Strike ballot"], header, *rows]), "report.csv")


def xlsx_bytes(sheets: dict[str, list[list[object]]]) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)  # type: ignore[arg-type]
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def where(report: ParsedReport) -> list[tuple[Severity, int | None, str | None]]:
    return [(p.severity, p.row, p.column) for p in report.problems]


# Whole-file failures -------------------------------------------------------------------------


@pytest.mark.parametrize("data", [b"", b"   \n\r\n  ", b"\xef\xbb\xbf"])
def test_empty_file_is_a_report_error(data: bytes) -> None:
    with pytest.raises(ReportError, match="empty|No results table"):
        parse_report(data, "report.csv")


def test_report_error_is_a_domain_error_with_a_problem() -> None:
    with pytest.raises(ReportError) as caught:
        parse_report(b"", "report.csv")
    assert isinstance(caught.value, DomainError)
    assert isinstance(caught.value, ValueError)
    assert caught.value.problem.severity is Severity.ERROR
    assert caught.value.problem.message == "The file is empty."


def test_damaged_spreadsheet_is_a_report_error() -> None:
    data = xlsx_bytes({"Strike": [HEADER, ["A", 10, 6, 60, 4, 66.7]]})
    with pytest.raises(ReportError, match="damaged"):
        parse_report(data[: len(data) // 2], "report.xlsx")


def test_zip_that_is_not_a_workbook_is_a_report_error() -> None:
    out = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    with pytest.raises(ReportError, match="cannot be read"):
        parse_report(out.getvalue(), "report.xlsx")


def test_old_excel_file_is_refused_with_advice() -> None:
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600
    with pytest.raises(ReportError, match=r"\.xls.*save it as \.xlsx or CSV"):
        parse_report(data, "report.xls")


def test_binary_and_misnamed_files_are_report_errors() -> None:
    with pytest.raises(ReportError, match="not a text"):
        parse_report(b"\x00\x01\x02garbage", "report.csv")
    with pytest.raises(ReportError, match="named as a spreadsheet"):
        parse_report(b"Branch,Yes\nA,1\n", "report.xlsx")


def test_undecodable_text_is_a_report_error() -> None:
    # 0x81 is undefined in Windows-1252 and invalid as UTF-8.
    with pytest.raises(ReportError, match="neither UTF-8 nor Windows-1252"):
        parse_report(b"Branch,Yes\n\x81\x81,1\n", "report.csv")


def test_file_that_is_not_a_results_report() -> None:
    members = csv_bytes([["First name", "Last name", "Email"], ["Ann", "Lee", "a@example.org"]])
    with pytest.raises(ReportError, match="No results table found"):
        parse_report(members, "members.csv")


# Problems in rows ----------------------------------------------------------------------------


def test_negative_count_is_an_error_naming_row_and_column() -> None:
    report = strike_csv(["Aston", 330, -195, 59.1, 111, 57.5], ["Bath", 617, 290, 47, 211, 72.8])
    assert not report.ok
    assert where(report) == [(Severity.ERROR, 3, "C")]
    assert "negative" in report.problems[0].message
    assert "'Turnout' (votes cast)" in report.problems[0].message
    assert [r.name for r in report.results] == ["Bath"]


@pytest.mark.parametrize("value", ["lots", "12.5", "n/a", "1O0"])
def test_non_numeric_count_is_an_error(value: str) -> None:
    report = strike_csv(["Aston", 330, 195, 59.1, value, 57.5])
    assert where(report) == [(Severity.ERROR, 3, "E")]
    assert "is not a whole number" in report.problems[0].message


def test_counts_written_with_thousands_separators_and_spaces_are_read() -> None:
    report = strike_csv(["  Leeds  ", "1,848", " 1124 ", "60.8%", "843.0", "75.20"])
    assert report.ok, report.problems
    leeds = report.results[0]
    assert (leeds.name, leeds.entitled, leeds.votes_cast, leeds.yes) == ("Leeds", 1848, 1124, 843)
    assert leeds.percent_turnout_as_given == Decimal("60.8")


def test_missing_count_is_an_error() -> None:
    report = strike_csv(["Aston", "", 195, 59.1, 111, 57.5])
    assert where(report) == [(Severity.ERROR, 3, "B")]
    assert "no entitled to vote figure" in report.problems[0].message


def test_more_yes_than_votes_cast_is_an_error() -> None:
    report = strike_csv(["Aston", 330, 195, 59.1, 196, 100])
    assert (Severity.ERROR, 3, "E") in where(report)
    assert "196 voted yes but only 195 votes were cast" in report.errors[0].message


def test_more_votes_than_members_entitled_is_an_error() -> None:
    report = strike_csv(["Network Rail", 100, 101, "", 60, 59.4])
    assert where(report) == [(Severity.ERROR, 3, "C")]
    assert "101 votes cast but only 100 members entitled" in report.errors[0].message


def test_duplicate_name_in_one_block_is_an_error() -> None:
    report = strike_csv(
        ["Aston University", 330, 195, 59.1, 111, 56.9],
        ["Bath", 617, 290, 47, 211, 72.8],
        ["aston  university ", 330, 195, 59.1, 111, 56.9],
    )
    assert where(report) == [(Severity.ERROR, 5, "A")]
    assert "appears twice in this table (rows 3 and 5)" in report.errors[0].message


def test_same_constituency_twice_for_one_question_across_sheets_is_an_error() -> None:
    data = xlsx_bytes(
        {
            "Strike": [HEADER, ["Aston", 330, 195, 59.1, 111, 56.9]],
            "More strike": [HEADER, ["Aston", 330, 195, 59.1, 111, 56.9]],
            "ASOS": [HEADER, ["Aston", 330, 195, 59.1, 150, 76.9]],
        }
    )
    report = parse_report(data, "report.xlsx")
    assert [(p.sheet, p.row) for p in report.errors] == [("More strike", 2)]
    assert "first is at Strike, row 2" in report.errors[0].message


def test_block_with_no_rows_is_an_error() -> None:
    report = parse_report(csv_bytes([["Strike"], HEADER, ["Total", 0, 0, 0, 0, 0]]), "r.csv")
    assert where(report) == [(Severity.ERROR, 2, None)]
    assert "no constituency rows" in report.errors[0].message


def test_row_with_figures_but_no_name_is_an_error() -> None:
    report = strike_csv(["Aston", 330, 195, 59.1, 111, 56.9], ["", 10, 5, 50, 3, 60])
    assert where(report) == [(Severity.ERROR, 4, "A")]


# Total rows ----------------------------------------------------------------------------------


@pytest.mark.parametrize("label", ["Total", "TOTAL", "Totals", "Grand total", " total: "])
def test_total_rows_are_checked_not_imported(label: str) -> None:
    report = strike_csv(
        ["Aston", 330, 195, 59.1, 111, 56.9],
        ["Bath", 617, 290, 47, 211, 72.8],
        [label, 947, 485, 51.2, 322, 66.4],
    )
    assert report.ok and report.problems == []
    assert [r.name for r in report.results] == ["Aston", "Bath"]
    assert report.blocks[0].total_row == 5


def test_total_row_mismatch_is_an_error_naming_sheet_and_row() -> None:
    data = xlsx_bytes(
        {
            "Strike": [
                ["Final report"],
                HEADER,
                ["Aston", 330, 195, 59.1, 111, 56.9],
                ["Bath", 617, 290, 47, 211, 72.8],
                ["Total", 947, 484, 51.1, 322, 66.4],
            ]
        }
    )
    report = parse_report(data, "report.xlsx")
    assert [(p.severity, p.sheet, p.row, p.column) for p in report.problems] == [
        (Severity.ERROR, "Strike", 5, "C"),
        (Severity.WARNING, "Strike", 5, "D"),
    ]
    assert "gives 484 for 'Turnout'" in report.errors[0].message
    assert "add up to 485" in report.errors[0].message


def test_total_formula_never_calculated_is_a_warning() -> None:
    rows = [HEADER, ["Aston", 330, 195, 59.1, 111, 56.9], ["Total", "=SUM(B2:B2)", 195]]
    report = parse_report(xlsx_bytes({"Strike": rows}), "report.xlsx")
    assert [(p.severity, p.row, p.column) for p in report.problems] == [
        (Severity.WARNING, 3, "B"),
        (Severity.WARNING, 3, "E"),
    ]
    assert report.ok


def test_figures_after_the_total_row_are_reported() -> None:
    report = strike_csv(
        ["Aston", 330, 195, 59.1, 111, 56.9],
        ["Total", 330, 195, 59.1, 111, 56.9],
        ["Bath", 617, 290, 47, 211, 72.8],
    )
    assert where(report) == [(Severity.WARNING, 5, None)]
    assert [r.name for r in report.results] == ["Aston"]


# Percentages never outrank counts ------------------------------------------------------------


def test_turnout_rounded_across_the_threshold_is_a_warning_and_the_counts_win() -> None:
    # Manchester, USS 2021: 1,046 of 2,094 is 49.95%, which a report may print as 50.0%.
    report = strike_csv(["The University of Manchester", 2094, 1046, "50.0", 807, "77.7"])
    assert where(report) == [(Severity.WARNING, 3, "D")]
    assert "other side of the 50% threshold" in report.warnings[0].message
    manchester = report.results[0]
    assert (manchester.entitled, manchester.votes_cast) == (2094, 1046)
    assert manchester.percent_turnout_as_given == Decimal("50.0")


@pytest.mark.parametrize(
    ("turnout", "yes_share"),
    [
        ("49.95", "77.15"),
        ("49.95%", "77.15%"),
        ("49,95", "77,15"),
        (49.95, 77.15),
        (0.4995, 0.7715),
        ("0.4995", "0.7715"),
    ],
)
def test_percentages_in_every_written_form(turnout: object, yes_share: object) -> None:
    report = strike_csv(["Manchester", 2094, 1046, turnout, 807, yes_share])
    assert report.problems == []
    assert report.results[0].percent_turnout_as_given == Decimal("49.95")
    assert report.results[0].percent_yes_as_given == Decimal("77.15")


def test_percent_formatted_cells_in_a_spreadsheet_are_fractions() -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Strike"
    sheet.append(HEADER)
    sheet.append(["Manchester", 2094, 1046, 0.4995, 807, "77.15%"])
    sheet["D2"].number_format = "0.00%"
    out = io.BytesIO()
    workbook.save(out)
    report = parse_report(out.getvalue(), "report.xlsx")
    assert report.problems == []
    assert report.results[0].percent_turnout_as_given == Decimal("49.95")


def test_unreadable_or_impossible_percentages_are_warnings_only() -> None:
    report = strike_csv(["Aston", 330, 195, "about half", 111, "157"])
    assert where(report) == [(Severity.WARNING, 3, "D"), (Severity.WARNING, 3, "F")]
    assert report.ok
    assert report.results[0].votes_cast == 195
    assert report.results[0].percent_turnout_as_given is None


def test_turnout_percentage_that_disagrees_with_the_counts_is_a_warning() -> None:
    report = strike_csv(["Bolton", 138, 27, 19.8, 21, 77.8])
    assert where(report) == [(Severity.WARNING, 3, "D")]
    assert "27 of 138 is 19.57%; the counts are used" in report.warnings[0].message
    assert report.results[0].votes_cast == 27


def test_yes_share_that_fits_no_split_of_the_votes_is_a_warning() -> None:
    report = strike_csv(["Aston", 330, 195, 59.1, 111, 40.0])
    assert where(report) == [(Severity.WARNING, 3, "F")]


# Columns, sections and hints -----------------------------------------------------------------


def test_header_synonyms_and_a_no_column() -> None:
    header = ["Institution", "Number entitled to vote", "Votes cast", "Voted Yes", "Voted No"]
    report = strike_csv(["Aston", 330, 195, 111, 80], header=header)
    assert report.ok, report.problems
    aston = report.results[0]
    assert (aston.entitled, aston.votes_cast, aston.yes, aston.no) == (330, 195, 111, 80)
    assert aston.no_basis is NoBasis.GIVEN
    assert report.blocks[0].notes == []


def test_no_derived_from_spoiled_papers() -> None:
    header = ["Employer", "Entitled", "Papers returned", "Yes", "Spoilt"]
    report = strike_csv(["Aston", 330, 195, 111, 4], header=header)
    aston = report.results[0]
    assert (aston.no, aston.spoiled, aston.no_basis) == (80, 4, NoBasis.DERIVED)
    assert "no = votes cast - yes - spoiled" in report.blocks[0].notes[0]


def test_yes_no_and_spoiled_over_votes_cast_is_an_error() -> None:
    header = ["Constituency", "Entitled", "Votes cast", "Yes", "No", "Spoiled"]
    report = strike_csv(["Aston", 330, 195, 111, 80, 5], header=header)
    assert where(report) == [(Severity.ERROR, 3, "E")]
    assert "yes + no + spoiled = 196" in report.errors[0].message


def test_gb_table_without_electorate_is_an_error() -> None:
    report = strike_csv(["Aston", 195, 111], header=["Branch", "Votes cast", "Yes"])
    assert where(report) == [(Severity.ERROR, 2, None)]
    assert "50% turnout threshold cannot be judged" in report.errors[0].message


def test_ni_section_by_title_accepts_votes_cast_and_yes_only() -> None:
    rows = [
        ["Strike"],
        HEADER,
        ["Aston", 330, 195, 59.1, 111, 56.9],
        ["Total", 330, 195, 59.1, 111, 56.9],
        [],
        ["Results not requiring a 50% turnout"],
        ["Strike action", "Votes cast", "Votes Yes", "%Yes"],
        ["Ulster University", 289, 205, "71.18"],
        [],
        ["Action short of strike", "Votes cast", "Votes Yes", "%Yes"],
        ["Ulster University", 289, 257, "89.24"],
    ]
    report = parse_report(csv_bytes(rows), "report.csv")
    assert report.ok and report.problems == []
    assert [(b.question, b.jurisdiction_hint, b.header_row) for b in report.blocks] == [
        (Question.STRIKE, Jurisdiction.GB, 2),
        (Question.STRIKE, Jurisdiction.NI, 7),
        (Question.ASOS, Jurisdiction.NI, 10),
    ]
    ulster = report.results_for(Question.ASOS, Jurisdiction.NI)[0]
    assert (ulster.entitled, ulster.votes_cast, ulster.yes) == (None, 289, 257)


def test_unknown_question_is_an_error_unless_a_default_is_given() -> None:
    data = csv_bytes([HEADER, ["Aston", 330, 195, 59.1, 111, 56.9]])
    report = parse_report(data, "results.csv")
    assert where(report) == [(Severity.ERROR, 1, None)]
    assert "strike question or the action short of strike question" in report.errors[0].message
    assert report.results == []
    chosen = parse_report(data, "results.csv", default_question=Question.ASOS)
    assert chosen.ok and chosen.results[0].question is Question.ASOS


def test_hidden_sheet_is_skipped_with_a_warning() -> None:
    workbook = openpyxl.Workbook()
    visible = workbook.active
    assert visible is not None
    visible.title = "Strike"
    visible.append(HEADER)
    visible.append(["Aston", 330, 195, 59.1, 111, 56.9])
    hidden = workbook.create_sheet("Old strike")
    hidden.append(HEADER)
    hidden.append(["Aston", 1, 1, 100, 1, 100])
    hidden.sheet_state = "hidden"
    out = io.BytesIO()
    workbook.save(out)
    report = parse_report(out.getvalue(), "report.xlsx")
    assert [(p.severity, p.sheet) for p in report.problems] == [(Severity.WARNING, "Old strike")]
    assert len(report.results) == 1


def test_tab_separated_export_is_read() -> None:
    data = csv_bytes([["ASOS"], HEADER, ["Aston", 330, 195, 59.1, 152, 77.9]], delimiter="\t")
    report = parse_report(data, "report.txt")
    assert report.ok and report.results[0].question is Question.ASOS


def test_problem_text_names_where() -> None:
    report = strike_csv(["Aston", 330, -1, 0, 0, 0])
    assert str(report.problems[0]).startswith("error: sheet 'report', row 3, column C: ")


def test_second_column_with_the_same_meaning_is_a_warning() -> None:
    header = ["Branch", "Mailedout", "Turnout", "Yes", "Voted Yes"]
    report = strike_csv(["Aston", 330, 195, 111, 999], header=header)
    assert where(report) == [(Severity.WARNING, 2, "E")]
    assert "only the first (column D) is read" in report.warnings[0].message
    assert report.results[0].yes == 111


def test_figures_before_any_header_are_reported_and_titles_kept() -> None:
    rows = [["Final Report - 04/11/2021"], ["Summary", 12, 34], ["Strike"], HEADER]
    rows.append(["Aston", 330, 195, 59.1, 111, 56.9])
    report = parse_report(csv_bytes(rows), "r.csv")
    assert where(report) == [(Severity.WARNING, 2, None)]
    assert report.blocks[0].titles == ("Final Report - 04/11/2021", "Strike")
