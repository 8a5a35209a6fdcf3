"""Find the results tables in a scrutineer's report and turn their rows into checked results.

The counts are the result; the percentages beside them are the scrutineer's arithmetic and are
read only to catch a misread or mistyped count. A Total row is the scrutineer's own check sum and
is compared with the rows above it, never imported as a constituency.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal

from . import columns as c
from .reading import Row, Sheet, column_letter, read_sheets
from .types import (
    ConstituencyResult,
    Jurisdiction,
    NoBasis,
    ParsedReport,
    Question,
    ReportError,
    ReportProblem,
    ResultBlock,
    Severity,
    SourceRef,
)
from .values import CellValueError, Percent, clean_text, read_count, read_percent

HUNDRED = Decimal(100)


def parse_report(
    data: bytes, filename: str, *, default_question: Question | None = None
) -> ParsedReport:
    """Read a results report (.xlsx or CSV) into blocks of results and a list of problems.

    Raises ReportError only when the file as a whole cannot be used (empty, unreadable, or with
    no results table at all); everything else is a ReportProblem naming sheet, row and column.
    `default_question` answers for tables whose sheet name and titles do not say which question
    they count (a bare CSV export, for instance).
    """
    file_format, sheets = read_sheets(data, filename)
    problems: list[ReportProblem] = []
    blocks: list[ResultBlock] = []
    for sheet in sheets:
        if sheet.hidden:
            problems.append(
                ReportProblem(
                    Severity.WARNING,
                    sheet.name,
                    None,
                    None,
                    "This sheet is hidden in the workbook and was not read; unhide it if it "
                    "holds results.",
                )
            )
            continue
        blocks.extend(_SheetReader(sheet, problems, default_question).read())
    if not blocks:
        raise ReportError(
            "No results table found: no row names the columns of a results report "
            "(for example 'Mailedout' or 'Entitled', 'Turnout' or 'Votes cast', 'Yes'). "
            "Is this the scrutineer's results report?"
        )
    _check_across_blocks(blocks, problems)
    return ParsedReport(filename=filename, format=file_format, blocks=blocks, problems=problems)


@dataclass
class _OpenBlock:
    header_row: int
    columns: dict[str, int]
    headers: dict[int, str]
    name_col: int | None
    question: Question | None
    jurisdiction: Jurisdiction
    titles: tuple[str, ...]
    rows: list[Row] = field(default_factory=list)
    total: Row | None = None


_NUMERIC_TEXT = re.compile(r"[+-]?(\d[\d,]*(\.\d*)?|\.\d+)\s*%?")


def _is_number(value: object) -> bool:
    """A number, or text that reads as one (every cell of a CSV file is text)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    return isinstance(value, str) and bool(_NUMERIC_TEXT.fullmatch(value.strip()))


def _texts(row: Row) -> list[tuple[int, str]]:
    return [
        (i, clean_text(cell.value))
        for i, cell in enumerate(row.cells)
        if cell.value is not None and not _is_number(cell.value) and clean_text(cell.value)
    ]


def _is_empty(row: Row) -> bool:
    return all(
        cell.value is None or (isinstance(cell.value, str) and not cell.value.strip())
        for cell in row.cells
    )


