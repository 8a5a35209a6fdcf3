"""Meeting pages: lists, the meeting page, the steward's console, votes, series, delegates and
the branch's organising channels."""

from __future__ import annotations

import uuid
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from mandate.core import policy
from mandate.core.access import request_user as _actor
from mandate.core.errors import DomainError, PermissionDenied
from mandate.core.models import Branch
from mandate.meetings import actions, links, queries, sending
from mandate.meetings.charts import attendance_chart
from mandate.meetings.forms import (
    AgendaForm,
    AmendmentForm,
    ChannelForm,
    CountForm,
    DelegateForm,
    MeetingForm,
    MotionForm,
    VoteOpenForm,
)
from mandate.meetings.models import (
    Amendment,
    Attendance,
    CheckInMethod,
    Choice,
    Delegate,
    Meeting,
    MeetingKind,
    MeetingSeries,
    MeetingState,
    MeetingVote,
    Motion,
    NamedVote,
    OrganisingChannel,
    VoteMethod,
)
from mandate.members.models import Member, MemberStatus
from mandate.messaging.actions import skipped_rows
from mandate.messaging.forms import PersonalLinkForm

STEWARD_PAGE = 60


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404("Not found.") from None


def _my_member(request: HttpRequest, meeting: Meeting) -> Member | None:
    if not request.user.is_authenticated or meeting.branch_id is None:
        return None
    return Member.objects.filter(user__pk=request.user.pk or 0, branch=meeting.branch).first()


def _back(meeting: Meeting, where: str = "detail") -> HttpResponse:
    return redirect(f"meetings:{where}", meeting.pk)


# Lists ----------------------------------------------------------------------------------------


@login_required
def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    own = policy.branches_with(user, policy.Perm.VIEW_BRANCH)
    member_of = Branch.objects.filter(members__user__pk=user.pk or 0)
    role_in = Branch.objects.filter(pk__in=list(policy.grants(user).by_branch))
    branches = (own | member_of | role_in).distinct().order_by("name")[:200]
    return render(
        request,
        "meetings/index.html",
        {"branches": branches, "national": policy.can_see_meetings_of(user, None)},
    )


@login_required
def branch_meetings(request: HttpRequest, slug: str) -> HttpResponse:
    branch = policy.get_meeting_branch(request.user, slug)
    soon, past = queries.upcoming_and_past(queries.meetings_of(branch))
    return render(
        request,
        "meetings/list.html",
        {
            "branch": branch,
            "soon": soon,
            "past": past,
            "series": MeetingSeries.objects.filter(branch=branch),
            "can_manage": policy.can_manage_meeting_in(request.user, branch),
            "in_branch": policy.in_branch(request.user, branch),
        },
    )


