"""A notice of action (s234A) as data for the printable page, and as a DOCX document.

What the notice must say depends on the regime in force on the day the employer receives it
(rule A-content): counts per category and workplace, and the explanation of the figures, until
18 Feb 2026; categories, workplaces and the total after. A draft is laid out for receipt today.
No notice names a member: the figures are counts.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from django.utils import timezone
from docx import Document

from mandate.actions.models import NoticeOfAction, Pattern
from mandate.ballots.rules import load_rulebook


@dataclass
class NoticeDocument:
    title: str
    to: str
    intro: str
    what: str
    pattern_text: str
    dates: list[dt.date]
    categories: list[tuple[str, int | None]]
    workplaces: list[tuple[str, int | None]]
    total: int
    explanation: str
    statute: str
    regime: str
    received_text: str


def _pairs(rows: object, with_counts: bool) -> list[tuple[str, int | None]]:
    out: list[tuple[str, int | None]] = []
    if isinstance(rows, list):
        for row in rows:
            if isinstance(row, dict):
                out.append((str(row.get("name", "")), int(row["count"]) if with_counts else None))
    return out


def notice_document(notice: NoticeOfAction) -> NoticeDocument:
    """Lay out NOTICE with the content its regime requires (by receipt date, or today if a draft)."""
    action = notice.action
    on = notice.received_on or timezone.localdate()
    book = load_rulebook("ni" if notice.employer.jurisdiction == "northern_ireland" else "gb")
    rule = book.rule("A-content", on=on)
    per_category = bool(rule.params.get("counts_per_category"))
    per_workplace = bool(rule.params.get("counts_per_workplace"))
    explain = bool(rule.params.get("explain_figures"))
    figures = notice.figures if isinstance(notice.figures, dict) else {}
    if notice.pattern == Pattern.CONTINUOUS:
        end = f" until {notice.end_date:%d %B %Y}" if notice.end_date else " until further notice"
        pattern_text = (
            f"The action will be continuous, starting on {notice.start_date:%A %d %B %Y}{end}."
        )
    else:
        pattern_text = "The action will be discontinuous, taking place on each of these dates:"
    callers = action.ballot.authorised_callers.strip()
    received = (
        f"Received by the employer on {notice.received_on:%d %B %Y}."
        if notice.received_on
        else "Draft: not yet served."
    )
    return NoticeDocument(
        title="Notice of industrial action",
        to=notice.employer.name,
        intro=(
            f"The union gives notice under section 234A of the Trade Union and Labour Relations "
            f"(Consolidation) Act 1992 that it intends to induce its members employed by "
            f"{notice.employer.name} to take part in industrial action, following the ballot "
            f"“{action.ballot.name}” which closed on {action.ballot.closes:%d %B %Y}"
            + (f", called by {callers}." if callers else ".")
        ),
        what=f"Action short of strike: {action.what.lower()}"
        if action.kind == "asos"
        else "Strike action",
        pattern_text=pattern_text,
        dates=notice.covered_dates(),
        categories=_pairs(figures.get("categories"), per_category),
        workplaces=_pairs(figures.get("workplaces"), per_workplace),
        total=int(figures.get("total", 0)),
        explanation=notice.explanation if explain else "",
        statute=f"Section 234A, regime {rule.regime}: {rule.source.short}.",
        regime=rule.regime,
        received_text=received,
    )


def notice_docx(doc: NoticeDocument) -> bytes:
    """The notice as a Word document."""
    document = Document()
    document.add_heading(doc.title, level=1)
    document.add_paragraph(f"To: {doc.to}")
    document.add_paragraph(doc.intro)
    document.add_heading("The action", level=2)
    document.add_paragraph(doc.what)
    document.add_paragraph(doc.pattern_text)
    for day in doc.dates:
        document.add_paragraph(f"{day:%A %d %B %Y}", style="List Bullet")
    document.add_heading("Who is called", level=2)
    for heading, rows in (("Category", doc.categories), ("Workplace", doc.workplaces)):
        table = document.add_table(rows=1, cols=2)
        table.rows[0].cells[0].text = heading
        table.rows[0].cells[1].text = "Number" if rows and rows[0][1] is not None else ""
        for name, count in rows:
            cells = table.add_row().cells
            cells[0].text = name
            cells[1].text = f"{count:,}" if count is not None else ""
        document.add_paragraph("")
    document.add_paragraph(f"Total number of employees concerned: {doc.total:,}")
    if doc.explanation:
        document.add_heading("How the figures were arrived at", level=2)
        document.add_paragraph(doc.explanation)
    document.add_paragraph(doc.statute)
    document.add_paragraph(doc.received_text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
