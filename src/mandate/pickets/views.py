"""The picket pages for officers, reps and site organisers, and the member's own shifts page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mandate.core import policy
from mandate.core.access import request_user
from mandate.core.audit import audit_record
from mandate.core.errors import DomainError
from mandate.core.models import Branch, Role, User, Workplace
from mandate.core.policy import Perm
from mandate.members.models import Member, MemberStatus
from mandate.pickets import actions, links, queries
from mandate.pickets.charts import attendance_chart
from mandate.pickets.forms import (
    GenerateForm,
    IncidentForm,
    LetterShownForm,
    ShiftForm,
    SiteEditForm,
    SiteForm,
)
from mandate.pickets.letter import letter_docx, letter_for
from mandate.pickets.models import (
    Attendance,
    CheckInMethod,
    Entrance,
    IncidentKind,
    PicketShift,
    PicketSite,
    Signup,
    SignupSource,
    Supporter,
)
from mandate.pickets.rules import picket_rules


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise Http404("No such day.") from None


def _site_url(site: PicketSite, day: dt.date | None = None) -> str:
    if day is None:
        return reverse("pickets:site", args=[site.pk])
    return reverse("pickets:site_day", args=[site.pk, day.isoformat()])


def _errors(form: Any) -> str:
    """Every field error on one line, each after its field's label."""
    parts = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        text = " ".join(str(e) for e in errors)
        parts.append(f"{label or name.replace('_', ' ').capitalize()}: {text}")
    return "; ".join(parts)


def _fail(request: HttpRequest, exc: DomainError, to: str) -> HttpResponse:
    messages.error(request, exc.message)
    return redirect(to)


# Index and branch ----------------------------------------------------------------------------


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    branches = list(policy.branches_with(user, Perm.VIEW_ACTIONS).order_by("name"))
    organised = list(
        PicketSite.objects.filter(organiser_id=user.pk).select_related("branch", "workplace")
    )
    if not branches and not organised:
        raise Http404("No picket lines here.")
    if len(branches) == 1 and not organised:
        return redirect("pickets:branch", branches[0].slug)
    return render(request, "pickets/index.html", {"branches": branches, "organised": organised})


@login_required
@require_GET
def branch(request: HttpRequest, branch: str) -> HttpResponse:
    found = policy.get_picket_branch(request.user, branch)
    today = timezone.localdate()
    sites = list(queries.sites_of(found))
    if not policy.can_see_pickets(request.user, found):
        sites = [s for s in sites if s.organiser_id == request.user.pk]
    can_run = policy.can_run_pickets(request.user, found)
    form = SiteForm(workplaces=Workplace.objects.filter(employer__branches=found))
    rounds = queries.branch_rounds(found)
    return render(
        request,
        "pickets/branch.html",
        {
            "branch": found,
            "sites": sites,
            "days": queries.branch_days(found, since=today)[:14],
            "can_run": can_run,
            "form": form,
            "chart": attendance_chart(rounds),
            "rounds": rounds,
            "disputes": sorted({r.action.dispute for r in rounds}, key=lambda d: d.name),
        },
    )


@login_required
@require_POST
def site_new(request: HttpRequest, branch: str) -> HttpResponse:
    found = policy.get_picket_branch(request.user, branch)
    if not policy.can_run_pickets(request.user, found):
        raise Http404("No such branch.")
    form = SiteForm(request.POST, workplaces=Workplace.objects.filter(employer__branches=found))
    if not form.is_valid():
        errors = _errors(form)
        messages.error(request, f"The site was not added. {errors}")
        return redirect("pickets:branch", found.slug)
    data = form.cleaned_data
    try:
        site = actions.site_create(
            branch=found,
            workplace=data["workplace"],
            name=data["name"],
            meeting_point=data["meeting_point"],
            entrances=data["entrances"].splitlines(),
            actor=request_user(request),
        )
    except DomainError as exc:
        return _fail(request, exc, reverse("pickets:branch", args=[found.slug]))
    messages.success(request, f"{site.name} added. Now generate its shifts.")
    return redirect(_site_url(site))


