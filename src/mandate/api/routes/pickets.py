"""A branch's picket lines: sites, entrances and the coming shifts with how many signed up.

Counts only: who signed up for which shift stays on the rota pages.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from mandate.api.auth import need
from mandate.api.schemas import ERRORS, ErrorOut, SlugPath
from mandate.api.scopes import Scope
from mandate.core import policy
from mandate.pickets.queries import sites_of, upcoming_shifts

router = Router(tags=["picket lines"])

SHIFTS_SHOWN = 500


class ShiftOut(Schema):
    id: int
    site_id: int
    action_id: int
    date: dt.date
    # JSON Schema's "time" format needs a UTC offset; a shift's times are wall-clock times.
    starts: str = Field(description="Local (UK) time, HH:MM")
    ends: str = Field(description="Local (UK) time, HH:MM")
    signed_up: int


class SiteOut(Schema):
    id: int
    name: str
    workplace: str
    meeting_point: str
    entrances: list[str]


class PicketsOut(Schema):
    branch: str
    sites: list[SiteOut]
    shifts: list[ShiftOut] = Field(description="Shifts from today on, by date and time")


@router.get(
    "/branches/{branch}/pickets",
    response={200: PicketsOut, ERRORS: ErrorOut},
    summary="A branch's picket sites and coming shifts",
)
def pickets(request: HttpRequest, branch: SlugPath) -> Any:
    user = need(request, Scope.PICKETS_READ)
    branch_obj = policy.get_picket_branch(user, branch)
    sites = [
        {
            "id": s.pk,
            "name": s.name,
            "workplace": s.workplace.name,
            "meeting_point": s.meeting_point,
            "entrances": [e.name for e in s.entrances.all()],
        }
        for s in sites_of(branch_obj).order_by("name", "pk")
    ]
    shifts = [
        {
            "id": s.pk,
            "site_id": s.site_id,
            "action_id": s.action_id,
            "date": s.date,
            "starts": s.starts.strftime("%H:%M"),
            "ends": s.ends.strftime("%H:%M"),
            "signed_up": s.taken,  # type: ignore[attr-defined]
        }
        for s in upcoming_shifts(branch_obj)[:SHIFTS_SHOWN]
    ]
    return {"branch": branch_obj.slug, "sites": sites, "shifts": shifts}