class _SheetReader:
    def __init__(
        self, sheet: Sheet, problems: list[ReportProblem], default_question: Question | None
    ) -> None:
        self.sheet = sheet
        self.problems = problems
        self.default_question = default_question
        # Hints carry down the sheet: sheet name first, then each title row overrides them.
        self.question = c.question_hint(sheet.name)
        self.jurisdiction = c.jurisdiction_hint(sheet.name) or Jurisdiction.GB
        self.titles: list[str] = []
        self.block: _OpenBlock | None = None
        self.done: list[ResultBlock] = []

    def problem(self, severity: Severity, row: int | None, col: int | None, message: str) -> None:
        letter = column_letter(col) if col is not None else None
        self.problems.append(ReportProblem(severity, self.sheet.name, row, letter, message))

    def read(self) -> list[ResultBlock]:
        for row in self.sheet.rows:
            if _is_empty(row):
                continue
            if self._try_header(row):
                continue
            if self.block is not None:
                self._row_in_block(self.block, row)
            else:
                self._row_outside_block(row)
        self._close()
        return self.done

    # Row kinds -----------------------------------------------------------------------------

    def _try_header(self, row: Row) -> bool:
        if any(_is_number(cell.value) for cell in row.cells):
            return False
        found: dict[str, int] = {}
        headers: dict[int, str] = {}
        duplicates: list[tuple[int, str, str]] = []
        for col, text in _texts(row):
            name = c.header_field(text)
            if name is None:
                continue
            headers[col] = text
            if name in found:
                duplicates.append((col, text, name))
            else:
                found[name] = col
        if sum(1 for name in found if name != c.NAME) < 2:
            return False
        self._close()
        for col, text, name in duplicates:
            self.problem(
                Severity.WARNING,
                row.number,
                col,
                f"A second column named {text!r}; only the first (column "
                f"{column_letter(found[name])}) is read.",
            )
        first_field = min(col for name, col in found.items() if name != c.NAME)
        labels = [(col, text) for col, text in _texts(row) if col not in headers]
        label_text = " ".join(text for col, text in labels if col < first_field)
        question = c.question_hint(label_text) or self.question
        jurisdiction = c.jurisdiction_hint(label_text) or self.jurisdiction
        # A label over the names column ("Strike action", "Branches requiring a 50% turnout")
        # is a section title too, and holds for the tables below it.
        self.question, self.jurisdiction = question, jurisdiction
        name_col = found.pop(c.NAME, None)
        if name_col is None:
            left = [col for col, _ in labels if col < first_field]
            name_col = left[0] if left else None
        self.block = _OpenBlock(
            header_row=row.number,
            columns=found,
            headers=headers,
            name_col=name_col,
            question=question,
            jurisdiction=jurisdiction,
            titles=tuple(self.titles),
        )
        self.titles = []
        return True

    def name_cell(self, block: _OpenBlock, row: Row) -> tuple[int | None, str]:
        if block.name_col is None:
            field_cols = set(block.columns.values())
            for col, text in _texts(row):
                if col not in field_cols:
                    # The first data row settles which column holds the names.
                    block.name_col = col
                    return col, text
            return None, ""
        value = row.value(block.name_col)
        return block.name_col, clean_text(value) if value is not None else ""

    def _row_in_block(self, block: _OpenBlock, row: Row) -> None:
        field_cols = set(block.columns.values())
        has_figures = any(row.value(col) is not None for col in field_cols)
        _, name = self.name_cell(block, row)
        if name and c.is_total_label(name):
            block.total = row
            self._close()
            return
        if not has_figures:
            text = " ".join(text for _, text in _texts(row))
            if c.question_hint(text) or c.jurisdiction_hint(text) or not name:
                # A new section starts without the previous table having a Total row.
                self._close()
                self._row_outside_block(row)
                return
        block.rows.append(row)

    def _row_outside_block(self, row: Row) -> None:
        if any(_is_number(cell.value) for cell in row.cells):
            self.problem(
                Severity.WARNING,
                row.number,
                None,
                "Figures outside any results table (no header row above them, or after a "
                "Total row) were not read.",
            )
            return
        text = " ".join(text for _, text in _texts(row))
        self.titles.append(text)
        self.question = c.question_hint(text) or self.question
        self.jurisdiction = c.jurisdiction_hint(text) or self.jurisdiction

    def _close(self) -> None:
        block, self.block = self.block, None
        if block is not None:
            self.done.append(_BlockChecker(self, block).check())