@login_required
@require_GET
def branch_day(request: HttpRequest, branch: str, day: str) -> HttpResponse:
    found = policy.get_picket_branch(request.user, branch)
    if not policy.can_see_pickets(request.user, found):
        raise Http404("No such branch.")
    when = _day(day)
    sites = []
    for site, rows in queries.branch_day_rota(found, when):
        rules = picket_rules(site, when)
        sites.append(
            {
                "site": site,
                "rows": rows,
                "warnings": queries.crowd_warnings(site, when, rules, rows),
                "present": Attendance.objects.filter(site=site, date=when).count(),
            }
        )
    audit_record(
        actor=request.user,
        action="pickets.rota_view",
        branch=found,
        detail={"date": when.isoformat(), "sites": len(sites)},
    )
    return render(
        request, "pickets/branch_day.html", {"branch": found, "day": when, "sites": sites}
    )


# One site ------------------------------------------------------------------------------------


def _organisers(branch: Branch) -> Any:
    ids = Role.objects.filter(branch=branch).values("user_id")
    return User.objects.filter(pk__in=ids).order_by("first_name", "username")


@login_required
@require_GET
def site(request: HttpRequest, pk: int) -> HttpResponse:
    found = policy.get_picket_site(request.user, pk)
    today = timezone.localdate()
    can_manage = policy.can_run_pickets(request.user, found.branch) or (
        found.organiser_id == request.user.pk
    )
    days = queries.shift_days(found)
    upcoming = [d for d in days if d >= today]
    rules = [picket_rules(found, d) for d in upcoming[:10]]
    rounds = queries.site_rounds(found)
    edit = SiteEditForm(
        initial={
            "name": found.name,
            "meeting_point": found.meeting_point,
            "organiser": found.organiser_id,
            "supervisor": found.supervisor_id,
            "supervisor_phone": found.supervisor_phone,
        },
        organisers=_organisers(found.branch),
        supervisors=Member.objects.filter(branch=found.branch, status=MemberStatus.ACTIVE),
    )
    return render(
        request,
        "pickets/site.html",
        {
            "site": found,
            "entrances": list(found.entrances.all()),
            "upcoming": upcoming,
            "past": [d for d in days if d < today][-10:],
            "rules": rules,
            "supervisor_needed": any(r.supervisor_required for r in rules),
            "can_manage": can_manage,
            "can_run": policy.can_run_pickets(request.user, found.branch),
            "can_incidents": policy.can_see_incidents(request.user, found.branch),
            "edit": edit,
            "generate": GenerateForm(actions=queries.actions_for_site(found)),
            "chart": attendance_chart(rounds),
            "rounds": rounds,
            "join_url": links.join_url(found) if can_manage else "",
        },
    )


@login_required
@require_POST
def site_edit(request: HttpRequest, pk: int) -> HttpResponse:
    found = policy.get_picket_site(request.user, pk, manage=True)
    if not policy.can_run_pickets(request.user, found.branch):
        raise policy_denied()
    form = SiteEditForm(
        request.POST,
        organisers=_organisers(found.branch),
        supervisors=Member.objects.filter(branch=found.branch, status=MemberStatus.ACTIVE),
    )
    if not form.is_valid():
        errors = _errors(form)
        messages.error(request, f"Nothing was changed. {errors}")
        return redirect(_site_url(found))
    data = form.cleaned_data
    try:
        actions.site_update(
            site=found,
            name=data["name"],
            meeting_point=data["meeting_point"],
            organiser=data["organiser"],
            supervisor=data["supervisor"],
            supervisor_phone=data["supervisor_phone"],
            actor=request_user(request),
        )
    except DomainError as exc:
        return _fail(request, exc, _site_url(found))
    messages.success(request, "Site saved.")
    return redirect(_site_url(found))


def policy_denied() -> DomainError:
    from mandate.core.errors import PermissionDenied

    return PermissionDenied("Only the branch officers can change that.")


