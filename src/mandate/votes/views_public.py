"""Public pages, no login: the voting page a personal link opens, and the published results.

The voting link's token is the credential, so the form needs no CSRF cookie: a forged request
would have to know the token already. Every response carries ``Referrer-Policy: no-referrer``
and ``X-Robots-Tag: noindex``, and none of these responses is logged by Django's request
logger: its 4xx lines would write the token (a credential naming the voter) into the logs.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from mandate.core.errors import DomainError
from mandate.votes import actions, ratelimit
from mandate.votes.errors import AlreadyVoted, VotingClosed
from mandate.votes.links import voter_for
from mandate.votes.models import CastVote, Choice, Poll, PollState

RECEIPTS_PER_PAGE = 500


def _page(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    response = render(request, template, context, status=status)
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "no-store, private"
    # Keeps django.request from logging the path, which holds the token.
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def ballot_link(request: HttpRequest, token: str) -> HttpResponse:
    if not ratelimit.allow(token):
        return _page(request, "votes/public/slow_down.html", {}, status=429)
    voter = voter_for(token)
    if voter is None or voter.poll.state == PollState.DRAFT:
        return _page(request, "votes/public/dead_link.html", {}, status=404)
    poll = voter.poll
    now = timezone.now()
    context: dict[str, Any] = {"poll": poll, "token": token, "now": now}
    if request.method == "POST":
        try:
            choice = int(request.POST.get("choice", ""))
            receipt = actions.vote_cast(poll=poll, voter=voter, choice=choice, now=now)
        except AlreadyVoted:
            return _page(request, "votes/public/already_voted.html", context)
        except VotingClosed as exc:
            return _page(request, "votes/public/closed.html", {**context, "message": exc.message})
        except (ValueError, DomainError):
            context["error"] = "Choose one of the options, then press “Cast my vote”."
        else:
            return _page(request, "votes/public/receipt.html", {**context, "receipt": receipt})
    if voter.has_voted:
        return _page(request, "votes/public/already_voted.html", context)
    if not poll.accepting_at(now):
        message = "Voting has not opened yet." if now < poll.opens_at else "Voting has closed."
        return _page(request, "votes/public/closed.html", {**context, "message": message})
    context["choices"] = Choice.objects.filter(poll=poll).order_by("position")
    return _page(
        request, "votes/public/ballot.html", context, status=400 if "error" in context else 200
    )


@require_http_methods(["GET", "HEAD"])
def published(request: HttpRequest, pk: int) -> HttpResponse:
    """The result and the list of receipt codes with their choices, searchable by code."""
    poll = get_object_or_404(Poll.objects.select_related("dispute", "branch"), pk=pk)
    if poll.state != PollState.PUBLISHED:
        raise Http404("No published result.")
    asked = request.GET.get("receipt", "").strip()
    code = actions.normalise_receipt(asked) if asked else ""
    found: CastVote | None = None
    if code:
        found = actions.published_receipts(poll).filter(receipt=code).first()
    pages = Paginator(actions.published_receipts(poll), RECEIPTS_PER_PAGE)
    page = pages.get_page(request.GET.get("page"))
    return _page(
        request,
        "votes/public/published.html",
        {
            "poll": poll,
            "tally": actions.tally(poll),
            "asked": asked,
            "code": code,
            "found": found,
            "page": page,
        },
    )
