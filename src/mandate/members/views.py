"""The member register pages: list and search, segments, the member page, editing, export."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from mandate.core import policy
from mandate.core.access import request_user as _actor
from mandate.core.errors import DomainError
from mandate.core.models import Branch
from mandate.core.policy import Perm
from mandate.members import actions
from mandate.members.forms import EDIT_FIELDS, MemberEditForm, SegmentNameForm
from mandate.members.models import (
    ContractType,
    Employment,
    Member,
    MemberChange,
    MemberStatus,
    Segment,
)
from mandate.members.queries import (
    CONSENT_CHOICES,
    FILTER_LABELS,
    YES_NO,
    FilterChoices,
    MemberFilters,
    export_csv,
    filter_choices,
    filter_members,
    filters_from_querydict,
    register_page_queryset,
    register_rows,
    segment_counts,
    segment_members,
)

PAGE_SIZE = 50


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


def _query(filters: MemberFilters) -> str:
    return urlencode(filters.to_query())


@dataclass
class _FilterView:
    """The filters read from a request, with what the form needs to show them."""

    filters: MemberFilters
    errors: dict[str, str]
    choices: FilterChoices


def _read_filters(data: QueryDict, branch: Branch, reach: QuerySet[Member]) -> _FilterView:
    choices = filter_choices(branch, reach)
    filters, errors = filters_from_querydict(data, choices)
    return _FilterView(filters=filters, errors=errors, choices=choices)


def _segment_chips(branch: Branch) -> list[dict[str, Any]]:
    chips = []
    for segment in Segment.objects.filter(branch=branch).only("pk", "name", "filters"):
        try:
            query = _query(MemberFilters.from_dict(segment.filters))
        except DomainError:
            continue
        chips.append({"segment": segment, "query": query})
    return chips


def _form_context(fv: _FilterView) -> dict[str, Any]:
    """What the filter form needs: choices, current values and errors per field."""
    return {
        "filters": fv.filters,
        "filter_pairs": fv.filters.to_query(),
        "errors": fv.errors,
        "choices": fv.choices,
        "consent_choices": CONSENT_CHOICES,
        "status_choices": MemberStatus.choices,
        "contract_choices": ContractType.choices,
        "yes_no": YES_NO,
        "yes_no_fields": [
            {
                "name": key,
                "label": FILTER_LABELS[key],
                "value": _yes_no(getattr(fv.filters, key)),
                "error": fv.errors.get(key, ""),
            }
            for key in ("do_not_contact", "has_mobile", "has_personal_email", "missing")
        ],
        # Open the filter panel when something other than the search is in use.
        "filters_open": bool(fv.errors) or bool(set(fv.filters.to_dict()) - {"q"}),
        "labels": FILTER_LABELS,
        "querystring_base": f"{_query(fv.filters)}&" if not fv.filters.is_empty else "",
    }


@login_required
def member_list(request: HttpRequest, branch: str) -> HttpResponse:
    branch_obj = policy.get_branch(request.user, branch, Perm.VIEW_MEMBERS)
    reach = policy.members_for(request.user, Perm.VIEW_MEMBERS, branch_obj)
    fv = _read_filters(request.GET, branch_obj, reach)
    page, rows = None, []
    if not fv.errors:
        members = register_page_queryset(filter_members(reach, fv.filters))
        page = Paginator(members, PAGE_SIZE).get_page(request.GET.get("page"))
        rows = register_rows(page.object_list)
    context = {
        **_form_context(fv),
        "branch": branch_obj,
        "page": page,
        "rows": rows,
        "list_url": _list_url(branch_obj),
        "pager_target": "#results",
        "can_import": policy.has_branch_perm(request.user, Perm.IMPORT_MEMBERS, branch_obj),
        "can_export": policy.has_branch_perm(request.user, Perm.EXPORT_MEMBERS, branch_obj),
        "can_manage_segments": policy.has_branch_perm(
            request.user, Perm.MANAGE_SEGMENTS, branch_obj
        ),
    }
    if request.htmx:  # type: ignore[attr-defined]
        response = render(request, "members/list.html#results", context)
        # Push the tidy address (no empty fields) so it can be bookmarked and shared.
        query = _query(fv.filters)
        if page is not None and page.number > 1:
            query = f"{query}&page={page.number}" if query else f"page={page.number}"
        response["HX-Push-Url"] = f"{context['list_url']}?{query}" if query else context["list_url"]
        return response
    context["segments"] = _segment_chips(branch_obj)
    return render(request, "members/list.html", context)


@dataclass
class _HistoryRow:
    change: MemberChange
    fields: list[tuple[str, Any, Any]]


def _field_label(name: str) -> str:
    try:
        model_field = Member._meta.get_field(name)
    except FieldDoesNotExist:  # a field an import recorded that the model has since lost
        return name.replace("_", " ").capitalize()
    return str(getattr(model_field, "verbose_name", name)).capitalize()


# Stored values of choice fields shown as their labels ("lapsed" as "Lapsed").
_CHOICE_LABELS: dict[str, dict[Any, str]] = {
    "status": {value: str(label) for value, label in MemberStatus.choices},
}


def _history(member: Member, show_salary: bool) -> tuple[list[_HistoryRow], int]:
    changes = member.changes.select_related("actor")
    rows = []
    for change in changes[:50]:
        shown = []
        for name, values in sorted((change.changes or {}).items()):
            if "salary" in name and not show_salary:
                continue
            old, new = values if isinstance(values, list) and len(values) == 2 else ("", values)
            labels = _CHOICE_LABELS.get(name, {})
            shown.append((_field_label(name), labels.get(old, old), labels.get(new, new)))
        rows.append(_HistoryRow(change=change, fields=shown))
    return rows, changes.count()


@login_required
def member_detail(request: HttpRequest, branch: str, pk: int) -> HttpResponse:
    branch_obj = policy.get_branch(request.user, branch, Perm.VIEW_MEMBERS)
    member = policy.get_member(request.user, pk, Perm.VIEW_MEMBERS)
    policy.require(member.branch_id == branch_obj.pk, "No such member.")
    show_salary = policy.can_see_salary(request.user, branch_obj)
    history, history_total = _history(member, show_salary)
    employments = Employment.objects.filter(member=member).select_related(
        "employer", "workplace", "department"
    )
    return render(
        request,
        "members/detail.html",
        {
            "branch": branch_obj,
            "member": member,
            "employments": employments,
            "history": history,
            "history_total": history_total,
            "show_salary": show_salary,
            "can_edit": policy.members_for(request.user, Perm.EDIT_MEMBERS, branch_obj)
            .filter(pk=member.pk)
            .exists(),
            "can_export": policy.has_branch_perm(request.user, Perm.EXPORT_MEMBERS, branch_obj),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def member_edit(request: HttpRequest, branch: str, pk: int) -> HttpResponse:
    branch_obj = policy.get_branch(request.user, branch, Perm.EDIT_MEMBERS)
    member = policy.get_member(request.user, pk, Perm.EDIT_MEMBERS)
    policy.require(member.branch_id == branch_obj.pk, "No such member.")
    if request.method == "POST":
        form = MemberEditForm(request.POST, member=member)
        if form.is_valid():
            changed = actions.member_update(
                member=member, changes=form.changes(), actor=_actor(request), source="edit"
            )
            if changed:
                labels = ", ".join(_field_label(n).lower() for n in changed)
                messages.success(request, f"Saved: {labels}.")
            else:
                messages.info(request, "Nothing changed.")
            return redirect("members:detail", branch=branch_obj.slug, pk=member.pk)
    else:
        form = MemberEditForm(member=member)
    return render(
        request,
        "members/edit.html",
        {"branch": branch_obj, "member": member, "form": form, "fields": EDIT_FIELDS},
    )


@login_required
def segment_list(request: HttpRequest, branch: str) -> HttpResponse:
    branch_obj = policy.get_branch(request.user, branch, Perm.VIEW_MEMBERS)
    reach = policy.members_for(request.user, Perm.VIEW_MEMBERS, branch_obj)
    segments = list(Segment.objects.filter(branch=branch_obj).select_related("created_by"))
    counts = segment_counts(segments, reach)
    choices = filter_choices(branch_obj, reach)
    rows = []
    for segment in segments:
        try:
            filters = MemberFilters.from_dict(segment.filters)
        except DomainError as error:
            rows.append({"segment": segment, "problem": error.message, "count": None})
            continue
        described = [
            f"{FILTER_LABELS[key]}: {choices.label(key, value)}"
            for key, value in filters.to_dict().items()
        ]
        rows.append(
            {
                "segment": segment,
                "described": described or ["Everyone on the register"],
                "query": _query(filters),
                "count": counts.get(segment.pk),
            }
        )
    return render(
        request,
        "members/segments.html",
        {
            "branch": branch_obj,
            "rows": rows,
            "list_url": _list_url(branch_obj),
            "can_export": policy.has_branch_perm(request.user, Perm.EXPORT_MEMBERS, branch_obj),
            "can_manage_segments": policy.has_branch_perm(
                request.user, Perm.MANAGE_SEGMENTS, branch_obj
            ),
        },
    )


@login_required
@require_POST
def segment_save(request: HttpRequest, branch: str) -> HttpResponse:
    branch_obj = policy.get_branch(request.user, branch, Perm.MANAGE_SEGMENTS)
    reach = policy.members_for(request.user, Perm.VIEW_MEMBERS, branch_obj)
    fv = _read_filters(request.POST, branch_obj, reach)
    back = f"{_list_url(branch_obj)}?{_query(fv.filters)}"
    name_form = SegmentNameForm(request.POST)
    if fv.errors:
        messages.error(request, "Not saved: " + " ".join(_error_lines(fv.errors)))
    elif not name_form.is_valid():
        messages.error(request, "Not saved: give the segment a name (up to 200 characters).")
    else:
        segment = actions.segment_save(
            branch=branch_obj,
            name=name_form.cleaned_data["name"],
            filters=fv.filters.to_dict(),
            actor=_actor(request),
        )
        messages.success(request, f"Saved the segment “{segment.name}”.")
    return redirect(back)


@login_required
@require_POST
def segment_delete(request: HttpRequest, branch: str, pk: int) -> HttpResponse:
    branch_obj = policy.get_branch(request.user, branch, Perm.MANAGE_SEGMENTS)
    segment = Segment.objects.filter(branch=branch_obj, pk=pk).first()
    if segment is None:
        raise Http404("No such segment.")
    name = segment.name
    actions.segment_delete(segment=segment, actor=_actor(request))
    messages.success(request, f"Deleted the segment “{name}”.")
    return redirect("members:segments", branch=branch_obj.slug)


def _list_url(branch: Branch) -> str:
    return reverse("members:list", kwargs={"branch": branch.slug})


def _error_lines(errors: dict[str, str]) -> list[str]:
    return [f"{FILTER_LABELS.get(key, key)}: {message}" for key, message in errors.items()]


@never_cache
@login_required
@require_POST
def member_export(request: HttpRequest, branch: str) -> HttpResponse:
    branch_obj = policy.get_branch(request.user, branch, Perm.EXPORT_MEMBERS)
    reach = policy.members_for(request.user, Perm.EXPORT_MEMBERS, branch_obj)
    segment = None
    if request.POST.get("segment"):
        segment = Segment.objects.filter(
            branch=branch_obj, pk=_int(request.POST["segment"])
        ).first()
        if segment is None:
            raise Http404("No such segment.")
        filters = MemberFilters.from_dict(segment.filters)
        members = segment_members(segment, request.user, Perm.EXPORT_MEMBERS)
    else:
        fv = _read_filters(request.POST, branch_obj, reach)
        if fv.errors:
            messages.error(request, "Not exported: " + " ".join(_error_lines(fv.errors)))
            return redirect(_list_url(branch_obj))
        filters = fv.filters
        members = filter_members(reach, filters)
    include_salary = policy.can_see_salary(request.user, branch_obj)
    text, rows = export_csv(members, include_salary=include_salary)
    actions.members_export_record(
        branch=branch_obj,
        actor=_actor(request),
        rows=rows,
        filter_names=filters.names(),
        segment=segment,
        salary=include_salary,
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="members-{branch_obj.slug}-{stamp}.csv"'
    )
    return response


def _int(raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise Http404("No such segment.") from None
