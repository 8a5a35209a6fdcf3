"""Picket pages reached without logging in: a member's personal link, a supporter's sign-up and
own link, and the check-in code shown on the line. The signed token in the path is the
credential; these pages never show anyone else's name.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from mandate.core import policy
from mandate.core.audit import audit_record
from mandate.core.errors import DomainError
from mandate.members.models import Member
from mandate.pickets import actions, links, queries
from mandate.pickets import supporter_reminders as supporter_reminders_mod
from mandate.pickets.forms import SupporterForm
from mandate.pickets.models import CheckInMethod, PicketShift, SignupSource, Supporter
from mandate.pickets.views import member_cancel, member_context, member_signup, member_swap

View = Callable[..., HttpResponse]


def private(view: View) -> View:
    """Keep the token out of other sites' logs and out of search engines."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response["Referrer-Policy"] = "same-origin"
        response["X-Robots-Tag"] = "noindex, nofollow"
        response["Cache-Control"] = "private, no-store"
        return response

    return wrapped


def _dead(request: HttpRequest) -> HttpResponse:
    return render(request, "pickets/link_dead.html", status=404)


def _remember(response: HttpResponse, value: str) -> HttpResponse:
    response.set_cookie(
        links.COOKIE,
        value,
        max_age=links.COOKIE_AGE,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response


# A member's personal link ----------------------------------------------------------------------


def _member(token: str) -> Member | None:
    return links.member_from_token(token)


@private
@require_http_methods(["GET"])
def home(request: HttpRequest, token: str) -> HttpResponse:
    member = _member(token)
    if member is None:
        return _dead(request)
    link = member.picket_link
    response = render(
        request,
        "pickets/member_public.html",
        {**member_context(member), "token": token},
    )
    # Remember this phone, so scanning the code on the line checks this member in.
    return _remember(response, links.cookie_value_member(link))


@private
@require_POST
def link_signup(request: HttpRequest, token: str, pk: int) -> HttpResponse:
    member = _member(token)
    if member is None:
        return _dead(request)
    back = reverse("picket_link:home", args=[token])
    return member_signup(request, member, pk, SignupSource.LINK, back)


@private
@require_POST
def link_cancel(request: HttpRequest, token: str, pk: int) -> HttpResponse:
    member = _member(token)
    if member is None:
        return _dead(request)
    return member_cancel(request, member, pk, reverse("picket_link:home", args=[token]))


@private
@require_POST
def link_swap(request: HttpRequest, token: str, pk: int) -> HttpResponse:
    member = _member(token)
    if member is None:
        return _dead(request)
    return member_swap(request, member, pk, reverse("picket_link:home", args=[token]))


# Supporters -------------------------------------------------------------------------------------


@private
@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, token: str) -> HttpResponse:
    """A supporter offers to join a site's line: minimal details, consent, and one shift."""
    site = links.site_from_join(token)
    if site is None:
        return _dead(request)
    today = timezone.localdate()
    shifts = list(
        PicketShift.objects.filter(site=site, date__gte=today).order_by("date", "starts")[:40]
    )
    form = SupporterForm(request.POST or None, entrances=site.entrances.all())
    chosen = request.POST.get("shift", "")
    shift = next((s for s in shifts if str(s.pk) == chosen), None)
    if request.method == "POST" and not _join_allowed(request):
        return render(request, "pickets/slow_down.html", status=429)
    if request.method == "POST":
        if shift is None:
            form.add_error(None, "Choose a shift to join.")
        if form.is_valid() and shift is not None:
            data = form.cleaned_data
            try:
                supporter = actions.supporter_create(
                    branch=site.branch,
                    name=data["name"],
                    phone=data["phone"],
                    email=data["email"],
                    kind=data["kind"],
                    consent=data["consent"],
                )
                actions.signup_supporter(
                    shift=shift, supporter=supporter, entrance=data["entrance"]
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request,
                    f"Thank you, you're on the rota: {shift.date:%a %-d %b} "
                    f"{shift.starts:%H:%M}. Keep this page: it is your own link.",
                )
                response = redirect("picket_link:supporter", links.supporter_token(supporter))
                return _remember(response, links.cookie_value_supporter(supporter))
    return render(
        request,
        "pickets/join.html",
        {"site": site, "shifts": shifts, "form": form, "chosen": chosen},
        status=400 if request.method == "POST" else 200,
    )


JOIN_WINDOW = 600
JOIN_PER_ADDRESS = 20


