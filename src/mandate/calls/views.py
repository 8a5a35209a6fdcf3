"""The phone-banking pages: a caller's list and one-contact screen, and the organiser's pages
(create an assignment, its statistics, callers, pause and end)."""

from __future__ import annotations

import functools
from typing import Any

import phonenumbers
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from mandate.calls import actions, queue
from mandate.calls.forms import AssignmentForm, CallersForm, OutcomeForm
from mandate.calls.models import (
    AssignmentState,
    CallAssignment,
    CallLog,
    CallTarget,
    Outcome,
)
from mandate.calls.queries import queue_stats, recent_calls
from mandate.core import policy
from mandate.core.access import request_user as _actor
from mandate.core.errors import DomainError
from mandate.core.models import User
from mandate.members.queries import MemberFilters

# The big buttons, in the order a caller meets the answers; the rest sit under "Other answers".
MAIN_OUTCOMES = (Outcome.SAYS_VOTED, Outcome.WILL_VOTE, Outcome.NOT_ARRIVED, Outcome.NO_ANSWER)


def display_phone(e164: str) -> str:
    """The number as people read it: national format at home, international otherwise."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    home = phonenumbers.region_code_for_number(number) == settings.MANDATE_DEFAULT_PHONE_REGION
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if home
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, style)


@login_required
def index(request: HttpRequest) -> HttpResponse:
    to_work = policy.call_assignments_to_work(request.user).select_related("ballot")
    managed = policy.call_assignments_managed(request.user).select_related("ballot", "branch")
    return render(
        request,
        "calls/index.html",
        {
            "to_work": to_work.order_by("-created_at")[:50],
            "managed": managed.order_by("-created_at")[:100],
            "can_create": policy.can_manage_calls(request.user, None)
            or policy.branches_with(request.user, policy.Perm.MANAGE_BALLOTS).exists(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def assignment_new(request: HttpRequest) -> HttpResponse:
    user = _actor(request)
    form = AssignmentForm(request.POST or None, user=user)
    if not form.branches and not form.national:
        raise Http404("You cannot run phone banks.")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        branch = data["branch_obj"]
        if not policy.can_manage_calls(user, branch):
            raise Http404("No such branch.")
        segment = data["segment_obj"]
        try:
            filters = MemberFilters.from_dict(segment.filters) if segment else MemberFilters()
            chosen = set(data["callers"])
            callers = [u for u in User.objects.filter(pk__in=chosen)]
            assignment = actions.assignment_create(
                ballot=data["ballot_obj"],
                branch=branch,
                name=data["name"],
                constituency=data["constituency_obj"],
                filters=filters,
                goal_statuses=data["goal_statuses"],
                priority_order=data["priority_order"],
                cooldown_hours=data["cooldown_hours"],
                max_held=data["max_held"],
                script=data["script"],
                ends_at=data["ends_at"],
                callers=callers,
                actor=user,
            )
        except DomainError as error:
            field, _, message = error.message.partition(": ")
            if field in form.fields and message:
                form.add_error(field, message)
            else:
                form.add_error(None, error.message)
        else:
            count = assignment.targets.count()
            messages.success(request, f"Call assignment created with {count} members to call.")
            return redirect("calls:detail", pk=assignment.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "calls/new.html", {"form": form}, status=status)


def _callers_form(
    request: HttpRequest, assignment: CallAssignment, data: Any = None
) -> CallersForm:
    current = list(assignment.callers.values_list("user_id", flat=True))
    form = CallersForm(data, user=_actor(request), branch=assignment.branch, current=current)
    if data is None:
        form.initial["callers"] = current
    return form


@login_required
def assignment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = policy.get_call_assignment(request.user, pk, manage=True)
    return render(
        request,
        "calls/detail.html",
        {
            "assignment": assignment,
            "stats": queue_stats(assignment),
            "recent": recent_calls(assignment),
            "callers_form": _callers_form(request, assignment),
            "States": AssignmentState,
        },
    )


@login_required
@require_POST
def assignment_state(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = policy.get_call_assignment(request.user, pk, manage=True)
    state = request.POST.get("state", "")
    actions.assignment_set_state(assignment=assignment, state=state, actor=_actor(request))
    messages.success(request, f"The call assignment is now {AssignmentState(state).label.lower()}.")
    return redirect("calls:detail", pk=assignment.pk)


@login_required
@require_POST
def assignment_refresh(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = policy.get_call_assignment(request.user, pk, manage=True)
    done = actions.assignment_refresh(assignment=assignment, actor=_actor(request))
    messages.success(
        request, f"List refreshed: {done.added} added, {done.total} in all, order updated."
    )
    return redirect("calls:detail", pk=assignment.pk)


@login_required
@require_POST
def assignment_callers(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = policy.get_call_assignment(request.user, pk, manage=True)
    form = _callers_form(request, assignment, request.POST)
    if not form.is_valid():
        return render(
            request,
            "calls/detail.html",
            {
                "assignment": assignment,
                "stats": queue_stats(assignment),
                "recent": recent_calls(assignment),
                "callers_form": form,
                "States": AssignmentState,
            },
            status=400,
        )
    users = User.objects.filter(pk__in=form.cleaned_data["callers"])
    count = actions.assignment_set_callers(
        assignment=assignment, users=users, actor=_actor(request)
    )
    messages.success(request, f"{count} callers on this assignment.")
    return redirect("calls:detail", pk=assignment.pk)


@functools.cache
def _blank_inputs() -> tuple[str, str]:
    """The call-back and note inputs of an unbound outcome form, rendered once: they are the
    same on every screen, and the form's widget templates were a fifth of the page's cost."""
    blank = OutcomeForm()
    return str(blank["call_back_at"]), str(blank["note"])


def _screen(
    request: HttpRequest,
    assignment: CallAssignment,
    target: CallTarget | None,
    form: OutcomeForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context: dict[str, Any] = {"assignment": assignment, "target": target}
    if target is None:
        context["stats"] = queue_stats(assignment)
    else:
        member = target.member
        context |= {
            "first_name": member.first_name,
            "last_name": member.last_name,
            "constituency": target.constituency.name,
            "phone": target.phone,
            "phone_display": display_phone(target.phone),
            "script": assignment.render_script(
                first_name=member.first_name, constituency=target.constituency.name
            ),
            # Never called (every call logged counts an attempt): no history to look up.
            "history": (
                CallLog.objects.filter(target=target).order_by("-at", "-id")[:3]
                if target.attempts
                else ()
            ),
            "form": form or OutcomeForm(),
            "call_back_input": form["call_back_at"] if form else _blank_inputs()[0],
            "note_input": form["note"] if form else _blank_inputs()[1],
            "main_outcomes": [(o.value, o.label) for o in MAIN_OUTCOMES],
            "other_outcomes": [
                (o.value, o.label)
                for o in Outcome
                if o not in MAIN_OUTCOMES and o != Outcome.CALL_BACK
            ],
        }
    response = render(request, "calls/screen.html", context, status=status)
    # A contact's number must not linger in a shared phone's cache.
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@login_required
def work(request: HttpRequest, pk: int) -> HttpResponse:
    """The caller's screen: exactly one contact (the one they hold, or the next in line).

    Opening it reserves a contact for a few minutes (a lease, like CiviCRM's reserve), never
    changes a member's record, and gives the same contact back until it is answered or skipped.
    """
    assignment = policy.get_call_assignment(request.user, pk, manage=False)
    target = queue.next_contact(assignment=assignment, caller=_actor(request))
    return _screen(request, assignment, target)


@login_required
@require_POST
def outcome(request: HttpRequest, pk: int, target: int) -> HttpResponse:
    assignment = policy.get_call_assignment(request.user, pk, manage=False)
    caller = _actor(request)
    form = OutcomeForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.call_record(
                assignment=assignment,
                target_id=target,
                caller=caller,
                outcome=data["outcome"],
                note=data["note"],
                call_back_at=data["call_back_at"],
            )
        except actions.NotYours:
            raise Http404("This contact is not with you.") from None
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            label = Outcome(data["outcome"]).label
            messages.success(request, f"Saved: {label}.")
            return redirect("calls:work", pk=assignment.pk)
    held = queue.held_by(assignment, caller, timezone.now()).filter(pk=target)
    current = held.select_related("member", "constituency").first()
    if current is None:
        raise Http404("This contact is not with you.")
    return _screen(request, assignment, current, form, status=400)


@login_required
@require_POST
def skip(request: HttpRequest, pk: int, target: int) -> HttpResponse:
    assignment = policy.get_call_assignment(request.user, pk, manage=False)
    try:
        actions.call_skip(assignment=assignment, target_id=target, caller=_actor(request))
    except actions.NotYours:
        raise Http404("This contact is not with you.") from None
    messages.info(request, "Skipped: someone will call them later.")
    return redirect("calls:work", pk=assignment.pk)
