"""Public pages, no login: the voting page a personal link opens, and the published results.

The voting link's token is the credential, so the form needs no CSRF cookie: a forged request
would have to know the token already. Every response carries ``Referrer-Policy: no-referrer``
and ``X-Robots-Tag: noindex``, and none of these responses is logged by Django's request
logger: its 4xx lines would write the token (a credential naming the voter) into the logs.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template import loader
from django.utils import timezone
from django.utils.html import escape
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from mandate.core.errors import DomainError
from mandate.votes import actions, ratelimit
from mandate.votes.actions import PollHeading
from mandate.votes.errors import AlreadyVoted, VotingClosed
from mandate.votes.links import read_token, voter_for
from mandate.votes.models import CastVote, Choice, Poll, PollState

RECEIPTS_PER_PAGE = 500

# Set in the WSGI environ by mandate.votes.link_handler once it has counted a request against its
# link's rate limit ("ok" or "over"), so this view does not count it again. No client header can
# reach this key: the server files those under HTTP_*.
RATE_COUNTED = "mandate.votes.rate"


def _page(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    # Rendered without the request: these pages show nothing of a session or a user, so the
    # site's context processors (navigation, messages) have nothing to add and cost the most
    # on the busiest path.
    return headed(HttpResponse(loader.get_template(template).render(context), status=status))


def headed(response: HttpResponse) -> HttpResponse:
    """RESPONSE with the headers every page of a voting link carries."""
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "no-store, private"
    # Keeps django.request from logging the path, which holds the token.
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


# The two answers to a vote (the receipt, "already voted") are the same page for every voter of a
# poll but for the receipt code, so the link handler (mandate.votes.link_handler) renders each
# once per poll heading and process, with a marker where the code goes; a vote then joins the
# pieces around its escaped code. This view renders them in full.
_MARK = "\x00receipt\x00"
_ANSWERS: dict[tuple[str, PollHeading], list[bytes]] = {}


def answer_cached(template: str, poll: PollHeading) -> bool:
    """Whether answer_content has TEMPLATE for POLL rendered already."""
    return (template, poll) in _ANSWERS


def answer_content(template: str, poll: PollHeading, receipt: str | None) -> bytes:
    """The page TEMPLATE (the receipt or "already voted") for POLL, showing RECEIPT."""
    key = (template, poll)
    pieces = _ANSWERS.get(key)
    if pieces is None:
        html = loader.get_template(template).render({"poll": poll, "receipt": _MARK})
        pieces = [piece.encode() for piece in html.split(_MARK)]
        if len(_ANSWERS) > 1000 or settings.DEBUG:  # DEBUG: templates may change under it
            _ANSWERS.clear()
        _ANSWERS[key] = pieces
    return escape(receipt or "").encode().join(pieces)


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def ballot_link(request: HttpRequest, token: str) -> HttpResponse:
    # The link app (mandate.votes.link_handler) may have counted this request already.
    counted = request.META.get(RATE_COUNTED)
    if counted == "over" or (counted is None and not ratelimit.allow(token)):
        return _page(request, "votes/public/slow_down.html", {}, status=429)
    if request.method == "POST" and connection.vendor == "postgresql":
        answered = _cast_in_one_statement(request, token)
        if answered is not None:
            return answered
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


def _cast_in_one_statement(request: HttpRequest, token: str) -> HttpResponse | None:
    """The busiest path (a vote sent from a link) in one database round trip; None leaves the
    rarer answers (bad link, draft poll, no or wrong choice) to the general path."""
    claim = read_token(token)
    choice = request.POST.get("choice", "")
    if claim is None or not (choice.isascii() and choice.isdigit() and len(choice) <= 9):
        return None
    now = timezone.now()
    try:
        cast = actions.vote_cast_by_link(
            poll_id=claim.poll_id,
            voter_id=claim.voter_id,
            nonce=claim.nonce,
            choice_id=int(choice),
            now=now,
        )
    except VotingClosed:
        return None
    except DomainError as exc:  # no free ballot slot: the officers are told
        message = {"message": exc.message}
        return _page(request, "votes/public/problem.html", message, status=exc.status_code)
    if cast is None:
        return None
    poll, receipt = cast
    context = {"poll": poll, "token": token, "now": now, "receipt": receipt}
    if receipt is None:
        return _page(request, "votes/public/already_voted.html", context)
    return _page(request, "votes/public/receipt.html", context)


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
