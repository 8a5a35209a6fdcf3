"""Fund pages: the panel's queue, claim, ledger and batches; officers' totals; members' claims."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from mandate.core import policy
from mandate.core.access import request_user
from mandate.core.audit import audit_record
from mandate.core.errors import DomainError
from mandate.core.models import Branch
from mandate.core.policy import Perm
from mandate.disputes.models import Dispute, DisputeScope
from mandate.funds import actions, queries
from mandate.funds import rules as engine
from mandate.funds.assess import assess, recorded_days
from mandate.funds.forms import (
    BatchPaidForm,
    ClaimForm,
    CorrectionForm,
    DecideForm,
    DepositForm,
    FundForm,
    RulesForm,
    rules_initial,
)
from mandate.funds.models import (
    Claim,
    ClaimDay,
    ClaimState,
    Fund,
    FundRules,
    PaymentBatch,
)
from mandate.members.models import Member
from mandate.pay.models import Payslip

LEDGER_ROWS = 50
QUEUE_ROWS = 200


def _where(fund: Fund) -> dict[str, Any]:
    return {"branch": fund.branch} if fund.branch_id else {}


def _own(request: HttpRequest) -> Member:
    member = policy.own_member(request.user)
    if member is None:
        raise Http404("Your login is not linked to a member record.")
    return member


def _hide(request: HttpRequest) -> bool:
    return request.GET.get("hide") == "1"


# Lists and the fund page ------------------------------------------------------------------------


@login_required
def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    funds = list(policy.funds_with_totals(user).select_related("branch")[:200])
    if not funds and policy.own_member(user) is not None:
        return redirect("funds:mine")
    detailed = set(policy.funds_with_details(user).values_list("pk", flat=True))
    return render(
        request,
        "funds/index.html",
        {
            "funds": [(f, f.pk in detailed) for f in funds],
            "can_create": bool(_places(request)),
            "is_member": policy.own_member(user) is not None,
        },
    )


def _places(request: HttpRequest) -> list[tuple[str, str]]:
    user = request.user
    places = [("national", "National fund")] if policy.has_national(user, Perm.VIEW_FUNDS) else []
    branch_ids = [b for b, p in policy.grants(user).by_branch.items() if Perm.VIEW_FUNDS in p]
    branches = Branch.objects.all() if places else Branch.objects.filter(pk__in=branch_ids)
    places += [(b.slug, b.name) for b in branches.order_by("name")[:500]]
    return places


@login_required
@require_http_methods(["GET", "POST"])
def fund_new(request: HttpRequest) -> HttpResponse:
    places = _places(request)
    if not places:
        raise Http404("No such page.")
    form = FundForm(request.POST or None, places=places)
    if request.method == "POST" and form.is_valid():
        where = form.cleaned_data["where"]
        branch = None if where == "national" else Branch.objects.get(slug=where)
        try:
            fund = actions.fund_create(
                actor=request_user(request),
                name=form.cleaned_data["name"],
                kind=form.cleaned_data["kind"],
                branch=branch,
            )
        except DomainError as exc:
            form.add_error("name", exc.message)
        else:
            messages.success(request, "Fund opened. Now set its rules for a dispute.")
            return redirect("funds:detail", fund.pk)
    return render(request, "funds/new.html", {"form": form})


def _disputes_for_fund(request: HttpRequest, fund: Fund) -> list[Dispute]:
    # The panel may not hold dispute roles: a fund pays for the disputes of its own scope.
    visible = Dispute.objects.all()
    if fund.branch_id is None:
        visible = visible.filter(scope=DisputeScope.NATIONAL)
    else:
        visible = visible.filter(Q(scope=DisputeScope.NATIONAL) | Q(branch_id=fund.branch_id))
    return list(visible.order_by("-opened_on")[:50])


def _latest_rules(fund: Fund) -> dict[int, FundRules]:
    latest: dict[int, FundRules] = {}
    for r in FundRules.objects.filter(fund=fund).order_by("dispute_id", "-version"):
        latest.setdefault(r.dispute_id, r)
    return latest


@login_required
def fund_detail(request: HttpRequest, pk: int) -> HttpResponse:
    fund = policy.get_fund(request.user, pk, details=False)
    details = policy.can_see_fund_details(request.user, fund)
    scope = policy.fund_total_branches(request.user, fund)
    context: dict[str, Any] = {
        "fund": fund,
        "details": details,
        "totals": queries.totals(fund, scope),
        "partial": scope is not None,
    }
    if details:
        latest = _latest_rules(fund)
        context.update(
            balance=actions.fund_balance(fund),
            available=actions.fund_available(fund),
            ledger=fund.ledger.select_related("claim")[:LEDGER_ROWS],
            disputes=[(d, latest.get(d.pk)) for d in _disputes_for_fund(request, fund)],
            batches=PaymentBatch.objects.filter(fund=fund)[:20],
            deposit_form=DepositForm(),
            correction_form=CorrectionForm(),
        )
    audit_record(
        actor=request.user,
        action="funds.view_fund" if details else "funds.view_totals",
        obj=fund,
        **_where(fund),
    )
    return render(request, "funds/fund.html", context)


@login_required
def fund_claims(request: HttpRequest, pk: int) -> HttpResponse:
    fund = policy.get_fund(request.user, pk, details=True)
    state = request.GET.get("state", ClaimState.SUBMITTED)
    if state not in ClaimState.values and state != "":
        state = ClaimState.SUBMITTED
    claims = list(queries.claims_for_review(fund, state)[:QUEUE_ROWS])
    audit_record(
        actor=request.user,
        action="funds.view_claims",
        obj=fund,
        detail={"state": state, "rows": len(claims), "names_hidden": _hide(request)},
        **_where(fund),
    )
    return render(
        request,
        "funds/claims.html",
        {
            "fund": fund,
            "claims": claims,
            "state": state,
            "states": ClaimState.choices,
            "hide": _hide(request),
        },
    )


# Rules ------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def rules_edit(request: HttpRequest, pk: int, dispute: str) -> HttpResponse:
    fund = policy.get_fund(request.user, pk, details=True)
    found = next((d for d in _disputes_for_fund(request, fund) if d.slug == dispute), None)
    if found is None:
        raise Http404("No such dispute.")
    current = actions.current_rules(fund, found)
    versions = FundRules.objects.filter(fund=fund, dispute=found).order_by("-version")
    form = RulesForm(request.POST or None, initial=rules_initial(current))
    if request.method == "POST" and form.is_valid():
        row = actions.rules_publish(
            actor=request_user(request),
            fund=fund,
            dispute=found,
            rules=form.cleaned_data["rules"],
            note=form.cleaned_data["note"],
        )
        messages.success(request, f"Version {row.version} of the rules is now in force.")
        return redirect("funds:detail", fund.pk)
    return render(
        request,
        "funds/rules.html",
        {"fund": fund, "dispute": found, "form": form, "current": current, "versions": versions},
    )


# Money ------------------------------------------------------------------------------------------


@login_required
@require_POST
def deposit(request: HttpRequest, pk: int) -> HttpResponse:
    fund = policy.get_fund(request.user, pk, details=True)
    form = DepositForm(request.POST)
    if form.is_valid():
        actions.ledger_deposit(
            actor=request_user(request),
            fund=fund,
            amount=form.cleaned_data["amount"],
            memo=form.cleaned_data["memo"],
        )
        messages.success(request, f"Recorded {engine.money(form.cleaned_data['amount'])} paid in.")
    else:
        problems = "; ".join(
            f"{form.fields[f].label}: {' '.join(str(m) for m in e)}" for f, e in form.errors.items()
        )
        messages.error(request, f"Nothing recorded. {problems}")
    return redirect("funds:detail", fund.pk)


@login_required
@require_POST
def correct(request: HttpRequest, pk: int) -> HttpResponse:
    fund = policy.get_fund(request.user, pk, details=True)
    form = CorrectionForm(request.POST)
    if not form.is_valid():
        problems = "; ".join(
            f"{form.fields[f].label}: {' '.join(str(m) for m in e)}" for f, e in form.errors.items()
        )
        messages.error(request, f"Nothing recorded. {problems}")
        return redirect("funds:detail", fund.pk)
    try:
        actions.ledger_correct(
            actor=request_user(request),
            fund=fund,
            amount=form.cleaned_data["amount"],
            memo=form.cleaned_data["memo"],
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Correction recorded in the ledger.")
    return redirect("funds:detail", fund.pk)


@login_required
@require_POST
def batch_new(request: HttpRequest, pk: int) -> HttpResponse:
    fund = policy.get_fund(request.user, pk, details=True)
    try:
        batch = actions.batch_create(actor=request_user(request), fund=fund)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("funds:detail", fund.pk)
    return redirect("funds:batch", batch.pk)


def _batch(request: HttpRequest, pk: int) -> PaymentBatch:
    batch = PaymentBatch.objects.select_related("fund", "fund__branch").filter(pk=pk).first()
    if batch is None or not policy.can_see_fund_details(request.user, batch.fund):
        raise Http404("No such batch.")
    return batch


@login_required
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    claims = list(batch.claims.select_related("member").order_by("pk"))
    audit_record(
        actor=request.user,
        action="funds.view_batch",
        obj=batch,
        detail={"rows": len(claims)},
        **_where(batch.fund),
    )
    return render(
        request,
        "funds/batch.html",
        {"batch": batch, "fund": batch.fund, "claims": claims, "paid_form": BatchPaidForm()},
    )


@login_required
@require_POST
def batch_csv(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    try:
        text = actions.batch_export(actor=request_user(request), batch=batch)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("funds:batch", batch.pk)
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="fund-{batch.fund_id}-batch-{batch.pk}.csv"'
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def batch_paid(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    form = BatchPaidForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the bank's reference for the payment run.")
        return redirect("funds:batch", batch.pk)
    try:
        actions.batch_mark_paid(
            actor=request_user(request),
            batch_id=batch.pk,
            bank_reference=form.cleaned_data["bank_reference"],
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Payment recorded in the ledger.")
    return redirect("funds:batch", batch.pk)


# Claims -----------------------------------------------------------------------------------------


@login_required
def claim_detail(request: HttpRequest, pk: int) -> HttpResponse:
    claim = policy.get_claim(request.user, pk)
    panel = policy.can_see_fund_details(request.user, claim.fund)
    audit_record(
        actor=request.user,
        action="funds.view_claim",
        obj=claim,
        detail={"as": "panel" if panel else "claimant", "names_hidden": _hide(request)},
        **_where(claim.fund),
    )
    return render(
        request,
        "funds/claim.html",
        {
            "claim": claim,
            "fund": claim.fund,
            "panel": panel,
            "hide": panel and _hide(request),
            "days": claim.days.all(),
            "form": DecideForm() if panel and claim.state == ClaimState.SUBMITTED else None,
            "payslips": _payslips(request, claim) if panel else [],
        },
    )


def _payslips(request: HttpRequest, claim: Claim) -> list[Payslip]:
    """The deductions the member recorded for the dispute: the panel checks the evidence."""
    if not policy.can_see_pay_of(request.user, claim.member):
        return []
    return list(
        Payslip.objects.filter(member=claim.member, dispute=claim.dispute)
        .annotate(covered=Count("days"))
        .order_by("pay_date", "pk")
    )


@login_required
@require_POST
def claim_decide(request: HttpRequest, pk: int) -> HttpResponse:
    claim = policy.get_claim(request.user, pk)
    policy.require(policy.can_see_fund_details(request.user, claim.fund))
    form = DecideForm(request.POST)
    back = reverse("funds:claim", args=[claim.pk]) + (
        "?hide=1" if request.POST.get("hide") == "1" else ""
    )
    if not form.is_valid():
        messages.error(request, "Choose approve or reject; an amount must be pounds and pence.")
        return redirect(back)
    try:
        decided = actions.claim_decide(
            actor=request_user(request),
            claim_id=claim.pk,
            approve=form.cleaned_data["decision"] == "approve",
            reason=form.cleaned_data["reason"],
            amount=form.cleaned_data["amount"],
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    if decided.state == ClaimState.APPROVED:
        messages.success(
            request, f"Approved: {engine.money(decided.approved_amount or engine.ZERO)}."
        )
    else:
        messages.success(request, "Rejected; the member sees your reason.")
    return redirect(back)


@login_required
def my_claims(request: HttpRequest) -> HttpResponse:
    member = _own(request)
    claims = list(Claim.objects.filter(member=member).select_related("fund", "dispute"))
    audit_record(
        actor=request.user,
        action="funds.view_own_claims",
        obj=member,
        detail={"rows": len(claims)},
        branch=member.branch,
    )
    open_rules = [(r, len(_claimable(member, r))) for r in queries.open_rules_for(member)]
    return render(
        request,
        "funds/mine.html",
        {"member": member, "claims": claims, "open_rules": open_rules},
    )


def _claimable(member: Member, rules: FundRules) -> list[tuple[str, str]]:
    taken = set(
        ClaimDay.objects.filter(fund=rules.fund, member=member, active=True).values_list(
            "day", flat=True
        )
    )
    choices = []
    for d in recorded_days(member, rules.dispute):
        if d.day in taken:
            continue
        what = (
            "strike"
            if d.kind == engine.STRIKE
            else f"action short of strike, {d.percent_withheld}% withheld"
        )
        proof = "" if d.evidence else ", no payslip evidence yet"
        choices.append(
            (
                d.day.isoformat(),
                f"{d.day:%a} {engine.day_label(d.day)}: {what}, lost {engine.money(d.loss)}{proof}",
            )
        )
    return choices


@login_required
@require_http_methods(["GET", "POST"])
def claim_new(request: HttpRequest, rules_id: int) -> HttpResponse:
    member = _own(request)
    rules = next((r for r in queries.open_rules_for(member) if r.pk == rules_id), None)
    if rules is None:
        raise Http404("You cannot claim from this fund.")
    choices = _claimable(member, rules)
    initial = {"days": [c[0] for c in choices], "account_name": member.full_name}
    form = ClaimForm(request.POST or None, day_choices=choices, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            claim = actions.claim_submit(
                actor=request_user(request),
                member=member,
                rules=rules,
                days=data["days"],
                account_name=data["account_name"],
                sort_code=data["sort_code"],
                account_number=data["account_number"],
                note=data["note"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                f"Claim sent: the rules propose {engine.money(claim.proposed)}. The panel decides.",
            )
            return redirect("funds:claim", claim.pk)
    preview = assess(
        rules=rules,
        member=member,
        claimed=[datetime.date.fromisoformat(c[0]) for c in choices],
        claimed_on=timezone.localdate(),
    ).proposal
    return render(
        request,
        "funds/claim_new.html",
        {"rules": rules, "fund": rules.fund, "form": form, "preview": preview, "member": member},
    )
