"""Turning uploaded bytes into rows of text: CSV in three encodings, or one sheet of an XLSX."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time

# An XLSX is a zip archive; an old .xls or an encrypted workbook is an OLE compound file.
_ZIP_SIGNATURE = b"PK\x03\x04"
_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_DELIMITERS = (",", ";", "\t")
UNREADABLE = "The file is not a CSV or XLSX we can read (encoding)."


class FileProblem(Exception):
    """The file as a whole cannot be read; the message says why and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Table:
    """The rows of one sheet, each a list of stripped strings, numbered as a spreadsheet does."""

    rows: Iterator[tuple[int, list[str]]]
    kind: str  # "csv" or "xlsx"
    encoding: str = ""
    delimiter: str = ""
    sheet: str = ""


def read_table(data: bytes, *, sheet: str = "") -> Table:
    """Open DATA as an XLSX (by its signature) or else as a CSV; raise FileProblem if neither."""
    if data.startswith(_ZIP_SIGNATURE):
        return _read_xlsx(data, sheet.strip())
    if data.startswith(_OLE_SIGNATURE):
        raise FileProblem(
            "This looks like an old Excel .xls file or a password-protected workbook: "
            "save it as .xlsx or CSV (without a password) and upload that."
        )
    return _read_csv(data)


def _encoding(data: bytes) -> tuple[str, str]:
    """The codec that reads DATA, and its name for people; raise FileProblem if none does."""
    if b"\x00" in data:
        # UTF-16 exports and binary files both carry NUL bytes; no register has them.
        raise FileProblem(UNREADABLE)
    # Each trial decodes the whole file and drops the text at once: the rows are read later,
    # a block at a time, so the whole text never sits in memory beside them.
    try:
        data.decode("utf-8")
        return "utf-8-sig", "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        # Windows-1252 leaves five bytes undefined, so text in some other encoding usually
        # fails here rather than turning into plausible nonsense.
        data.decode("cp1252")
        return "cp1252", "Windows-1252"
    except UnicodeDecodeError:
        raise FileProblem(UNREADABLE) from None


def _sniff_delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _read_csv(data: bytes) -> Table:
    codec, encoding = _encoding(data)
    end = data.find(b"\n")
    first_line = (data if end < 0 else data[:end]).decode(codec)
    delimiter = _sniff_delimiter(first_line)

    def rows() -> Iterator[tuple[int, list[str]]]:
        text = io.TextIOWrapper(io.BytesIO(data), encoding=codec, newline="")
        reader = csv.reader(text, delimiter=delimiter, strict=False)
        number = 0
        try:
            for record in reader:
                number += 1
                yield number, record
        except csv.Error as exc:
            raise FileProblem(
                f"Row {number + 1} cannot be read as CSV ({exc}): check its quotes."
            ) from None

    return Table(rows=rows(), kind="csv", encoding=encoding, delimiter=delimiter)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, time):
        return value.isoformat()
    # Array and data-table formulas arrive as objects carrying their formula text.
    text = getattr(value, "text", None)
    if isinstance(text, str):
        return text if text.startswith("=") else f"={text}"
    return str(value).strip()


def _sheet_has_cells(ws: object) -> bool:
    for row in ws.iter_rows(values_only=True):  # type: ignore[attr-defined]
        if any(cell is not None and cell != "" for cell in row):
            return True
    return False


def _read_xlsx(data: bytes, sheet: str) -> Table:
    import openpyxl  # noqa: PLC0415 - only XLSX uploads pay for the import

    try:
        # data_only=False keeps formulas as their text, so they can be refused, not trusted.
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # openpyxl and zipfile fail in many undocumented ways (zlib.error...)
        raise FileProblem(
            "The file looks like a spreadsheet but cannot be opened: save it again as .xlsx "
            "or CSV and upload that."
        ) from None
    names = list(wb.sheetnames)
    if sheet:
        matches = [n for n in names if n.strip().casefold() == sheet.casefold()]
        if not matches:
            raise FileProblem(
                f'The workbook has no sheet called "{sheet}". Its sheets are: '
                + ", ".join(f'"{n}"' for n in names)
                + "."
            )
        chosen = matches[0]
    else:
        try:
            filled = [n for n in names if _sheet_has_cells(wb[n])]
        except Exception:  # a damaged sheet fails deep inside the XML reader, in many ways
            raise FileProblem(
                "The file looks like a spreadsheet but cannot be read: save it again as .xlsx "
                "or CSV and upload that."
            ) from None
        if len(filled) > 1:
            raise FileProblem(
                "The workbook has several sheets with data: "
                + ", ".join(f'"{n}"' for n in filled)
                + ". Choose the sheet to import (the sheet field, or --sheet NAME)."
            )
        chosen = filled[0] if filled else names[0]
    ws = wb[chosen]

    def rows() -> Iterator[tuple[int, list[str]]]:
        number = 0
        try:
            for values in ws.iter_rows(values_only=True):
                number += 1
                yield number, [_cell_text(v) for v in values]
        except FileProblem:
            raise
        except Exception:  # a damaged workbook fails deep inside the XML reader, in many ways
            raise FileProblem(
                f"Row {number + 1} of the sheet cannot be read: the workbook is damaged. "
                "Save it again as .xlsx or CSV and upload that."
            ) from None
        finally:
            wb.close()

    return Table(rows=rows(), kind="xlsx", sheet=chosen)
