"""The import wizard: upload a register file, preview what it would change, apply it."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from mandate.core import policy
from mandate.core.models import Branch, User
from mandate.core.policy import Perm
from mandate.members.forms_import import ImportUploadForm
from mandate.members.importing import FIELDS, import_run_apply, import_run_create
from mandate.members.models import ImportRun


def _run_for(request: HttpRequest, branch: str, run: int) -> tuple[Branch, ImportRun]:
    branch_obj = policy.get_branch(request.user, branch, Perm.IMPORT_MEMBERS)
    found = ImportRun.objects.filter(pk=run, branch=branch_obj).first()
    if found is None:
        raise Http404("No such import.")
    return branch_obj, found


def _actor(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


@login_required
def import_upload(request: HttpRequest, branch: str) -> HttpResponse:
    branch_obj = policy.get_branch(request.user, branch, Perm.IMPORT_MEMBERS)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        run = import_run_create(
            branch=branch_obj,
            filename=upload.name or "upload",
            data=upload.read(),
            sheet=form.cleaned_data["sheet"],
            actor=_actor(request),
        )
        return redirect("members:import_preview", branch_obj.slug, run.pk)
    return render(
        request,
        "members/import_upload.html",
        {"branch": branch_obj, "form": form, "fields": FIELDS},
        status=400 if form.errors else 200,
    )


@login_required
def import_preview(request: HttpRequest, branch: str, run: int) -> HttpResponse:
    branch_obj, run_obj = _run_for(request, branch, run)
    summary = run_obj.summary
    return render(
        request,
        "members/import_preview.html",
        {
            "branch": branch_obj,
            "run": run_obj,
            "summary": summary,
            "counts": summary.get("counts", {}),
            "can_apply": run_obj.state == ImportRun.State.PREVIEWED,
        },
    )


@login_required
@require_POST
def import_apply(request: HttpRequest, branch: str, run: int) -> HttpResponse:
    branch_obj, run_obj = _run_for(request, branch, run)
    import_run_apply(run=run_obj, actor=_actor(request))
    return redirect("members:import_preview", branch_obj.slug, run_obj.pk)