class _BlockChecker:
    """Turn one table's rows into results, reporting every problem with its row and column."""

    def __init__(self, reader: _SheetReader, block: _OpenBlock) -> None:
        self.reader = reader
        self.block = block
        self.sheet = reader.sheet.name
        self.cols = block.columns
        self.fraction_columns = {
            name: self._holds_fractions(col)
            for name, col in self.cols.items()
            if name in c.PERCENT_FIELDS
        }

    def problem(self, severity: Severity, row: int | None, col: int | None, message: str) -> None:
        self.reader.problem(severity, row, col, message)

    def header(self, name: str) -> str:
        col = self.cols[name]
        return f"{self.block.headers.get(col, c.FIELD_LABELS[name])!r}"

    def _holds_fractions(self, col: int) -> bool:
        """Whether a percent column holds fractions of one (0.4995) rather than 49.95."""
        bare: list[Decimal] = []
        for row in self.block.rows:
            try:
                percent = read_percent(row.cell(col))
            except CellValueError:
                continue
            if percent is not None and not percent.explicit:
                bare.append(percent.value)
        return bool(bare) and max(bare) <= 1 and any(v != 0 for v in bare)

    def check(self) -> ResultBlock:
        block = self.block
        question = block.question or self.reader.default_question
        result_block = ResultBlock(
            sheet=self.sheet,
            header_row=block.header_row,
            question=question,
            jurisdiction_hint=block.jurisdiction,
            columns={name: column_letter(col) for name, col in sorted(self.cols.items())},
            titles=block.titles,
            total_row=block.total.number if block.total else None,
        )
        usable = True
        if question is None:
            usable = False
            self.problem(
                Severity.ERROR,
                block.header_row,
                None,
                "Cannot tell whether this table counts the strike question or the action short "
                "of strike question: say 'Strike' or 'ASOS' in the sheet name or in a title "
                "above the table.",
            )
        for required in (c.VOTES_CAST, c.YES):
            if required not in self.cols:
                usable = False
                self.problem(
                    Severity.ERROR,
                    block.header_row,
                    None,
                    f"This table has no {c.FIELD_LABELS[required]} column, so its results "
                    "cannot be read.",
                )
        if c.ENTITLED not in self.cols and block.jurisdiction is Jurisdiction.GB:
            usable = False
            self.problem(
                Severity.ERROR,
                block.header_row,
                None,
                "This table has no column of members entitled to vote ('Mailedout', "
                "'Entitled'), so the 50% turnout threshold cannot be judged. If these are "
                "Northern Ireland results, say 'NI' in the sheet name or a title above the table.",
            )
        if not block.rows:
            self.problem(
                Severity.ERROR,
                block.header_row,
                None,
                "This results table has no constituency rows.",
            )
        if not usable or question is None:
            return result_block
        result_block.notes.extend(self._notes())
        first_seen: dict[str, int] = {}
        rows_ok = True
        for row in block.rows:
            result = self._result(row, question)
            if result is None:
                rows_ok = False
                continue
            key = result.name.casefold()
            if key in first_seen:
                self.problem(
                    Severity.ERROR,
                    row.number,
                    block.name_col,
                    f"{result.name!r} appears twice in this table (rows {first_seen[key]} and "
                    f"{row.number}).",
                )
            else:
                first_seen[key] = row.number
            result_block.results.append(result)
        if block.total is not None:
            self._check_total(block.total, result_block.results, rows_ok)
        return result_block

    def _notes(self) -> Iterable[str]:
        if c.NO in self.cols:
            pass
        elif c.SPOILED in self.cols:
            yield "The report gives no 'No' column: no = votes cast - yes - spoiled papers."
        else:
            yield (
                "The report gives no 'No' column and no spoiled papers, so 'no' is unknown: a "
                "majority has to be judged as yes * 2 > votes cast, which counts spoiled and "
                "blank papers against the question."
            )
        if c.ENTITLED not in self.cols:
            yield (
                "The report gives no number entitled to vote for these Northern Ireland "
                "constituencies, where no turnout threshold applies."
            )

    # One row --------------------------------------------------------------------------------

    def _count(self, row: Row, name: str) -> tuple[bool, int | None]:
        """(readable, value) for a count column; reports unreadable and negative cells."""
        col = self.cols.get(name)
        if col is None:
            return True, None
        try:
            value = read_count(row.cell(col))
        except CellValueError as exc:
            self.problem(
                Severity.ERROR,
                row.number,
                col,
                f"{self.header(name)} ({c.FIELD_LABELS[name]}): {exc}.",
            )
            return False, None
        if value is not None and value < 0:
            self.problem(
                Severity.ERROR,
                row.number,
                col,
                f"{self.header(name)} ({c.FIELD_LABELS[name]}) is negative: {value}.",
            )
            return False, None
        return True, value

    def _percent(self, row: Row, name: str) -> Percent | None:
        col = self.cols.get(name)
        if col is None:
            return None
        try:
            percent = read_percent(row.cell(col))
        except CellValueError as exc:
            self.problem(
                Severity.WARNING,
                row.number,
                col,
                f"{self.header(name)}: {exc}; ignored (the counts are used).",
            )
            return None
        if percent is None:
            return None
        percent = percent.scaled(self.fraction_columns.get(name, False))
        if not 0 <= percent.value <= 100:
            self.problem(
                Severity.WARNING,
                row.number,
                col,
                f"{self.header(name)} is {percent.value}, outside 0 to 100; ignored "
                "(the counts are used).",
            )
            return None
        return percent

    def _result(self, row: Row, question: Question) -> ConstituencyResult | None:
        block = self.block
        name_col, name = self.reader.name_cell(block, row)
        if not name:
            self.problem(
                Severity.ERROR,
                row.number,
                name_col,
                "This row has figures but no constituency name.",
            )
            return None
        counts: dict[str, int | None] = {}
        readable = True
        for field_name in c.COUNT_FIELDS:
            ok, value = self._count(row, field_name)
            readable = readable and ok
            counts[field_name] = value
        required = [c.VOTES_CAST, c.YES]
        if block.jurisdiction is Jurisdiction.GB:
            required.insert(0, c.ENTITLED)
        for field_name in required:
            if field_name in self.cols and counts[field_name] is None and readable:
                readable = False
                self.problem(
                    Severity.ERROR,
                    row.number,
                    self.cols[field_name],
                    f"{name!r} has no {c.FIELD_LABELS[field_name]} figure.",
                )
        if not readable:
            return None
        entitled, votes_cast, yes = counts[c.ENTITLED], counts[c.VOTES_CAST], counts[c.YES]
        no, spoiled = counts[c.NO], counts[c.SPOILED]
        assert votes_cast is not None and yes is not None  # noqa: S101 - required above
        if no is not None:
            basis = NoBasis.GIVEN
        elif c.NO not in self.cols and spoiled is not None:
            basis = NoBasis.DERIVED
            no = votes_cast - yes - spoiled
        else:
            basis = NoBasis.UNKNOWN
        result = ConstituencyResult(
            name=name,
            question=question,
            entitled=entitled,
            votes_cast=votes_cast,
            yes=yes,
            no=no if no is None or no >= 0 else None,
            spoiled=spoiled,
            percent_turnout_as_given=None,
            percent_yes_as_given=None,
            jurisdiction_hint=block.jurisdiction,
            source=SourceRef(self.sheet, row.number),
            no_basis=basis,
        )
        self._check_counts(row, result, counts[c.NO])
        turnout = self._percent(row, c.PERCENT_TURNOUT)
        yes_share = self._percent(row, c.PERCENT_YES)
        self._check_percents(row, result, turnout, yes_share)
        return _with_percents(result, turnout, yes_share)

    def _check_counts(self, row: Row, r: ConstituencyResult, given_no: int | None) -> None:
        col = self.cols.get
        name = r.name
        if r.yes > r.votes_cast:
            self.problem(
                Severity.ERROR,
                row.number,
                col(c.YES),
                f"{name!r}: {r.yes} voted yes but only {r.votes_cast} votes were cast.",
            )
        answered = r.yes + (given_no or 0) + (r.spoiled or 0)
        if answered > r.votes_cast and r.yes <= r.votes_cast:
            parts = (
                ["yes"]
                + (["no"] if given_no is not None else [])
                + (["spoiled"] if r.spoiled is not None else [])
            )
            self.problem(
                Severity.ERROR,
                row.number,
                col(c.NO) if given_no is not None else col(c.SPOILED),
                f"{name!r}: {' + '.join(parts)} = {answered}, more than the {r.votes_cast} "
                "votes cast.",
            )
        if r.entitled is not None and r.votes_cast > r.entitled:
            # Network Rail v RMT (2010): more votes than members entitled cannot be a true count.
            self.problem(
                Severity.ERROR,
                row.number,
                col(c.VOTES_CAST),
                f"{name!r}: {r.votes_cast} votes cast but only {r.entitled} members entitled to "
                "vote; reconcile the count with the scrutineer before relying on it.",
            )

    def _check_percents(
        self,
        row: Row,
        r: ConstituencyResult,
        turnout: Percent | None,
        yes_share: Percent | None,
    ) -> None:
        if turnout is not None and r.entitled:
            actual = HUNDRED * r.votes_cast / r.entitled
            if abs(turnout.value - actual) > turnout.tolerance:
                self.problem(
                    Severity.WARNING,
                    row.number,
                    self.cols[c.PERCENT_TURNOUT],
                    f"{r.name!r}: the report says {turnout.value}% turnout, but {r.votes_cast} of "
                    f"{r.entitled} is {_fmt(actual)}%; the counts are used.",
                )
        if (
            turnout is not None
            and r.entitled
            and self.block.jurisdiction is Jurisdiction.GB
            and (turnout.value >= 50) != (2 * r.votes_cast >= r.entitled)
        ):
            # USS 2021, Manchester: 1,046 of 2,094 is 49.95%, which rounds to 50.0%.
            self.problem(
                Severity.WARNING,
                row.number,
                self.cols[c.PERCENT_TURNOUT],
                f"{r.name!r}: the report's {turnout.value}% turnout is on the other side of "
                f"the 50% threshold from the counts ({r.votes_cast} of {r.entitled}); the "
                "counts decide.",
            )
        if yes_share is None:
            return
        if not _yes_share_fits(r, yes_share):
            self.problem(
                Severity.WARNING,
                row.number,
                self.cols[c.PERCENT_YES],
                f"{r.name!r}: the report says {yes_share.value}% yes, which no split of "
                f"{r.votes_cast} votes with {r.yes} yes gives; the counts are used.",
            )
        elif (
            r.no_basis is NoBasis.UNKNOWN
            and yes_share.value - yes_share.tolerance > 50
            and r.yes * 2 <= r.votes_cast
        ):
            self.problem(
                Severity.WARNING,
                row.number,
                self.cols[c.PERCENT_YES],
                f"{r.name!r}: the report's {yes_share.value}% yes suggests most of those who "
                f"answered said yes, but it gives no 'No' count, and {r.yes} yes of "
                f"{r.votes_cast} votes cast is not a majority on the counts. Ask the "
                "scrutineer for the No and spoiled counts.",
            )

    # The Total row --------------------------------------------------------------------------

    def _check_total(self, total: Row, results: list[ConstituencyResult], rows_ok: bool) -> None:
        sums: dict[str, int] = {}
        for name in (c.ENTITLED, c.VOTES_CAST, c.YES, c.NO, c.SPOILED):
            col = self.cols.get(name)
            if col is None:
                continue
            cell = total.cell(col)
            try:
                stated = read_count(cell)
            except CellValueError as exc:
                self.problem(
                    Severity.ERROR,
                    total.number,
                    col,
                    f"Total row, {self.header(name)}: {exc}.",
                )
                continue
            if stated is None:
                self.problem(
                    Severity.WARNING,
                    total.number,
                    col,
                    f"The Total row has no stored value for {self.header(name)} (a formula the "
                    "spreadsheet never calculated?), so that column was not checked.",
                )
                continue
            values = [getattr(r, name) for r in results]
            if not rows_ok or any(v is None for v in values):
                continue
            actual = sum(values)
            sums[name] = actual
            if stated != actual:
                self.problem(
                    Severity.ERROR,
                    total.number,
                    col,
                    f"The Total row gives {stated} for {self.header(name)}, but the "
                    f"{len(results)} constituency rows above it add up to {actual}: a row is "
                    "missing, extra or misread.",
                )
        turnout = self._percent(total, c.PERCENT_TURNOUT)
        if turnout is not None and sums.get(c.ENTITLED) and c.VOTES_CAST in sums:
            actual = HUNDRED * sums[c.VOTES_CAST] / sums[c.ENTITLED]
            if abs(turnout.value - actual) > turnout.tolerance:
                self.problem(
                    Severity.WARNING,
                    total.number,
                    self.cols[c.PERCENT_TURNOUT],
                    f"The Total row says {turnout.value}% turnout, but the totals give "
                    f"{_fmt(actual)}%.",
                )


