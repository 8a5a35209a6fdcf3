"""Who is asking: the one helper views use to name the acting user in their actions."""

from __future__ import annotations

from django.http import Http404, HttpRequest

from mandate.core.models import User


def request_user(request: HttpRequest) -> User:
    """The logged-in user making REQUEST; anyone else gets 404 (views also require a login)."""
    user = request.user
    if not isinstance(user, User):
        raise Http404("Log in first.")
    return user