@login_required
@require_POST
def entrance_add(request: HttpRequest, pk: int) -> HttpResponse:
    found = policy.get_picket_site(request.user, pk, manage=True)
    try:
        actions.entrance_add(
            site=found, name=request.POST.get("name", ""), actor=request_user(request)
        )
    except DomainError as exc:
        return _fail(request, exc, _site_url(found))
    return redirect(_site_url(found))


@login_required
@require_POST
def generate(request: HttpRequest, pk: int) -> HttpResponse:
    found = policy.get_picket_site(request.user, pk, manage=True)
    form = GenerateForm(request.POST, actions=queries.actions_for_site(found))
    if not form.is_valid():
        errors = _errors(form)
        messages.error(request, f"No shifts were made. {errors}")
        return redirect(_site_url(found))
    try:
        made = actions.shifts_generate(
            site=found,
            action=form.cleaned_data["action"],
            pattern=form.cleaned_data["pattern"],
            actor=request_user(request),
        )
    except DomainError as exc:
        return _fail(request, exc, _site_url(found))
    messages.success(
        request,
        f"{made.created} shifts made on {len(made.days)} strike days"
        + (f"; {made.kept} already there were kept." if made.kept else "."),
    )
    return redirect(_site_url(found))


@login_required
@require_POST
def codes_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    found = policy.get_picket_site(request.user, pk, manage=True)
    actions.codes_rotate(site=found, actor=request_user(request))
    messages.success(request, "New check-in codes and supporter link: the old ones stop working.")
    return redirect(_site_url(found))


# One site on one day --------------------------------------------------------------------------


def _rota_context(request: HttpRequest, pk: int, day: str, action: str) -> dict[str, Any]:
    """A site's rota for one day, audited as ACTION: what the day page and the print share."""
    found = policy.get_picket_site(request.user, pk)
    when = _day(day)
    rules = picket_rules(found, when)
    rows = queries.rota(found, when)
    audit_record(
        actor=request.user,
        action=action,
        obj=found,
        branch=found.branch,
        detail={"date": when.isoformat()},
    )
    return {
        "site": found,
        "day": when,
        "rows": rows,
        "rules": rules,
        "warnings": queries.crowd_warnings(found, when, rules, rows),
    }


@login_required
@require_GET
def site_day(request: HttpRequest, pk: int, day: str) -> HttpResponse:
    context = _rota_context(request, pk, day, "pickets.rota_view")
    found, when = context["site"], context["day"]
    can_manage = policy.can_run_pickets(request.user, found.branch) or (
        found.organiser_id == request.user.pk
    )
    shown = found.incidents.filter(kind=IncidentKind.LETTER_SHOWN, happened_at__date=when).order_by(
        "happened_at"
    )
    return render(
        request,
        "pickets/site_day.html",
        {
            **context,
            "present": Attendance.objects.filter(site=found, date=when).count(),
            "can_manage": can_manage,
            "letters_shown": list(shown),
            "shown_form": LetterShownForm(),
            "entrances": list(found.entrances.all()),
            "is_today": when == timezone.localdate(),
        },
    )


@login_required
@require_GET
def rota_print(request: HttpRequest, pk: int, day: str) -> HttpResponse:
    return render(
        request, "pickets/print.html", _rota_context(request, pk, day, "pickets.rota_print")
    )


@login_required
@require_GET
def qr(request: HttpRequest, pk: int, day: str) -> HttpResponse:
    found = policy.get_picket_site(request.user, pk)
    when = _day(day)
    url = links.qr_url(found, when)
    svg = segno.make(url, error="m").svg_inline(scale=6, dark="#111", light="#fff")
    return render(request, "pickets/qr.html", {"site": found, "day": when, "svg": svg})


def _checkin_context(site: PicketSite, when: dt.date) -> dict[str, Any]:
    rows = queries.checkin_rows(site, when)
    return {
        "site": site,
        "day": when,
        "people": rows,
        "present": sum(1 for r in rows if r.present),
    }


