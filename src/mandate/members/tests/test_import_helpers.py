"""Helpers shared by the import tests: building files and counting what was written."""

from __future__ import annotations

import csv
import io
from typing import Any

from mandate.core.models import AuditEvent
from mandate.members.models import Employment, Member, MemberChange

HEADER = ["Membership No", "Forename", "Surname", "Email", "Mobile", "Postcode", "Workplace"]


def csv_bytes(
    rows: list[list[str]],
    header: list[str] | None = None,
    *,
    encoding: str = "utf-8",
    delimiter: str = ",",
) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(HEADER if header is None else header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def good_rows() -> list[list[str]]:
    return [
        ["N1001", "Siân", "Ó Briain", "sian@example.org", "07911 123456", "l69 3bx", "Main campus"],
        ["N1002", "Dev", "Patel", "dev@example.org", "+44 7911 123457", "L7 8TX", "main campus"],
    ]


def xlsx_bytes(sheets: dict[str, list[list[Any]]]) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    first = True
    for name, rows in sheets.items():
        ws = wb.active if first else wb.create_sheet()
        assert ws is not None
        ws.title = name
        first = False
        for row in rows:
            ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def snapshot() -> tuple[int, int, int, int]:
    """What an import may write: members, employments, audit events, history entries."""
    return (
        Member.objects.count(),
        Employment.objects.count(),
        AuditEvent.objects.count(),
        MemberChange.objects.count(),
    )
