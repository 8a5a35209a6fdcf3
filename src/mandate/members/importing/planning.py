"""Checking every row of an import and comparing the file with the branch's register.

A plan is pure reading: it writes nothing. The same plan is made for the preview and again,
inside the apply transaction, from the same bytes, so what is written is what the register
holds at that moment. The rows are checked and compared a few thousand at a time; while the
plan has no errors, each batch of new members is handed to a sink, so that the apply can write
one batch while the next is checked.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, models

from mandate.core.models import Branch, Department, Workplace
from mandate.members.importing.columns import (
    FIELDS_BY_NAME,
    HEADINGS,
    KEEPS,
    REQUIRED,
    SITE_FIELDS,
    CellError,
    FieldSpec,
    heading_key,
)
from mandate.members.importing.reading import FileProblem, Table, read_table
from mandate.members.models import Employment, Member

MAX_ROWS = 200_000
MAX_COLUMNS = 500
# Kept in a plan and shown: enough to fix a file by, small enough for a page and a JSON field.
KEPT_ERRORS = 500
SAMPLE = 200
VALUE_SHOWN = 60
# Rows checked and compared per batch: small enough that the write of the last batch, which
# nothing overlaps, is short; large enough that the per-batch costs stay negligible.
BATCH = 5000
_CHOICES_SHOWN = 5
_MISSING = object()
FORMULA = (
    "This looks like a spreadsheet formula. Replace it with its value (copy, then paste as "
    "values) and import again."
)
_EMPLOYER_EMPTY = "Employer is empty: the branch covers several employers, so name this one."


@dataclass(frozen=True)
class _Problem:
    text: str
    message: str


class _Keep:
    """An empty cell in a column whose empty cells leave the register's value alone."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Any = _Keep()


@dataclass(frozen=True)
class RowError:
    """A problem with the file: where it is (as the spreadsheet shows it) and what to do."""

    row: int | None
    column: str
    value: str
    message: str

    def __str__(self) -> str:
        if self.row is None:
            return f'column "{self.column}": {self.message}' if self.column else self.message
        return f'row {self.row}, column "{self.column}": {self.message}'

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "message": self.message,
        }


@dataclass
class ChangedMember:
    member_id: int
    number: str
    name: str
    member: dict[str, tuple[Any, Any]]  # field -> (old, new)
    employment_id: int | None = None
    employment: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    new_employment: dict[str, Any] | None = None
    returned: bool = False

    def field_labels(self) -> list[str]:
        labels = [FIELDS_BY_NAME[name].label for name in self.member if name in FIELDS_BY_NAME]
        labels += [_employment_label(name) for name in self.employment]
        if self.new_employment is not None:
            labels.append("Employment (added)")
        if self.returned:
            labels.append("Back in the file")
        return labels


def _employment_label(name: str) -> str:
    base = name.removesuffix("_id")
    return FIELDS_BY_NAME[base].label if base in FIELDS_BY_NAME else base


