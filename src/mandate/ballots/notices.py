"""Result notices (s231 to members, s231A to each employer) as data, and as a DOCX document.

Every figure the Act requires is given for each constituency and question: the number entitled,
votes cast, yes, no, spoiled, and whether each threshold was met. No notice names a member.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from docx import Document

from mandate.ballots.models import Ballot
from mandate.ballots.queries import NoticeFigures, notice_figures
from mandate.ballots.rules import load_rulebooks
from mandate.core.models import Employer


@dataclass
class Notice:
    title: str
    intro: str
    statute: str
    figures: list[NoticeFigures]


def _number(value: int | None) -> str:
    return f"{value:,}" if value is not None else "not reported"


def member_statement(ballot: Ballot) -> Notice:
    return Notice(
        title=f"Result of the ballot: {ballot.name}",
        intro=(
            f"The ballot closed on {ballot.closes:%d %B %Y}. The independent scrutineer"
            + (f", {ballot.scrutineer}," if ballot.scrutineer else "")
            + " reported the following result for each constituency."
        ),
        statute="Given under section 231 of the Trade Union and Labour Relations "
        "(Consolidation) Act 1992.",
        figures=notice_figures(ballot, employer_id=None, books=load_rulebooks()),
    )


def employer_letter(ballot: Ballot, employer: Employer) -> Notice:
    return Notice(
        title=f"Notice of the result of the ballot: {ballot.name}",
        intro=(
            f"To {employer.name}. The union gives notice of the result of the ballot of your "
            f"employees, which closed on {ballot.closes:%d %B %Y}."
        ),
        statute="Given under section 231A of the Trade Union and Labour Relations "
        "(Consolidation) Act 1992.",
        figures=notice_figures(ballot, employer_id=employer.pk, books=load_rulebooks()),
    )


def notice_docx(notice: Notice) -> bytes:
    """The notice as a Word document, every figure in a table row of its own."""
    document = Document()
    document.add_heading(notice.title, level=1)
    document.add_paragraph(notice.intro)
    for f in notice.figures:
        document.add_heading(f"{f.constituency}: {f.question}", level=2)
        table = document.add_table(rows=0, cols=2)
        for label, value in (
            ("Entitled to vote", _number(f.entitled)),
            ("Votes cast", _number(f.votes_cast)),
            ("Turnout", f.turnout),
            ("Yes", _number(f.yes)),
            ("No", _number(f.no)),
            ("Spoiled or blank", _number(f.spoiled)),
            ("Turnout threshold", f.turnout_threshold),
            ("Support threshold", f.support_threshold),
            ("Majority", f.majority),
        ):
            cells = table.add_row().cells
            cells[0].text = label
            cells[1].text = value
    document.add_paragraph(notice.statute)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
