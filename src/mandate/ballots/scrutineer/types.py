"""The shapes a parsed scrutineer's report takes: results, blocks, problems and the whole-file error."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from mandate.core.errors import DomainError


class Question(StrEnum):
    # s229(2): strike and action short of strike are separate questions, each with its own mandate.
    STRIKE = "strike"
    ASOS = "asos"


class Jurisdiction(StrEnum):
    GB = "GB"
    NI = "NI"


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


class NoBasis(StrEnum):
    """Where a result's `no` count came from."""

    GIVEN = "given"
    # votes cast - yes - spoiled, when the report gives spoiled papers but no No column.
    DERIVED = "derived"
    # The report gives neither No nor spoiled papers: judge the majority as yes * 2 > votes_cast.
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class SourceRef:
    """Where a value came from: the sheet (or the CSV file's name) and the 1-based row as shown."""

    sheet: str
    row: int

    def __str__(self) -> str:
        return f"{self.sheet}, row {self.row}"


@dataclass(frozen=True, slots=True)
class ReportProblem:
    severity: Severity
    sheet: str
    row: int | None
    column: str | None
    message: str

    def where(self) -> str:
        parts = [f"sheet {self.sheet!r}"] if self.sheet else []
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column {self.column}")
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.where()
        return (
            f"{self.severity}: {where}: {self.message}"
            if where
            else f"{self.severity}: {self.message}"
        )


@dataclass(frozen=True, slots=True)
class ConstituencyResult:
    """One constituency's answer to one question, with the counts exactly as the report gave them.

    `entitled` is None only in a Northern Ireland block that gives no electorate (no turnout
    threshold applies there). When `no_basis` is UNKNOWN, `no` is None and the majority has to be
    judged as `yes * 2 > votes_cast`: spoiled and blank papers then count against the question.
    """

    name: str
    question: Question
    entitled: int | None
    votes_cast: int
    yes: int
    no: int | None
    spoiled: int | None
    percent_turnout_as_given: Decimal | None
    percent_yes_as_given: Decimal | None
    jurisdiction_hint: Jurisdiction
    source: SourceRef
    no_basis: NoBasis = NoBasis.GIVEN


@dataclass(slots=True)
class ResultBlock:
    """One results table: a header row, constituency rows, and (usually) a Total row."""

    sheet: str
    header_row: int
    question: Question | None
    jurisdiction_hint: Jurisdiction
    # field name -> column letter, e.g. {"entitled": "B", "votes_cast": "C", ...}
    columns: dict[str, str]
    titles: tuple[str, ...] = ()
    results: list[ConstituencyResult] = field(default_factory=list)
    total_row: int | None = None
    # Assumptions a reader of the figures must know, e.g. how the majority has to be judged.
    notes: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ParsedReport:
    filename: str
    format: str
    blocks: list[ResultBlock]
    problems: list[ReportProblem]

    @property
    def ok(self) -> bool:
        return not any(p.severity is Severity.ERROR for p in self.problems)

    @property
    def errors(self) -> list[ReportProblem]:
        return [p for p in self.problems if p.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[ReportProblem]:
        return [p for p in self.problems if p.severity is Severity.WARNING]

    @property
    def results(self) -> list[ConstituencyResult]:
        return [result for block in self.blocks for result in block.results]

    def results_for(
        self, question: Question, jurisdiction: Jurisdiction | None = None
    ) -> list[ConstituencyResult]:
        return [
            r
            for r in self.results
            if r.question == question
            and (jurisdiction is None or r.jurisdiction_hint == jurisdiction)
        ]

    def names(self) -> list[str]:
        """Every constituency name in the report, once each, in report order."""
        return list(dict.fromkeys(r.name for r in self.results))


class ReportError(DomainError, ValueError):
    """The file as a whole cannot be read as a results report; `problem` says where and why."""

    def __init__(self, message: str, *, sheet: str = "", row: int | None = None) -> None:
        super().__init__(message)
        self.problem = ReportProblem(Severity.ERROR, sheet, row, None, message)