@login_required
def national_meetings(request: HttpRequest) -> HttpResponse:
    if not policy.can_see_meetings_of(request.user, None):
        raise Http404("No such page.")
    soon, past = queries.upcoming_and_past(queries.meetings_of(None))
    return render(
        request,
        "meetings/list.html",
        {
            "branch": None,
            "soon": soon,
            "past": past,
            "can_manage": policy.can_manage_meeting_in(request.user, None),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_new(request: HttpRequest) -> HttpResponse:
    slug = request.GET.get("branch", "")
    branch = policy.get_meeting_branch(request.user, slug) if slug else None
    if not policy.can_manage_meeting_in(request.user, branch):
        raise Http404("No such page.")
    form = MeetingForm(request.POST or None, branch=branch)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meeting = actions.meeting_create(
                actor=request.user,
                branch=branch,
                kind=data["kind"],
                title=data["title"],
                mode=data["mode"],
                starts_at=data["starts_at"],
                location=data["location"],
                link=data["link"],
                series=data.get("series"),
                quorum_number=data["quorum_number"],
                quorum_percent=data["quorum_percent"],
                quorum_combine=data["quorum_combine"],
                weight_formula=data["weight_formula"],
                weight_per=data["weight_per"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            return _back(meeting)
    return render(request, "meetings/new.html", {"form": form, "branch": branch})


# The meeting page ---------------------------------------------------------------------------


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = policy.get_meeting(request.user, pk)
    me = _my_member(request, meeting)
    mine = Attendance.objects.filter(meeting=meeting, member=me).first() if me else None
    secret_open: list[dict[str, Any]] = []
    if mine is not None:
        from mandate.meetings import secret

        for vote in queries.open_votes(meeting).filter(method=VoteMethod.SECRET):
            voted = secret.secret_has_voted(vote=vote, attendance=mine)
            secret_open.append({"vote": vote, "voted": voted})
    return render(
        request,
        "meetings/detail.html",
        {
            "meeting": meeting,
            "summary": queries.summary(meeting),
            "agenda": meeting.agenda.all(),
            "motions": queries.motions_with_votes(meeting),
            "can_manage": policy.can_manage_meeting_in(request.user, meeting.branch),
            "me": me,
            "mine": mine,
            "secret_open": secret_open,
            "receipt": request.session.pop(f"meeting-receipt-{meeting.pk}", ""),
        },
    )


@login_required
@require_POST
def self_check_in(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = policy.get_meeting(request.user, pk)
    me = _my_member(request, meeting)
    if me is None:
        raise Http404("You are not on this branch's register.")
    result = actions.check_in(
        meeting=meeting, member=me, method=CheckInMethod.LINK, actor=request.user
    )
    messages.success(request, "You are checked in." if result.created else "Already checked in.")
    return _back(meeting)


@login_required
@require_POST
def secret_cast(request: HttpRequest, pk: int, vote_id: int) -> HttpResponse:
    from mandate.meetings import secret

    meeting = policy.get_meeting(request.user, pk)
    vote = MeetingVote.objects.filter(pk=_int(vote_id), meeting=meeting).first()
    me = _my_member(request, meeting)
    mine = Attendance.objects.filter(meeting=meeting, member=me).first() if me else None
    if vote is None or mine is None or vote.method != VoteMethod.SECRET:
        raise Http404("No such vote.")
    receipt = secret.secret_vote_cast(
        vote=vote, attendance=mine, choice=request.POST.get("choice", "")
    )
    request.session[f"meeting-receipt-{meeting.pk}"] = receipt
    messages.success(request, "Your secret vote is in.")
    return _back(meeting)


# The steward's console ---------------------------------------------------------------------


def _expected(meeting: Meeting, q: str) -> Any:
    qs = Member.objects.filter(branch=meeting.branch, status=MemberStatus.ACTIVE)
    if q:
        for word in q.split()[:3]:
            qs = qs.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word))
    return qs.order_by("last_name", "first_name", "pk")


@login_required
def steward(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = policy.get_meeting(request.user, pk, manage=True)
    q = request.GET.get("q", "").strip()[:60]
    people: list[dict[str, Any]] = []
    if meeting.kind == MeetingKind.MEMBERS:
        page = list(_expected(meeting, q)[:STEWARD_PAGE])
        here = set(
            Attendance.objects.filter(meeting=meeting, member__in=page).values_list(
                "member_id", flat=True
            )
        )
        people = [{"member": m, "here": m.pk in here} for m in page]
    ctx = {
        "meeting": meeting,
        "summary": queries.summary(meeting),
        "people": people,
        "q": q,
        "motions": queries.motions_with_votes(meeting),
        "open_votes": queries.open_votes(meeting),
        "vote_form": VoteOpenForm(delegate=meeting.is_delegate),
        "agenda_form": AgendaForm(),
        "motion_form": MotionForm(),
        "amendment_form": AmendmentForm(),
    }
    if request.htmx and request.GET.get("list"):  # type: ignore[attr-defined]
        return render(request, "meetings/_people.html", ctx)
    return render(request, "meetings/steward.html", ctx)


@login_required
@require_POST
def steward_check_in(request: HttpRequest, pk: int, member_id: int) -> HttpResponse:
    meeting = policy.get_meeting(request.user, pk, manage=True)
    member = Member.objects.filter(pk=_int(member_id), branch=meeting.branch).first()
    if member is None:
        raise Http404("No such member.")
    actions.check_in(
        meeting=meeting, member=member, method=CheckInMethod.STEWARD, actor=request.user
    )
    if request.htmx:  # type: ignore[attr-defined]
        return render(
            request,
            "meetings/_person.html",
            {
                "meeting": meeting,
                "p": {"member": member, "here": True},
                "summary": queries.summary(meeting),
                "oob": True,
            },
        )
    return redirect(f"{reverse('meetings:steward', args=[meeting.pk])}?q={member.last_name}")


@login_required
def qr(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = policy.get_meeting(request.user, pk, manage=True)
    url = links.qr_url(meeting)
    svg = segno.make(url, error="m").svg_inline(scale=6, dark="#111", light="#fff")
    return render(request, "meetings/qr.html", {"meeting": meeting, "svg": svg, "url": url})


@login_required
@require_http_methods(["GET", "POST"])
def send_links(request: HttpRequest, pk: int) -> HttpResponse:
    """Send members not yet checked in their own check-in link, by text or personal email."""
    meeting = policy.get_meeting(request.user, pk, manage=True)
    try:
        sending.check_sendable(meeting)
    except DomainError as exc:
        raise Http404(exc.message) from None
    reach = policy.members_for(request.user, policy.Perm.SEND_MESSAGES, meeting.branch)
    if not reach.exists():
        raise PermissionDenied("Your role cannot send messages to this branch's members.")
    initial = {
        "template": sending.default_template(meeting),
        "subject": f"Check in: {meeting.title}"[:200],
        "request_key": uuid.uuid4(),
    }
    form = PersonalLinkForm(request.POST if request.method == "POST" else None, initial=initial)
    members = sending.recipients(meeting, reach)
    context: dict[str, Any] = {"meeting": meeting, "form": form}
    if request.method == "POST" and form.is_valid():
        fields = {k: form.cleaned_data[k] or "" for k in ("channel", "template", "subject")}
        try:
            if request.POST.get("confirm") == "send":
                send = sending.links_send(
                    actor=_actor(request),
                    meeting=meeting,
                    members=members,
                    request_key=form.cleaned_data["request_key"] or uuid.uuid4(),
                    **fields,
                )
                context.update(sent=send, sent_skipped=skipped_rows(send))
            else:
                context["plan"] = sending.plan(meeting=meeting, members=members, **fields)
        except DomainError as exc:
            form.add_error(None, exc.message)
    status = 400 if form.errors else 200
    return render(request, "meetings/send_links.html", context, status=status)


@login_required
@require_POST
def set_state(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = policy.get_meeting(request.user, pk, manage=True)
    state = request.POST.get("state", "")
    if state not in MeetingState.values:
        raise DomainError("Choose open or closed.")
    actions.meeting_set_state(actor=request.user, meeting=meeting, state=state)
    return _back(meeting, "steward")


@login_required
@require_POST
def agenda_add(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = policy.get_meeting(request.user, pk, manage=True)
    form = AgendaForm(request.POST)
    if not form.is_valid():
        raise DomainError("An agenda item needs a title.")
    actions.agenda_item_add(actor=request.user, meeting=meeting, title=form.cleaned_data["title"])
    return _back(meeting, "steward")


@login_required
@require_POST
def motion_add(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = policy.get_meeting(request.user, pk, manage=True)
    form = MotionForm(request.POST)
    if not form.is_valid():
        raise DomainError("A motion needs a title and its text.")
    actions.motion_add(actor=request.user, meeting=meeting, **form.cleaned_data)
    return _back(meeting, "steward")


@login_required
@require_POST
def amendment_add(request: HttpRequest, pk: int, motion_id: int) -> HttpResponse:
    meeting = policy.get_meeting(request.user, pk, manage=True)
    motion = Motion.objects.filter(pk=_int(motion_id), meeting=meeting).first()
    if motion is None:
        raise Http404("No such motion.")
    form = AmendmentForm(request.POST)
    if not form.is_valid():
        raise DomainError("An amendment needs its text.")
    actions.amendment_add(actor=request.user, motion=motion, **form.cleaned_data)
    return _back(meeting, "steward")


@login_required
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = policy.get_meeting(request.user, pk, manage=True)
    question: Motion | Amendment | None
    if request.POST.get("amendment"):
        question = Amendment.objects.filter(
            pk=_int(request.POST["amendment"]), motion__meeting=meeting
        ).first()
    else:
        question = Motion.objects.filter(
            pk=_int(request.POST.get("motion")), meeting=meeting
        ).first()
    if question is None:
        raise Http404("No such question.")
    actions.question_withdraw(actor=request.user, question=question)
    return _back(meeting, "steward")


@login_required
@require_POST
def vote_open(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = policy.get_meeting(request.user, pk, manage=True)
    form = VoteOpenForm(request.POST, delegate=meeting.is_delegate)
    if not form.is_valid():
        raise DomainError("Choose how the vote is taken and the majority it needs.")
    motion = amendment = None
    if request.POST.get("amendment"):
        amendment = Amendment.objects.filter(
            pk=_int(request.POST["amendment"]), motion__meeting=meeting
        ).first()
        if amendment is None:
            raise Http404("No such amendment.")
    else:
        motion = Motion.objects.filter(pk=_int(request.POST.get("motion")), meeting=meeting).first()
        if motion is None:
            raise Http404("No such motion.")
    vote = actions.vote_open(
        actor=request.user,
        meeting=meeting,
        motion=motion,
        amendment=amendment,
        method=form.cleaned_data["method"],
        rule=form.cleaned_data["rule"],
        abstentions_count=form.cleaned_data["abstentions_count"],
    )
    return redirect("meetings:vote", meeting.pk, vote.pk)


def _vote(request: HttpRequest, pk: int, vote_id: int) -> tuple[Meeting, MeetingVote]:
    meeting = policy.get_meeting(request.user, pk, manage=True)
    vote = (
        MeetingVote.objects.select_related("motion", "amendment", "amendment__motion")
        .filter(pk=_int(vote_id), meeting=meeting)
        .first()
    )
    if vote is None:
        raise Http404("No such vote.")
    return meeting, vote


@login_required
@require_http_methods(["GET", "POST"])
def vote(request: HttpRequest, pk: int, vote_id: int) -> HttpResponse:
    meeting, the_vote = _vote(request, pk, vote_id)
    form = CountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.vote_record_count(
                actor=request.user,
                vote=the_vote,
                for_=form.cleaned_data["votes_for"],
                against=form.cleaned_data["votes_against"],
                abstain=form.cleaned_data["votes_abstain"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("meetings:vote", meeting.pk, the_vote.pk)
    ctx: dict[str, Any] = {
        "meeting": meeting,
        "vote": the_vote,
        "form": form,
        "summary": queries.summary(meeting),
    }
    if the_vote.method == VoteMethod.NAMED:
        answers = dict(the_vote.named.values_list("attendance_id", "choice"))
        roll = Attendance.objects.filter(meeting=meeting).select_related("member")
        ctx["roll"] = [{"a": a, "choice": answers.get(a.pk, "")} for a in roll[:2000]]
        ctx["choices"] = Choice.choices
    elif the_vote.method == VoteMethod.SECRET and the_vote.poll_ref:
        from mandate.meetings import secret

        ctx["turnout"] = secret.secret_turnout(the_vote)
    elif the_vote.method == VoteMethod.CARD:
        ctx["totals"] = actions.card_tally(the_vote)
        ctx["cards"] = the_vote.cards.select_related("delegate", "delegate__branch")[:3000]
    return render(request, "meetings/vote.html", ctx)


@login_required
@require_POST
def named_answer(request: HttpRequest, pk: int, vote_id: int, attendance_id: int) -> HttpResponse:
    meeting, the_vote = _vote(request, pk, vote_id)
    attendance = Attendance.objects.filter(pk=_int(attendance_id), meeting=meeting).first()
    if attendance is None:
        raise Http404("No such attendee.")
    row: NamedVote = actions.named_vote_record(
        actor=request.user,
        vote=the_vote,
        attendance=attendance,
        choice=request.POST.get("choice", ""),
    )
    if request.htmx:  # type: ignore[attr-defined]
        return render(
            request,
            "meetings/_roll_row.html",
            {
                "meeting": meeting,
                "vote": the_vote,
                "r": {"a": attendance, "choice": row.choice},
                "choices": Choice.choices,
            },
        )
    return redirect("meetings:vote", meeting.pk, the_vote.pk)


@login_required
@require_POST
def vote_close(request: HttpRequest, pk: int, vote_id: int) -> HttpResponse:
    meeting, the_vote = _vote(request, pk, vote_id)
    actions.vote_close(actor=request.user, vote=the_vote)
    return redirect("meetings:vote", meeting.pk, the_vote.pk)


# Series -------------------------------------------------------------------------------------


@login_required
def series(request: HttpRequest, pk: int) -> HttpResponse:
    found = MeetingSeries.objects.select_related("branch").filter(pk=_int(pk)).first()
    if found is None or not policy.can_see_meetings_of(request.user, found.branch):
        raise Http404("No such series.")
    points = queries.series_attendance(found)
    return render(
        request,
        "meetings/series.html",
        {
            "series": found,
            "points": points,
            "chart": attendance_chart(points) if points else None,
            "meetings": found.meetings.order_by("-starts_at")[:60],
        },
    )


# Delegate meetings --------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def delegates(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = policy.get_meeting(request.user, pk, manage=True)
    if meeting.kind != MeetingKind.DELEGATE:
        raise Http404("Only a delegate meeting has delegates.")
    branches = (
        Branch.objects.filter(pk=meeting.branch_id)
        if meeting.branch_id
        else Branch.objects.all().order_by("name")
    )
    form = DelegateForm(request.POST or None, branches=branches)
    if request.method == "POST" and form.is_valid():
        try:
            actions.delegate_add(
                actor=request.user,
                meeting=meeting,
                branch=form.cleaned_data["branch"],
                name=form.cleaned_data["name"],
                weight=form.cleaned_data["weight"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("meetings:delegates", meeting.pk)
    rows = meeting.delegates.select_related("branch", "proxy_for", "proxy_for__branch")
    return render(
        request,
        "meetings/delegates.html",
        {
            "meeting": meeting,
            "form": form,
            "rows": [{"d": d, "link": links.delegate_url(d)} for d in rows],
            "summary": queries.summary(meeting),
        },
    )


@login_required
@require_POST
def delegate_proxy(request: HttpRequest, pk: int, delegate_id: int) -> HttpResponse:
    meeting = policy.get_meeting(request.user, pk, manage=True)
    holder = Delegate.objects.filter(pk=_int(delegate_id), meeting=meeting).first()
    if holder is None:
        raise Http404("No such delegate.")
    raw = request.POST.get("absent", "")
    absent = Delegate.objects.filter(pk=_int(raw), meeting=meeting).first() if raw else None
    if raw and absent is None:
        raise Http404("No such delegate.")
    actions.proxy_assign(actor=request.user, holder=holder, absent=absent)
    return redirect("meetings:delegates", meeting.pk)


@login_required
@require_POST
def delegates_reweigh(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = policy.get_meeting(request.user, pk, manage=True)
    changed = actions.delegates_reweigh(actor=request.user, meeting=meeting)
    messages.success(request, f"{changed} card weight{'s' if changed != 1 else ''} changed.")
    return redirect("meetings:delegates", meeting.pk)


# Organising channels ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def channels(request: HttpRequest, slug: str) -> HttpResponse:
    branch = policy.get_channels_branch(request.user, slug)
    can_manage = policy.can_manage_channels(request.user, branch)
    form = ChannelForm(request.POST or None)
    if request.method == "POST":
        if not can_manage:
            raise Http404("No such page.")
        if form.is_valid():
            try:
                actions.channel_add(actor=request.user, branch=branch, **form.cleaned_data)
            except DomainError as exc:
                form.add_error("url", exc.message)
            else:
                return redirect("meetings:channels", branch.slug)
    return render(
        request,
        "meetings/channels.html",
        {
            "branch": branch,
            "channels": OrganisingChannel.objects.filter(branch=branch),
            "form": form,
            "can_manage": can_manage,
        },
    )


@login_required
@require_POST
def channel_remove(request: HttpRequest, slug: str, channel_id: int) -> HttpResponse:
    branch = policy.get_channels_branch(request.user, slug)
    if not policy.can_manage_channels(request.user, branch):
        raise Http404("No such page.")
    channel = OrganisingChannel.objects.filter(pk=_int(channel_id), branch=branch).first()
    if channel is None:
        raise Http404("No such channel.")
    actions.channel_remove(actor=request.user, channel=channel)
    return redirect("meetings:channels", branch.slug)
