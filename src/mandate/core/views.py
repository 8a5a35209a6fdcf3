from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from mandate.core import policy
from mandate.core.models import Branch, User
from mandate.core.policy import Perm


def querystring_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    encoded = params.urlencode()
    return f"{encoded}&" if encoded else ""


def _branches_with_counts(request: HttpRequest) -> QuerySet[Branch]:
    return (
        policy.branches_with(request.user, Perm.VIEW_BRANCH)
        .select_related("region")
        .annotate(member_count=Count("members", filter=Q(members__status="active")))
        .order_by("name")
    )


def _ids_with(user: User | AnonymousUser, perm: Perm, branches: list[Branch]) -> set[int]:
    """Which of BRANCHES the user holds PERM in (for links on cards)."""
    return set(
        policy.branches_with(user, perm)
        .filter(pk__in=[b.pk for b in branches])
        .values_list("pk", flat=True)
    )


@login_required
def home(request: HttpRequest) -> HttpResponse:
    from mandate.ballots.queries import attention_steps, mandate_register
    from mandate.disputes.models import DisputeStatus
    from mandate.disputes.queries import dispute_list

    user = request.user
    branches = _branches_with_counts(request)
    total = branches.count()
    shown = list(branches[:24])
    member = getattr(user, "member", None)
    today = timezone.localdate()
    ballots = policy.ballots_for(user, Perm.VIEW_BALLOTS)
    expiring = [line for line in mandate_register(ballots, today) if line.warning is not None]
    # Steps are work to do: only for ballots the user runs, and only their own employers' rows.
    steps = attention_steps(
        policy.ballots_for(user, Perm.MANAGE_BALLOTS),
        today,
        employers=policy.employers_with(user, Perm.MANAGE_BALLOTS),
    )
    return render(
        request,
        "core/home.html",
        {
            "branches": shown,
            "branches_total": total,
            "branches_more": total > len(shown),
            "member": member,
            "manage_roles_ids": _ids_with(user, Perm.MANAGE_ROLES, shown),
            "send_ids": _ids_with(user, Perm.SEND_MESSAGES, shown),
            "today": today,
            "steps": steps,
            "expiring": expiring[:10],
            "disputes": list(dispute_list(user).exclude(status=DisputeStatus.SETTLED)[:6]),
        },
    )


@login_required
def branches(request: HttpRequest) -> HttpResponse:
    qs = _branches_with_counts(request)
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(name__icontains=q)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "core/branches.html",
        {"page": page, "q": q, "querystring_base": querystring_without_page(request)},
    )


def healthz(request: HttpRequest) -> HttpResponse:
    # Public and cheap: one SELECT and one indexed read; the answer names no host or secret.
    from mandate.core.health import check_all

    checks = check_all()
    if all(c.ok for c in checks):
        return HttpResponse("ok", content_type="text/plain")
    reasons = "; ".join(c.reason for c in checks if not c.ok)
    return HttpResponse(f"unhealthy: {reasons}", content_type="text/plain", status=503)
