"""Turn the bytes of an uploaded report into plain rows of cells, whatever the format.

Everything the file-format libraries can raise is caught here and turned into a ReportError, so
the parsing layer above only ever sees lists of values.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import PurePath

from openpyxl import load_workbook

from .types import ReportError

# A 150-constituency report is a few tens of kilobytes; these limits only stop hostile or
# mistaken uploads (a zip bomb, a whole member register) from tying up a worker.
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
MAX_ROWS = 20_000
MAX_COLUMNS = 40

CellValue = str | int | float | bool | datetime | date | time | timedelta | None


@dataclass(frozen=True, slots=True)
class Cell:
    value: CellValue
    # True when a spreadsheet stores a fraction shown as a percentage (0.4995 shown as 49.95%).
    percent_format: bool = False


@dataclass(frozen=True, slots=True)
class Row:
    number: int
    cells: tuple[Cell, ...]

    def value(self, index: int) -> CellValue:
        return self.cells[index].value if index < len(self.cells) else None

    def cell(self, index: int) -> Cell:
        return self.cells[index] if index < len(self.cells) else _EMPTY


@dataclass(frozen=True, slots=True)
class Sheet:
    name: str
    rows: list[Row]
    hidden: bool = False


_EMPTY = Cell(None)
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def column_letter(index: int) -> str:
    """Spreadsheet column letter for a 0-based index (0 -> A, 26 -> AA)."""
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def read_sheets(data: bytes, filename: str) -> tuple[str, list[Sheet]]:
    """Return the file's format ("xlsx" or "csv") and its sheets, or raise ReportError."""
    if not data or not data.strip():
        raise ReportError("The file is empty.")
    if len(data) > MAX_FILE_BYTES:
        raise ReportError(
            f"The file is {len(data) // 1024 // 1024} MB; a results report is far smaller "
            f"(the limit is {MAX_FILE_BYTES // 1024 // 1024} MB)."
        )
    # The content decides, not the name: a report saved as CSV but named .xlsx still reads.
    if data.startswith(_ZIP_MAGIC):
        return "xlsx", _read_xlsx(data)
    if data.startswith(_OLE_MAGIC):
        raise ReportError(
            "This is an old-style Excel (.xls) file; open it and save it as .xlsx or CSV."
        )
    if PurePath(filename).suffix.lower() in {".xlsx", ".xlsm"}:
        raise ReportError("The file is named as a spreadsheet (.xlsx) but is not one.")
    return "csv", [_read_csv(data, filename)]


def _read_xlsx(data: bytes) -> list[Sheet]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unzipped = sum(info.file_size for info in archive.infolist())
    # A damaged archive fails in many undocumented ways (bad version or compression fields,
    # truncated data); to a person they all mean the same thing.
    except Exception as exc:
        raise ReportError("The spreadsheet is damaged and cannot be opened.") from exc
    if unzipped > MAX_UNZIPPED_BYTES:
        raise ReportError("The spreadsheet unpacks to far more data than a results report holds.")
    sheets: list[Sheet] = []
    try:
        # read_only streams the sheet XML instead of building every cell object; data_only
        # takes the values Excel stored for formulas (the Total rows are =SUM(...)).
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            for worksheet in workbook.worksheets:
                hidden = getattr(worksheet, "sheet_state", "visible") != "visible"
                # Some writers store a wrong <dimension>; without a reset the rows are clipped to it.
                worksheet.reset_dimensions()
                rows: list[Row] = []
                for number, raw in enumerate(worksheet.iter_rows(max_col=MAX_COLUMNS), start=1):
                    if number > MAX_ROWS:
                        raise ReportError(
                            f"Sheet {worksheet.title!r} has more than {MAX_ROWS} rows; "
                            "a results report is far shorter.",
                            sheet=worksheet.title,
                        )
                    # read-only mode yields a (padded) row for every row number, so the count
                    # is the row number a person sees in Excel.
                    rows.append(Row(number, tuple(_xlsx_cell(c) for c in raw)))
                sheets.append(Sheet(worksheet.title, rows, hidden))
        finally:
            workbook.close()
    except ReportError:
        raise
    except Exception as exc:
        # openpyxl raises a wide and undocumented range of errors on damaged files (KeyError,
        # TypeError, XML parse errors...); to a person they all mean the same thing.
        raise ReportError(
            "The spreadsheet cannot be read; it may be damaged or not an Excel workbook."
        ) from exc
    return sheets


def _xlsx_cell(cell: object) -> Cell:
    value = getattr(cell, "value", None)
    if value is None:
        return _EMPTY
    if isinstance(value, int | float) and not isinstance(value, bool):
        number_format = getattr(cell, "number_format", None) or ""
        return Cell(value, "%" in number_format)
    return Cell(value)


def _decode(data: bytes) -> str:
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise ReportError("The file's text encoding is damaged.") from exc
    if b"\x00" in data:
        raise ReportError("This is not a text (CSV) file or an .xlsx spreadsheet.")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        # Excel on Windows saves "CSV" in the machine's code page, which for UK users is cp1252.
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise ReportError(
            "The file is neither UTF-8 nor Windows-1252 text; save it from Excel as "
            "'CSV UTF-8' or as .xlsx."
        ) from exc


def _sniff_delimiter(text: str) -> str:
    sample = "\n".join(text.splitlines()[:50])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        counts = {d: sample.count(d) for d in (",", ";", "\t", "|")}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


def _read_csv(data: bytes, filename: str) -> Sheet:
    text = _decode(data)
    if "\x00" in text:
        raise ReportError("This is not a text (CSV) file or an .xlsx spreadsheet.")
    # The stem stands in for a sheet name, so "NI Strike.csv" carries the same hints as a sheet.
    name = PurePath(filename).stem or "report"
    delimiter = _sniff_delimiter(text)
    rows: list[Row] = []
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        for number, record in enumerate(reader, start=1):
            if number > MAX_ROWS:
                raise ReportError(
                    f"The file has more than {MAX_ROWS} rows; a results report is far shorter."
                )
            cells = tuple(Cell(v.strip() or None) for v in record[:MAX_COLUMNS])
            rows.append(Row(number, cells))
    except csv.Error as exc:
        raise ReportError(f"The CSV file cannot be read: {exc}.") from exc
    return Sheet(name, rows)
