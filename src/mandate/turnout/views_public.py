"""The member's personal link: public pages (no login) opened by a signed token in the path.

They show only the member's own first name, the ballot's name and the member's own answer. A
bad, tampered, revoked or expired token gets the same plain "link does not work" page, with no
hint of which. The token is in the URL, so every response carries ``Referrer-Policy:
strict-origin``: a link followed from the page, or a form posted from it, carries at most the
site's origin, never the path. (``no-referrer`` would hide that too, but it makes browsers send
``Origin: null`` with the page's own forms, which the CSRF check rightly refuses.) Responses
also carry ``X-Robots-Tag: noindex`` and are not cached.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from mandate.ballots.models import BallotState
from mandate.core.errors import DomainError
from mandate.members.actions import member_update
from mandate.turnout import actions, ratelimit
from mandate.turnout.forms import AddressForm, DetailsForm
from mandate.turnout.links import read_token, row_for
from mandate.turnout.models import ContactStatus, GtvoSettings, Source, Status

# The confirmations a redirect may ask for; the query string only picks one of these.
DONE = {
    "voted": "Thank you. We have noted that you have voted.",
    "stop": "Done. We will not contact you again about this ballot.",
    "paper": (
        "Thank you. Your request for a replacement paper will go to the independent "
        "scrutineer, who posts it to your home address."
    ),
    "details": "Thank you. Your details are updated.",
}


@dataclass
class Visit:
    token: str
    row: ContactStatus
    gtvo: GtvoSettings
    today: dt.date

    @property
    def is_open(self) -> bool:
        ballot = self.row.ballot
        return ballot.state == BallotState.OPEN and self.today <= ballot.closes

    @property
    def paper_window(self) -> str:
        """'open', 'before' or 'after' the replacement window."""
        if self.today < self.gtvo.window_opens:
            return "before"
        if self.today > self.gtvo.window_closes:
            return "after"
        return "open"


def _public(response: HttpResponse) -> HttpResponse:
    response["Referrer-Policy"] = "strict-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "no-store, private"
    return response


def _page(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    return _public(render(request, template, context, status=status))


def _dead_link(request: HttpRequest) -> HttpResponse:
    return _page(request, "turnout/link_dead.html", {}, status=404)


View = Callable[[HttpRequest, Visit], HttpResponse]


def _visit(view: View) -> Callable[[HttpRequest, str], HttpResponse]:
    """Rate-limit, read the token, and hand the view the member's visit (or a dead-link page)."""

    @wraps(view)
    def wrapper(request: HttpRequest, token: str) -> HttpResponse:
        if not ratelimit.allow(request, token):
            return _page(request, "turnout/link_slow_down.html", {}, status=429)
        claim = read_token(token)
        row = row_for(claim) if claim is not None else None
        if row is None or row.ballot.state == BallotState.DRAFT:
            return _dead_link(request)
        gtvo = GtvoSettings.for_ballot(row.ballot)
        today = timezone.localdate()
        if today > gtvo.link_expires:
            return _dead_link(request)
        visit = Visit(token=token, row=row, gtvo=gtvo, today=today)
        if request.method == "POST" and not visit.is_open:
            return _page(request, "turnout/link_home.html", _context(visit), status=409)
        return view(request, visit)

    return wrapper


def _context(visit: Visit, **extra: Any) -> dict[str, Any]:
    return {
        "visit": visit,
        "token": visit.token,
        "first_name": visit.row.member.first_name,
        "ballot": visit.row.ballot,
        "status": visit.row.status,
        "says_voted": visit.row.status == Status.SAYS_VOTED,
        "dont_contact": visit.row.status == Status.DONT_CONTACT,
        "replacement": visit.row.status == Status.REPLACEMENT_REQUESTED,
        **extra,
    }


def _done(visit: Visit, key: str) -> HttpResponse:
    return redirect(f"{_home(visit)}?done={key}")


def _home(visit: Visit) -> str:
    from django.urls import reverse

    return reverse("gtvo_link:home", args=[visit.token])


@require_http_methods(["GET", "HEAD"])
@_visit
def link_home(request: HttpRequest, visit: Visit) -> HttpResponse:
    done = DONE.get(request.GET.get("done", ""), "")
    return _page(request, "turnout/link_home.html", _context(visit, done=done))


def _record(visit: Visit, status: str) -> None:
    actions.contact_record(
        ballot=visit.row.ballot, member=visit.row.member, status=status, source=Source.SELF_REPORT
    )


@require_POST
@_visit
def link_voted(request: HttpRequest, visit: Visit) -> HttpResponse:
    _record(visit, Status.SAYS_VOTED)
    return _done(visit, "voted")


@require_POST
@_visit
def link_stop(request: HttpRequest, visit: Visit) -> HttpResponse:
    _record(visit, Status.DONT_CONTACT)
    return _done(visit, "stop")


def _address_initial(visit: Visit) -> dict[str, str]:
    m = visit.row.member
    return {f: getattr(m, f) for f in actions.ADDRESS_FIELDS}


@require_http_methods(["GET", "HEAD", "POST"])
@_visit
def link_paper(request: HttpRequest, visit: Visit) -> HttpResponse:
    member = visit.row.member
    if request.method == "POST" and visit.paper_window == "open":
        form = AddressForm(request.POST, member=member)
        if form.is_valid():
            try:
                actions.replacement_request(
                    ballot=visit.row.ballot, member=member, address=form.cleaned_data
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                return _done(visit, "paper")
    else:
        form = AddressForm(initial=_address_initial(visit), member=member)
    return _page(request, "turnout/link_paper.html", _context(visit, form=form))


@require_http_methods(["GET", "HEAD", "POST"])
@_visit
def link_details(request: HttpRequest, visit: Visit) -> HttpResponse:
    member = visit.row.member
    if request.method == "POST":
        form = DetailsForm(request.POST, member=member)
        if form.is_valid():
            changes = {
                f: form.cleaned_data[f]
                for f in ("personal_email", "mobile", *actions.ADDRESS_FIELDS)
            }
            try:
                member_update(member=member, changes=changes, actor=None, source="gtvo-link")
            except (DomainError, ValidationError) as exc:
                form.add_error(None, str(getattr(exc, "message", exc)))
            else:
                return _done(visit, "details")
    else:
        initial = {
            "personal_email": member.personal_email,
            "mobile": member.mobile,
            **_address_initial(visit),
        }
        form = DetailsForm(initial=initial, member=member)
    return _page(request, "turnout/link_details.html", _context(visit, form=form))
