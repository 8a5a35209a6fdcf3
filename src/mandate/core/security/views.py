"""Two-factor pages: verify after the password, enrol with a QR code, backup codes, resets."""

from __future__ import annotations

from urllib.parse import urlencode

import django_otp
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from mandate.core import policy
from mandate.core.access import request_user
from mandate.core.audit import audit_record
from mandate.core.errors import DomainError
from mandate.core.models import User
from mandate.core.security import actions, twofactor
from mandate.core.security.forms import CodeForm, EnrolForm, UserSearchForm


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("home")


def _to(step: str, request: HttpRequest) -> HttpResponse:
    return redirect(reverse(f"security:{step}") + "?" + urlencode({"next": _next(request)}))


def _unverified(request: HttpRequest) -> bool:
    """True if the user has a device but this session has not passed it."""
    return twofactor.is_enrolled(request.user) and not twofactor.is_verified(request)


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if twofactor.is_verified(request):
        return redirect(_next(request))
    if not twofactor.is_enrolled(user):
        return _to("setup", request)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = django_otp.match_token(user, form.cleaned_data["code"])
        if device is None:
            form.add_error(
                "code",
                "That code did not work. Type the newest code from your app, or a backup code "
                "you have not used. After several wrong codes, wait a minute between tries.",
            )
        else:
            django_otp.login(request, device)
            if isinstance(device, StaticDevice):
                audit_record(actor=user, action="twofactor.backup_code_used", obj=user)
                left = twofactor.backup_codes_left(user)
                messages.warning(
                    request,
                    f"You used a backup code; {left} left. Make new ones from Security if "
                    "you are running low.",
                )
            return redirect(_next(request))
    return render(request, "security/verify.html", {"form": form, "next": _next(request)})


@login_required
def setup(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if twofactor.is_enrolled(user):
        if _unverified(request):
            return _to("verify", request)
        messages.info(request, "Two-factor authentication is already set up.")
        return redirect("security:account")
    # The pending secret is made once and kept until confirmed, so reloading the page shows the
    # same QR code.
    device = actions.totp_enrolment_start(user=user)
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = actions.totp_enrolment_confirm(
                user=user, device=device, token=form.cleaned_data["code"]
            )
        except DomainError as exc:
            form.add_error("code", exc.message)
        else:
            django_otp.login(request, TOTPDevice.objects.get(pk=device.pk))
            context = {"codes": codes, "next": _next(request), "first": True}
            return render(request, "security/backup_codes.html", context)
    context = {
        "form": form,
        "qr": twofactor.qr_svg(device),
        "key": twofactor.base32_key(device),
        "next": _next(request),
        "required": policy.requires_two_factor(user),
    }
    return render(request, "security/setup.html", context)


@login_required
def account(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if _unverified(request):
        return _to("verify", request)
    context = {
        "enrolled": twofactor.is_enrolled(user),
        "required": policy.requires_two_factor(user),
        "codes_left": twofactor.backup_codes_left(user),
        "can_reset": policy.can_reset_two_factor(user),
    }
    return render(request, "security/account.html", context)


@login_required
@require_POST
def backup_codes(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if _unverified(request):
        return _to("verify", request)
    try:
        codes = actions.backup_codes_issue(user=user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("security:account")
    return render(request, "security/backup_codes.html", {"codes": codes, "first": False})


@login_required
@require_POST
def turn_off(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if _unverified(request):
        return _to("verify", request)
    if policy.requires_two_factor(user):
        raise DomainError("Your role needs two-factor authentication; it cannot be turned off.")
    actions.twofactor_reset(actor=user, user=user)
    messages.success(request, "Two-factor authentication is off for your account.")
    return redirect("security:account")


@login_required
def people(request: HttpRequest) -> HttpResponse:
    if not policy.can_reset_two_factor(request.user):
        raise Http404("Not found.")
    form = UserSearchForm(request.GET or None)
    found: list[User] = []
    enrolled: set[int] = set()
    if form.is_valid() and form.cleaned_data["q"]:
        found = list(
            User.objects.filter(username__icontains=form.cleaned_data["q"]).order_by("username")[
                :50
            ]
        )
        enrolled = set(
            TOTPDevice.objects.filter(user__in=found, confirmed=True).values_list(
                "user_id", flat=True
            )
        )
    rows = [(u, u.pk in enrolled) for u in found]
    return render(request, "security/people.html", {"form": form, "rows": rows})


@login_required
@require_POST
def reset(request: HttpRequest, pk: int) -> HttpResponse:
    if not policy.can_reset_two_factor(request.user):
        raise Http404("Not found.")
    target = get_object_or_404(User, pk=pk)
    removed = actions.twofactor_reset(actor=request_user(request), user=target)
    if removed:
        messages.success(
            request,
            f"Two-factor authentication reset for {target.username}: they set it up again at "
            "their next login. Check who asked before handing the account back.",
        )
    else:
        messages.info(request, f"{target.username} had no two-factor device.")
    return redirect(reverse("security:people") + "?" + urlencode({"q": target.username}))
