"""The ballot pages: list, ballot page with checklist and results, steps, opening, results
entry and upload, the national results table, the mandate register, notices, the rulebook."""

from __future__ import annotations

import base64
import hashlib
from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from mandate.ballots import actions, notices
from mandate.ballots.forms import (
    BallotCreateForm,
    NoticeSentForm,
    OverrideForm,
    ResultEntryForm,
    ResultsUploadForm,
    StepRecordForm,
    TimelineForm,
)
from mandate.ballots.models import (
    Ballot,
    BallotState,
    ChecklistStep,
    NoticeKind,
    RuleOverride,
    StepPhase,
)
from mandate.ballots.queries import (
    SORTS,
    WARNING_DAYS,
    checklist,
    mandate_register,
    result_lines,
    turnout_chart,
)
from mandate.ballots.rules import RuleError, load_rulebook
from mandate.ballots.scrutineer import ReportError
from mandate.core import policy
from mandate.core.access import request_user as _actor
from mandate.core.errors import DomainError
from mandate.core.models import Employer
from mandate.core.policy import Perm
from mandate.law.calculate import ballot_timetable
from mandate.law.errors import LawError
from mandate.law.registry import JURISDICTIONS

UPLOAD_SESSION_KEY = "ballots.upload"
# The report is held in the session between preview and confirm; scrutineer reports are small.
MAX_REPORT_BYTES = 2 * 1024 * 1024


