"""The action calendar pages: a dispute's calendar, creating and calling action with its checks,
notices of action, employers' critical dates, the solidarity calendar and the member's own page."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mandate.actions import actions, clashes, ics, queries
from mandate.actions.checks import action_checks, agreement_note
from mandate.actions.forms import (
    ActionForm,
    AgreementForm,
    CriticalDateForm,
    DaysForm,
    EscalationForm,
    FlagsForm,
    ServeForm,
    SolidarityForm,
    SolidarityImportForm,
    StatusForm,
)
from mandate.actions.models import (
    Action,
    ActionDay,
    ActionStatus,
    CalendarToken,
    CriticalDate,
    NoticeOfAction,
    Pattern,
    PlannedEscalation,
    SolidarityEvent,
)
from mandate.actions.notices import notice_document, notice_docx
from mandate.ballots.rules import load_rulebook
from mandate.core import policy
from mandate.core.access import request_user as _actor
from mandate.core.errors import DomainError
from mandate.core.models import Branch, Employer
from mandate.core.policy import Perm
from mandate.disputes.models import Dispute, DisputeStatus

SOLIDARITY_SHOWN = 100


# The index and a dispute's calendar ---------------------------------------------------------


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    if not policy.can_anywhere(request.user, Perm.VIEW_ACTIONS):
        raise Http404("No action calendar here.")
    disputes = [
        d
        for d in policy.disputes_for(request.user, Perm.VIEW_DISPUTES)
        .exclude(status=DisputeStatus.SETTLED)
        .order_by("name")
        if policy.can_on_action_dispute(request.user, Perm.VIEW_ACTIONS, d)
    ]
    branches = policy.branches_with(request.user, Perm.MANAGE_ACTIONS).order_by("name")
    feeds = {
        t.branch_id: t
        for t in CalendarToken.objects.filter(branch__in=branches, revoked_at__isnull=True)
    }
    return render(
        request,
        "actions/index.html",
        {
            "disputes": disputes,
            "can_plan_waves": policy.wave_regions(request.user).exists(),
            "branch_feeds": [(b, feeds.get(b.pk)) for b in branches],
            "employers": policy.employers_with(request.user, Perm.VIEW_ACTIONS).order_by("name")[
                :200
            ],
        },
    )


def _month_days(dispute: Dispute, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """The days of action in [START, END], each with its actions (continuous ones included)."""
    by_day: dict[dt.date, list[Action]] = defaultdict(list)
    for day in queries.days_in_month(dispute.pk, start, end):
        by_day[day.date].append(day.action)
    continuous = Action.objects.filter(dispute=dispute, pattern=Pattern.CONTINUOUS).exclude(
        status=ActionStatus.ENDED
    )
    for action in continuous:
        for d in action.dates_within(start, end):
            by_day[d].append(action)
    return [{"date": d, "actions": by_day[d]} for d in sorted(by_day)]


@login_required
@require_GET
def dispute_calendar(request: HttpRequest, slug: str) -> HttpResponse:
    dispute = policy.get_action_dispute(request.user, slug, Perm.VIEW_ACTIONS)
    today = timezone.localdate()
    try:
        month = dt.date.fromisoformat(request.GET.get("month", "") + "-01")
    except ValueError:
        month = today.replace(day=1)
    after = (month + dt.timedelta(days=32)).replace(day=1)
    last = after - dt.timedelta(days=1)
    triggers = list(dispute.escalation_triggers())
    plans = list(PlannedEscalation.objects.filter(dispute=dispute))
    prompts = [
        (t, [p for p in plans if p.trigger == t.response_type])
        for t in triggers
        if t.prompts_escalation
    ]
    solidarity = SolidarityEvent.objects.filter(
        Q(end__gte=month) | Q(end__isnull=True, start__gte=month), start__lte=last
    )
    return render(
        request,
        "actions/calendar.html",
        {
            "dispute": dispute,
            "actions": Action.objects.filter(dispute=dispute).prefetch_related("days"),
            "days": _month_days(dispute, month, last),
            "month": month,
            "prev": (month - dt.timedelta(days=1)).replace(day=1),
            "next": after,
            "prompts": prompts,
            "plans": plans,
            "solidarity": solidarity[:50],
            "can_manage": policy.can_on_action_dispute(request.user, Perm.MANAGE_ACTIONS, dispute),
            "escalation_form": EscalationForm(),
        },
    )


@login_required
@require_POST
def escalation_add(request: HttpRequest, slug: str) -> HttpResponse:
    dispute = policy.get_action_dispute(request.user, slug, Perm.MANAGE_ACTIONS)
    form = EscalationForm(request.POST)
    if form.is_valid():
        actions.escalation_plan_add(
            dispute=dispute,
            trigger=form.cleaned_data["trigger"],
            plan=form.cleaned_data["plan"],
            actor=_actor(request),
        )
        messages.success(request, "Planned escalation recorded.")
    else:
        messages.error(request, "Say which response triggers it and what the branch will do.")
    return redirect("actions:calendar", slug=dispute.slug)


@login_required
@require_http_methods(["GET", "POST"])
def action_new(request: HttpRequest, slug: str) -> HttpResponse:
    dispute = policy.get_action_dispute(request.user, slug, Perm.MANAGE_ACTIONS)
    form = ActionForm(request.POST or None, dispute=dispute)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            action = actions.action_create(
                dispute=dispute,
                ballot=data["ballot"],
                title=data["title"],
                kind=data["kind"],
                asos_type=data["asos_type"] if data["kind"] == "asos" else "",
                pattern=data["pattern"],
                dates=data["dates"],
                start_date=data["start_date"] if data["pattern"] == Pattern.CONTINUOUS else None,
                end_date=data["end_date"] if data["pattern"] == Pattern.CONTINUOUS else None,
                constituencies=data["constituencies"],
                categories=data["categories"],
                workplaces=data["workplaces"],
                instructions=data["instructions"],
                actor=_actor(request),
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("actions:detail", pk=action.pk)
    return render(request, "actions/create.html", {"dispute": dispute, "form": form})


# One action: checks, clashes, notices, calling -----------------------------------------------


@login_required
@require_GET
def action_detail(request: HttpRequest, pk: int) -> HttpResponse:
    action = policy.get_action(request.user, pk, Perm.VIEW_ACTIONS)
    results = action_checks(action)
    failing = [r for r in results if not r.ok]
    employers = queries.action_employers(action)
    notices = list(action.notices.select_related("employer").order_by("employer__name", "-id"))
    per_employer = [
        {
            "employer": e,
            "notices": [n for n in notices if n.employer_id == e.pk],
            "can_serve": policy.can_serve_notice(request.user, action, e),
        }
        for e in employers
    ]
    blocked_days = sorted({d for r in failing for d in r.dates})
    return render(
        request,
        "actions/detail.html",
        {
            "action": action,
            "checks": results,
            "failing": failing,
            "blocked_days": blocked_days,
            "clashes": clashes.action_clashes(action),
            "per_employer": per_employer,
            "stale": {n.pk for n in notices if actions.notice_is_stale(n)},
            "can_manage": policy.can_on_action_dispute(
                request.user, Perm.MANAGE_ACTIONS, action.dispute
            ),
            "status_form": StatusForm(),
            "days_form": DaysForm(),
            "can_call": action.can_become(ActionStatus.CALLED),
        },
    )


@login_required
@require_POST
def action_call(request: HttpRequest, pk: int) -> HttpResponse:
    action = policy.get_action(request.user, pk, Perm.MANAGE_ACTIONS)
    try:
        actions.action_call(action=action, actor=_actor(request))
    except actions.ActionBlocked as exc:
        messages.error(
            request,
            f"Not called: {len(exc.reasons)} check{'s' if len(exc.reasons) != 1 else ''} "
            "failed. Each reason is listed in red below.",
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Called. Members see it on their own page and calendar.")
    return redirect("actions:detail", pk=action.pk)


@login_required
@require_POST
def action_status(request: HttpRequest, pk: int) -> HttpResponse:
    action = policy.get_action(request.user, pk, Perm.MANAGE_ACTIONS)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a status.")
    else:
        try:
            actions.action_transition(
                action=action, status=form.cleaned_data["status"], actor=_actor(request)
            )
        except DomainError as exc:
            messages.error(request, exc.message)
    return redirect("actions:detail", pk=action.pk)


@login_required
@require_POST
def action_flags(request: HttpRequest, pk: int) -> HttpResponse:
    action = policy.get_action(request.user, pk, Perm.MANAGE_ACTIONS)
    form = FlagsForm(request.POST)
    form.is_valid()
    field = request.POST.get("field", "")
    value = bool(form.cleaned_data.get(field)) if field in form.fields else None
    try:
        actions.action_set_flags(
            action=action,
            actor=_actor(request),
            exclude_unballoted=value if field == "exclude_unballoted" else None,
            employer_agreed_resumption=value if field == "employer_agreed_resumption" else None,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("actions:detail", pk=action.pk)


@login_required
@require_POST
def action_days(request: HttpRequest, pk: int) -> HttpResponse:
    action = policy.get_action(request.user, pk, Perm.MANAGE_ACTIONS)
    form = DaysForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for e in form.errors.get("dates", ["Give dates."])))
        return redirect("actions:detail", pk=action.pk)
    try:
        added = actions.action_add_days(
            action=action, dates=form.cleaned_data["dates"], actor=_actor(request)
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.warning(
            request, f"{added} date(s) added. A date not in a served notice needs a new notice."
        )
    return redirect("actions:detail", pk=action.pk)


# Notices of action ---------------------------------------------------------------------------


def _notice(request: HttpRequest, pk: int) -> NoticeOfAction:
    notice = get_object_or_404(NoticeOfAction.objects.select_related("employer", "action"), pk=pk)
    policy.get_action(request.user, notice.action_id, Perm.VIEW_ACTIONS)
    return notice


@login_required
@require_POST
def notice_prepare(request: HttpRequest, pk: int, employer: str) -> HttpResponse:
    action = policy.get_action(request.user, pk, Perm.VIEW_ACTIONS)
    target = get_object_or_404(Employer, slug=employer)
    if not policy.can_serve_notice(request.user, action, target):
        raise Http404("No such employer in this action.")
    try:
        notice = actions.notice_prepare(action=action, employer=target, actor=_actor(request))
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("actions:detail", pk=action.pk)
    return redirect("actions:notice", pk=notice.pk)


def _notice_page(
    request: HttpRequest, notice: NoticeOfAction, form: AgreementForm | None = None
) -> HttpResponse:
    can_serve = policy.can_serve_notice(request.user, notice.action, notice.employer)
    if form is None:
        form = AgreementForm(
            initial={
                "agreed_notice_days": notice.agreed_notice_days,
                "agreed_by": notice.agreed_by,
                "agreed_on": notice.agreed_on,
                "agreement_reference": notice.agreement_reference,
            }
        )
    book = load_rulebook("ni" if notice.employer.jurisdiction == "northern_ireland" else "gb")
    return render(
        request,
        "actions/notice.html",
        {
            "notice": notice,
            "doc": notice_document(notice),
            "stale": actions.notice_is_stale(notice),
            "can_serve": not notice.is_served and can_serve,
            "can_agree": can_serve,
            "agreement_form": form,
            "agreement_note": agreement_note(book, notice).strip(),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def notice_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _notice_page(request, _notice(request, pk))


@login_required
@require_POST
def notice_agreement(request: HttpRequest, pk: int) -> HttpResponse:
    """Record or withdraw a shorter notice period agreed with the notice's employer."""
    notice = _notice(request, pk)
    if not policy.can_serve_notice(request.user, notice.action, notice.employer):
        raise Http404("No such notice.")
    form = AgreementForm(request.POST)
    if not form.is_valid():
        return _notice_page(request, notice, form)
    data = form.cleaned_data
    try:
        actions.notice_agreement_record(
            notice=notice,
            actor=_actor(request),
            days=data["agreed_notice_days"],
            agreed_by=data["agreed_by"],
            agreed_on=data["agreed_on"],
            reference=data["agreement_reference"],
        )
    except DomainError as exc:
        form.add_error(None, exc.message)
        return _notice_page(request, notice, form)
    done = "recorded" if data["agreed_notice_days"] is not None else "withdrawn"
    messages.success(request, f"Notice period agreed with {notice.employer.name} {done}.")
    return redirect("actions:notice", pk=notice.pk)


