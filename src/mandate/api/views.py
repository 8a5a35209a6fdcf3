"""The user's own API tokens: list, create (the token is shown once), revoke."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from mandate.api import actions
from mandate.api.forms import TokenForm
from mandate.api.models import ApiToken
from mandate.api.scopes import DESCRIPTIONS, Scope
from mandate.core.access import request_user
from mandate.core.errors import DomainError


def _page(request: HttpRequest, form: TokenForm, raw: str = "", status: int = 200) -> HttpResponse:
    user = request_user(request)
    response = render(
        request,
        "api/tokens.html",
        {
            "tokens": ApiToken.objects.filter(user=user)[:50],
            "form": form,
            "raw": raw,
            "scope_help": [(s.value, DESCRIPTIONS[s]) for s in Scope],
        },
        status=status,
    )
    # The page may show a token once: no cache may keep it.
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if request.method != "POST":
        return _page(request, TokenForm())
    form = TokenForm(request.POST)
    if form.is_valid():
        try:
            made = actions.token_create(
                user=user,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                days=form.cleaned_data["days"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            return _page(request, TokenForm(), raw=made.raw, status=201)
    return _page(request, form, status=400)


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    token = ApiToken.objects.filter(pk=pk, user=user).first()
    if token is None:
        raise Http404("No such token.")
    actions.token_revoke(token=token, actor=user)
    messages.success(request, f"Revoked “{token.name}”: it no longer works.")
    return redirect("api_tokens")
