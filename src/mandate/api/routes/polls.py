"""Consultative e-ballots for those who run them: the list, and the count once closed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from mandate.api.auth import need
from mandate.api.schemas import ERRORS, ErrorOut, IdPath, PageMeta, PageQuery, page_meta
from mandate.api.scopes import Scope
from mandate.core import policy
from mandate.votes import actions as vote_actions
from mandate.votes.models import Poll

router = Router(tags=["e-ballots"])


class PollOut(Schema):
    id: int
    title: str
    question: str
    branch: str | None
    dispute: str | None
    state: str = Field(description="draft, open, closed or published")
    opens_at: dt.datetime
    closes_at: dt.datetime
    electorate: int


class PollPage(PageMeta):
    items: list[PollOut]


class ChoiceCountOut(Schema):
    choice_id: int
    label: str
    votes: Decimal
    percent: float


class PollDetailOut(PollOut):
    cast: int | None = Field(description="Votes cast, once the ballot has closed")
    choices: list[ChoiceCountOut] = Field(description="The count, once the ballot has closed")


def _poll(p: Poll) -> dict[str, Any]:
    return {
        "id": p.pk,
        "title": p.title,
        "question": p.question,
        "branch": p.branch.slug if p.branch else None,
        "dispute": p.dispute.slug if p.dispute else None,
        "state": p.state,
        "opens_at": p.opens_at,
        "closes_at": p.closes_at,
        "electorate": p.electorate,
    }


@router.get(
    "/polls",
    response={200: PollPage, ERRORS: ErrorOut},
    summary="The e-ballots you run (officers)",
)
def poll_list(request: HttpRequest, page: PageQuery) -> Any:
    user = need(request, Scope.VOTES_READ)
    polls = policy.polls_managed(user).order_by("-opens_at", "pk")
    shown = polls.select_related("branch", "dispute")[page.offset : page.offset + page.limit]
    return {**page_meta(polls.count(), page), "items": [_poll(p) for p in shown]}


@router.get(
    "/polls/{poll_id}",
    response={200: PollDetailOut, ERRORS: ErrorOut},
    summary="One e-ballot you run, with its count once closed",
)
def poll_read(request: HttpRequest, poll_id: IdPath) -> Any:
    user = need(request, Scope.VOTES_READ)
    poll = policy.get_poll(user, poll_id)
    out: dict[str, Any] = {**_poll(poll), "cast": None, "choices": []}
    if poll.has_results:
        tally = vote_actions.tally(poll)
        out["cast"] = tally.cast
        out["choices"] = [
            {"choice_id": c.choice_id, "label": c.label, "votes": c.votes, "percent": c.percent}
            for c in tally.choices
        ]
    return out
