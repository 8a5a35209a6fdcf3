"""The picket supervisor's letter of authorisation (s220A(4), regime B): the union names the
supervisor, who carries it on the line and shows it to the employer on request.

Under regime C the section is repealed; the branch may still issue it as good practice, and the
page says so.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from docx import Document

from mandate.pickets.models import PicketSite
from mandate.pickets.rules import PicketRules


@dataclass(frozen=True)
class Letter:
    title: str
    union: str
    branch: str
    supervisor: str
    phone: str
    site: str
    workplace: str
    employer: str
    day: dt.date
    body: list[str]
    statute: str
    required: bool


def letter_for(site: PicketSite, day: dt.date, rules: PicketRules, union_name: str) -> Letter:
    supervisor = site.supervisor.full_name if site.supervisor else ""
    phone = site.supervisor_phone or (site.supervisor.mobile if site.supervisor else "")
    body = [
        f"{union_name} authorises {supervisor or '[name of the picket supervisor]'} to act as "
        f"picket supervisor for the picketing at {site.name}, {site.workplace.name}, "
        f"{site.workplace.employer.name}, on {day:%A %-d %B %Y}.",
        "The picket supervisor is familiar with the Code of Practice on Picketing, is present "
        "where the picketing takes place or readily contactable by the union and the police, "
        "and wears a badge, armband or other item that identifies them.",
        f"Contact for the picket supervisor: {phone or '[telephone]'}.",
        f"Issued by {site.branch.name} branch of {union_name}.",
    ]
    if rules.supervisor_required:
        statute = (
            f"Trade Union and Labour Relations (Consolidation) Act 1992 section 220A, in force "
            f"for picketing on this day (regime {rules.regime}, {rules.supervisor_source}). "
            f"The supervisor must show this letter to the employer, or anyone acting for them, "
            f"as soon as reasonably practicable when asked."
        )
    else:
        statute = (
            f"Not required by law for picketing on this day (regime {rules.regime}: "
            f"{rules.supervisor_notes or 'no picket supervisor requirement'}). Issued as good "
            f"practice: a named, contactable supervisor helps keep the line calm and lawful."
        )
    return Letter(
        title="Letter of authorisation: picket supervisor",
        union=union_name,
        branch=site.branch.name,
        supervisor=supervisor,
        phone=phone,
        site=site.name,
        workplace=site.workplace.name,
        employer=site.workplace.employer.name,
        day=day,
        body=body,
        statute=statute,
        required=rules.supervisor_required,
    )


def letter_docx(letter: Letter) -> bytes:
    """The letter as a Word document, to print and sign."""
    document = Document()
    document.add_heading(letter.title, level=1)
    for paragraph in letter.body:
        document.add_paragraph(paragraph)
    document.add_paragraph(letter.statute)
    document.add_paragraph("")
    document.add_paragraph("Signed: ______________________   for the branch")
    document.add_paragraph("Date:   ______________________")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
