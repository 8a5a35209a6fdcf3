"""Pages opened from a link rather than from the menus: the meeting's QR code, a member's
personal check-in link, and a delegate's card-vote link."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from mandate.core.errors import DomainError
from mandate.meetings import actions, links
from mandate.meetings.models import (
    CardVote,
    CheckInMethod,
    Delegate,
    MeetingVote,
    VoteMethod,
    VoteState,
)
from mandate.members.models import Member


def _private(response: HttpResponse) -> HttpResponse:
    # The token is in the path: never send it on as a referrer, never let it be indexed or cached.
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    response["Cache-Control"] = "no-store"
    return response


def _dead(request: HttpRequest) -> HttpResponse:
    return _private(render(request, "meetings/link_dead.html", status=404))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def qr_checkin(request: HttpRequest, token: str) -> HttpResponse:
    meeting = links.meeting_from_qr(token)
    if meeting is None or meeting.branch_id is None:
        return _dead(request)
    member = Member.objects.filter(user__pk=request.user.pk or 0, branch=meeting.branch).first()
    if member is None:
        raise Http404("This code is for members of another branch.")
    done = False
    if request.method == "POST":
        actions.check_in(
            meeting=meeting, member=member, method=CheckInMethod.QR, actor=request.user
        )
        done = True
    response = _private(
        render(
            request,
            "meetings/checkin.html",
            {"meeting": meeting, "member": member, "done": done, "post_url": request.path},
        )
    )
    # This form relies on the login cookie, so it keeps CSRF protection, whose origin check
    # needs the browser to send the page's origin: under "no-referrer" it sends "null".
    # "same-origin" still never passes the token to another site.
    response["Referrer-Policy"] = "same-origin"
    return response


# The token in the path is the member's credential, not an ambient cookie, so a forged
# cross-site form cannot check anyone in without already knowing their link. CSRF's origin
# check would also refuse the real member: under ``Referrer-Policy: no-referrer`` the browser
# sends ``Origin: null`` with the form.
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def member_link(request: HttpRequest, token: str) -> HttpResponse:
    claim = links.member_from_token(token)
    if claim is None:
        return _dead(request)
    done = False
    if request.method == "POST":
        actions.check_in(meeting=claim.meeting, member=claim.member, method=CheckInMethod.LINK)
        done = True
    return _private(
        render(
            request,
            "meetings/checkin.html",
            {
                "meeting": claim.meeting,
                "member": claim.member,
                "done": done,
                "post_url": request.path,
                "public": True,
            },
        )
    )


def _delegate_view(
    view: Callable[[HttpRequest, Delegate, int | None], HttpResponse],
) -> Callable[..., HttpResponse]:
    def wrapper(request: HttpRequest, token: str, vote_id: int | None = None) -> HttpResponse:
        delegate = links.delegate_from_token(token)
        if delegate is None:
            return _dead(request)
        return _private(view(request, delegate, vote_id))

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


def _card_page(request: HttpRequest, delegate: Delegate, errors: dict[int, str]) -> HttpResponse:
    meeting = delegate.meeting
    votes = MeetingVote.objects.filter(
        meeting=meeting, method=VoteMethod.CARD, state=VoteState.OPEN
    ).select_related("motion", "amendment", "amendment__motion")
    held = actions.cards_held(delegate)
    cast = {
        (c.vote_id, c.delegate_id): c
        for c in CardVote.objects.filter(vote__in=votes, delegate__in=held)
    }
    rows = [
        {
            "vote": v,
            "cards": [{"d": d, "cast": cast.get((v.pk, d.pk))} for d in held],
            "error": errors.get(v.pk, ""),
        }
        for v in votes
    ]
    closed = MeetingVote.objects.filter(meeting=meeting, state=VoteState.CLOSED).select_related(
        "motion", "amendment", "amendment__motion"
    )
    status = 400 if errors else 200
    return render(
        request,
        "meetings/delegate_link.html",
        {"delegate": delegate, "meeting": meeting, "rows": rows, "closed": closed},
        status=status,
    )


@require_http_methods(["GET", "HEAD"])
@_delegate_view
def delegate_link(request: HttpRequest, delegate: Delegate, vote_id: int | None) -> HttpResponse:
    return _card_page(request, delegate, {})


# The token in the path is the delegate's credential, not an ambient cookie, so a forged
# cross-site form cannot cast anyone's card without already knowing their link.
@csrf_exempt
@require_POST
@_delegate_view
def card_cast(request: HttpRequest, delegate: Delegate, vote_id: int | None) -> HttpResponse:
    # No meeting check here: a meeting cannot close while a vote is open, and the vote's own
    # state is read under lock by card_cast.
    target = delegate
    raw = request.POST.get("card", "")
    if raw and raw != str(delegate.pk):
        if raw != str(delegate.proxy_for_id):
            raise Http404("No such card.")
        target = Delegate.objects.get(pk=delegate.proxy_for_id or 0)
    try:
        actions.card_cast(
            vote=vote_id or 0,
            holder=delegate,
            delegate=target,
            for_=request.POST.get("weight_for", ""),
            against=request.POST.get("weight_against", ""),
            abstain=request.POST.get("weight_abstain", ""),
        )
    except DomainError as exc:
        return _card_page(request, delegate, {vote_id or 0: exc.message})
    if request.headers.get("Accept", "").startswith("application/json"):
        response = HttpResponse('{"ok": true}', content_type="application/json")
        return response
    messages.success(request, f"The card of {target.branch.name} is cast.")
    return redirect("meetings:delegate_link", links.delegate_token(delegate))