@login_required
@require_GET
def notice_download(request: HttpRequest, pk: int) -> HttpResponse:
    notice = _notice(request, pk)
    data = notice_docx(notice_document(notice))
    response = HttpResponse(
        data,
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    name = f"notice-of-action-{notice.employer.slug}-{notice.pk}.docx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def notice_serve(request: HttpRequest, pk: int) -> HttpResponse:
    notice = _notice(request, pk)
    if not policy.can_serve_notice(request.user, notice.action, notice.employer):
        raise Http404("No such notice.")
    form = ServeForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.notice_mark_served(
                notice=notice,
                received_on=data["received_on"],
                method=data["method"],
                proof=data["proof"],
                proof_note=data["proof_note"],
                actor=_actor(request),
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"Notice to {notice.employer.name} recorded as served.")
            return redirect("actions:detail", pk=notice.action_id)
    return render(request, "actions/notice_serve.html", {"notice": notice, "form": form})


# Employers' critical dates -------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def employer_calendar(request: HttpRequest, slug: str) -> HttpResponse:
    employer = policy.employers_with(request.user, Perm.VIEW_ACTIONS).filter(slug=slug).first()
    if employer is None:
        raise Http404("No such employer.")
    can_manage = policy.can_manage_employer_calendar(request.user, employer)
    form = CriticalDateForm(request.POST or None)
    if request.method == "POST":
        if not can_manage:
            raise Http404("No such employer.")
        if form.is_valid():
            data = form.cleaned_data
            try:
                actions.critical_date_add(
                    employer=employer,
                    kind=data["kind"],
                    start=data["start"],
                    end=data["end"],
                    note=data["note"],
                    actor=_actor(request),
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, "Critical date recorded.")
                return redirect("actions:employer", slug=employer.slug)
    today = timezone.localdate()
    year_ahead = today + dt.timedelta(days=366)
    bank = [
        (d, clashes.bank_holiday(employer.jurisdiction, d))
        for d in (today + dt.timedelta(days=i) for i in range(367))
        if clashes.bank_holiday(employer.jurisdiction, d)
    ]
    return render(
        request,
        "actions/employer.html",
        {
            "employer": employer,
            "dates": CriticalDate.objects.filter(employer=employer, start__lte=year_ahead),
            "bank_holidays": bank,
            "form": form,
            "can_manage": can_manage,
        },
    )


@login_required
@require_POST
def critical_date_delete(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(CriticalDate.objects.select_related("employer"), pk=pk)
    if not policy.can_manage_employer_calendar(request.user, item.employer):
        raise Http404("No such date.")
    slug = item.employer.slug
    actions.critical_date_delete(item=item, actor=_actor(request))
    return redirect("actions:employer", slug=slug)


# Solidarity ----------------------------------------------------------------------------------


@login_required
@require_GET
def solidarity(request: HttpRequest) -> HttpResponse:
    if not policy.can_view_solidarity(request.user):
        raise Http404("No solidarity calendar here.")
    return _solidarity_page(request, SolidarityForm(), SolidarityImportForm())


def _solidarity_page(
    request: HttpRequest, form: SolidarityForm, import_form: SolidarityImportForm, status: int = 200
) -> HttpResponse:
    since = timezone.localdate() - dt.timedelta(days=30)
    own = (
        ActionDay.objects.filter(date__gte=since, action__status__in=ics.SHOWN)
        .select_related("action", "action__dispute")
        .order_by("date")[:SOLIDARITY_SHOWN]
    )
    visible = [
        d
        for d in own
        if policy.can_on_action_dispute(request.user, Perm.VIEW_ACTIONS, d.action.dispute)
    ]
    return render(
        request,
        "actions/solidarity.html",
        {
            "events": SolidarityEvent.objects.exclude(end__lt=since, start__lt=since).exclude(
                end__isnull=True, start__lt=since
            )[:SOLIDARITY_SHOWN],
            "own_days": visible,
            "form": form,
            "import_form": import_form,
            "can_manage": policy.can_manage_solidarity(request.user),
        },
        status=status,
    )


@login_required
@require_POST
def solidarity_add(request: HttpRequest) -> HttpResponse:
    if not policy.can_manage_solidarity(request.user):
        raise Http404("No solidarity calendar here.")
    form = SolidarityForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.solidarity_add(**data, actor=_actor(request))
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "Added to the solidarity calendar.")
            return redirect("actions:solidarity")
    return _solidarity_page(request, form, SolidarityImportForm(), status=400)


@login_required
@require_POST
def solidarity_import(request: HttpRequest) -> HttpResponse:
    if not policy.can_manage_solidarity(request.user):
        raise Http404("No solidarity calendar here.")
    form = SolidarityImportForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        data: bytes | str = upload.read() if upload else form.cleaned_data["text"]
        try:
            created, updated = actions.solidarity_import(
                union_name=form.cleaned_data["union_name"], data=data, actor=_actor(request)
            )
        except DomainError as exc:
            form.add_error(None, f"Nothing was imported. {exc.message}")
        else:
            messages.success(request, f"Imported {created} new event(s), updated {updated}.")
            return redirect("actions:solidarity")
    return _solidarity_page(request, SolidarityForm(), form, status=400)


# Calendar feeds and the member's own page ----------------------------------------------------


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """Public: the unguessable token is the credential; revoked or unknown is 404."""
    found = (
        CalendarToken.objects.filter(token=token, revoked_at__isnull=True)
        .select_related("branch", "member")
        .first()
    )
    if found is None:
        raise Http404("No such calendar.")
    if found.branch is not None:
        data = ics.branch_feed(found.branch)
    elif found.member is not None:
        data = ics.member_feed(found.member)
    else:
        raise Http404("No such calendar.")
    response = HttpResponse(data, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=900"
    return response


@login_required
@require_POST
def branch_feed_new(request: HttpRequest, slug: str) -> HttpResponse:
    branch: Branch = policy.get_branch(request.user, slug, Perm.MANAGE_ACTIONS)
    actions.calendar_token_issue(branch=branch, actor=_actor(request))
    messages.success(request, f"New calendar link for {branch.name}; the old one stops working.")
    return redirect("actions:index")


def _feed_url(request: HttpRequest, token: CalendarToken) -> str:
    return request.build_absolute_uri(reverse("calendar_feed", args=[token.token]))


@login_required
@require_GET
def my_action(request: HttpRequest) -> HttpResponse:
    member = policy.own_member(request.user)
    if member is None:
        raise Http404("Your login is not linked to a member record.")
    today = timezone.localdate()
    mine = queries.member_actions(member)
    horizon = [today + dt.timedelta(days=i) for i in range(15)]
    schedule = [
        {
            "date": d,
            "actions": [a for a in mine if a.covers(d) and a.status != ActionStatus.SUSPENDED],
        }
        for d in horizon
    ]
    employment = member.employments.select_related("employer", "workplace").first()
    # GET never writes: the link is made by the button the first time.
    token = CalendarToken.objects.filter(member=member, revoked_at__isnull=True).first()
    return render(
        request,
        "actions/my_action.html",
        {
            "member": member,
            "pairs": [("Today", schedule[0]), ("Tomorrow", schedule[1])],
            "not_called": queries.member_not_called(member, mine),
            "fortnight": [s for s in schedule[2:] if s["actions"]],
            "employment": employment,
            "feed_url": _feed_url(request, token) if token else "",
            "suspended": [a for a in mine if a.status == ActionStatus.SUSPENDED],
        },
    )


@login_required
@require_POST
def my_action_new_link(request: HttpRequest) -> HttpResponse:
    member = policy.own_member(request.user)
    if member is None:
        raise Http404("Your login is not linked to a member record.")
    actions.calendar_token_issue(member=member, actor=_actor(request))
    messages.success(request, "New calendar link made; the old one no longer works.")
    return redirect("my_action")