@login_required
def ballot_index(request: HttpRequest) -> HttpResponse:
    ballots = (
        policy.ballots_for(request.user, Perm.VIEW_BALLOTS)
        .select_related("dispute")
        .order_by("-opens", "name")
    )
    disputes = policy.disputes_for(request.user, Perm.MANAGE_BALLOTS).order_by("name")
    return render(
        request,
        "ballots/index.html",
        {
            "ballots": ballots,
            "manage_disputes": disputes,
            "can_override": policy.can_override_rules(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def ballot_new(request: HttpRequest, dispute: str) -> HttpResponse:
    dispute_obj = policy.get_dispute(request.user, dispute, Perm.VIEW_DISPUTES)
    if not policy.can_on_dispute(request.user, Perm.MANAGE_BALLOTS, dispute_obj):
        raise Http404("No such dispute.")
    form = BallotCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            ballot = actions.ballot_create(
                dispute=dispute_obj, actor=_actor(request), **form.cleaned_data
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"Ballot “{ballot.name}” created with its checklist.")
            return redirect("ballots:detail", pk=ballot.pk)
    ballots = Ballot.objects.filter(dispute=dispute_obj).order_by("-opens")
    return render(
        request, "ballots/new.html", {"dispute": dispute_obj, "form": form, "ballots": ballots}
    )


def _split_steps(steps: list[Any], phase: str, today: date) -> dict[str, list[dict[str, Any]]]:
    """Steps still needing attention first; settled ones fold away (a national ballot has
    a notice and a sample paper per employer: hundreds of rows on a phone)."""
    rows = [{"step": s, "urgency": s.urgency(today)} for s in steps if s.phase == phase]
    settled = [
        r for r in rows if r["step"].status in ("done", "not_required") and r["urgency"] != "bad"
    ]
    return {"open": [r for r in rows if r not in settled], "settled": settled}


def _ballot_context(request: HttpRequest, ballot: Ballot) -> dict[str, Any]:
    today = timezone.localdate()
    steps = list(checklist(ballot))
    try:
        timetable = actions.ballot_timetable_for(ballot)
    except RuleError:
        timetable = None
    problems: list[str] = []
    if ballot.state == BallotState.DRAFT:
        problems = [
            p
            for s in steps
            if s.phase == StepPhase.BEFORE_OPENING and s.rule_id != "B-scrutineer"
            for p in [s.problem(today)]
            if p
        ]
    return {
        "ballot": ballot,
        "today": today,
        "before": _split_steps(steps, StepPhase.BEFORE_OPENING, today),
        "after": _split_steps(steps, StepPhase.AFTER_CLOSE, today),
        "timetable": timetable,
        "lines": result_lines(ballot),
        "problems": problems,
        "can_manage": policy.can_on_ballot(request.user, Perm.MANAGE_BALLOTS, ballot),
        "can_import": policy.can_on_ballot(request.user, Perm.IMPORT_RESULTS, ballot),
        "step_form": StepRecordForm(),
    }


@login_required
def ballot_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ballot = policy.get_ballot(request.user, pk, Perm.VIEW_BALLOTS)
    return render(request, "ballots/detail.html", _ballot_context(request, ballot))


@login_required
@require_http_methods(["GET", "POST"])
def step_record(request: HttpRequest, pk: int, step: int) -> HttpResponse:
    ballot = policy.get_ballot(request.user, pk, Perm.MANAGE_BALLOTS)
    step_obj = get_object_or_404(
        ChecklistStep.objects.select_related("employer"), pk=step, ballot=ballot
    )
    form = StepRecordForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.step_record(
                step=step_obj,
                actor=_actor(request),
                done_on=data["done_on"],
                method=data["method"],
                evidence=data["evidence"],
                evidence_file=data["evidence_file"],
                not_required=data["not_required"],
                note=data["note"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, f"{step_obj.rule_id} recorded: {step_obj.get_status_display()}."
            )
            return redirect("ballots:detail", pk=ballot.pk)
    return render(request, "ballots/step.html", {"ballot": ballot, "step": step_obj, "form": form})


@login_required
@require_POST
def ballot_open(request: HttpRequest, pk: int) -> HttpResponse:
    ballot = policy.get_ballot(request.user, pk, Perm.MANAGE_BALLOTS)
    try:
        entitled = actions.ballot_open(ballot=ballot, actor=_actor(request))
    except actions.ChecklistIncomplete as refused:
        for problem in refused.problems:
            messages.error(request, problem)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Ballot open: electorate frozen, {entitled:,} entitled to vote.")
    return redirect("ballots:detail", pk=ballot.pk)


@login_required
@require_POST
def ballot_close(request: HttpRequest, pk: int) -> HttpResponse:
    ballot = policy.get_ballot(request.user, pk, Perm.MANAGE_BALLOTS)
    try:
        actions.ballot_close(ballot=ballot, actor=_actor(request))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("ballots:detail", pk=ballot.pk)


@login_required
@require_http_methods(["GET", "POST"])
def result_enter(request: HttpRequest, pk: int) -> HttpResponse:
    ballot = policy.get_ballot(request.user, pk, Perm.MANAGE_BALLOTS)
    constituencies = {c.pk: c for c in ballot.constituencies.all()}
    form = ResultEntryForm(
        request.POST or None, constituencies=[(c.pk, c.name) for c in constituencies.values()]
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.result_enter(
                constituency=constituencies[data["constituency"]],
                question=data["question"],
                entitled=data["entitled"],
                votes_cast=data["votes_cast"],
                yes=data["yes"],
                no=data["no"],
                spoiled=data["spoiled"],
                actor=_actor(request),
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, "Result recorded and mandates recomputed.")
            return redirect("ballots:detail", pk=ballot.pk)
    return render(request, "ballots/result_enter.html", {"ballot": ballot, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def results_upload(request: HttpRequest, pk: int) -> HttpResponse:
    ballot = policy.get_ballot(request.user, pk, Perm.IMPORT_RESULTS)
    form = ResultsUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > MAX_REPORT_BYTES:
            form.add_error(
                "file",
                f"The file is over {MAX_REPORT_BYTES // (1024 * 1024)} MB: is it a results report?",
            )
        else:
            data = upload.read()
            try:
                preview = actions.results_preview(ballot=ballot, data=data, filename=upload.name)
            except ReportError as error:
                form.add_error("file", f"{upload.name}: {error.message}")
            else:
                request.session[UPLOAD_SESSION_KEY] = {
                    "ballot": ballot.pk,
                    "filename": upload.name,
                    "sha256": hashlib.sha256(data).hexdigest(),
                    "data": base64.b64encode(data).decode("ascii"),
                }
                return render(
                    request,
                    "ballots/upload_preview.html",
                    {
                        "ballot": ballot,
                        "preview": preview,
                        "filename": upload.name,
                        "sha256": request.session[UPLOAD_SESSION_KEY]["sha256"],
                        "constituencies": list(
                            ballot.constituencies.order_by("name").values_list("pk", "name")
                        ),
                    },
                )
    return render(request, "ballots/upload.html", {"ballot": ballot, "form": form})


@login_required
@require_POST
def results_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    ballot = policy.get_ballot(request.user, pk, Perm.IMPORT_RESULTS)
    held = request.session.get(UPLOAD_SESSION_KEY)
    if (
        not held
        or held.get("ballot") != ballot.pk
        or held.get("sha256") != request.POST.get("sha256")
    ):
        messages.error(request, "The upload has expired; upload the report again.")
        return redirect("ballots:upload", pk=ballot.pk)
    resolutions: dict[str, int | str] = {}
    for key in request.POST:
        value = request.POST.get(key, "")
        if not key.startswith("match:") or not value:
            continue
        if value != actions.CREATE and not value.isdigit():
            messages.error(request, f"“{key[len('match:') :]}”: choose a constituency or create.")
            return redirect("ballots:upload", pk=ballot.pk)
        resolutions[key[len("match:") :]] = value if value == actions.CREATE else int(value)
    data = base64.b64decode(held["data"])
    try:
        record = actions.results_import(
            ballot=ballot,
            data=data,
            filename=held["filename"],
            actor=_actor(request),
            resolutions=resolutions,
        )
    except actions.ImportRefused as refused:
        messages.error(request, refused.headline)
        for problem in refused.problems[:20]:
            messages.error(request, problem)
        return redirect("ballots:upload", pk=ballot.pk)
    except (DomainError, ValueError) as error:
        messages.error(request, str(error))
        return redirect("ballots:upload", pk=ballot.pk)
    del request.session[UPLOAD_SESSION_KEY]
    counts = record.counts
    messages.success(
        request,
        f"Imported {counts['results']} results for {counts['constituencies']} constituencies; "
        f"{counts['mandates']} mandates granted.",
    )
    return redirect("ballots:results", pk=ballot.pk)


@login_required
def national_results(request: HttpRequest, pk: int) -> HttpResponse:
    ballot = policy.get_ballot(request.user, pk, Perm.VIEW_BALLOTS)
    sort = request.GET.get("sort", "turnout")
    if sort not in SORTS:
        sort = "turnout"
    lines = result_lines(ballot, sort=sort)
    book = load_rulebook(ballot.jurisdiction)
    rule = (
        book.rule("T-turnout", regime=ballot.regime)
        if ballot.regime
        else book.rule("T-turnout", on=ballot.opens)
    )
    threshold = rule.fraction_param("share") if rule.applies else None
    strike_granted = sum(
        1 for line in lines if line.strike[1] is not None and line.strike[1].granted
    )
    asos_granted = sum(1 for line in lines if line.asos[1] is not None and line.asos[1].granted)
    return render(
        request,
        "ballots/results.html",
        {
            "ballot": ballot,
            "lines": lines,
            "sort": sort,
            "sorts": SORTS,
            "chart": turnout_chart(lines, threshold),
            "strike_granted": strike_granted,
            "asos_granted": asos_granted,
        },
    )


@login_required
def register(request: HttpRequest) -> HttpResponse:
    if not policy.can_anywhere(request.user, Perm.VIEW_BALLOTS):
        raise Http404("No mandate register for this login.")
    today = timezone.localdate()
    lines = mandate_register(policy.ballots_for(request.user, Perm.VIEW_BALLOTS), today)
    return render(
        request,
        "ballots/register.html",
        {"lines": lines, "today": today, "warning_days": WARNING_DAYS},
    )


def _notice_response(request: HttpRequest, notice: notices.Notice, name: str) -> HttpResponse:
    if request.GET.get("format") == "docx":
        response = HttpResponse(
            notices.notice_docx(notice),
            content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.docx"'
        return response
    return render(request, "ballots/notice.html", {"notice": notice})


@login_required
def notice_members(request: HttpRequest, pk: int) -> HttpResponse:
    ballot = policy.get_ballot(request.user, pk, Perm.VIEW_BALLOTS)
    return _notice_response(request, notices.member_statement(ballot), f"ballot-{ballot.pk}-s231")


@login_required
def notice_employer(request: HttpRequest, pk: int, employer: int) -> HttpResponse:
    ballot = policy.get_ballot(request.user, pk, Perm.MANAGE_BALLOTS)
    employer_obj = get_object_or_404(
        Employer.objects.filter(pk__in=ballot.constituencies.values("employer_id")), pk=employer
    )
    return _notice_response(
        request,
        notices.employer_letter(ballot, employer_obj),
        f"ballot-{ballot.pk}-s231a-{employer_obj.slug}",
    )


@login_required
@require_http_methods(["GET", "POST"])
def notice_sent(request: HttpRequest, pk: int) -> HttpResponse:
    ballot = policy.get_ballot(request.user, pk, Perm.MANAGE_BALLOTS)
    employers = {
        e.pk: e for e in Employer.objects.filter(pk__in=ballot.constituencies.values("employer_id"))
    }
    form = NoticeSentForm(
        request.POST or None,
        employers=[(e.pk, e.name) for e in employers.values()],
        initial={"sent_at": timezone.localtime().replace(second=0, microsecond=0, tzinfo=None)},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.notice_mark_sent(
                ballot=ballot,
                kind=data["kind"],
                employer=employers.get(data["employer"]) if data["employer"] else None,
                sent_at=data["sent_at"],
                method=data["method"],
                actor=_actor(request),
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, "Recorded as sent.")
            return redirect("ballots:detail", pk=ballot.pk)
    sent = ballot.notices.select_related("employer", "sent_by")
    return render(
        request,
        "ballots/notice_sent.html",
        {
            "ballot": ballot,
            "form": form,
            "sent": sent,
            "employers": employers.values(),
            "kinds": NoticeKind,
        },
    )


@login_required
def rulebook(request: HttpRequest, jurisdiction: str = "gb") -> HttpResponse:
    if not policy.can_anywhere(request.user, Perm.VIEW_BALLOTS):
        raise Http404("No rulebook for this login.")
    if jurisdiction not in JURISDICTIONS:
        raise Http404("No such rulebook.")
    book = load_rulebook(jurisdiction)
    can_override = policy.can_override_rules(request.user)
    return render(
        request,
        "ballots/rulebook.html",
        {
            "book": book.to_dict(),
            "jurisdiction": jurisdiction,
            "jurisdictions": JURISDICTIONS,
            "overrides": RuleOverride.objects.filter(jurisdiction=jurisdiction)
            .select_related("created_by")
            .order_by("-created_at"),
            "can_override": can_override,
            "form": OverrideForm() if can_override else None,
        },
    )


@login_required
@require_POST
def rule_override(request: HttpRequest, jurisdiction: str) -> HttpResponse:
    if not policy.can_override_rules(request.user):
        raise Http404("No such page.")
    if jurisdiction not in JURISDICTIONS:
        raise Http404("No such rulebook.")
    form = OverrideForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.rule_override_create(jurisdiction=jurisdiction, actor=_actor(request), **data)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, f"Override of {data['rule_id']} recorded; mandates recomputed."
            )
    else:
        for field, errors in form.errors.items():
            messages.error(request, f"{field}: {' '.join(str(e) for e in errors)}")
    return redirect("rulebook_jurisdiction", jurisdiction=jurisdiction)


@login_required
def timeline(request: HttpRequest) -> HttpResponse:
    if not policy.can_anywhere(request.user, Perm.VIEW_BALLOTS):
        raise Http404("No calculator for this login.")
    form = TimelineForm(request.GET or None)
    result = None
    if request.GET and form.is_valid():
        data = form.cleaned_data
        try:
            result = ballot_timetable(
                load_rulebook(data["jurisdiction"]),
                opens=data["opens"],
                closes=data["closes"],
                first_action=data["first_action"],
                notice_received=data["notice_received"],
                important_public_services=data["important_public_services"],
                extension_agreed=data["extension_agreed"],
                regime=data["regime"] or None,
            )
        except (LawError, RuleError) as error:
            form.add_error(getattr(error, "field", "") or None, error.message)
    return render(request, "ballots/timeline.html", {"form": form, "result": result})
