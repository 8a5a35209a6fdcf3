"""The wave planner page: plan, adjust and re-check, then create planned actions."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from mandate.actions.waves.forms import WavePlanForm
from mandate.actions.waves.materialise import WaveError, wave_materialise
from mandate.actions.waves.problem import WaveInputError, WavePlan, WaveProblem, short_date
from mandate.actions.waves.queries import ballots_with_mandates, wave_scope
from mandate.actions.waves.solver import solve
from mandate.ballots.models import Ballot, QuestionKind
from mandate.ballots.rules import RuleError, load_rulebooks
from mandate.core import policy
from mandate.core.errors import PermissionDenied
from mandate.core.models import Branch, Region, User
from mandate.core.policy import Perm

SIGN_SALT = "mandate.actions.waves.plan"
PLAN_MAX_AGE = 24 * 3600  # a plan checked yesterday must be checked again: notices move on
_DAY_KEY = re.compile(r"^(?P<branch>[-\w]+)@(?P<day>\d{4}-\d{2}-\d{2})$")


def _planner_regions(request: HttpRequest) -> QuerySet[Region]:
    regions = policy.wave_regions(request.user, Perm.MANAGE_ACTIONS)
    if not request.user.is_authenticated or not regions.exists():
        raise Http404("No such page.")
    return regions


def _adjustments(
    request: HttpRequest, region_keys: set[str], weeks: int
) -> tuple[frozenset[tuple[str, dt.date]], dict[str, int], list[str]]:
    """The officer's changes to the last plan: branch-days unticked and regions moved."""
    errors: list[str] = []

    def days(name: str) -> set[tuple[str, dt.date]]:
        found = set()
        for value in request.POST.getlist(name):
            match = _DAY_KEY.match(value)
            try:
                if match is None:
                    raise ValueError
                found.add((match["branch"], dt.date.fromisoformat(match["day"])))
            except ValueError:
                errors.append(f"Ignored a day that could not be read: {value[:40]!r}.")
        return found

    excluded = days("off") | (days("shown") - days("keep"))
    pinned: dict[str, int] = {}
    for key in region_keys:
        value = request.POST.get(f"week__{key}", "")
        if not value:
            continue
        if not value.isdigit() or not 1 <= int(value) <= weeks:
            errors.append(f"Region {key}: week {value[:10]!r} is not in the plan.")
            continue
        pinned[key] = int(value) - 1
    return frozenset(excluded), pinned, errors


def _plan(
    request: HttpRequest, form: WavePlanForm, regions: QuerySet[Region], today: dt.date
) -> dict[str, Any]:
    data = form.cleaned_data
    ballot: Ballot = data["ballot"]
    question: str = data["question"]
    scope = wave_scope(ballot=ballot, question=question, regions=regions, today=today)
    if not scope.regions:
        form.add_error("ballot", "No branch in your regions holds a live mandate on this question.")
        return {}
    keys = {r.key for r in scope.regions}
    excluded, pinned, adjust_errors = _adjustments(request, keys, data["weeks"])
    try:
        rulebooks = load_rulebooks()
    except RuleError as exc:
        form.add_error(None, exc.message)
        return {}
    neighbours = tuple((a, b) for a, b in data["neighbours"] if a in keys and b in keys)
    problem = WaveProblem(
        regions=scope.regions,
        today=today,
        start=data["start"],
        weeks=data["weeks"],
        days_per_week=data["days_per_week"],
        max_consecutive=data["max_consecutive"],
        wave=data["wave"],
        regions_per_week=data["regions_per_week"],
        blackouts=frozenset(data["blackouts"]),
        preferred=frozenset(data["preferred"]),
        adjacent=neighbours,
        notice_by_agreement=data["notice_by_agreement"],
        excluded=excluded,
        pinned=pinned,
        rulebooks=rulebooks,
    )
    try:
        plan = solve(problem)
    except WaveInputError as exc:
        field = exc.field if exc.field in form.fields else None
        form.add_error(field, exc.message)
        return {}
    signed = signing.dumps(
        {"ballot": ballot.pk, "question": question, "plan": plan.to_dict()},
        salt=SIGN_SALT,
        compress=True,
    )
    return {
        "plan": plan,
        "ballot": ballot,
        "question_label": QuestionKind(question).label,
        "weeks": _weeks(plan),
        "week_numbers": range(1, plan.weeks + 1),
        "moves": [
            (key, name, pinned[key] + 1 if key in pinned else None) for key, name in plan.regions
        ],
        "excluded_rows": [(f"{b}@{d.isoformat()}", b, short_date(d)) for b, d in sorted(excluded)],
        "adjust_errors": adjust_errors,
        "left_out": scope.left_out,
        "signed": signed,
        "can_create": policy.can_on_action_dispute(
            request.user, Perm.MANAGE_ACTIONS, ballot.dispute
        ),
        "branch_count": sum(len(r.branches) for r in scope.regions),
        "branches_out": sum(1 for b in plan.branches if b.dates),
    }


