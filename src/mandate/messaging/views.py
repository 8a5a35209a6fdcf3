"""Officer pages: compose a message to a saved segment, preview it, send it, read the log."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from mandate.core import policy
from mandate.core.access import request_user as _actor
from mandate.core.errors import DomainError
from mandate.core.models import Branch
from mandate.core.policy import Perm
from mandate.members.models import Segment
from mandate.members.queries import segment_members
from mandate.messaging import actions
from mandate.messaging.forms import ComposeForm
from mandate.messaging.models import Channel, Message, MessageState, Send
from mandate.messaging.queries import send_counts
from mandate.messaging.templating import MERGE_FIELDS

PAGE_SIZE = 50


def _segments(branch: Branch) -> Any:
    return Segment.objects.filter(branch=branch).order_by("name")


@login_required
@require_GET
def send_list(request: HttpRequest, branch: str) -> HttpResponse:
    branch_obj = policy.get_branch(request.user, branch, Perm.SEND_MESSAGES)
    sends = Send.objects.filter(branch=branch_obj).select_related("created_by")
    page = Paginator(sends, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "messaging/list.html", {"branch": branch_obj, "page": page})


@login_required
@require_http_methods(["GET", "POST"])
def send_new(request: HttpRequest, branch: str) -> HttpResponse:
    branch_obj = policy.get_branch(request.user, branch, Perm.SEND_MESSAGES)
    segments = _segments(branch_obj)
    if request.method == "GET":
        form = ComposeForm(initial={"request_key": uuid.uuid4()}, branch_segments=segments)
        return _compose(request, branch_obj, form)
    form = ComposeForm(request.POST, branch_segments=segments)
    if not form.is_valid():
        return _compose(request, branch_obj, form, status=400)
    data = form.cleaned_data
    segment: Segment = data["segment"]
    try:
        members = segment_members(segment, request.user, Perm.SEND_MESSAGES)
        if request.POST.get("confirm") == "send":
            send = actions.send_queue(
                actor=_actor(request),
                branch=branch_obj,
                channel=data["channel"],
                template=data["template"],
                subject=data["subject"],
                link=data["link"] or "",
                members=members,
                audience=f"Segment: {segment.name}",
                segment=segment,
                request_key=data["request_key"] or uuid.uuid4(),
            )
            return redirect("messaging:detail", branch=branch_obj.slug, pk=send.pk)
        plan = actions.send_plan(
            channel=data["channel"],
            template=data["template"],
            subject=data["subject"],
            link=data["link"] or "",
            members=members,
        )
    except DomainError as exc:
        form.add_error(None, exc.message)
        return _compose(request, branch_obj, form, status=400)
    return _compose(request, branch_obj, form, plan=plan)


def _compose(
    request: HttpRequest,
    branch: Branch,
    form: ComposeForm,
    *,
    plan: actions.Plan | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "branch": branch,
        "form": form,
        "plan": plan,
        "merge_fields": MERGE_FIELDS,
        "is_sms": plan is not None and plan.channel == Channel.SMS,
    }
    return render(request, "messaging/compose.html", context, status=status)


@login_required
@require_GET
def send_detail(request: HttpRequest, branch: str, pk: int) -> HttpResponse:
    branch_obj = policy.get_branch(request.user, branch, Perm.SEND_MESSAGES)
    send = (
        Send.objects.filter(branch=branch_obj, pk=pk)
        .select_related("created_by", "segment")
        .first()
    )
    if send is None:
        raise Http404("No such message.")
    messages = (
        Message.objects.filter(send=send)
        .select_related("member")
        .only(
            "pk",
            "state",
            "reason",
            "attempts",
            "sent_at",
            "not_before",
            "member__first_name",
            "member__last_name",
            "member__membership_number",
        )
        .order_by("pk")
    )
    state = request.GET.get("state", "")
    if state in MessageState.values:
        messages = messages.filter(state=state)
    else:
        state = ""
    page = Paginator(messages, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "branch": branch_obj,
        "send": send,
        "counts": send_counts(send, timezone.now()),
        "page": page,
        "state": state,
        "querystring_base": f"state={state}&" if state else "",
        "state_choices": MessageState.choices,
    }
    return render(request, "messaging/detail.html", context)