def _fmt(value: Decimal) -> str:
    return f"{value:.2f}"


def _yes_share_fits(r: ConstituencyResult, share: Percent) -> bool:
    """Whether the stated % yes is the yes count over some plausible number of valid votes.

    Scrutineers divide by yes + no (the 2021 reports do, leaving spoiled papers out) or by all
    votes cast. With `no` known both are tried; without it, any denominator between the yes
    count and the votes cast is accepted.
    """
    low, high = share.value - share.tolerance, share.value + share.tolerance
    if r.yes == 0:
        return low <= 0
    if r.no is not None:
        denominators = {r.yes + r.no, r.votes_cast} - {0}
        return any(low <= HUNDRED * r.yes / d <= high for d in denominators)
    if r.votes_cast == 0:
        return False
    # 100 * yes / d falls as d grows: the fitting d lie in [ceil(100y/high), floor(100y/low)].
    d_min = max(r.yes, int(-(-(HUNDRED * r.yes) // high)))
    d_max = r.votes_cast if low <= 0 else min(r.votes_cast, int(HUNDRED * r.yes // low))
    return d_min <= d_max


def _with_percents(
    r: ConstituencyResult, turnout: Percent | None, yes_share: Percent | None
) -> ConstituencyResult:
    return replace(
        r,
        percent_turnout_as_given=turnout.value if turnout else None,
        percent_yes_as_given=yes_share.value if yes_share else None,
    )


def _check_across_blocks(blocks: list[ResultBlock], problems: list[ReportProblem]) -> None:
    seen: dict[tuple[Question, str], SourceRef] = {}
    for block in blocks:
        if block.question is None:
            continue
        for result in block.results:
            key = (block.question, result.name.casefold())
            first = seen.get(key)
            if first is None:
                seen[key] = result.source
            elif first.sheet != result.source.sheet or first.row < block.header_row:
                problems.append(
                    ReportProblem(
                        Severity.ERROR,
                        result.source.sheet,
                        result.source.row,
                        None,
                        f"{result.name!r} has a second {block.question} result here; the first "
                        f"is at {first}. One constituency has one result per question.",
                    )
                )