@login_required
@require_http_methods(["GET", "POST"])
def checkin(request: HttpRequest, pk: int, day: str) -> HttpResponse:
    """The organiser's tap-to-check-in list; with htmx a tap swaps just that person's row."""
    found = policy.get_picket_site(request.user, pk)
    when = _day(day)
    if request.method == "POST":
        key = request.POST.get("who", "")
        member: Member | None = None
        supporter: Supporter | None = None
        if key.startswith("m") and key[1:].isdigit():
            # Someone on the day's rota, or a member the user may look up in the register.
            rostered = queries.live_signups().filter(shift__site=found, shift__date=when)
            member = (
                Member.objects.filter(pk=int(key[1:]), branch=found.branch)
                .filter(
                    Q(pk__in=rostered.values("member_id"))
                    | Q(pk__in=policy.members_for(request.user, Perm.VIEW_MEMBERS).values("pk"))
                )
                .first()
            )
        elif key.startswith("s") and key[1:].isdigit():
            supporter = Supporter.objects.filter(pk=int(key[1:]), branch=found.branch).first()
        if member is None and supporter is None:
            raise Http404("No such person on this rota.")
        try:
            actions.checkin(
                site=found,
                day=when,
                method=CheckInMethod.ORGANISER,
                member=member,
                supporter=supporter,
                actor=request_user(request),
            )
        except DomainError as exc:
            if request.htmx:  # type: ignore[attr-defined]
                # 200 so htmx swaps it in: the organiser sees why, in the row they tapped.
                name = member.full_name if member is not None else supporter.name  # type: ignore[union-attr]
                failed = queries.CheckinRow(key, name, "", False, supporter is not None)
                return render(
                    request,
                    "pickets/_person.html",
                    {"site": found, "day": when, "r": failed, "error": exc.message},
                )
            return _fail(request, exc, reverse("pickets:checkin", args=[found.pk, day]))
        if request.htmx:  # type: ignore[attr-defined]
            context = _checkin_context(found, when)
            row = next((r for r in context["people"] if r.key == key), None)
            return render(
                request, "pickets/_person.html", {**context, "r": row, "swap_count": True}
            )
        return redirect("pickets:checkin", found.pk, day)
    context = _checkin_context(found, when)
    query = request.GET.get("q", "").strip()[:60]
    if len(query) >= 2:
        context["query"] = query
        context["found"] = _walk_ins(request, found, when, query)
    return render(request, "pickets/checkin.html", context)


def _walk_ins(
    request: HttpRequest, site: PicketSite, day: dt.date, query: str
) -> list[queries.CheckinRow]:
    """Members the user may look up, by name or membership number, to check in off the rota."""
    reach = policy.members_for(request.user, Perm.VIEW_MEMBERS, site.branch)
    words = query.split()
    cond = Q(membership_number__iexact=query)
    name = Q()
    for word in words:
        name &= Q(first_name__icontains=word) | Q(last_name__icontains=word)
    matches = list(
        reach.filter(cond | name, status=MemberStatus.ACTIVE).order_by("last_name", "pk")[:10]
    )
    here = set(
        Attendance.objects.filter(site=site, date=day, member__in=matches).values_list(
            "member_id", flat=True
        )
    )
    return [
        queries.CheckinRow(f"m{m.pk}", m.full_name, "not rostered", m.pk in here, False)
        for m in matches
    ]


@login_required
@require_POST
def checkin_undo(request: HttpRequest, pk: int, day: str) -> HttpResponse:
    found = policy.get_picket_site(request.user, pk)
    when = _day(day)
    key = request.POST.get("who", "")
    rows = Attendance.objects.filter(site=found, date=when)
    if key.startswith("m") and key[1:].isdigit():
        row = rows.filter(member_id=int(key[1:])).first()
    elif key.startswith("s") and key[1:].isdigit():
        row = rows.filter(supporter_id=int(key[1:])).first()
    else:
        row = None
    if row is not None:
        actions.checkin_undo(attendance=row, actor=request_user(request))
    return redirect("pickets:checkin", found.pk, day)


# Shifts and sign-ups (organiser) ---------------------------------------------------------------


def _shift(request: HttpRequest, pk: int) -> PicketShift:
    shift = PicketShift.objects.select_related("site").filter(pk=pk).first()
    if shift is None:
        raise Http404("No such shift.")
    policy.get_picket_site(request.user, shift.site_id, manage=True)
    return shift


