"""Officers' and reps' GTVO pages: the ballot dashboard, the league table, a constituency's
branch view and trend, reminders, replacement requests and settings.

Access: ``policy.get_ballot`` (outsiders get 404), then ``policy.gtvo_constituencies`` for the
rows a user may see; changes need ``policy.gtvo_can_manage`` or reminder reach (403 otherwise).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mandate.ballots.models import Ballot, BallotState, Constituency
from mandate.core import policy
from mandate.core.access import request_user as _actor
from mandate.core.errors import DomainError, PermissionDenied
from mandate.core.policy import Perm
from mandate.members.models import Member
from mandate.messaging.models import reason_label
from mandate.turnout import actions, queries, reminders
from mandate.turnout.charts import trend_chart
from mandate.turnout.forms import LinkRevokeForm, ReminderForm, SettingsForm
from mandate.turnout.models import ContactEvent, ContactStatus, GtvoSettings, ReplacementRequest


def _ballot(request: HttpRequest, pk: int) -> Ballot:
    ballot = policy.get_ballot(request.user, pk, Perm.VIEW_BALLOTS)
    if ballot.state == BallotState.DRAFT:
        raise Http404("GTVO starts when the ballot opens.")
    return ballot


def _manage(request: HttpRequest, ballot: Ballot) -> None:
    if not policy.gtvo_can_manage(request.user, ballot):
        raise PermissionDenied(
            "Your role can read GTVO figures for this ballot but not change them."
        )


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    ballots = (
        policy.ballots_for(request.user, Perm.VIEW_BALLOTS)
        .exclude(state=BallotState.DRAFT)
        .select_related("dispute")
        .order_by("-opens")[:50]
    )
    return render(request, "turnout/index.html", {"ballots": ballots})


@login_required
@require_GET
def dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    ballot = _ballot(request, pk)
    gtvo = GtvoSettings.for_ballot(ballot)
    rows = queries.constituency_rows(ballot, policy.gtvo_constituencies(request.user, ballot), gtvo)
    context: dict[str, Any] = {
        "ballot": ballot,
        "gtvo": gtvo,
        "rows": rows,
        "days_left": (ballot.closes - timezone.localdate()).days,
        "can_manage": policy.gtvo_can_manage(request.user, ballot),
        "can_remind": policy.gtvo_remind_constituencies(request.user, ballot).exists(),
    }
    return render(request, "turnout/dashboard.html", context)


@login_required
@require_GET
def league(request: HttpRequest, pk: int) -> HttpResponse:
    """The league table unions publish: every constituency's said-voted share and estimate
    (aggregate figures only, so everyone who may see the ballot sees the whole table)."""
    ballot = _ballot(request, pk)
    gtvo = GtvoSettings.for_ballot(ballot)
    order = "said" if request.GET.get("order") == "said" else "estimate"
    rows = queries.constituency_rows(ballot, Constituency.objects.filter(ballot=ballot), gtvo)
    ranked = queries.league(rows, order)
    counts = {
        s: sum(1 for r in rows if r.projection.status == s) for s in ("green", "amber", "red")
    }
    return render(
        request,
        "turnout/league.html",
        {"ballot": ballot, "rows": ranked, "order": order, "counts": counts},
    )


@login_required
@require_GET
def constituency(request: HttpRequest, pk: int, cid: int) -> HttpResponse:
    ballot = _ballot(request, pk)
    c = get_object_or_404(policy.gtvo_constituencies(request.user, ballot), pk=cid)
    gtvo = GtvoSettings.for_ballot(ballot)
    row = queries.constituency_rows(ballot, Constituency.objects.filter(pk=c.pk), gtvo)[0]
    by_workplace, by_department = queries.breakdowns(ballot, c)
    reach = policy.members_for(request.user, Perm.VIEW_MEMBERS)
    names = queries.not_reached(ballot, c, reach)
    points = queries.trend(c, row)
    return render(
        request,
        "turnout/constituency.html",
        {
            "ballot": ballot,
            "c": c,
            "row": row,
            "by_workplace": by_workplace,
            "by_department": by_department,
            "names": names,
            "chart": trend_chart(points, row.projection.threshold),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def remind(request: HttpRequest, pk: int) -> HttpResponse:
    ballot = _ballot(request, pk)
    allowed = policy.gtvo_remind_constituencies(request.user, ballot)
    if not allowed.exists():
        raise PermissionDenied("Your role cannot send reminders for this ballot.")
    if ballot.state != BallotState.OPEN:
        raise DomainError("Reminders go out only while the ballot is open.")
    data = request.POST if request.method == "POST" else None
    form = ReminderForm(data, constituencies=allowed, initial={"request_key": uuid.uuid4()})
    context: dict[str, Any] = {"ballot": ballot, "form": form}
    if request.method == "POST" and form.is_valid():
        chosen = form.cleaned_data["constituencies"] or allowed
        reach = policy.members_for(request.user, Perm.SEND_MESSAGES)
        members = reminders.recipients(ballot, allowed.filter(pk__in=chosen), reach)
        fields = {
            "channel": form.cleaned_data["channel"],
            "template": form.cleaned_data["template"],
            "subject": form.cleaned_data["subject"] or "",
        }
        try:
            if request.POST.get("confirm") == "send":
                sent = reminders.send(
                    actor=_actor(request),
                    ballot=ballot,
                    members=members,
                    audience=f"GTVO: {ballot.name}, not yet said voted",
                    request_key=form.cleaned_data["request_key"] or uuid.uuid4(),
                    **fields,
                )
                context["sent"] = sent
            else:
                context["plan"] = reminders.plan(ballot=ballot, members=members, **fields)
        except DomainError as exc:
            form.add_error(None, exc.message)
    return render(request, "turnout/remind.html", context, status=400 if form.errors else 200)


@login_required
@require_GET
def replacements(request: HttpRequest, pk: int) -> HttpResponse:
    ballot = _ballot(request, pk)
    _manage(request, ballot)
    gtvo = GtvoSettings.for_ballot(ballot)
    requests = (
        ReplacementRequest.objects.filter(ballot=ballot)
        .select_related("member", "constituency")
        .order_by("exported_at", "at")
    )
    pending = sum(1 for r in requests if r.exported_at is None)
    return render(
        request,
        "turnout/replacements.html",
        {"ballot": ballot, "gtvo": gtvo, "requests": requests, "pending": pending},
    )


@login_required
@require_POST
def replacements_export(request: HttpRequest, pk: int) -> HttpResponse:
    ballot = _ballot(request, pk)
    _manage(request, ballot)
    text, count = actions.replacements_export(
        ballot=ballot, actor=_actor(request), include_exported=request.POST.get("all") == "1"
    )
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = (
        f'attachment; filename="replacement-papers-ballot-{ballot.pk}-{stamp}.csv"'
    )
    response["X-Row-Count"] = str(count)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def settings_edit(request: HttpRequest, pk: int) -> HttpResponse:
    ballot = _ballot(request, pk)
    _manage(request, ballot)
    gtvo = GtvoSettings.for_ballot(ballot)
    form = SettingsForm(request.POST or None, instance=gtvo)
    if request.method == "POST" and form.is_valid():
        actions.settings_save(ballot=ballot, actor=_actor(request), values=form.cleaned_data)
        return redirect("gtvo:dashboard", pk=ballot.pk)
    status = 400 if form.errors else 200
    return render(request, "turnout/settings.html", {"ballot": ballot, "form": form}, status=status)


def _member(request: HttpRequest, ballot: Ballot, member_id: int) -> tuple[Member, Constituency]:
    """MEMBER if the user may see them and the GTVO figures of the constituency they vote in."""
    member = policy.get_member(request.user, member_id, Perm.VIEW_MEMBERS)
    cid = actions.electorate_constituency(ballot, member.pk)
    c = None
    if cid is not None:
        c = policy.gtvo_constituencies(request.user, ballot).filter(pk=cid).first()
    if c is None:
        raise Http404("This member is not in the electorate you can see.")
    return member, c


def _can_reissue(request: HttpRequest, ballot: Ballot, c: Constituency, member: Member) -> bool:
    return (
        policy.gtvo_remind_constituencies(request.user, ballot).filter(pk=c.pk).exists()
        and policy.members_for(request.user, Perm.SEND_MESSAGES).filter(pk=member.pk).exists()
    )


def _member_page(
    request: HttpRequest, ballot: Ballot, member: Member, c: Constituency, **extra: Any
) -> HttpResponse:
    row = ContactStatus.objects.filter(ballot=ballot, member=member).first()
    events = ContactEvent.objects.filter(ballot=ballot, member=member).order_by("-at", "-pk")[:30]
    form = extra.pop("form", None) or LinkRevokeForm()
    context = {
        "ballot": ballot,
        "member": member,
        "c": c,
        "row": row,
        "events": events,
        "form": form,
        "can_reissue": _can_reissue(request, ballot, c, member),
        **extra,
    }
    status = 400 if form.errors else 200
    return render(request, "turnout/member.html", context, status=status)


@login_required
@require_GET
def member(request: HttpRequest, pk: int, member_id: int) -> HttpResponse:
    """One member's GTVO record on a ballot: their answer, its history, and their link."""
    ballot = _ballot(request, pk)
    m, c = _member(request, ballot, member_id)
    return _member_page(request, ballot, m, c)


@login_required
@require_POST
def link_revoke(request: HttpRequest, pk: int, member_id: int) -> HttpResponse:
    """Revoke one member's personal link (forwarded, lost) and optionally send a new one."""
    ballot = _ballot(request, pk)
    m, c = _member(request, ballot, member_id)
    if not _can_reissue(request, ballot, c, m):
        raise PermissionDenied("Your role cannot revoke or send this member's links.")
    form = LinkRevokeForm(request.POST)
    if not form.is_valid():
        return _member_page(request, ballot, m, c, form=form)
    try:
        _, sent = reminders.link_reissue(
            actor=_actor(request),
            ballot=ballot,
            member=m,
            reach=policy.members_for(request.user, Perm.SEND_MESSAGES),
            reason=form.cleaned_data["reason"],
            channel=form.cleaned_data["send"],
        )
    except DomainError as exc:
        form.add_error(None, exc.message)
        return _member_page(request, ballot, m, c, form=form)
    skipped = [reason_label(r, sent.channel) for r in sent.skipped_counts] if sent else []
    return _member_page(request, ballot, m, c, revoked=True, sent=sent, skipped=skipped)
