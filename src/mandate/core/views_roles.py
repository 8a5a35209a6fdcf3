"""Branch officers give people logins and roles in their branch."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from mandate.core import actions, policy
from mandate.core.errors import DomainError
from mandate.core.forms import RoleGrantForm
from mandate.core.models import Role, User
from mandate.core.policy import Perm


@login_required
def branch_people(request: HttpRequest, branch: str) -> HttpResponse:
    branch_obj = policy.get_branch(request.user, branch, Perm.MANAGE_ROLES)
    form = RoleGrantForm(request.POST or None, branch=branch_obj)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                password = ""
                if data.get("new_user"):
                    password = actions.password_generate()
                    user = actions.user_create(username=data["username"], password=password)
                    user.first_name = data["first_name"]
                    user.save(update_fields=["first_name"])
                else:
                    user = User.objects.get(username=data["username"])
                actions.role_grant(
                    user=user,
                    kind=data["kind"],
                    branch=branch_obj,
                    workplaces=data["workplaces"],
                    departments=data["departments"],
                    title=data["title"],
                    actor=request.user,  # type: ignore[arg-type]
                )
                member = data.get("member")
                if member is not None and member.user_id is None:
                    member.user = user
                    member.save(update_fields=["user"])
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            if password:
                messages.success(
                    request,
                    f"Login {user.username} created. Pass on this one-time password in person "
                    f"or by a personal channel, never work email: {password}",
                )
            else:
                messages.success(request, f"{user.username} now has the role.")
            return redirect("branch_people", branch=branch_obj.slug)
    roles = (
        Role.objects.filter(branch=branch_obj)
        .select_related("user")
        .prefetch_related("workplaces", "departments")
        .order_by("kind", "user__username")
    )
    return render(request, "core/people.html", {"branch": branch_obj, "roles": roles, "form": form})


@login_required
@require_POST
def role_revoke(request: HttpRequest, branch: str, role: int) -> HttpResponse:
    branch_obj = policy.get_branch(request.user, branch, Perm.MANAGE_ROLES)
    role_obj = Role.objects.filter(pk=role, branch=branch_obj).first()
    if role_obj is None:
        raise Http404("No such role.")
    try:
        actions.role_revoke(role=role_obj, actor=request.user)  # type: ignore[arg-type]
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Role removed.")
    return redirect("branch_people", branch=branch_obj.slug)
