"""Pay deduction pages: the member's own, the branch's over-deductions and policies, evidence."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from mandate.actions.models import Action
from mandate.core import policy
from mandate.core.access import request_user
from mandate.core.audit import audit_record
from mandate.core.models import Branch
from mandate.core.policy import Perm
from mandate.members.models import Member
from mandate.members.queries import neutralise_cell
from mandate.pay import actions, queries
from mandate.pay.actions import PayError
from mandate.pay.evidence import EvidenceError
from mandate.pay.forms import DaysForm, PayslipForm, PolicyForm, pick_value
from mandate.pay.models import DayTaken, Payslip


def _own(request: HttpRequest) -> Member:
    member = policy.own_member(request.user)
    if member is None:
        raise Http404("Your login is not linked to a member record.")
    return member


@login_required
def index(request: HttpRequest) -> HttpResponse:
    member = policy.own_member(request.user)
    branches = list(policy.branches_with(request.user, Perm.VIEW_SALARY).order_by("name"))
    if member is not None and not branches:
        return redirect("pay:mine")
    if member is None and len(branches) == 1:
        return redirect("pay:branch", branch=branches[0].slug)
    return render(request, "pay/index.html", {"member": member, "branches": branches})


def _day_choices(member: Member) -> list[tuple[str, str]]:
    taken = set(DayTaken.objects.filter(member=member).values_list("day", flat=True))
    today = timezone.localdate()
    choices = []
    for action in queries.called_actions(member):
        what = "Strike" if action.kind == "strike" else action.what
        for day in reversed(queries.days_so_far(action, today=today)):
            if day not in taken:
                label = f"{day:%a} {day.day} {day:%b %Y} — {what}: {action.title}"
                choices.append((pick_value(action.pk, day), label))
    return choices


def _mine(
    request: HttpRequest,
    member: Member,
    *,
    days_form: DaysForm | None = None,
    payslip_form: PayslipForm | None = None,
    status: int = 200,
) -> HttpResponse:
    choices = _day_choices(member)
    own_days = DayTaken.objects.filter(member=member).select_related("action").order_by("-day")
    return render(
        request,
        "pay/mine.html",
        {
            "member": member,
            "disputes": queries.member_pay(member),
            "days_form": days_form or DaysForm(choices=choices),
            "payslip_form": payslip_form or PayslipForm(days=own_days),
            "own_days": own_days,
            "has_days": own_days.exists(),
        },
        status=status,
    )


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    return _mine(request, _own(request))


@login_required
@require_POST
def days_record(request: HttpRequest) -> HttpResponse:
    member = _own(request)
    form = DaysForm(request.POST, choices=_day_choices(member))
    if not form.is_valid():
        return _mine(request, member, days_form=form, status=400)
    picked = form.picked()
    found = {a.pk: a for a in Action.objects.filter(pk__in=[a for a, _ in picked])}
    try:
        missing = [a for a, _ in picked if a not in found]
        if missing:
            raise PayError("One of the ticked days is not on any action calendar.")
        created = actions.days_record(
            member=member,
            picks=[(found[a], d) for a, d in picked],
            actor=request_user(request),
        )
    except PayError as e:
        form.add_error("picks", e.message)
        return _mine(request, member, days_form=form, status=400)
    messages.success(request, f"Recorded {len(created)} day{'s' if len(created) != 1 else ''}.")
    return redirect("pay:mine")


@login_required
@require_POST
def day_remove(request: HttpRequest, pk: int) -> HttpResponse:
    member = _own(request)
    day = DayTaken.objects.filter(member=member, pk=pk).select_related("member__branch").first()
    if day is None:
        raise Http404("No such day.")
    try:
        actions.day_remove(day=day, actor=request_user(request))
    except PayError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, "Day removed.")
    return redirect("pay:mine")


@login_required
@require_POST
def payslip_record(request: HttpRequest) -> HttpResponse:
    member = _own(request)
    own_days = DayTaken.objects.filter(member=member).select_related("action")
    form = PayslipForm(request.POST, request.FILES, days=own_days)
    if not form.is_valid():
        return _mine(request, member, payslip_form=form, status=400)
    data = form.cleaned_data
    try:
        actions.payslip_record(
            member=member,
            pay_date=data["pay_date"],
            amount=data["amount"],
            days=list(data["days"]),
            evidence=data.get("evidence") or None,
            note=data.get("note", ""),
            actor=request_user(request),
        )
    except EvidenceError as e:
        form.add_error("evidence", e.message)
        return _mine(request, member, payslip_form=form, status=400)
    except PayError as e:
        form.add_error(None, e.message)
        return _mine(request, member, payslip_form=form, status=400)
    messages.success(request, "Payslip deduction recorded.")
    return redirect("pay:mine")


@login_required
@require_POST
def payslip_remove(request: HttpRequest, pk: int) -> HttpResponse:
    member = _own(request)
    payslip = Payslip.objects.filter(member=member, pk=pk).select_related("member__branch").first()
    if payslip is None:
        raise Http404("No such payslip.")
    actions.payslip_remove(payslip=payslip, actor=request_user(request))
    messages.success(request, "Payslip deduction removed.")
    return redirect("pay:mine")


@login_required
@require_POST
def payslip_attach(request: HttpRequest, pk: int) -> HttpResponse:
    member = _own(request)
    payslip = Payslip.objects.filter(member=member, pk=pk).select_related("member__branch").first()
    if payslip is None:
        raise Http404("No such payslip.")
    upload = request.FILES.get("evidence")
    if upload is None:
        messages.error(request, "Choose the photo or PDF of the payslip first.")
        return redirect("pay:mine")
    try:
        actions.payslip_attach(payslip=payslip, evidence=upload, actor=request_user(request))
    except EvidenceError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, "Payslip attached.")
    return redirect("pay:mine")


@login_required
def evidence(request: HttpRequest, pk: int) -> FileResponse:
    payslip = Payslip.objects.select_related("member__branch").filter(pk=pk).first()
    if (
        payslip is None
        or not payslip.evidence
        or not policy.can_see_pay_of(request.user, payslip.member)
    ):
        raise Http404("No such payslip.")
    audit_record(
        actor=request_user(request),
        action="pay.evidence_view",
        obj=payslip,
        branch=payslip.member.branch,
        detail={"member": payslip.member_id},
    )
    suffix = payslip.evidence.name.rsplit(".", 1)[-1] if "." in payslip.evidence.name else "bin"
    try:
        handle = payslip.evidence.open("rb")
    except OSError:
        raise Http404("The payslip file is missing from storage.") from None
    response = FileResponse(
        handle,
        content_type=payslip.evidence_type or "application/octet-stream",
        filename=f"payslip-{payslip.pk}.{suffix}",
    )
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self'"
    return response


def _dispute_choice(request: HttpRequest, branch: Branch) -> tuple[Any, list[Any]]:
    disputes = list(queries.branch_disputes(branch))
    slug = request.GET.get("dispute", "")
    chosen = next((d for d in disputes if d.slug == slug), None)
    if slug and chosen is None:
        raise Http404("No such dispute.")
    return chosen or (disputes[0] if disputes else None), disputes


@login_required
def branch(request: HttpRequest, branch: str) -> HttpResponse:
    branch_obj = policy.get_pay_branch(request.user, branch)
    dispute, disputes = _dispute_choice(request, branch_obj)
    summary = queries.branch_pay(branch_obj, dispute) if dispute is not None else None
    audit_record(
        actor=request_user(request),
        action="pay.branch_view",
        obj=dispute,
        branch=branch_obj,
        detail={"over_rows": len(summary.over_rows) if summary else 0},
    )
    return render(
        request,
        "pay/branch.html",
        {
            "branch": branch_obj,
            "dispute": dispute,
            "disputes": disputes,
            "summary": summary,
            "policies": _current_policies(branch_obj),
            "can_set_policy": policy.can_set_pay_policy(request.user, branch_obj),
        },
    )


def _current_policies(branch_obj: Branch) -> list[tuple[Any, Any]]:
    today = timezone.localdate()
    return [
        (employer, queries.policy_on(employer.pk, today))
        for employer in branch_obj.employers.order_by("name")
    ]


@login_required
def branch_member(request: HttpRequest, branch: str, pk: int) -> HttpResponse:
    branch_obj = policy.get_pay_branch(request.user, branch)
    member = policy.members_for(request.user, Perm.VIEW_SALARY, branch_obj).filter(pk=pk).first()
    if member is None:
        raise Http404("No such member.")
    audit_record(
        actor=request_user(request), action="pay.member_view", obj=member, branch=branch_obj
    )
    return render(
        request,
        "pay/member.html",
        {"branch": branch_obj, "member": member, "disputes": queries.member_pay(member)},
    )


EXPORT_HEADER = [
    "membership_number",
    "first_name",
    "last_name",
    "day",
    "action",
    "kind",
    "percent_withheld",
    "expected",
    "deducted",
    "over_deducted",
    "evidence",
]


@login_required
def branch_export(request: HttpRequest, branch: str) -> HttpResponse:
    branch_obj = policy.get_pay_branch(request.user, branch)
    dispute, _ = _dispute_choice(request, branch_obj)
    if dispute is None:
        raise Http404("No deductions recorded yet.")
    summary = queries.branch_pay(branch_obj, dispute)
    titles = dict(Action.objects.filter(dispute=dispute).values_list("pk", "title"))
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(EXPORT_HEADER)
    rows = 0
    for row in summary.over_rows:
        m = row.member
        for d in row.over_days:
            writer.writerow(
                [
                    neutralise_cell(v)
                    for v in (
                        m.membership_number,
                        m.first_name,
                        m.last_name,
                        d.day.isoformat(),
                        titles.get(d.action_id, ""),
                        d.kind,
                        f"{d.percent_withheld:.2f}",
                        f"{d.expected:.2f}",
                        f"{d.deducted or 0:.2f}",
                        f"{d.over:.2f}",
                        "yes" if d.evidence else "no",
                    )
                ]
            )
            rows += 1
    writer.writerow(["", "", "TOTAL", "", "", "", "", "", "", f"{summary.over_total:.2f}", ""])
    audit_record(
        actor=request_user(request),
        action="pay.over_deductions_export",
        obj=dispute,
        branch=branch_obj,
        detail={"rows": rows, "members": len(summary.over_rows)},
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="over-deductions-{branch_obj.slug}-{dispute.slug}-{stamp}.csv"'
    )
    return response


@login_required
def policies(request: HttpRequest, branch: str) -> HttpResponse:
    branch_obj = policy.get_pay_branch(request.user, branch)
    can_set = policy.can_set_pay_policy(request.user, branch_obj)
    employers = branch_obj.employers.order_by("name")
    form = PolicyForm(employers=employers) if can_set else None
    status = 200
    if request.method == "POST":
        if not can_set:
            raise Http404("Not found.")
        form = PolicyForm(request.POST, employers=employers)
        if form.is_valid():
            data = form.cleaned_data
            try:
                actions.policy_add(
                    employer=data["employer"],
                    effective_from=data["effective_from"],
                    strike_divisor=data["strike_divisor"],
                    contractual_basis=data.get("contractual_basis", ""),
                    asos_percent=data["asos_percent"],
                    asos_from=data.get("asos_from"),
                    asos_payrolls=data["asos_payrolls"],
                    note=data.get("note", ""),
                    actor=request_user(request),
                )
            except PayError as e:
                form.add_error(None, e.message)
            else:
                messages.success(request, "Deduction policy recorded.")
                return redirect("pay:policies", branch=branch_obj.slug)
        status = 400
    versions = [(e, list(queries.policy_versions(e))) for e in employers]
    return render(
        request,
        "pay/policies.html",
        {"branch": branch_obj, "versions": versions, "form": form, "can_set": can_set},
        status=status,
    )