def _join_allowed(request: HttpRequest) -> bool:
    """At most JOIN_PER_ADDRESS supporter sign-ups from one address in ten minutes: the link is
    public once shared, and each sign-up writes a row."""
    window = int(time.time()) // JOIN_WINDOW
    key = f"picket-join:{request.META.get('REMOTE_ADDR', '')}:{window}"
    if cache.add(key, 1, JOIN_WINDOW + 5):
        return True
    try:
        return int(cache.incr(key)) <= JOIN_PER_ADDRESS
    except ValueError:  # expired between add and incr
        return True


def _supporter(token: str) -> Supporter | None:
    return links.supporter_from_token(token)


@private
@require_http_methods(["GET"])
def supporter(request: HttpRequest, token: str) -> HttpResponse:
    found = _supporter(token)
    if found is None:
        return _dead(request)
    today = timezone.localdate()
    mine = list(queries.supporter_signups(found, since=today))
    taken = {s.shift_id for s in mine}
    shifts = [s for s in queries.upcoming_shifts(found.branch, today=today) if s.pk not in taken]
    response = render(
        request,
        "pickets/supporter.html",
        {"supporter": found, "mine": mine, "open": shifts[:40], "token": token},
    )
    return _remember(response, links.cookie_value_supporter(found))


@private
@require_POST
def supporter_signup(request: HttpRequest, token: str, pk: int) -> HttpResponse:
    found = _supporter(token)
    if found is None:
        return _dead(request)
    back = reverse("picket_link:supporter", args=[token])
    shift = PicketShift.objects.filter(pk=pk, site__branch=found.branch).first()
    if shift is None:
        raise Http404("No such shift.")
    try:
        actions.signup_supporter(shift=shift, supporter=found)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    messages.success(request, f"You're on the rota: {shift.date:%a %-d %b} {shift.starts:%H:%M}.")
    return redirect(back)


@private
@require_POST
def supporter_cancel(request: HttpRequest, token: str, pk: int) -> HttpResponse:
    found = _supporter(token)
    if found is None:
        return _dead(request)
    signup = queries.live_signups().filter(pk=pk, supporter=found).first()
    if signup is not None:
        actions.signup_cancel(signup=signup)
        messages.success(request, "Cancelled. Thank you for letting the organiser know.")
    return redirect("picket_link:supporter", token)


@private
@require_POST
def supporter_reminders(request: HttpRequest, token: str) -> HttpResponse:
    """Stop (or restart) shift reminders, from the supporter's own link."""
    found = _supporter(token)
    if found is None:
        return _dead(request)
    if request.POST.get("reminders") == "on":
        supporter_reminders_mod.resume(found)
        messages.success(request, "We'll remind you of your shifts again.")
    else:
        supporter_reminders_mod.stop(found)
        messages.success(request, "No more reminders. Your shifts stay as they are.")
    audit_record(
        actor=None,
        action="pickets.supporter_reminders",
        obj=found,
        branch=found.branch,
        detail={"on": found.reminders_stopped_at is None},
    )
    return redirect("picket_link:supporter", token)


# The check-in code on the line -------------------------------------------------------------------


def _who(request: HttpRequest, branch_id: int) -> Member | Supporter | None:
    """The person this phone belongs to: the logged-in member, or the one whose link it opened."""
    member = policy.own_member(request.user)
    if member is not None and member.branch_id == branch_id:
        return member
    found = links.who_from_cookie(request.COOKIES.get(links.COOKIE, ""))
    if found is not None and found.branch_id == branch_id:
        return found
    return None


@private
@require_http_methods(["GET", "POST"])
def checkin(request: HttpRequest, token: str) -> HttpResponse:
    claim = links.site_day_from_qr(token)
    if claim is None:
        return _dead(request)
    site, day = claim
    who = _who(request, site.branch_id)
    context: dict[str, Any] = {"site": site, "day": day, "who": who, "done": False}
    if who is None:
        return render(request, "pickets/checkin_public.html", context)
    name = who.first_name if isinstance(who, Member) else who.name
    context["name"] = name
    if request.method == "POST":
        try:
            done = actions.checkin(
                site=site,
                day=day,
                method=CheckInMethod.QR,
                member=who if isinstance(who, Member) else None,
                supporter=who if isinstance(who, Supporter) else None,
                actor=request.user,
            )
        except DomainError as exc:
            context["error"] = exc.message
            return render(request, "pickets/checkin_public.html", context, status=400)
        context["done"] = True
        context["again"] = not done.created
    return render(request, "pickets/checkin_public.html", context)
