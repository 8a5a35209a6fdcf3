"""Demo ballots: a national ballot across the demo branches with realistic results (some just
under 50%, a Northern Ireland constituency), its checklist complete; and a draft local ballot
with a late step so the checklist shows red.

Results go in the way they would in real life: a scrutineer's report (generated here with
openpyxl, in the scrutineer's own layout) imported through ``results_import``.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone
from openpyxl import Workbook

from mandate.ballots import actions
from mandate.ballots.models import Ballot, Constituency, NoticeKind, StepStatus
from mandate.core.demo import DemoContext
from mandate.core.models import Employer
from mandate.disputes.models import Dispute

# The dispute names the disputes demo creates.
NATIONAL_DISPUTE = "Four Fights 2026"
LOCAL_DISPUTE = "Health and Life Sciences redundancies"


@dataclass(frozen=True)
class ReportRow:
    name: str
    entitled: int
    votes_cast: int
    strike_yes: int
    asos_yes: int
    ni: bool = False


def synthetic_report(rows: Iterable[ReportRow], *, title: str = "Ballot result") -> bytes:
    """A results workbook in the scrutineer's layout: title rows, Strike and ASOS sheets (and NI
    sheets), counts with percentages as text, and a Total row the import checks."""
    workbook = Workbook()
    workbook.remove(workbook.active)  # type: ignore[arg-type]
    rows = list(rows)
    for prefix, chosen in (("", [r for r in rows if not r.ni]), ("NI ", [r for r in rows if r.ni])):
        if not chosen:
            continue
        for question in ("Strike", "ASOS"):
            sheet = workbook.create_sheet(f"{prefix}{question}")
            sheet.append([title])
            sheet.append([f"Question: {question}"])
            sheet.append([])
            sheet.append(["Institution", "Mailedout", "Turnout", "%Turnout", "Yes", "%Yes"])
            totals = [0, 0, 0]
            for r in chosen:
                yes = r.strike_yes if question == "Strike" else r.asos_yes
                sheet.append(
                    [
                        f"{r.name} ",  # trailing spaces, as real reports have
                        r.entitled,
                        r.votes_cast,
                        f"{r.votes_cast * 100 / r.entitled:.2f}%",
                        yes,
                        f"{yes * 100 / r.votes_cast:.2f}%" if r.votes_cast else "0.00%",
                    ]
                )
                totals[0] += r.entitled
                totals[1] += r.votes_cast
                totals[2] += yes
            sheet.append(["Total", totals[0], totals[1], "", totals[2], ""])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _dispute(name: str) -> Dispute | None:
    return Dispute.objects.filter(name__startswith=name).order_by("pk").first()


def _tick_all(ballot: Ballot, today: dt.date) -> None:
    for step in ballot.steps.filter(status=StepStatus.PENDING, phase="before_opening"):
        if step.rule_id == "B-scrutineer" or step.due is None:
            continue
        actions.step_record(
            step=step,
            actor=None,
            done_on=step.due - dt.timedelta(days=1),
            method="Recorded delivery to the registrar",
            evidence="Royal Mail proof of delivery",
            today=today,
        )


def build_ballots(ctx: DemoContext) -> None:
    today = timezone.localdate()
    national = _dispute(NATIONAL_DISPUTE)
    if national is not None:
        ballot = _national_ballot(ctx, national, today)
        ctx.out(f"  national ballot: {ballot.constituencies.count()} constituencies, results in")
    local = _dispute(LOCAL_DISPUTE)
    if local is not None:
        opens = today + dt.timedelta(days=5)
        draft = actions.ballot_create(
            dispute=local,
            name="Redundancies ballot (draft)",
            opens=opens,
            closes=opens + dt.timedelta(days=21),
            scrutineer="Civica Election Services",
            authorised_callers="General Secretary",
            actor=None,
        )
        # The sample paper went on time; the notice of ballot has not been received: red.
        for step in draft.steps.filter(rule_id="B-sample"):
            actions.step_record(
                step=step, actor=None, done_on=today, method="Email to HR", today=today
            )
        ctx.out("  draft local ballot with a late notice of ballot")


def _national_ballot(ctx: DemoContext, dispute: Dispute, today: dt.date) -> Ballot:
    opens = today - dt.timedelta(days=70)
    closes = opens + dt.timedelta(days=21)
    ballot = actions.ballot_create(
        dispute=dispute,
        name="Four Fights statutory ballot",
        opens=opens,
        closes=closes,
        scrutineer="Civica Election Services",
        authorised_callers="General Secretary",
        actor=None,
    )
    _tick_all(ballot, opens)
    actions.ballot_open(ballot=ballot, actor=None, today=opens)
    actions.ballot_close(ballot=ballot, actor=None)
    rows = []
    for i, c in enumerate(ballot.constituencies.select_related("employer").order_by("name")):
        entitled = c.entitled_count or 0
        if entitled == 0:
            continue
        if i % 4 == 1:
            # Just under half: the constituencies a rounded percentage would wrongly pass.
            votes = (entitled - 1) // 2 if entitled % 2 else entitled // 2 - 1
        else:
            votes = int(entitled * ctx.rng.uniform(0.32, 0.68))
        votes = max(1, min(votes, entitled))
        strike = int(votes * ctx.rng.uniform(0.55, 0.85))
        asos = min(votes, int(votes * ctx.rng.uniform(0.7, 0.92)))
        rows.append(
            ReportRow(
                name=c.name,
                entitled=entitled,
                votes_cast=votes,
                strike_yes=strike,
                asos_yes=asos,
                ni=c.jurisdiction == "northern_ireland",
            )
        )
    data = synthetic_report(rows, title="Four Fights ballot: result by institution")
    actions.results_import(
        ballot=ballot, data=data, filename="scrutineer-report.xlsx", actor=None, today=today
    )
    ballot.refresh_from_db()
    # Metrobus 2009: result notices go out the day the result arrives, to members and to every
    # employer, before any notice of action.
    sent_at = timezone.make_aware(dt.datetime.combine(closes + dt.timedelta(days=1), dt.time(10)))
    actions.notice_mark_sent(
        ballot=ballot,
        kind=NoticeKind.MEMBER_STATEMENT,
        sent_at=sent_at,
        method="Email and branch website",
        actor=None,
    )
    employer_ids = Constituency.objects.filter(ballot=ballot, employer__isnull=False).values(
        "employer_id"
    )
    for employer in Employer.objects.filter(pk__in=employer_ids):
        actions.notice_mark_sent(
            ballot=ballot,
            kind=NoticeKind.EMPLOYER_LETTER,
            employer=employer,
            sent_at=sent_at,
            method="Email to the registrar",
            actor=None,
        )
    return ballot
