"""The member register: list and search with the register's own filters, one member, imports."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from mandate.api.auth import need
from mandate.api.schemas import (
    ERRORS,
    ErrorOut,
    IdPath,
    PageMeta,
    PageQuery,
    SlugPath,
    Text,
    page_meta,
)
from mandate.api.scopes import Scope
from mandate.core import policy
from mandate.core.audit import audit_record
from mandate.core.errors import DomainError
from mandate.core.policy import Perm
from mandate.members.importing import import_run_apply, import_run_create, size_error
from mandate.members.models import Employment, ImportRun
from mandate.members.queries import (
    filter_choices,
    filter_members,
    filters_from_querydict,
    register_page_queryset,
    register_rows,
)

router = Router(tags=["members"])


class MemberFilterIn(Schema):
    """The register's filter vocabulary, as on the member list page."""

    q: Text = Field("", max_length=200, description="Words in a name, number, email or postcode")
    employer: Text = Field("", max_length=20, description="Employer id")
    workplace: Text = Field("", max_length=20, description="Workplace id")
    department: Text = Field("", max_length=20, description="Department id")
    job_category: Text = Field("", max_length=100)
    grade: Text = Field("", max_length=50)
    contract_type: Text = Field("", max_length=20)
    status: Text = Field("", max_length=20)
    consent: Text = Field("", max_length=10, description="email, sms or phone")
    do_not_contact: Text = Field("", max_length=3, description="yes or no")
    has_mobile: Text = Field("", max_length=3, description="yes or no")
    has_personal_email: Text = Field("", max_length=3, description="yes or no")
    missing: Text = Field("", max_length=3, description="yes or no: missing from the last import")


class MemberRow(Schema):
    id: int
    membership_number: str
    first_name: str
    last_name: str
    status: str
    do_not_contact: bool
    missing: bool
    workplaces: list[str]
    departments: list[str]
    contracts: list[str]


class MemberPage(PageMeta):
    items: list[MemberRow]


class EmploymentOut(Schema):
    employer: str
    workplace: str | None
    department: str | None
    job_category: str
    grade: str
    contract_type: str
    fte: Decimal
    annual_salary: Decimal | None = Field(
        description="Only for those who may see salaries (branch officers, the fund panel)."
    )
    start_date: dt.date | None
    end_date: dt.date | None


class MemberOut(Schema):
    id: int
    branch: str
    membership_number: str
    first_name: str
    last_name: str
    status: str
    personal_email: str
    work_email: str = Field(description="Never used for dispute messages.")
    mobile: str
    other_phone: str
    address_line1: str
    address_line2: str
    town: str
    postcode: str
    join_date: dt.date | None
    subscription_band: str
    consent_email: bool
    consent_sms: bool
    consent_phone: bool
    do_not_contact: bool
    missing_since: dt.datetime | None
    employments: list[EmploymentOut]


@router.get(
    "/branches/{branch}/members",
    response={200: MemberPage, ERRORS: ErrorOut},
    summary="List and search a branch's members",
)
def member_list(
    request: HttpRequest, branch: SlugPath, page: PageQuery, filters: Query[MemberFilterIn]
) -> Any:
    user = need(request, Scope.MEMBERS_READ)
    branch_obj = policy.get_branch(user, branch, Perm.VIEW_MEMBERS)
    reach = policy.members_for(user, Perm.VIEW_MEMBERS, branch_obj)
    chosen, errors = filters_from_querydict(filters.dict(), filter_choices(branch_obj, reach))
    if errors:
        fields = [{"field": k, "message": v} for k, v in sorted(errors.items())]
        return Status(422, {"detail": "Some filters were refused.", "errors": fields})
    members = filter_members(reach, chosen).order_by("last_name", "first_name", "pk")
    count = members.count()
    rows = register_rows(register_page_queryset(members)[page.offset : page.offset + page.limit])
    # A page of the register read by a script is an extraction of members' data: it is named
    # an export so the audit log's export report counts it with the CSV downloads.
    audit_record(
        actor=user,
        action="api.members.export",
        branch=branch_obj,
        detail={
            "filters": chosen.names(),
            "count": count,
            "returned": len(rows),
            "offset": page.offset,
        },
    )
    items = [
        {
            "id": r.pk,
            "membership_number": r.membership_number,
            "first_name": r.first_name,
            "last_name": r.last_name,
            "status": r.status,
            "do_not_contact": r.do_not_contact,
            "missing": r.missing,
            "workplaces": list(r.workplaces),
            "departments": list(r.departments),
            "contracts": list(r.contracts),
        }
        for r in rows
    ]
    return {**page_meta(count, page), "items": items}


