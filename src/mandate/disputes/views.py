"""The dispute pages: the list, the dispute page and its forms, the employer tracker page."""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from mandate.core import policy
from mandate.core.access import request_user as _actor
from mandate.core.errors import DomainError, InvalidState
from mandate.core.models import Employer
from mandate.core.policy import Perm
from mandate.disputes import actions, queries
from mandate.disputes.forms import (
    DemandForm,
    DisputeCreateForm,
    EscalateForm,
    ExpectationForm,
    ExpectationStatusForm,
    MetricForm,
    MetricValueForm,
    PreconditionForm,
    PreconditionMetForm,
    SettleForm,
    TimelineForm,
)
from mandate.disputes.models import Dispute, DisputeStatus, Metric, Precondition, TimelineEntry

TIMELINE_SHOWN = 30
LIST_PAGE_SIZE = 50


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


# The list and creating a dispute ------------------------------------------------------------


@login_required
def dispute_list(request: HttpRequest) -> HttpResponse:
    if not policy.can_anywhere(request.user, Perm.VIEW_DISPUTES):
        raise Http404("No disputes here.")
    page = Paginator(queries.dispute_list(request.user), LIST_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "disputes/list.html",
        {
            "page": page,
            "querystring_base": "",
            "can_create": policy.can_anywhere(request.user, Perm.MANAGE_DISPUTES),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def dispute_create(request: HttpRequest) -> HttpResponse:
    if not policy.can_anywhere(request.user, Perm.MANAGE_DISPUTES):
        raise Http404("No disputes here.")
    form = DisputeCreateForm(
        request.POST or None,
        branches=policy.branches_with(request.user, Perm.MANAGE_DISPUTES),
        national=policy.has_national(request.user, Perm.MANAGE_DISPUTES),
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                dispute = actions.dispute_create(
                    name=data["name"],
                    branch=data["branch"],
                    demands=data["demands"],
                    summary=data["summary"],
                    opened_on=data["opened_on"],
                    actor=_actor(request),
                )
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, f"Dispute “{dispute.name}” opened.")
                return redirect("disputes:detail", slug=dispute.slug)
        status = 400
    return render(request, "disputes/create.html", {"form": form}, status=status)


# The dispute page ---------------------------------------------------------------------------


@dataclass
class _Unmet:
    precondition: Precondition
    form: PreconditionMetForm


def _preconditions_context(
    dispute: Dispute, can_manage: bool, met_forms: dict[int, PreconditionMetForm] | None = None
) -> dict[str, Any]:
    preconditions = list(dispute.preconditions.select_related("met_by"))
    met_forms = met_forms or {}
    unmet = [
        _Unmet(p, met_forms.get(p.pk) or PreconditionMetForm(auto_id=f"pc{p.pk}_%s"))
        for p in preconditions
        if not p.is_met
    ]
    return {
        "dispute": dispute,
        "can_manage": can_manage,
        "unmet": unmet,
        "met": [p for p in preconditions if p.is_met],
    }


def _timeline_context(
    request: HttpRequest, dispute: Dispute, can_manage: bool, form: TimelineForm | None = None
) -> dict[str, Any]:
    show_all = request.GET.get("timeline") == "all"
    entries = dispute.timeline.select_related("employer")
    total = entries.count()
    return {
        "dispute": dispute,
        "can_manage": can_manage,
        "entries": list(entries if show_all else entries[:TIMELINE_SHOWN]),
        "timeline_total": total,
        "timeline_more": not show_all and total > TIMELINE_SHOWN,
        "timeline_form": form or TimelineForm(dispute=dispute, auto_id="tl_%s"),
    }


def _metric_form(metric: Metric) -> MetricValueForm:
    return MetricValueForm(auto_id=f"m{metric.pk}_%s")


def _detail_context(
    request: HttpRequest,
    dispute: Dispute,
    *,
    bound: dict[str, forms.Form] | None = None,
    met_forms: dict[int, PreconditionMetForm] | None = None,
    metric_forms: dict[int, MetricValueForm] | None = None,
) -> dict[str, Any]:
    """Everything the dispute page shows; BOUND forms (with errors) replace the blank ones."""
    user = request.user
    bound = bound or {}
    can_manage = policy.can_on_dispute(user, Perm.MANAGE_DISPUTES, dispute)
    panels = queries.metric_panels(dispute)
    metric_forms = metric_forms or {}
    for panel in panels:
        panel.form = metric_forms.get(panel.metric.pk) or _metric_form(panel.metric)
    context: dict[str, Any] = {
        "dispute": dispute,
        "can_manage": can_manage,
        "parties": list(dispute.parties.all()) if not dispute.is_national else [],
        "party_count": dispute.parties.count(),
        "demands": list(dispute.demands.all()),
        "panels": panels,
        "tracker": queries.tracker(dispute, user) if dispute.is_national else None,
        "demand_form": bound.get("demand") or DemandForm(auto_id="dm_%s"),
        "precondition_form": bound.get("precondition") or PreconditionForm(auto_id="pa_%s"),
        "metric_form": bound.get("metric") or MetricForm(dispute=dispute, auto_id="ma_%s"),
        "expectation_form": bound.get("expectation") or ExpectationForm(auto_id="ex_%s"),
        "escalate_form": bound.get("escalate") or EscalateForm(auto_id="es_%s"),
        "settle_form": bound.get("settle") or SettleForm(dispute=dispute, auto_id="st_%s"),
        "escalations": [],
    }
    context.update(_preconditions_context(dispute, can_manage, met_forms))
    timeline_form = bound.get("timeline")
    context.update(
        _timeline_context(
            request,
            dispute,
            can_manage,
            timeline_form if isinstance(timeline_form, TimelineForm) else None,
        )
    )
    # Once the dispute is escalated the prompt has been answered.
    if dispute.status == DisputeStatus.OPEN:
        context["escalations"] = list(dispute.escalation_triggers().select_related("employer"))
    return context


@login_required
def dispute_detail(request: HttpRequest, slug: str) -> HttpResponse:
    dispute = policy.get_dispute(request.user, slug, Perm.VIEW_DISPUTES)
    return render(request, "disputes/detail.html", _detail_context(request, dispute))


def _rerender(request: HttpRequest, dispute: Dispute, **forms_: Any) -> HttpResponse:
    """The dispute page again, with the form that failed showing its errors."""
    return render(
        request, "disputes/detail.html", _detail_context(request, dispute, **forms_), status=400
    )


def _done(request: HttpRequest, dispute: Dispute, message: str, anchor: str) -> HttpResponse:
    messages.success(request, message)
    return redirect(f"{reverse('disputes:detail', args=[dispute.slug])}#{anchor}")


def _refused(
    request: HttpRequest, dispute: Dispute, error: DomainError, anchor: str
) -> HttpResponse:
    """The dispute moved on (settled, already met) since the page was drawn: show it as it is."""
    messages.error(request, error.message)
    return redirect(f"{reverse('disputes:detail', args=[dispute.slug])}#{anchor}")


def _managed(request: HttpRequest, slug: str) -> Dispute:
    return policy.get_dispute(request.user, slug, Perm.MANAGE_DISPUTES)


@login_required
@require_POST
def demand_add(request: HttpRequest, slug: str) -> HttpResponse:
    dispute = _managed(request, slug)
    form = DemandForm(request.POST, auto_id="dm_%s")
    if form.is_valid():
        actions.dispute_add_demand(dispute=dispute, actor=_actor(request), **form.cleaned_data)
        return _done(request, dispute, "Demand added.", "demands")
    return _rerender(request, dispute, bound={"demand": form})


@login_required
@require_POST
def precondition_add(request: HttpRequest, slug: str) -> HttpResponse:
    dispute = _managed(request, slug)
    form = PreconditionForm(request.POST, auto_id="pa_%s")
    if form.is_valid():
        actions.precondition_add(
            dispute=dispute, description=form.cleaned_data["description"], actor=_actor(request)
        )
        return _done(request, dispute, "Precondition recorded: it shows as unmet.", "preconditions")
    return _rerender(request, dispute, bound={"precondition": form})


@login_required
@require_POST
def precondition_met(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    dispute = _managed(request, slug)
    precondition = get_object_or_404(Precondition, pk=pk, dispute=dispute)
    form = PreconditionMetForm(request.POST, request.FILES, auto_id=f"pc{pk}_%s")
    refused: InvalidState | None = None
    if form.is_valid():
        try:
            actions.precondition_mark_met(
                precondition=precondition,
                evidence=form.cleaned_data["evidence"],
                evidence_file=form.cleaned_data["evidence_file"],
                actor=_actor(request),
            )
        except InvalidState as error:
            refused = error
        except DomainError as error:
            form.add_error(None, error.message)
    if _is_htmx(request):
        context = _preconditions_context(dispute, True, {pk: form} if form.errors else None)
        context["saved"] = form.is_valid() and refused is None
        context["refused"] = refused.message if refused else ""
        return render(request, "disputes/detail.html#preconditions", context)
    if refused is not None:
        return _refused(request, dispute, refused, "preconditions")
    if form.errors:
        return _rerender(request, dispute, met_forms={pk: form})
    return _done(request, dispute, "Precondition marked met.", "preconditions")


@login_required
def precondition_evidence(request: HttpRequest, slug: str, pk: int) -> FileResponse:
    dispute = policy.get_dispute(request.user, slug, Perm.VIEW_DISPUTES)
    precondition = get_object_or_404(Precondition, pk=pk, dispute=dispute)
    if not precondition.evidence_file:
        raise Http404("No evidence file.")
    suffix = PurePath(precondition.evidence_file.name).suffix
    content_type = mimetypes.guess_type(f"x{suffix}")[0] or "application/octet-stream"
    return FileResponse(
        precondition.evidence_file.open("rb"),
        as_attachment=True,
        filename=f"evidence-{precondition.pk}{suffix}",
        content_type=content_type,
    )


@login_required
@require_POST
def timeline_add(request: HttpRequest, slug: str) -> HttpResponse:
    dispute = _managed(request, slug)
    form = TimelineForm(request.POST, dispute=dispute, auto_id="tl_%s")
    entry: TimelineEntry | None = None
    if form.is_valid():
        try:
            entry = actions.timeline_add(
                dispute=dispute, actor=_actor(request), **form.cleaned_data
            )
        except DomainError as error:
            form.add_error(None, error.message)
    if _is_htmx(request):
        context = _timeline_context(request, dispute, True, form if form.errors else None)
        context["saved"] = entry is not None
        return render(request, "disputes/detail.html#timeline", context)
    if entry is None:
        return _rerender(request, dispute, bound={"timeline": form})
    return _done(request, dispute, "Added to the timeline.", "timeline")


@login_required
@require_POST
def metric_add(request: HttpRequest, slug: str) -> HttpResponse:
    dispute = _managed(request, slug)
    form = MetricForm(request.POST, dispute=dispute, auto_id="ma_%s")
    if form.is_valid():
        try:
            metric = actions.metric_add(dispute=dispute, actor=_actor(request), **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            return _done(request, dispute, f"Now tracking “{metric.name}”.", f"metric-{metric.pk}")
    return _rerender(request, dispute, bound={"metric": form})


@login_required
@require_POST
def metric_record(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    dispute = _managed(request, slug)
    metric = get_object_or_404(Metric, pk=pk, dispute=dispute)
    form = MetricValueForm(request.POST, auto_id=f"m{pk}_%s")
    if form.is_valid():
        try:
            actions.metric_record(metric=metric, actor=_actor(request), **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error.message)
    if _is_htmx(request):
        panel = queries.metric_panel(metric)
        panel.form = form if form.errors else _metric_form(metric)
        context = {"dispute": dispute, "can_manage": True, "panel": panel, "saved": not form.errors}
        return render(request, "disputes/detail.html#metric", context)
    if form.errors:
        return _rerender(request, dispute, metric_forms={pk: form})
    return _done(request, dispute, f"Recorded a value of “{metric.name}”.", f"metric-{pk}")


@login_required
@require_POST
def expectation_add(request: HttpRequest, slug: str) -> HttpResponse:
    dispute = _managed(request, slug)
    if not dispute.is_national:
        raise Http404("Only a national dispute has a framework of expectations.")
    form = ExpectationForm(request.POST, auto_id="ex_%s")
    if form.is_valid():
        try:
            actions.expectation_add(dispute=dispute, actor=_actor(request), **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            return _done(request, dispute, "Expectation added to the framework.", "framework")
    return _rerender(request, dispute, bound={"expectation": form})


@login_required
@require_POST
def dispute_escalate(request: HttpRequest, slug: str) -> HttpResponse:
    dispute = _managed(request, slug)
    form = EscalateForm(request.POST, auto_id="es_%s")
    if form.is_valid():
        try:
            actions.dispute_escalate(
                dispute=dispute, reason=form.cleaned_data["reason"], actor=_actor(request)
            )
        except InvalidState as error:
            return _refused(request, dispute, error, "status")
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            return _done(request, dispute, "The dispute is escalated.", "status")
    return _rerender(request, dispute, bound={"escalate": form})


@login_required
@require_POST
def dispute_settle(request: HttpRequest, slug: str) -> HttpResponse:
    dispute = _managed(request, slug)
    form = SettleForm(request.POST, dispute=dispute, auto_id="st_%s")
    if form.is_valid():
        try:
            actions.dispute_settle(dispute=dispute, actor=_actor(request), **form.cleaned_data)
        except InvalidState as error:
            return _refused(request, dispute, error, "status")
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            return _done(request, dispute, "The dispute is settled.", "status")
    return _rerender(request, dispute, bound={"settle": form})


# One employer's row of the framework tracker ------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def tracker_employer(request: HttpRequest, slug: str, employer: str) -> HttpResponse:
    dispute = policy.get_dispute(request.user, slug, Perm.VIEW_DISPUTES)
    visible = policy.employers_with(request.user, Perm.VIEW_DISPUTES)
    employer_obj = get_object_or_404(
        dispute.parties.filter(pk__in=visible.values("pk")), slug=employer
    )
    if not dispute.is_national:
        raise Http404("This dispute has no framework.")
    can_update = (
        policy.employers_with(request.user, Perm.MANAGE_DISPUTES)
        .filter(pk=employer_obj.pk)
        .exists()
    )
    form: ExpectationStatusForm | None = None
    status = 200
    if request.method == "POST":
        policy.require(can_update, "No such employer.")
        form = ExpectationStatusForm(request.POST, dispute=dispute)
        if form.is_valid():
            expectation = form.cleaned_data["expectation"]
            actions.expectation_set_status(
                expectation=expectation,
                employer=employer_obj,
                state=form.cleaned_data["state"],
                note=form.cleaned_data["note"],
                actor=_actor(request),
            )
            messages.success(request, f"Saved: {expectation.title}.")
            return redirect(request.path)
        status = 400
    tracker = queries.tracker(
        dispute, request.user, employers=Employer.objects.filter(pk=employer_obj.pk)
    )
    row = tracker.rows[0] if tracker.rows else None
    cells = []
    for cell in row.cells if row else []:
        bound = None
        if form is not None and form.data.get("expectation") == str(cell.expectation.pk):
            bound = form
            bound.auto_id = f"ex{cell.expectation.pk}_%s"
        cells.append(
            {
                "cell": cell,
                "form": bound
                or ExpectationStatusForm(
                    dispute=dispute,
                    auto_id=f"ex{cell.expectation.pk}_%s",
                    initial={
                        "expectation": cell.expectation.pk,
                        "state": cell.state,
                        "note": cell.note,
                    },
                ),
            }
        )
    return render(
        request,
        "disputes/tracker_employer.html",
        {
            "dispute": dispute,
            "employer": employer_obj,
            "cells": cells,
            "can_update": can_update,
            "form": form,
        },
        status=status,
    )