def _weeks(plan: WavePlan) -> list[dict[str, Any]]:
    """Week by week, for the list (phones) and the grid (wider screens)."""
    out = []
    for week in range(plan.weeks):
        turns = {t.region: t for t in plan.turns_in(week)}
        out.append(
            {
                "number": week + 1,
                "monday": plan.week_monday(week),
                "turns": plan.turns_in(week),
                "cells": [(key, name, turns.get(key)) for key, name in plan.regions],
                "blocked": plan.blocked_in(week),
            }
        )
    return out


@login_required
@require_http_methods(["GET", "POST"])
def wave_planner(request: HttpRequest) -> HttpResponse:
    regions = _planner_regions(request)
    today = timezone.localdate()
    ballots = ballots_with_mandates(policy.ballots_for(request.user, Perm.VIEW_BALLOTS), today)
    form = WavePlanForm(
        request.POST if request.method == "POST" else None,
        ballots=ballots,
        region_names=dict(regions.values_list("slug", "name")),
        today=today,
    )
    context: dict[str, Any] = {"form": form, "today": today, "has_ballots": ballots.exists()}
    if request.method == "POST" and form.is_valid():
        context.update(_plan(request, form, regions, today))
    return render(request, "actions/waves.html", context)


@login_required
@require_POST
def wave_create(request: HttpRequest) -> HttpResponse:
    regions = _planner_regions(request)
    user = request.user
    if not isinstance(user, User):
        raise Http404("No such page.")
    try:
        data = signing.loads(request.POST.get("plan", ""), salt=SIGN_SALT, max_age=PLAN_MAX_AGE)
        plan = WavePlan.from_dict(data["plan"])
        question = QuestionKind(data["question"]).value
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        messages.error(request, "That plan could not be read or is over a day old: plan again.")
        return redirect("actions:waves:planner")
    ballot = policy.get_ballot(user, data["ballot"], Perm.VIEW_BALLOTS)
    slugs = [b.key for b in plan.branches if b.dates]
    branches = list(Branch.objects.filter(slug__in=slugs, region__in=regions))
    if len(branches) != len(set(slugs)) or not all(
        policy.has_branch_perm(user, Perm.MANAGE_ACTIONS, b) for b in branches
    ):
        raise Http404("No such plan.")
    if not policy.can_on_action_dispute(user, Perm.MANAGE_ACTIONS, ballot.dispute):
        raise PermissionDenied("Only officers who manage this dispute's action can create it.")
    try:
        created = wave_materialise(
            ballot=ballot, question=question, plan=plan, today=timezone.localdate(), actor=user
        )
    except WaveError as exc:
        messages.error(request, exc.message)
        return redirect("actions:waves:planner")
    messages.success(
        request,
        f"Created {len(created)} planned action{'s' if len(created) != 1 else ''} for "
        f"{len(branches)} branch{'es' if len(branches) != 1 else ''}. Serve each notice of "
        "action before its deadline.",
    )
    return redirect("actions:waves:planner")