@login_required
@require_POST
def shift_edit(request: HttpRequest, pk: int) -> HttpResponse:
    shift = _shift(request, pk)
    back = _site_url(shift.site, shift.date)
    form = ShiftForm(request.POST)
    if not form.is_valid():
        errors = _errors(form)
        messages.error(request, f"The shift was not changed. {errors}")
        return redirect(back)
    try:
        actions.shift_update(
            shift=shift,
            starts=form.cleaned_data["starts"],
            ends=form.cleaned_data["ends"],
            note=form.cleaned_data["note"],
            actor=request_user(request),
        )
    except DomainError as exc:
        return _fail(request, exc, back)
    messages.success(request, "Shift saved.")
    return redirect(back)


@login_required
@require_POST
def shift_delete(request: HttpRequest, pk: int) -> HttpResponse:
    shift = _shift(request, pk)
    back = _site_url(shift.site, shift.date)
    try:
        actions.shift_delete(shift=shift, actor=request_user(request))
    except DomainError as exc:
        return _fail(request, exc, back)
    messages.success(request, "Shift removed.")
    return redirect(back)


@login_required
@require_POST
def signup_add(request: HttpRequest, pk: int) -> HttpResponse:
    """The organiser puts a member on a shift, found by membership number or full name."""
    shift = _shift(request, pk)
    back = _site_url(shift.site, shift.date)
    query = request.POST.get("who", "").strip()[:60]
    reach = policy.members_for(request.user, Perm.VIEW_MEMBERS, shift.site.branch).filter(
        status=MemberStatus.ACTIVE
    )
    matches = list(reach.filter(membership_number__iexact=query)[:2])
    if not matches and " " in query:
        first, _, last = query.rpartition(" ")
        matches = list(reach.filter(first_name__iexact=first, last_name__iexact=last)[:2])
    if len(matches) != 1:
        messages.error(
            request,
            f"No member you can reach is called or numbered “{query}”."
            if not matches
            else f"More than one member is called “{query}”: give the membership number.",
        )
        return redirect(back)
    try:
        joined = actions.signup_member(
            shift=shift,
            member=matches[0],
            source=SignupSource.ORGANISER,
            actor=request_user(request),
        )
    except DomainError as exc:
        return _fail(request, exc, back)
    for warning in joined.warnings:
        messages.warning(request, warning)
    messages.success(request, f"{matches[0].full_name} is on the {shift.starts:%H:%M} shift.")
    return redirect(back)


@login_required
@require_POST
def signup_remove(request: HttpRequest, pk: int) -> HttpResponse:
    signup = Signup.objects.select_related("shift", "shift__site").filter(pk=pk).first()
    if signup is None:
        raise Http404("No such sign-up.")
    policy.get_picket_site(request.user, signup.shift.site_id, manage=True)
    actions.signup_cancel(signup=signup, actor=request_user(request))
    messages.success(request, "Taken off the rota.")
    return redirect(_site_url(signup.shift.site, signup.shift.date))


@login_required
@require_POST
def signup_move(request: HttpRequest, pk: int) -> HttpResponse:
    """The organiser moves someone to another entrance (to keep within the Code's number)."""
    signup = Signup.objects.select_related("shift", "shift__site").filter(pk=pk).first()
    if signup is None or not signup.is_live:
        raise Http404("No such sign-up.")
    site = policy.get_picket_site(request.user, signup.shift.site_id, manage=True)
    raw = request.POST.get("entrance", "")
    entrance = Entrance.objects.filter(site=site, pk=int(raw)).first() if raw.isdigit() else None
    signup.entrance = entrance
    signup.save(update_fields=["entrance"])
    audit_record(actor=request.user, action="pickets.signup_move", obj=signup, branch=site.branch)
    return redirect(_site_url(site, signup.shift.date))


# Supervisor's letter -------------------------------------------------------------------------


