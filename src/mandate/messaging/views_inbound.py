"""Pages reached without logging in: the SMS provider's webhook and the unsubscribe link."""

from __future__ import annotations

import logging

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from mandate.members.models import Member
from mandate.messaging import inbound
from mandate.messaging.actions import optout_record
from mandate.messaging.compose import member_from_token
from mandate.messaging.models import Channel, OptOut, OptOutSource

logger = logging.getLogger(__name__)
MAX_BODY = 1_000_000


@csrf_exempt  # the provider signs the body with the shared secret instead
@require_POST
def sms_webhook(request: HttpRequest) -> HttpResponse:
    body = request.body[: MAX_BODY + 1]
    if not inbound.signature_ok(body, request.headers.get(inbound.SIGNATURE_HEADER, "")):
        return JsonResponse({"error": "Bad or missing signature."}, status=403)
    if len(body) > MAX_BODY:
        return JsonResponse({"error": "The body is too large."}, status=400)
    try:
        events = inbound.parse(body)
    except inbound.BadPayload as exc:
        return JsonResponse({"error": exc.message}, status=400)
    counts = inbound.apply(events)
    logger.info("sms webhook: %s", counts)
    return JsonResponse({"ok": True, **counts})


@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    member_id = member_from_token(token)
    member = (
        Member.objects.select_related("branch").filter(pk=member_id).first()
        if member_id is not None
        else None
    )
    if member is None:
        raise Http404("This link is not valid.")
    done = OptOut.objects.filter(member=member, channel=Channel.EMAIL).exists()
    if request.method == "POST" and not done:
        optout_record(member=member, channel=Channel.EMAIL, source=OptOutSource.MEMBER_LINK)
        done = True
    return render(
        request,
        "messaging/unsubscribe.html",
        {"branch_name": member.branch.name, "done": done, "token": token},
    )
