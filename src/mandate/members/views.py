from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from mandate.core import policy
from mandate.core.policy import Perm
from mandate.core.views import querystring_without_page


@login_required
def member_list(request: HttpRequest, branch: str) -> HttpResponse:
    branch_obj = policy.get_branch(request.user, branch, Perm.VIEW_MEMBERS)
    members = policy.members_for(request.user, Perm.VIEW_MEMBERS, branch_obj).only(
        "pk", "membership_number", "first_name", "last_name", "status", "branch_id"
    )
    page = Paginator(members, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "members/list.html",
        {
            "branch": branch_obj,
            "page": page,
            "querystring_base": querystring_without_page(request),
        },
    )


@login_required
def member_detail(request: HttpRequest, branch: str, pk: int) -> HttpResponse:
    branch_obj = policy.get_branch(request.user, branch, Perm.VIEW_MEMBERS)
    member = policy.get_member(request.user, pk, Perm.VIEW_MEMBERS)
    policy.require(member.branch_id == branch_obj.pk)
    return render(
        request,
        "members/detail.html",
        {
            "branch": branch_obj,
            "member": member,
            "employments": member.employments.select_related("employer", "workplace", "department"),
            "history": member.changes.select_related("actor")[:50],
            "show_salary": policy.can_see_salary(request.user, branch_obj),
        },
    )
