"""Officers' pages for e-ballots, and a member's own "My votes" page.

Officers see counts only: turnout per branch from the roll, and results after close. No page
lists who has or has not voted, and none shows a ballot beside anything about a voter.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from mandate.core import policy
from mandate.core.access import request_user as _actor
from mandate.core.audit import audit_record
from mandate.core.errors import DomainError
from mandate.core.policy import Perm
from mandate.members.models import Member
from mandate.messaging.actions import skipped_rows
from mandate.messaging.forms import PersonalLinkForm
from mandate.votes import actions, queries, sending
from mandate.votes.forms import PollForm
from mandate.votes.links import link_url
from mandate.votes.models import PollState


@login_required
def index(request: HttpRequest) -> HttpResponse:
    polls = policy.polls_managed(request.user).select_related("branch", "dispute")
    can_create = policy.can_create_poll(request.user, None) or (
        policy.branches_with(request.user, policy.Perm.MANAGE_POLLS).exists()
    )
    if not can_create:
        raise Http404("You do not run e-ballots.")
    return render(
        request,
        "votes/index.html",
        {"polls": polls.order_by("-opens_at")[:200], "can_create": True},
    )


@login_required
@require_http_methods(["GET", "POST"])
def poll_new(request: HttpRequest) -> HttpResponse:
    user = _actor(request)
    form = PollForm(request.POST or None, user=user)
    if not form.national and not form.branches:
        raise Http404("You do not run e-ballots.")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if not policy.can_create_poll(user, data["branch_obj"]):
            raise Http404("No such branch.")
        try:
            poll = actions.poll_create(
                title=data["title"],
                question=data["question"],
                choices=data["choices"],
                opens_at=data["opens_at"],
                closes_at=data["closes_at"],
                dispute=data["dispute_obj"],
                branch=data["branch_obj"],
                segment=data["segment_obj"],
                min_branch_votes=data["min_branch_votes"],
                actor=user,
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, "Draft ballot created. Open it to freeze the roll.")
            return redirect("votes:detail", pk=poll.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "votes/new.html", {"form": form}, status=status)


@login_required
def poll_detail(request: HttpRequest, pk: int) -> HttpResponse:
    poll = policy.get_poll(request.user, pk)
    context = {
        "poll": poll,
        "choices": poll.choices.all(),
        "turnout": actions.turnout(poll) if poll.state != PollState.DRAFT else [],
        "tally": actions.tally(poll) if poll.has_results else None,
        "States": PollState,
    }
    if getattr(request, "htmx", False):
        return render(request, "votes/detail.html#turnout", context)
    return render(request, "votes/detail.html", context)


@login_required
@require_POST
def poll_open(request: HttpRequest, pk: int) -> HttpResponse:
    poll = actions.poll_open(poll=policy.get_poll(request.user, pk), actor=_actor(request))
    messages.success(request, f"Ballot open. The roll is frozen at {poll.electorate} voters.")
    return redirect("votes:detail", pk=poll.pk)


@login_required
@require_POST
def poll_close(request: HttpRequest, pk: int) -> HttpResponse:
    poll = actions.poll_close(poll=policy.get_poll(request.user, pk), actor=_actor(request))
    if poll.count_ok:
        messages.success(request, f"Ballot closed: {poll.ballots_counted} ballots, count checked.")
    else:
        messages.error(
            request,
            f"Ballot closed, but {poll.ballots_counted} ballots were counted against "
            f"{poll.voters_marked} voters marked: the result is held.",
        )
    return redirect("votes:detail", pk=poll.pk)


@login_required
@require_POST
def poll_publish(request: HttpRequest, pk: int) -> HttpResponse:
    poll = actions.poll_publish(poll=policy.get_poll(request.user, pk), actor=_actor(request))
    messages.success(request, "Result and receipts published.")
    return redirect("votes:detail", pk=poll.pk)


@login_required
@require_POST
def poll_links(request: HttpRequest, pk: int) -> HttpResponse:
    """Download the personal links of members yet to vote, for a mail merge; audited."""
    poll = policy.get_poll(request.user, pk)
    if poll.state != PollState.OPEN:
        raise DomainError("Links can be downloaded only while the ballot is open.")
    body, count = queries.links_csv(poll)
    audit_record(
        actor=_actor(request),
        action="poll.links_export",
        obj=poll,
        branch=poll.branch,
        detail={"rows": count},
    )
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="ballot-{poll.pk}-links.csv"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def poll_send(request: HttpRequest, pk: int) -> HttpResponse:
    """Send each member yet to vote their own voting link, by text or personal email."""
    poll = policy.get_poll(request.user, pk)
    if poll.state != PollState.OPEN:
        raise Http404("Voting links are sent only while the ballot is open.")
    initial = {"template": sending.default_template(poll), "request_key": uuid.uuid4()}
    initial["subject"] = f"Your vote: {poll.title}"[:200]
    form = PersonalLinkForm(request.POST if request.method == "POST" else None, initial=initial)
    reach = policy.members_for(request.user, Perm.SEND_MESSAGES)
    members = sending.recipients(poll, reach)
    context: dict[str, Any] = {"poll": poll, "form": form}
    if request.method == "POST" and form.is_valid():
        fields = {k: form.cleaned_data[k] or "" for k in ("channel", "template", "subject")}
        try:
            if request.POST.get("confirm") == "send":
                send = sending.links_send(
                    actor=_actor(request),
                    poll=poll,
                    members=members,
                    request_key=form.cleaned_data["request_key"] or uuid.uuid4(),
                    **fields,
                )
                context.update(sent=send, sent_skipped=skipped_rows(send))
            else:
                context["plan"] = sending.plan(poll=poll, members=members, **fields)
        except DomainError as exc:
            form.add_error(None, exc.message)
    status = 400 if form.errors else 200
    return render(request, "votes/send.html", context, status=status)


@login_required
def my_votes(request: HttpRequest) -> HttpResponse:
    member = Member.objects.filter(user_id=_actor(request).pk).only("pk").first()
    now = timezone.now()
    rows = []
    if member is not None:
        for voter in queries.my_rolls(member.pk)[:50]:
            poll = voter.poll
            rows.append(
                {
                    "poll": poll,
                    "has_voted": voter.has_voted,
                    "open": poll.accepting_at(now),
                    "link": link_url(voter, absolute=False) if poll.accepting_at(now) else "",
                }
            )
    return render(
        request, "votes/my_votes.html", {"rows": rows, "is_member": member is not None, "now": now}
    )
