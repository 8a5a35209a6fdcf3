"""Disputes, and the industrial action and notices of action under them (read only)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from mandate.actions.models import Action, ActionDay, NoticeOfAction
from mandate.api.auth import need
from mandate.api.schemas import ERRORS, ErrorOut, IdPath, PageMeta, PageQuery, SlugPath, page_meta
from mandate.api.scopes import Scope
from mandate.core import policy
from mandate.core.policy import Perm
from mandate.disputes.models import Dispute

router = Router(tags=["disputes and action"])


class DisputeOut(Schema):
    slug: str
    name: str
    scope: str = Field(description="national or local")
    branch: str | None = Field(description="The branch slug of a local dispute")
    status: str
    summary: str
    opened_on: dt.date
    settled_on: dt.date | None
    employers: list[str]


class DisputePage(PageMeta):
    items: list[DisputeOut]


def _dispute(d: Dispute) -> dict[str, Any]:
    return {
        "slug": d.slug,
        "name": d.name,
        "scope": d.scope,
        "branch": d.branch.slug if d.branch else None,
        "status": d.status,
        "summary": d.summary,
        "opened_on": d.opened_on,
        "settled_on": d.settled_on,
        "employers": [e.slug for e in d.parties.all()],
    }


@router.get("/disputes", response={200: DisputePage, ERRORS: ErrorOut}, summary="Disputes")
def dispute_list(request: HttpRequest, page: PageQuery) -> Any:
    user = need(request, Scope.DISPUTES_READ)
    disputes = policy.disputes_for(user, Perm.VIEW_DISPUTES).order_by("-opened_on", "name", "pk")
    window = disputes.select_related("branch").prefetch_related("parties")
    items = window[page.offset : page.offset + page.limit]
    return {**page_meta(disputes.count(), page), "items": [_dispute(d) for d in items]}


@router.get("/disputes/{slug}", response={200: DisputeOut, ERRORS: ErrorOut}, summary="One dispute")
def dispute_read(request: HttpRequest, slug: SlugPath) -> Any:
    user = need(request, Scope.DISPUTES_READ)
    return _dispute(policy.get_dispute(user, slug, Perm.VIEW_DISPUTES))


class ActionOut(Schema):
    id: int
    dispute: str
    ballot_id: int
    title: str
    kind: str = Field(description="strike or asos")
    asos_type: str
    pattern: str = Field(description="continuous (from a start date) or discontinuous")
    status: str
    start_date: dt.date | None
    end_date: dt.date | None
    days: list[dt.date] = Field(description="Every listed day of a discontinuous action")
    categories: list[str]
    instructions: str
    called_at: dt.datetime | None


class ActionPage(PageMeta):
    items: list[ActionOut]


class NoticeOut(Schema):
    id: int
    employer: str
    pattern: str
    start_date: dt.date | None
    end_date: dt.date | None
    dates: list[dt.date]
    regime: str
    served: bool
    received_on: dt.date | None
    method: str
    figures: dict[str, Any] = Field(description="The counts the notice gives the employer")


class ActionDetailOut(ActionOut):
    notices: list[NoticeOut]


def _action(a: Action, days: list[dt.date]) -> dict[str, Any]:
    return {
        "id": a.pk,
        "dispute": a.dispute.slug,
        "ballot_id": a.ballot_id,
        "title": a.title,
        "kind": a.kind,
        "asos_type": a.asos_type,
        "pattern": a.pattern,
        "status": a.status,
        "start_date": a.start_date,
        "end_date": a.end_date,
        "days": days,
        "categories": a.category_list(),
        "instructions": a.instructions,
        "called_at": a.called_at,
    }


def _days(actions: list[Action]) -> dict[int, list[dt.date]]:
    found: dict[int, list[dt.date]] = {}
    rows = ActionDay.objects.filter(action__in=actions).order_by("date")
    for action_id, day in rows.values_list("action_id", "date"):
        found.setdefault(action_id, []).append(day)
    return found


@router.get(
    "/disputes/{slug}/actions",
    response={200: ActionPage, ERRORS: ErrorOut},
    summary="A dispute's industrial action",
)
def action_list(request: HttpRequest, slug: SlugPath, page: PageQuery) -> Any:
    user = need(request, Scope.ACTIONS_READ)
    dispute = policy.get_action_dispute(user, slug, Perm.VIEW_ACTIONS)
    actions = Action.objects.filter(dispute=dispute).select_related("dispute")
    ordered = actions.order_by("start_date", "pk")
    shown = list(ordered[page.offset : page.offset + page.limit])
    days = _days(shown)
    return {
        **page_meta(actions.count(), page),
        "items": [_action(a, days.get(a.pk, [])) for a in shown],
    }


def _notice(n: NoticeOfAction) -> dict[str, Any]:
    return {
        "id": n.pk,
        "employer": n.employer.slug,
        "pattern": n.pattern,
        "start_date": n.start_date,
        "end_date": n.end_date,
        "dates": n.covered_dates(),
        "regime": n.regime,
        "served": n.is_served,
        "received_on": n.received_on,
        "method": n.method,
        "figures": n.figures if isinstance(n.figures, dict) else {},
    }


@router.get(
    "/actions/{action_id}",
    response={200: ActionDetailOut, ERRORS: ErrorOut},
    summary="One action, with its notices of action",
)
def action_read(request: HttpRequest, action_id: IdPath) -> Any:
    user = need(request, Scope.ACTIONS_READ)
    action = policy.get_action(user, action_id, Perm.VIEW_ACTIONS)
    notices = action.notices.select_related("employer").order_by("employer__name", "-id")
    return {
        **_action(action, _days([action]).get(action.pk, [])),
        "notices": [_notice(n) for n in notices],
    }
