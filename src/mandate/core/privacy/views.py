"""Subject access and erasure pages: for officers from the member page, for members from /me/."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from mandate.core import policy
from mandate.core.access import request_user
from mandate.core.audit import audit_record
from mandate.core.policy import Perm
from mandate.core.privacy.access import build_zip, collect, filename_for
from mandate.core.privacy.erasure import ErasureError, is_erased, member_erase
from mandate.core.privacy.registry import declarations
from mandate.members.models import Member


def _branch_member(request: HttpRequest, branch: str, pk: int, perm: Perm) -> Member:
    member = policy.get_member(request.user, pk, perm)
    if member.branch.slug != branch:
        raise Http404("No such member.")
    return member


def _zip_response(member: Member) -> tuple[HttpResponse, dict[str, int]]:
    data, counts = build_zip(member)
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{filename_for(member)}"'
    response["Cache-Control"] = "no-store"
    return response, counts


def _summary(member: Member) -> list[tuple[str, str, int]]:
    return [(s.kind, s.title, len(s.rows)) for s in collect(member) if s.rows]


@login_required
def member_data(request: HttpRequest, branch: str, pk: int) -> HttpResponse:
    member = _branch_member(request, branch, pk, Perm.EXPORT_MEMBERS)
    return render(
        request,
        "core/privacy/member_data.html",
        {
            "member": member,
            "branch": member.branch,
            "sections": _summary(member),
            "erased": is_erased(member),
            "can_erase": policy.has_branch_perm(request.user, Perm.ERASE_MEMBERS, member.branch),
        },
    )


@login_required
@require_POST
def member_data_download(request: HttpRequest, branch: str, pk: int) -> HttpResponse:
    member = _branch_member(request, branch, pk, Perm.EXPORT_MEMBERS)
    response, counts = _zip_response(member)
    audit_record(
        actor=request_user(request),
        action="member.subject_access_export",
        obj=member,
        branch=member.branch,
        detail={"rows": sum(counts.values()), "route": "officer"},
    )
    return response


@login_required
def member_erase_view(request: HttpRequest, branch: str, pk: int) -> HttpResponse:
    member = _branch_member(request, branch, pk, Perm.ERASE_MEMBERS)
    error = ""
    if request.method == "POST":
        typed = request.POST.get("confirm", "").strip()
        if typed != member.membership_number:
            error = "Type the membership number exactly as shown to confirm the erasure."
        else:
            try:
                counts = member_erase(member=member, actor=request_user(request))
            except ErasureError as exc:
                error = str(exc)
            else:
                touched = sum(counts.values())
                messages.success(
                    request, f"Personal data erased: {touched} records removed or anonymised."
                )
                return redirect("member_data", branch=member.branch.slug, pk=member.pk)
    entries = sorted(declarations().values(), key=lambda e: e.kind)
    return render(
        request,
        "core/privacy/member_erase.html",
        {
            "member": member,
            "branch": member.branch,
            "entries": entries,
            "error": error,
            "erased": is_erased(member),
        },
        status=400 if error else 200,
    )


@login_required
def my_data(request: HttpRequest) -> HttpResponse:
    member = policy.own_member(request.user)
    if member is None:
        raise Http404("You have no register record here.")
    return render(
        request, "core/privacy/my_data.html", {"member": member, "sections": _summary(member)}
    )


@login_required
@require_POST
def my_data_download(request: HttpRequest) -> HttpResponse:
    member = policy.own_member(request.user)
    if member is None:
        raise Http404("You have no register record here.")
    response, counts = _zip_response(member)
    audit_record(
        actor=request_user(request),
        action="member.subject_access_export",
        obj=member,
        branch=member.branch,
        detail={"rows": sum(counts.values()), "route": "self"},
    )
    return response