def _letter(request: HttpRequest, pk: int, day: str) -> tuple[PicketSite, Any]:
    found = policy.get_picket_site(request.user, pk, manage=True)
    when = _day(day)
    rules = picket_rules(found, when)
    return found, letter_for(found, when, rules, found.branch.region.union.name)


@login_required
@require_GET
def letter(request: HttpRequest, pk: int, day: str) -> HttpResponse:
    found, doc = _letter(request, pk, day)
    return render(request, "pickets/letter.html", {"site": found, "letter": doc})


@login_required
@require_GET
def letter_download(request: HttpRequest, pk: int, day: str) -> HttpResponse:
    found, doc = _letter(request, pk, day)
    audit_record(
        actor=request.user, action="pickets.letter_download", obj=found, branch=found.branch
    )
    response = HttpResponse(
        letter_docx(doc),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="picket-supervisor-letter-{doc.day.isoformat()}.docx"'
    )
    return response


@login_required
@require_POST
def letter_shown(request: HttpRequest, pk: int, day: str) -> HttpResponse:
    found = policy.get_picket_site(request.user, pk, manage=True)
    when = _day(day)
    form = LetterShownForm(request.POST)
    back = _site_url(found, when)
    if not form.is_valid():
        messages.error(request, "Say who the letter was shown to.")
        return redirect(back)
    try:
        actions.incident_record(
            site=found,
            kind=IncidentKind.LETTER_SHOWN,
            happened_at=timezone.now(),
            note=f"Shown to: {form.cleaned_data['shown_to']}",
            actor=request_user(request),
        )
    except DomainError as exc:
        return _fail(request, exc, back)
    messages.success(request, "Recorded: the letter of authorisation was shown.")
    return redirect(back)


# Incidents -----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def incidents(request: HttpRequest, pk: int) -> HttpResponse:
    found = policy.get_picket_site(request.user, pk)
    if not policy.can_see_incidents(request.user, found.branch):
        raise Http404("No such incident log.")
    form = IncidentForm(
        request.POST or None,
        initial={"happened_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")},
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.incident_record(
                site=found,
                kind=form.cleaned_data["kind"],
                happened_at=form.cleaned_data["happened_at"],
                note=form.cleaned_data["note"],
                actor=request_user(request),
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "Incident logged.")
            return redirect("pickets:incidents", found.pk)
    audit_record(
        actor=request.user, action="pickets.incidents_view", obj=found, branch=found.branch
    )
    rows = found.incidents.select_related("author").order_by("-happened_at", "-id")[:200]
    return render(
        request, "pickets/incidents.html", {"site": found, "form": form, "incidents": rows}
    )


# Totals across branches ------------------------------------------------------------------------


@login_required
@require_GET
def totals(request: HttpRequest, slug: str) -> HttpResponse:
    dispute = policy.get_action_dispute(request.user, slug, Perm.VIEW_ACTIONS)
    branches = policy.branches_with(request.user, Perm.VIEW_ACTIONS)
    rounds, rows = queries.dispute_totals(dispute, branches)
    grand = {a.pk: sum(r.by_action.get(a.pk, 0) for r in rows) for a in rounds}
    return render(
        request,
        "pickets/totals.html",
        {
            "dispute": dispute,
            "rounds": rounds,
            "rows": [{"row": r, "cells": [r.by_action.get(a.pk, 0) for a in rounds]} for r in rows],
            "grand": [grand[a.pk] for a in rounds],
            "grand_total": sum(grand.values()),
            "national": policy.has_national(request.user, Perm.VIEW_ACTIONS),
        },
    )


# The member's own page -------------------------------------------------------------------------


def member_context(member: Member, *, today: dt.date | None = None) -> dict[str, Any]:
    """What a member sees about picketing: their shifts, and open shifts at their branch."""
    today = today or timezone.localdate()
    mine = list(queries.member_signups(member, since=today))
    taken = {s.shift_id for s in mine}
    shifts = [s for s in queries.upcoming_shifts(member.branch, today=today) if s.pk not in taken]
    own = set(
        member.employments.filter(Q(end_date__isnull=True) | Q(end_date__gte=today)).values_list(
            "workplace_id", flat=True
        )
    )
    return {
        "member": member,
        "mine": mine,
        "open": [s for s in shifts if s.site.workplace_id in own][:40],
        # Unknown workplace: everything is listed, and signing up says why that matters (s220).
        "elsewhere": [s for s in shifts if s.site.workplace_id not in own][:40],
        "own_known": bool(own - {None}),
        "swap_choices": shifts[:60],
    }


