"""Phone banking for a caller: the assignments they work, the next contact, the outcome."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Router, Schema
from pydantic import Field, field_validator

from mandate.api.auth import need
from mandate.api.schemas import ERRORS, ErrorOut, IdPath, Text
from mandate.api.scopes import Scope
from mandate.calls import actions as call_actions
from mandate.calls import queue
from mandate.calls.models import CallLog, CallTarget, Outcome
from mandate.core import policy

router = Router(tags=["phone banking"])


class AssignmentOut(Schema):
    id: int
    name: str
    ballot_id: int
    state: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    live: bool


@router.get(
    "/calls",
    response={200: list[AssignmentOut], ERRORS: ErrorOut},
    summary="The phone banks you were added to as a caller",
)
def assignment_list(request: HttpRequest) -> Any:
    user = need(request, Scope.CALLS_WORK)
    now = timezone.now()
    mine = policy.call_assignments_to_work(user).order_by("-starts_at", "pk")[:100]
    return [
        {
            "id": a.pk,
            "name": a.name,
            "ballot_id": a.ballot_id,
            "state": a.state,
            "starts_at": a.starts_at,
            "ends_at": a.ends_at,
            "live": a.is_live(now),
        }
        for a in mine
    ]


class PastCallOut(Schema):
    at: dt.datetime
    outcome: str
    note: str


class ContactOut(Schema):
    target_id: int = Field(description="Send this back with the outcome")
    first_name: str
    last_name: str
    constituency: str
    phone: str = Field(description="E.164")
    script: str
    held_until: dt.datetime | None = Field(description="The contact is yours until then")
    history: list[PastCallOut]


class NextOut(Schema):
    contact: ContactOut | None = Field(description="null when the queue has nobody for you now")
    outcomes: list[str]


def _contact(target: CallTarget) -> dict[str, Any]:
    member = target.member
    history = CallLog.objects.filter(target=target).order_by("-at", "-id")[:3]
    return {
        "target_id": target.pk,
        "first_name": member.first_name,
        "last_name": member.last_name,
        "constituency": target.constituency.name,
        "phone": target.phone,
        "script": target.assignment.render_script(
            first_name=member.first_name, constituency=target.constituency.name
        ),
        "held_until": target.held_until,
        "history": [{"at": h.at, "outcome": h.outcome, "note": h.note} for h in history],
    }


@router.post(
    "/calls/{assignment_id}/next",
    response={200: NextOut, ERRORS: ErrorOut},
    summary="The contact to ring now (the one you hold, or the next in line)",
    description="Reserves the contact for you for a few minutes, as the caller's screen does.",
)
def next_contact(request: HttpRequest, assignment_id: IdPath) -> Any:
    user = need(request, Scope.CALLS_WORK)
    assignment = policy.get_call_assignment(user, assignment_id, manage=False)
    target = queue.next_contact(assignment=assignment, caller=user)
    return {
        "contact": _contact(target) if target is not None else None,
        "outcomes": list(Outcome.values),
    }


class OutcomeIn(Schema):
    outcome: str = Field(description="One of the outcomes listed by the next call", max_length=20)
    note: Text = Field("", max_length=300)
    call_back_at: dt.datetime | None = Field(
        None, description="Needed for call_back; without an offset it is read as UK time"
    )

    @field_validator("call_back_at")
    @classmethod
    def _aware(cls, value: dt.datetime | None) -> dt.datetime | None:
        if value is not None and not 2000 <= value.year <= 2999:
            raise ValueError("must be a date and time this century")
        if value is not None and timezone.is_naive(value):
            return timezone.make_aware(value)
        return value


class RecordedOut(Schema):
    recorded: bool
    outcome: str


@router.post(
    "/calls/{assignment_id}/contacts/{target_id}/outcome",
    response={200: RecordedOut, ERRORS: ErrorOut},
    summary="Record the outcome of your call to a contact you hold",
)
def record_outcome(
    request: HttpRequest, assignment_id: IdPath, target_id: IdPath, payload: OutcomeIn
) -> Any:
    user = need(request, Scope.CALLS_WORK)
    assignment = policy.get_call_assignment(user, assignment_id, manage=False)
    try:
        log = call_actions.call_record(
            assignment=assignment,
            target_id=target_id,
            caller=user,
            outcome=payload.outcome,
            note=payload.note,
            call_back_at=payload.call_back_at,
        )
    except call_actions.NotYours:
        raise Http404("This contact is not with you.") from None
    return {"recorded": True, "outcome": log.outcome}


@router.post(
    "/calls/{assignment_id}/contacts/{target_id}/skip",
    response={200: RecordedOut, ERRORS: ErrorOut},
    summary="Give a contact back without calling",
)
def skip(request: HttpRequest, assignment_id: IdPath, target_id: IdPath) -> Any:
    user = need(request, Scope.CALLS_WORK)
    assignment = policy.get_call_assignment(user, assignment_id, manage=False)
    try:
        call_actions.call_skip(assignment=assignment, target_id=target_id, caller=user)
    except call_actions.NotYours:
        raise Http404("This contact is not with you.") from None
    return {"recorded": True, "outcome": "skipped"}
