"""Statutory ballots: the ballot, its results and mandates, and importing a results report."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.http import HttpRequest
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from mandate.api.auth import need
from mandate.api.schemas import ERRORS, ErrorOut, IdPath, PageMeta, PageQuery, page_meta
from mandate.api.scopes import Scope
from mandate.ballots import actions as ballot_actions
from mandate.ballots.models import Ballot
from mandate.ballots.queries import mandate_rows, result_lines
from mandate.ballots.scrutineer import ReportError
from mandate.ballots.views import MAX_REPORT_BYTES
from mandate.core import policy
from mandate.core.errors import DomainError
from mandate.core.policy import Perm

router = Router(tags=["ballots"])


class ConstituencyOut(Schema):
    id: int
    name: str
    employer: str | None
    jurisdiction: str
    entitled: int | None


class BallotOut(Schema):
    id: int
    name: str
    dispute: str
    jurisdiction: str
    regime: str
    kind: str = Field(description="separate or aggregated")
    questions: list[str] = Field(description="strike and/or asos")
    opens: dt.date
    closes: dt.date
    state: str = Field(description="draft, open, closed or results_in")


class BallotDetailOut(BallotOut):
    constituencies: list[ConstituencyOut]


class BallotPage(PageMeta):
    items: list[BallotOut]


def _ballot(b: Ballot) -> dict[str, Any]:
    return {
        "id": b.pk,
        "name": b.name,
        "dispute": b.dispute.slug,
        "jurisdiction": b.jurisdiction,
        "regime": b.regime,
        "kind": b.kind,
        "questions": [q.value for q in b.questions],
        "opens": b.opens,
        "closes": b.closes,
        "state": b.state,
    }


@router.get("/ballots", response={200: BallotPage, ERRORS: ErrorOut}, summary="Ballots")
def ballot_list(request: HttpRequest, page: PageQuery) -> Any:
    user = need(request, Scope.BALLOTS_READ)
    ballots = policy.ballots_for(user, Perm.VIEW_BALLOTS).order_by("-opens", "pk")
    shown = ballots.select_related("dispute")[page.offset : page.offset + page.limit]
    return {**page_meta(ballots.count(), page), "items": [_ballot(b) for b in shown]}


@router.get(
    "/ballots/{ballot_id}",
    response={200: BallotDetailOut, ERRORS: ErrorOut},
    summary="One ballot with its constituencies",
)
def ballot_read(request: HttpRequest, ballot_id: IdPath) -> Any:
    user = need(request, Scope.BALLOTS_READ)
    ballot = policy.get_ballot(user, ballot_id, Perm.VIEW_BALLOTS)
    constituencies = ballot.constituencies.select_related("employer").order_by("name")
    return {
        **_ballot(ballot),
        "constituencies": [
            {
                "id": c.pk,
                "name": c.name,
                "employer": c.employer.slug if c.employer else None,
                "jurisdiction": c.jurisdiction,
                "entitled": c.entitled_count,
            }
            for c in constituencies
        ],
    }


class QuestionResultOut(Schema):
    question: str
    yes: int
    no: int | None
    spoiled: int | None
    mandate: bool | None = Field(description="Whether the action is lawful on this question")
    last_day: dt.date | None = Field(description="The mandate's last lawful day")
    reason: str


class ResultLineOut(Schema):
    constituency_id: int
    constituency: str
    entitled: int | None
    votes_cast: int | None = Field(description="Papers returned (turnout), spoiled included")
    questions: list[QuestionResultOut]


@router.get(
    "/ballots/{ballot_id}/results",
    response={200: list[ResultLineOut], ERRORS: ErrorOut},
    summary="Results per constituency and question, with the mandate each gives",
)
def ballot_results(request: HttpRequest, ballot_id: IdPath) -> Any:
    user = need(request, Scope.BALLOTS_READ)
    ballot = policy.get_ballot(user, ballot_id, Perm.VIEW_BALLOTS)
    lines = []
    for line in result_lines(ballot):
        questions = []
        for question, (result, mandate) in sorted(line.by_question.items()):
            if result is None:
                continue
            questions.append(
                {
                    "question": question,
                    "yes": result.yes,
                    "no": result.no,
                    "spoiled": result.spoiled,
                    "mandate": mandate.granted if mandate else None,
                    "last_day": mandate.last_day if mandate else None,
                    "reason": mandate.reason if mandate else "",
                }
            )
        lines.append(
            {
                "constituency_id": line.constituency.pk,
                "constituency": line.constituency.name,
                "entitled": line.entitled,
                "votes_cast": line.votes_cast,
                "questions": questions,
            }
        )
    return lines


class MandateOut(Schema):
    constituency: str
    jurisdiction: str
    question: str
    entitled: int | None
    turnout: int
    yes: int
    no: int | None
    turnout_met: bool | None
    majority_met: bool
    mandate: bool
    last_day: dt.date | None
    reason: str


@router.get(
    "/ballots/{ballot_id}/mandates",
    response={200: list[MandateOut], ERRORS: ErrorOut},
    summary="The mandates a ballot gave, per constituency and question",
)
def ballot_mandates(request: HttpRequest, ballot_id: IdPath) -> Any:
    user = need(request, Scope.BALLOTS_READ)
    return mandate_rows(policy.get_ballot(user, ballot_id, Perm.VIEW_BALLOTS))


class SuggestionOut(Schema):
    name: str
    constituency_id: int


class UnmatchedOut(Schema):
    name: str = Field(description="The name as the report gives it")
    suggestions: list[SuggestionOut]


class ResultsImportOut(Schema):
    imported: bool = Field(description="false for a dry run or a refused report")
    detail: str
    problems: list[str]
    warnings: list[str]
    matched: dict[str, int] = Field(description="Report name -> constituency id")
    unmatched: list[UnmatchedOut]
    counts: dict[str, Any]


def _unmatched(found: dict[str, list[Any]]) -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "suggestions": [{"name": s.name, "constituency_id": s.key} for s in suggestions[:5]],
        }
        for name, suggestions in found.items()
    ]


def _resolutions(raw: str) -> dict[str, int | str]:
    if not raw.strip():
        return {}
    if "\x00" in raw:
        raise DomainError("resolutions: the text holds a NUL character.")
    try:
        data = json.loads(raw)
    except ValueError:
        raise DomainError("resolutions: send a JSON object of report name to id.") from None
    if not isinstance(data, dict):
        raise DomainError("resolutions: send a JSON object of report name to id.")
    out: dict[str, int | str] = {}
    for name, value in data.items():
        if value == ballot_actions.CREATE or (
            isinstance(value, int) and not isinstance(value, bool)
        ):
            out[str(name)] = value
        else:
            raise DomainError(f'resolutions: {name!r} must map to a constituency id or "create".')
    return out


@router.post(
    "/ballots/{ballot_id}/results",
    response={200: ResultsImportOut, ERRORS: ErrorOut},
    summary="Import a scrutineer's results report (or check it with dry_run)",
    description=(
        "The same importer as the web page: all or nothing, then the mandates are computed. "
        "Names the report uses that match no constituency are listed with suggestions; map "
        'them with `resolutions` (a JSON object: report name -> constituency id or "create").'
    ),
)
def results_import(
    request: HttpRequest,
    ballot_id: IdPath,
    file: File[UploadedFile],
    dry_run: Form[bool] = False,
    create_constituencies: Form[bool] = False,
    resolutions: Form[str] = "",
) -> Any:
    user = need(request, Scope.RESULTS_WRITE)
    ballot = policy.get_ballot(user, ballot_id, Perm.IMPORT_RESULTS)
    if (file.size or 0) > MAX_REPORT_BYTES:
        raise DomainError(f"file: over {MAX_REPORT_BYTES // (1024 * 1024)} MB; is it a report?")
    data, name = file.read(), (file.name or "report")[:200]
    wanted = _resolutions(resolutions)
    try:
        preview = ballot_actions.results_preview(ballot=ballot, data=data, filename=name)
    except ReportError as error:
        return Status(
            400,
            {
                "detail": f"file: {error.message}",
                "errors": [{"field": "file", "message": error.message}],
            },
        )
    answer: dict[str, Any] = {
        "imported": False,
        "detail": "Checked; nothing written (dry run).",
        "problems": [str(p) for p in preview.errors],
        "warnings": [str(p) for p in preview.warnings],
        "matched": preview.matched,
        "unmatched": _unmatched(preview.unmatched),
        "counts": {},
    }
    if dry_run:
        return answer
    try:
        record = ballot_actions.results_import(
            ballot=ballot,
            data=data,
            filename=name,
            actor=user,
            create_constituencies=create_constituencies,
            resolutions=wanted,
        )
    except ballot_actions.ImportRefused as refused:
        return Status(
            422,
            {
                "detail": refused.headline,
                "errors": [{"field": "file", "message": p} for p in refused.problems[:100]],
            },
        )
    return {**answer, "imported": True, "detail": "Imported.", "counts": record.counts}