@login_required
@require_GET
def my_pickets(request: HttpRequest) -> HttpResponse:
    member = policy.own_member(request.user)
    if member is None:
        raise Http404("Your login is not linked to a member record.")
    link = getattr(member, "picket_link", None)
    return render(
        request,
        "pickets/member.html",
        {
            **member_context(member),
            "token": "",
            "link_url": links.member_url(link) if link is not None else "",
        },
    )


def _own(request: HttpRequest) -> Member:
    member = policy.own_member(request.user)
    if member is None:
        raise Http404("Your login is not linked to a member record.")
    return member


def member_signup(
    request: HttpRequest, member: Member, pk: int, source: str, back: str
) -> HttpResponse:
    shift = (
        PicketShift.objects.select_related("site", "site__workplace", "site__workplace__employer")
        .filter(pk=pk, site__branch=member.branch)
        .first()
    )
    if shift is None:
        raise Http404("No such shift.")
    raw = request.POST.get("entrance", "")
    entrance = (
        Entrance.objects.filter(site=shift.site, pk=int(raw)).first() if raw.isdigit() else None
    )
    try:
        joined = actions.signup_member(
            shift=shift, member=member, source=source, entrance=entrance, actor=request.user
        )
    except DomainError as exc:
        return _fail(request, exc, back)
    for warning in joined.warnings:
        messages.warning(request, warning)
    messages.success(
        request,
        f"You're on the line: {shift.site.name}, {shift.date:%a %-d %b} {shift.starts:%H:%M}."
        if joined.created
        else "You were already signed up for that shift.",
    )
    return redirect(back)


def member_cancel(request: HttpRequest, member: Member, pk: int, back: str) -> HttpResponse:
    signup = queries.live_signups().filter(pk=pk, member=member).select_related("shift").first()
    if signup is None:
        messages.info(request, "That sign-up is already cancelled.")
        return redirect(back)
    actions.signup_cancel(signup=signup, actor=request.user)
    messages.success(request, "Cancelled. Thank you for letting the organiser know.")
    return redirect(back)


def member_swap(request: HttpRequest, member: Member, pk: int, back: str) -> HttpResponse:
    signup = queries.live_signups().filter(pk=pk, member=member).select_related("shift").first()
    raw = request.POST.get("to", "")
    to = (
        PicketShift.objects.select_related("site", "site__workplace")
        .filter(pk=int(raw), site__branch=member.branch)
        .first()
        if raw.isdigit()
        else None
    )
    if signup is None or to is None:
        messages.error(request, "Choose the shift to swap to.")
        return redirect(back)
    try:
        joined = actions.signup_swap(signup=signup, to=to, actor=request.user)
    except DomainError as exc:
        return _fail(request, exc, back)
    for warning in joined.warnings:
        messages.warning(request, warning)
    messages.success(request, f"Swapped to {to.site.name}, {to.date:%a %-d %b} {to.starts:%H:%M}.")
    return redirect(back)


@login_required
@require_POST
def my_signup(request: HttpRequest, pk: int) -> HttpResponse:
    return member_signup(request, _own(request), pk, SignupSource.LOGIN, reverse("my_pickets"))


@login_required
@require_POST
def my_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return member_cancel(request, _own(request), pk, reverse("my_pickets"))


@login_required
@require_POST
def my_swap(request: HttpRequest, pk: int) -> HttpResponse:
    return member_swap(request, _own(request), pk, reverse("my_pickets"))


@login_required
@require_POST
def my_link(request: HttpRequest) -> HttpResponse:
    member = _own(request)
    actions.link_renew(member=member, actor=request.user)
    messages.success(request, "Your personal picket link is below; any older one stops working.")
    return redirect("my_pickets")