@dataclass
class ImportPlan:
    """What an import would do: errors, or the new, changed, unchanged and missing members."""

    filename: str = ""
    kind: str = ""
    encoding: str = ""
    sheet: str = ""
    rows: int = 0
    columns: list[tuple[str, str]] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    # The file's rows as columns: the spreadsheet row number of each data row, and each
    # recognised column's values, read and checked (KEEP where an empty cell changes nothing).
    rownos: list[int] = field(default_factory=list)
    member_values: dict[str, list[Any]] = field(default_factory=dict)
    employment_values: dict[str, list[Any]] = field(default_factory=dict)
    # Indexes into those columns of the members not yet on the register.
    new_rows: list[int] = field(default_factory=list)
    # How many of the file's membership numbers are not on the branch's register, once it is
    # read: new_rows will hold at most this many (the writer reserves their keys up front).
    expected_new: int = 0
    changed: list[ChangedMember] = field(default_factory=list)
    unchanged: int = 0
    # Members of the branch the file leaves out: (id, number, name, already flagged).
    missing: list[tuple[int, str, str, bool]] = field(default_factory=list)
    member_fields: list[str] = field(default_factory=list)
    employment_fields: list[str] = field(default_factory=list)
    plans_employment: bool = False
    # ("workplace" or "department", id) -> name, for history entries that read as names.
    site_names: dict[tuple[str, int], str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def add_error(self, row: int | None, column: str, value: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < KEPT_ERRORS:
            shown = value if len(value) <= VALUE_SHOWN else value[: VALUE_SHOWN - 1] + "…"
            self.errors.append(RowError(row, column, shown, message))

    def counts(self) -> dict[str, int]:
        return {
            "rows": self.rows,
            "new": len(self.new_rows),
            "changed": sum(1 for c in self.changed if c.member or c.employment or c.new_employment),
            "returned": sum(1 for c in self.changed if c.returned),
            "unchanged": self.unchanged,
            "missing": len(self.missing),
            "newly_missing": sum(1 for m in self.missing if not m[3]),
            "errors": self.error_count,
        }

    def summary(self) -> dict[str, Any]:
        """The plan as JSON for the preview page: counts, errors and samples of each list."""
        return {
            "counts": self.counts(),
            "kind": self.kind,
            "encoding": self.encoding,
            "sheet": self.sheet,
            "columns": [list(c) for c in self.columns],
            "ignored": self.ignored,
            "warnings": self.warnings,
            "errors": [e.as_dict() for e in self.errors],
            "new_sample": [
                {
                    "row": self.rownos[i],
                    "number": self.member_values["membership_number"][i],
                    "name": f"{self.member_values['first_name'][i]} "
                    f"{self.member_values['last_name'][i]}",
                }
                for i in self.new_rows[:SAMPLE]
            ],
            "changed_sample": [
                {"number": c.number, "name": c.name, "fields": c.field_labels()}
                for c in self.changed[:SAMPLE]
            ],
            "missing_sample": [
                {"number": number, "name": name, "flagged": flagged}
                for _, number, name, flagged in self.missing[:SAMPLE]
            ],
        }


def size_error(size: int) -> str | None:
    """The message for a file over the size limit, or None if it is within it."""
    limit = settings.MANDATE_IMPORT_MAX_BYTES
    if size <= limit:
        return None
    return (
        f"The file is {size / 1_048_576:.1f} MB; the largest file that can be imported is "
        f"{limit / 1_048_576:.0f} MB. Split the register into smaller files, or remove "
        "columns you do not need."
    )


# Given the plan so far and the indexes (into its columns) of a batch of new members.
Sink = Callable[["ImportPlan", list[int]], None]


def plan_import(
    *,
    branch: Branch,
    data: bytes,
    filename: str = "",
    sheet: str = "",
    sink: Sink | None = None,
) -> ImportPlan:
    """Read DATA, check every row, and compare it with BRANCH's register. Writes nothing.

    SINK, if given, receives each batch of new members as it is planned, for as long as the
    plan has no errors; a plan that ends with errors must not be written, so whatever the sink
    did with the earlier batches is for the caller to undo.
    """
    plan = ImportPlan(filename=filename)
    too_big = size_error(len(data))
    if too_big:
        plan.add_error(None, "", "", too_big)
        return plan
    if not data.strip():
        plan.add_error(None, "", "", "The file is empty.")
        return plan
    # The plan builds a few hundred thousand small objects that all live until it is done;
    # the cycle collector would walk them again and again for nothing.
    collecting = gc.isenabled()
    gc.disable()
    try:
        table = read_table(data, sheet=sheet)
        plan.kind, plan.encoding, plan.sheet = table.kind, table.encoding, table.sheet
        _Planner(plan, branch, table, sink).run()
    except FileProblem as problem:
        plan.add_error(None, "", "", problem.message)
    finally:
        if collecting:
            gc.enable()
    if not plan.ok:
        # Nothing may be written from a file with errors, so the lists would only mislead.
        plan.new_rows, plan.changed, plan.missing, plan.unchanged = [], [], [], 0
        plan.member_values, plan.employment_values = {}, {}
    return plan


# What a column's earlier batches found: value -> checked value, value -> (text, message).
_Cache = tuple[dict[Any, Any], dict[Any, tuple[str, str]]]


@dataclass(frozen=True)
class _Column:
    index: int
    heading: str
    spec: FieldSpec


class _Planner:
    def __init__(self, plan: ImportPlan, branch: Branch, table: Table, sink: Sink | None) -> None:
        self.plan = plan
        self.branch = branch
        self.table = table
        self.sink = sink
        self.header_row = 0
        # Filled by _load_register, and once the membership numbers are read.
        self.member_fields: list[str] = []
        self.employment_fields: list[str] = []
        self.existing: dict[str, tuple[Any, ...]] = {}
        self.employments: dict[tuple[int, int], tuple[Any, ...]] = {}
        self.elsewhere: set[str] = set()
        self.seen: set[int] = set()
        self.streaming = False
        # Cell errors as found, column by column: (row, column index, error), sorted at the end.
        self.pending: list[tuple[int, int, RowError]] = []

    def run(self) -> None:
        try:
            self._run()
        finally:
            self.pending.sort(key=lambda p: (p[0], p[1]))
            room = max(KEPT_ERRORS - len(self.plan.errors), 0)
            self.plan.errors.extend(error for _, _, error in self.pending[:room])

    def _run(self) -> None:
        rows = self.table.rows
        header = self._header(rows)
        if header is None:
            return
        columns = self._columns(header)
        if columns is None:
            return
        self.number_column = next(c for c in columns if c.spec.name == "membership_number")
        self._sites(columns)
        if not self.plan.ok:
            return
        # A branch with no members yet (a first import, the largest) is compared as the file
        # is read, a batch at a time, so its new members can be written as it goes. A register
        # is read only once the whole file is checked and its cells freed, as the two together
        # would need a hundred megabytes more for a large branch.
        self.streaming = not Member.objects.filter(branch=self.branch).exists()
        collected = self._collect(rows, len(header))
        if not self.plan.ok:
            return
        if not collected:
            self.plan.add_error(None, "", "", "The file has a header row but no members below it.")
            return
        self._read_columns(collected, columns)
        del collected

    # The header ------------------------------------------------------------------------------

    def _header(self, rows: Iterator[tuple[int, list[str]]]) -> list[str] | None:
        for number, cells in rows:
            stripped = [c.strip() for c in cells]
            if any(stripped):
                self.header_row = number
                while stripped and not stripped[-1]:
                    stripped.pop()
                return stripped
        self.plan.add_error(None, "", "", "The file is empty.")
        return None

    def _columns(self, header: list[str]) -> list[_Column] | None:
        plan = self.plan
        if len(header) > MAX_COLUMNS:
            plan.add_error(
                None,
                "",
                "",
                f"The file has {len(header)} columns; at most {MAX_COLUMNS} can be read.",
            )
            return None
        columns: list[_Column] = []
        taken: dict[str, str] = {}
        for index, heading in enumerate(header):
            if not heading:
                continue
            spec = HEADINGS.get(heading_key(heading))
            if spec is None:
                plan.ignored.append(heading)
                continue
            if spec.name in taken:
                plan.add_error(
                    None,
                    heading,
                    "",
                    f'Columns "{taken[spec.name]}" and "{heading}" both give the '
                    f"{spec.label.lower()}: keep one of them.",
                )
                continue
            taken[spec.name] = heading
            columns.append(_Column(index, heading, spec))
        for name in REQUIRED:
            if name not in taken:
                spec = FIELDS_BY_NAME[name]
                plan.add_error(
                    None,
                    "",
                    "",
                    f'The file has no "{spec.label}" column, which is required. Recognised '
                    f"headings for it include: {', '.join(spec.synonyms[:4])}.",
                )
        if plan.ignored:
            plan.warnings.append(
                "These columns are not recognised and were ignored: "
                + ", ".join(f'"{h}"' for h in plan.ignored)
                + "."
            )
        plan.columns = [(c.heading, c.spec.label) for c in columns]
        return columns if plan.ok else None

    def _sites(self, columns: list[_Column]) -> None:
        """Load the branch's employers and their sites, and decide whether employment is read."""
        plan = self.plan
        self.employers = {heading_key(e.name): (e.pk, e.name) for e in self.branch.employers.all()}
        for e in self.branch.employers.all():
            self.employers.setdefault(heading_key(e.slug), (e.pk, e.name))
        employer_ids = sorted({pk for pk, _ in self.employers.values()})
        for pk, name in self.employers.values():
            plan.site_names[("employer", pk)] = name
        self.workplaces: dict[tuple[int, str], int] = {}
        self.departments: dict[tuple[int, str], int] = {}
        self.site_names = plan.site_names
        self.site_choices: dict[tuple[str, int], list[str]] = {}
        for model, kind, target in (
            (Workplace, "workplace", self.workplaces),
            (Department, "department", self.departments),
        ):
            for pk, employer_id, name in model.objects.filter(
                employer_id__in=employer_ids
            ).values_list("pk", "employer_id", "name"):
                target[(employer_id, heading_key(name))] = pk
                self.site_names[(kind, pk)] = name
                self.site_choices.setdefault((kind, employer_id), []).append(name)
        employment_columns = [c for c in columns if c.spec.target == "employment"]
        has_employer_column = any(c.spec.name == "employer" for c in columns)
        self.sole_employer = employer_ids[0] if len(employer_ids) == 1 else None
        plan.plans_employment = bool(employment_columns) or self.sole_employer is not None
        if employment_columns and not employer_ids:
            plan.add_error(
                None,
                "",
                "",
                "The file has employment columns but the branch has no employers yet: ask a "
                "national officer to add the branch's employers first.",
            )
        elif employment_columns and not has_employer_column and self.sole_employer is None:
            names = sorted(name for _, name in self.employers.values())
            plan.add_error(
                None,
                "",
                "",
                'The branch covers several employers, so the file needs an "Employer" column '
                f"naming each member's employer ({_choice_list(names)}).",
            )
        plan.member_fields = [c.spec.name for c in columns if c.spec.target == "member"]
        plan.employment_fields = [
            f"{c.spec.name}_id" if c.spec.name in SITE_FIELDS else c.spec.name
            for c in employment_columns
            if c.spec.name != "employer"
        ]

    # The rows ------------------------------------------------------------------------------
    #
    # Cells are checked a column at a time: each distinct value in a column is read once, and
    # the column is then mapped through the results. A register repeats its workplaces,
    # grades, dates and yes/no answers thousands of times, and the per-row work left is done
    # by C loops (set, map, zip), which is what lets 100,000 rows be checked in a second or two.

    def _collect(self, rows: Iterator[tuple[int, list[str]]], width: int) -> list[list[str]]:
        """The non-blank data rows, padded to the header's width; their numbers go to the plan."""
        plan = self.plan
        limit = self.header_row + MAX_ROWS
        collected: list[list[str]] = []
        numbers: list[int] = []
        key = self.number_column.index
        for rowno, cells in rows:
            # Most rows have a membership number; only the others need the full look.
            if not (len(cells) > key and cells[key].strip()) and not "".join(cells).strip():
                continue
            if rowno > limit:
                plan.add_error(
                    None,
                    "",
                    "",
                    f"The file has more than {MAX_ROWS:,} rows: split it into smaller files.",
                )
                return []
            if len(cells) < width:
                cells = [*cells, *([""] * (width - len(cells)))]
            collected.append(cells)
            numbers.append(rowno)
        plan.rownos = numbers
        plan.rows = len(numbers)
        return collected

    def _read_columns(self, rows: list[list[str]], columns: list[_Column]) -> None:
        """Check every recognised column and compare the rows with the register, in batches.

        The values land in the plan, the errors are kept. The membership numbers are read
        first and whole: duplicates and other branches' numbers are found across the file, and
        every read of the database is done before the first batch goes to the sink (which may
        be using the connection from then on).
        """
        plan = self.plan
        by_name = {c.spec.name: c for c in columns}
        count = len(rows)
        checked = [c for c in columns if c.spec.name not in SITE_FIELDS]
        for column in checked:
            target = (
                plan.member_values if column.spec.target == "member" else plan.employment_values
            )
            target[column.spec.name] = []
        sites = [
            (kind, table, by_name[kind])
            for kind, table in (("workplace", self.workplaces), ("department", self.departments))
            if kind in by_name
        ]
        if plan.plans_employment:
            plan.employment_values["employer_id"] = []
            for kind, _, _ in sites:
                plan.employment_values[f"{kind}_id"] = []
        number = self.number_column
        key = number.index
        numbers = self._convert(
            number, [cells[key] for cells in rows], number.spec.reader, _required(number)
        )
        plan.member_values[number.spec.name] = numbers
        self._duplicates()
        if plan.ok and self.streaming:
            self._load_register(numbers)
        caches: dict[str, _Cache] = {c.spec.name: ({}, {}) for c in columns}
        for start in range(0, count, BATCH):
            stop = min(start + BATCH, count)
            # Each batch's rows are let go once read, so the cells the plan does not keep are
            # freed as it goes, before the register read above and the values meet at their
            # largest. zip walks the rows once in C; a comprehension per column would walk
            # them once per column.
            transposed = list(zip(*rows[: stop - start], strict=False))
            del rows[: stop - start]
            raw = {c.spec.name: transposed[c.index] for c in columns}
            del transposed
            for column in checked:
                name = column.spec.name
                if name == number.spec.name:
                    continue
                values = self._convert(
                    column,
                    raw[name],
                    column.spec.reader,
                    _required(column),
                    offset=start,
                    cache=caches[name],
                )
                if column.spec.target == "member":
                    plan.member_values[name].extend(values)
                else:
                    plan.employment_values[name].extend(values)
            if plan.plans_employment:
                if "employer" in by_name:
                    employer_ids = self._convert(
                        by_name["employer"],
                        raw["employer"],
                        self._employer_reader,
                        None if self.sole_employer is not None else _EMPLOYER_EMPTY,
                        empty=self.sole_employer,
                        offset=start,
                        cache=caches["employer"],
                    )
                else:
                    employer_ids = [self.sole_employer] * (stop - start)
                plan.employment_values["employer_id"].extend(employer_ids)
                for kind, table, column in sites:
                    plan.employment_values[f"{kind}_id"].extend(
                        self._convert_site(
                            column,
                            kind,
                            table,
                            employer_ids,
                            raw[kind],
                            offset=start,
                            cache=caches[kind],
                        )
                    )
            if plan.ok and self.streaming and not self.elsewhere:
                self._compare(start, stop)
        del raw
        if plan.ok and not self.streaming:
            self._load_register(numbers)
            if not self.elsewhere:
                for start in range(0, count, BATCH):
                    self._compare(start, min(start + BATCH, count))
        if plan.ok:
            self._finish_compare()

    def _convert(
        self,
        column: _Column,
        raw: Sequence[str],
        reader: Callable[[str], Any],
        empty_error: str | None,
        empty: Any = _MISSING,
        offset: int = 0,
        cache: _Cache | None = None,
    ) -> list[Any]:
        """Read every cell of one column; report the bad ones; return the values by row.

        RAW starts at row index OFFSET; CACHE keeps what the column's earlier batches found.
        """
        spec = column.spec
        if empty is _MISSING:
            empty = KEEP if spec.empty == KEEPS else spec.empty_value
        bulk = spec.bulk if reader is spec.reader else None
        if spec.distinct:
            return self._convert_each(column, raw, reader, bulk, empty_error, empty, offset)
        mapping, bad = cache if cache is not None else ({}, {})
        uniques = [v for v in set(raw) if v not in mapping and v not in bad]
        texts = [value.strip() for value in uniques]
        vouched = bulk(texts) if bulk is not None else [None] * len(texts)
        for value, text, found in zip(uniques, texts, vouched, strict=True):
            if found is not None:
                mapping[value] = found
                continue
            problem = self._read_one(text, reader, empty_error, empty)
            if type(problem) is _Problem:
                bad[value] = (problem.text, problem.message)
            else:
                mapping[value] = problem
        if bad:
            problems = [(offset + i, *bad[v]) for i, v in enumerate(raw) if v in bad]
            if problems:
                self._report(column, problems)
        return list(map(mapping.get, raw))

    def _convert_each(
        self,
        column: _Column,
        raw: Sequence[str],
        reader: Callable[[str], Any],
        bulk: Callable[[list[str]], list[Any]] | None,
        empty_error: str | None,
        empty: Any,
        offset: int,
    ) -> list[Any]:
        """_convert for columns whose cells nearly all differ: no dictionary of distinct values."""
        texts = [value.strip() for value in raw]
        values = bulk(texts) if bulk is not None else [None] * len(texts)
        problems: list[tuple[int, str, str]] = []
        for i in [i for i, v in enumerate(values) if v is None]:
            read = self._read_one(texts[i], reader, empty_error, empty)
            if type(read) is _Problem:
                problems.append((offset + i, read.text, read.message))
                read = None
            values[i] = read
        if problems:
            self._report(column, problems)
        return values

    @staticmethod
    def _read_one(
        text: str, reader: Callable[[str], Any], empty_error: str | None, empty: Any
    ) -> Any:
        """One cell's value, or a _Problem saying what is wrong with it."""
        if not text:
            return empty if empty_error is None else _Problem("", empty_error)
        if text[0] == "=":
            return _Problem(text, FORMULA)
        try:
            return reader(text)
        except CellError as exc:
            return _Problem(text, str(exc))

    def _employer_reader(self, text: str) -> int:
        found = self.employers.get(heading_key(text))
        if found is None:
            names = sorted({name for _, name in self.employers.values()})
            raise CellError(
                f"{text!r} is not an employer of this branch. Known employers: "
                f"{_choice_list(names)}."
            )
        return found[0]

    def _convert_site(
        self,
        column: _Column,
        kind: str,
        table: dict[tuple[int, str], int],
        employer_ids: Sequence[Any],
        raw: Sequence[str],
        offset: int,
        cache: _Cache,
    ) -> list[Any]:
        mapping, bad = cache
        pairs = list(zip(employer_ids, raw, strict=True))
        for pair in set(pairs):
            if pair in mapping or pair in bad:
                continue
            employer_id, value = pair
            text = value.strip()
            if not text:
                mapping[pair] = None
            elif text[0] == "=":
                bad[pair] = (text, FORMULA)
            elif employer_id is None:
                mapping[pair] = None  # the row's employer is already reported
            else:
                pk = table.get((employer_id, heading_key(text)))
                if pk is not None:
                    mapping[pair] = pk
                    continue
                known = sorted(self.site_choices.get((kind, employer_id), []))
                bad[pair] = (
                    text,
                    f"{text!r} is not a {kind} of this employer. "
                    + (
                        f"Known {kind}s: {_choice_list(known)}."
                        if known
                        else f"It has no {kind}s recorded."
                    ),
                )
        if bad:
            problems = [(offset + i, *bad[p]) for i, p in enumerate(pairs) if p in bad]
            if problems:
                self._report(column, problems)
        return list(map(mapping.get, pairs))

    def _duplicates(self) -> None:
        numbers = self.plan.member_values.get("membership_number", [])
        present = [n for n in numbers if n]
        if len(set(present)) == len(present):
            return
        first: dict[str, int] = {}
        problems: list[tuple[int, str, str]] = []
        for i, number in enumerate(numbers):
            if not number:
                continue
            j = first.setdefault(number, i)
            if j != i:
                problems.append(
                    (
                        i,
                        number,
                        f"Membership number {number} is also on row {self.plan.rownos[j]}: "
                        "each member must appear once.",
                    )
                )
        self._report(self.number_column, problems)

    def _report(self, column: _Column, problems: list[tuple[int, str, str]]) -> None:
        """Record cell errors of one column (row index, value, message)."""
        self.plan.error_count += len(problems)
        rownos = self.plan.rownos
        for i, value, message in problems[:KEPT_ERRORS]:
            shown = value if len(value) <= VALUE_SHOWN else value[: VALUE_SHOWN - 1] + "…"
            self.pending.append(
                (rownos[i], column.index, RowError(rownos[i], column.heading, shown, message))
            )

    # The comparison --------------------------------------------------------------------------

    def _load_register(self, numbers: list[str]) -> None:
        """Read what the comparison needs: the branch's members and their employments, and
        which of the file's NUMBERS belong to other branches."""
        plan = self.plan
        self.member_fields = [f for f in plan.member_fields if f != "membership_number"]
        for values in _fetch(
            Member,
            Member.objects.filter(branch=self.branch),
            ["membership_number", "pk", "missing_since", *self.member_fields],
        ):
            self.existing[values[0]] = values[1:]
        self.employment_fields = [f for f in plan.employment_fields if f != "employer_id"]
        self.employments = (
            self._employments(self.employment_fields)
            if self.existing and plan.plans_employment
            else {}
        )
        unknown = [n for n in numbers if n not in self.existing]
        plan.expected_new = len(unknown)
        self.elsewhere = self._numbers_elsewhere(unknown)

    def _compare(self, start: int, stop: int) -> None:
        """Compare rows START to STOP with the register; hand the new members to the sink."""
        plan = self.plan
        if not self.existing:
            added = list(range(start, stop))
            plan.new_rows.extend(added)
            if self.sink is not None:
                self.sink(plan, added)
            return
        numbers: list[str] = plan.member_values["membership_number"]
        member_fields = self.member_fields
        existing = self.existing
        first_at = member_fields.index("first_name")
        last_at = member_fields.index("last_name")
        new_member = list(
            zip(*(plan.member_values[f][start:stop] for f in member_fields), strict=True)
        )
        employment_fields = self.employment_fields
        employments = self.employments
        employer_ids = plan.employment_values.get("employer_id", [])
        new_employment = (
            list(
                zip(
                    *(plan.employment_values[f][start:stop] for f in employment_fields),
                    strict=True,
                )
            )
            if plan.plans_employment and employment_fields
            else [()] * (stop - start)
        )
        added = []
        for i in range(start, stop):
            number = numbers[i]
            old = existing.get(number)
            if old is None:
                added.append(i)
                continue
            member_id, missing_since, old_member = old[0], old[1], old[2:]
            self.seen.add(member_id)
            change = ChangedMember(
                member_id=member_id,
                number=number,
                name=f"{old_member[first_at]} {old_member[last_at]}",
                member={},
                returned=missing_since is not None,
            )
            row_member = new_member[i - start]
            if row_member != old_member:
                change.member = {
                    name: (o, n)
                    for name, o, n in zip(member_fields, old_member, row_member, strict=True)
                    if n is not KEEP and n != o
                }
            if plan.plans_employment:
                row_employment = new_employment[i - start]
                current = employments.get((member_id, employer_ids[i]))
                if current is None:
                    change.new_employment = {
                        "employer_id": employer_ids[i],
                        **{
                            f: v
                            for f, v in zip(employment_fields, row_employment, strict=True)
                            if v is not KEEP
                        },
                    }
                elif row_employment != current[1:]:
                    change.employment_id = current[0]
                    change.employment = {
                        name: (o, n)
                        for name, o, n in zip(
                            employment_fields, current[1:], row_employment, strict=True
                        )
                        if n is not KEEP and n != o
                    }
            if change.member or change.employment or change.new_employment or change.returned:
                plan.changed.append(change)
            else:
                plan.unchanged += 1
        plan.new_rows.extend(added)
        if added and self.sink is not None:
            self.sink(plan, added)

    def _finish_compare(self) -> None:
        """After the last batch: report other branches' numbers, or list the missing members."""
        plan = self.plan
        numbers: list[str] = plan.member_values["membership_number"]
        if self.elsewhere:
            self._report(
                self.number_column,
                [
                    (
                        i,
                        n,
                        f"Membership number {n} belongs to a member of another branch; ask a "
                        "national officer to move them.",
                    )
                    for i, n in enumerate(numbers)
                    if n in self.elsewhere
                ],
            )
            return
        if not self.existing:
            return
        first_at = self.member_fields.index("first_name")
        last_at = self.member_fields.index("last_name")
        missing = [
            (old[0], number, old[1] is not None, old[2:])
            for number, old in self.existing.items()
            if old[0] not in self.seen
        ]
        plan.missing = [
            (pk, number, f"{values[first_at]} {values[last_at]}", flagged)
            for pk, number, flagged, values in missing
        ]
        if plan.missing:
            plan.warnings.append(
                f"{len(plan.missing):,} member(s) of the branch are not in the file. They stay "
                "on the register and are flagged as missing from the import."
            )

    def _employments(self, fields: list[str]) -> dict[tuple[int, int], tuple[Any, ...]]:
        found: dict[tuple[int, int], tuple[Any, ...]] = {}
        # The oldest employment with an employer is the one an import keeps up to date.
        for values in _fetch(
            Employment,
            Employment.objects.filter(member__branch=self.branch).order_by("pk"),
            ["member_id", "employer_id", "pk", *fields],
        ):
            found.setdefault((values[0], values[1]), values[2:])
        return found

    def _numbers_elsewhere(self, numbers: list[str]) -> set[str]:
        """Which of NUMBERS belong to members of other branches."""
        table = connection.ops.quote_name(Member._meta.db_table)
        number = connection.ops.quote_name(Member._meta.get_field("membership_number").column)
        branch = connection.ops.quote_name(Member._meta.get_field("branch").column)
        # Raw SQL, and one parameter: a JSON array of the numbers. The ORM spends about a
        # microsecond preparing each of 100,000 parameters, a query with thousands of
        # placeholders costs the driver more to parse than the database takes to answer it,
        # and an array parameter is quoted element by element in Python (a third of a second
        # here), where json.dumps does the lot in C.
        numbers_json = json.dumps(numbers)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    f"SELECT {number} FROM {table} WHERE {branch} <> %s AND {number} = ANY("  # noqa: S608
                    "ARRAY(SELECT jsonb_array_elements_text(%s::jsonb)))",
                    [self.branch.pk, numbers_json],
                )
            else:
                cursor.execute(
                    f"SELECT {number} FROM {table} WHERE {branch} <> %s AND {number} IN ("  # noqa: S608
                    "SELECT value FROM json_each(%s))",
                    [self.branch.pk, numbers_json],
                )
            return {row[0] for row in cursor.fetchall()}


def _fetch(model: type[models.Model], queryset: Any, names: list[str]) -> Iterator[tuple[Any, ...]]:
    """QUERYSET.values_list(*NAMES) as tuples of Python values, read a column at a time.

    The ORM converts SQLite's text dates and numeric decimals value by value, at about ten
    microseconds a row here; a register repeats its dates and amounts, so converting each
    distinct value once is far cheaper. PostgreSQL returns Python types already.

    A column that repeats its values (names, towns, grades, dates, amounts) gets one object
    per distinct value: the driver makes a new one per cell, and a large register held that
    way while the file's cells are in memory too would take a hundred megabytes more.
    """
    sql, params = queryset.values_list(*names).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        return iter(())
    columns: list[Sequence[Any]] = list(zip(*rows, strict=True))
    del rows
    for i, name in enumerate(names):
        distinct = set(columns[i])
        if len(distinct) * 2 < len(columns[i]):
            # Within one column equal values are the same value (one type, one scale).
            shared = {v: v for v in distinct}
            columns[i] = list(map(shared.__getitem__, columns[i]))
        del distinct
        if connection.vendor != "sqlite":
            continue
        field = model._meta.pk if name == "pk" else model._meta.get_field(name)
        convert: Callable[[Any], Any] | None = None
        if isinstance(field, models.DateTimeField):
            convert = None  # only ever tested for being set
        elif isinstance(field, models.DateField):
            # Django registers a converter for SQLite "date" columns; text is the fallback.
            convert = _as_date
        elif isinstance(field, models.DecimalField):
            places = Decimal(1).scaleb(-(field.decimal_places or 0))

            def convert(value: Any, places: Decimal = places) -> Decimal:
                return Decimal(str(value)).quantize(places)

        elif isinstance(field, models.BooleanField):
            convert = bool
        if convert is not None:
            mapping = {v: (None if v is None else convert(v)) for v in set(columns[i])}
            columns[i] = list(map(mapping.__getitem__, columns[i]))
    # Made one row at a time as the caller keeps what it needs of each.
    return zip(*columns, strict=True)


def _required(column: _Column) -> str | None:
    """The message for an empty cell in COLUMN, if the column may not have empty cells."""
    return f"{column.spec.label} is empty." if column.spec.name in REQUIRED else None


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _choice_list(names: list[str]) -> str:
    shown = ", ".join(names[:_CHOICES_SHOWN])
    more = len(names) - _CHOICES_SHOWN
    return f"{shown} and {more} more" if more > 0 else shown


def jsonable(value: Any) -> Any:
    """A value as history JSON holds it: dates as ISO text, amounts as text."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, date | Decimal):
        return str(value)
    return str(value)