@router.get(
    "/branches/{branch}/members/{member_id}",
    response={200: MemberOut, ERRORS: ErrorOut},
    summary="One member's record",
)
def member_read(request: HttpRequest, branch: SlugPath, member_id: IdPath) -> Any:
    user = need(request, Scope.MEMBERS_READ)
    branch_obj = policy.get_branch(user, branch, Perm.VIEW_MEMBERS)
    member = policy.get_member(user, member_id, Perm.VIEW_MEMBERS)
    policy.require(member.branch_id == branch_obj.pk, "No such member.")
    show_salary = policy.can_see_salary(user, branch_obj)
    jobs = Employment.objects.filter(member=member).select_related(
        "employer", "workplace", "department"
    )
    audit_record(
        actor=user,
        action="api.member.read",
        obj=member,
        branch=branch_obj,
        detail={"salary": show_salary},
    )
    fields = [f for f in MemberOut.model_fields if f not in ("id", "branch", "employments")]
    return {
        "id": member.pk,
        "branch": branch_obj.slug,
        **{f: getattr(member, f) for f in fields},
        "employments": [
            {
                "employer": j.employer.name,
                "workplace": j.workplace.name if j.workplace else None,
                "department": j.department.name if j.department else None,
                "job_category": j.job_category,
                "grade": j.grade,
                "contract_type": j.contract_type,
                "fte": j.fte,
                "annual_salary": j.annual_salary if show_salary else None,
                "start_date": j.start_date,
                "end_date": j.end_date,
            }
            for j in jobs
        ],
    }


# Imports ---------------------------------------------------------------------------------------


class RowErrorOut(Schema):
    row: int | None = Field(description="The spreadsheet row (1 is the heading); null: the file")
    column: str
    value: str
    message: str


class ImportCounts(Schema):
    rows: int = 0
    new: int = 0
    changed: int = 0
    returned: int = 0
    unchanged: int = 0
    missing: int = 0
    newly_missing: int = 0
    errors: int = 0


class ImportRunOut(Schema):
    id: int
    state: str = Field(description="previewed (ready to apply), invalid (has errors) or applied")
    filename: str
    created_at: dt.datetime
    applied_at: dt.datetime | None
    counts: ImportCounts
    columns: list[list[str]] = Field(description="[heading in the file, field it was read as]")
    ignored: list[str]
    warnings: list[str]
    errors: list[RowErrorOut]


def _run_out(run: ImportRun) -> dict[str, Any]:
    summary = run.summary or {}
    return {
        "id": run.pk,
        "state": run.state,
        "filename": run.filename,
        "created_at": run.created_at,
        "applied_at": run.applied_at,
        "counts": summary.get("counts", {}),
        "columns": [[str(x) for x in c] for c in summary.get("columns", [])],
        "ignored": summary.get("ignored", []),
        "warnings": summary.get("warnings", []),
        "errors": summary.get("errors", []),
    }


def _run(request: HttpRequest, branch: str, run_id: int) -> ImportRun:
    user = need(request, Scope.MEMBERS_WRITE)
    branch_obj = policy.get_branch(user, branch, Perm.IMPORT_MEMBERS)
    run = ImportRun.objects.filter(pk=run_id, branch=branch_obj).first()
    if run is None:
        raise Http404("No such import.")
    return run


@router.post(
    "/branches/{branch}/imports",
    response={201: ImportRunOut, ERRORS: ErrorOut},
    summary="Upload a register file (CSV or XLSX) and preview it",
    description=(
        "Runs the same checks as the import wizard and writes nothing to the register. The "
        "answer lists every problem by row and column; a run in state `previewed` can be "
        "applied with the apply call."
    ),
)
def import_create(
    request: HttpRequest,
    branch: SlugPath,
    file: File[UploadedFile],
    sheet: Form[str] = "",
) -> Any:
    user = need(request, Scope.MEMBERS_WRITE)
    branch_obj = policy.get_branch(user, branch, Perm.IMPORT_MEMBERS)
    if "\x00" in sheet:
        raise DomainError("sheet: the sheet name holds a NUL character.")
    too_big = size_error(file.size or 0)
    if too_big:
        raise DomainError(f"file: {too_big}")
    run = import_run_create(
        branch=branch_obj,
        filename=file.name or "upload",
        data=file.read(),
        sheet=sheet[:100],
        actor=user,
    )
    return Status(201, _run_out(run))


@router.get(
    "/branches/{branch}/imports/{run_id}",
    response={200: ImportRunOut, ERRORS: ErrorOut},
    summary="An import's preview or outcome",
)
def import_read(request: HttpRequest, branch: SlugPath, run_id: IdPath) -> Any:
    return _run_out(_run(request, branch, run_id))


@router.post(
    "/branches/{branch}/imports/{run_id}/apply",
    response={200: ImportRunOut, ERRORS: ErrorOut},
    summary="Apply a previewed import to the register",
    description="Checks the stored file again and writes it in one transaction, or nothing.",
)
def import_apply(request: HttpRequest, branch: SlugPath, run_id: IdPath) -> Any:
    run = _run(request, branch, run_id)
    import_run_apply(run=run, actor=need(request, Scope.MEMBERS_WRITE))
    run.refresh_from_db()
    return _run_out(run)
