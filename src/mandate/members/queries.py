"""Reads over the member register: the filter vocabulary shared by the list page, saved
segments and the features built on them (call lists, reminders, electorates).

A filter is a :class:`MemberFilters`. It comes from a query string
(:func:`filters_from_querydict`, which validates every value against the branch's own
employers, workplaces and departments) or from a saved segment's JSON
(:meth:`MemberFilters.from_dict`), and narrows a queryset that the permission policy has
already limited to the user's reach (:func:`filter_members`). Nothing here decides access.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal
from typing import Any, Final

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from mandate.core import policy
from mandate.core.errors import DomainError
from mandate.core.models import Branch, Department, User, Workplace
from mandate.core.policy import Perm
from mandate.members.models import ContractType, Employment, Member, MemberStatus, Segment
from mandate.members.validation import normalise_phone, normalise_postcode

CONSENT_FIELDS: Final = {"email": "consent_email", "sms": "consent_sms", "phone": "consent_phone"}
CONSENT_CHOICES: Final = [("email", "Email"), ("sms", "Text (SMS)"), ("phone", "Phone call")]
YES_NO: Final = [("yes", "Yes"), ("no", "No")]
SEARCH_MAX_LENGTH: Final = 100
# More words than this add nothing a person types, only work for the database.
_SEARCH_MAX_TERMS: Final = 6

# Human labels for every filter, in the order the list page shows them.
FILTER_LABELS: Final = {
    "q": "Search",
    "employer": "Employer",
    "workplace": "Workplace",
    "department": "Department",
    "job_category": "Job category",
    "grade": "Grade",
    "contract_type": "Contract",
    "status": "Status",
    "consent": "Consented to",
    "do_not_contact": "Do not contact",
    "has_mobile": "Has a mobile",
    "has_personal_email": "Has a personal email",
    "missing": "Missing from last import",
}


@dataclass(frozen=True)
class MemberFilters:
    """A filter over the register; every field left at its default means "any".

    Employment filters (employer, workplace, department, job category, grade, contract) all
    apply to the same *current* employment (no end date, or one not yet passed): "hourly-paid
    at Main campus" means one job that is both, not two different jobs.
    """

    q: str = ""
    employer: int | None = None
    workplace: int | None = None
    department: int | None = None
    job_category: str = ""
    grade: str = ""
    contract_type: str = ""
    status: str = ""
    consent: str = ""  # a key of CONSENT_FIELDS: consented to that channel
    do_not_contact: bool | None = None
    has_mobile: bool | None = None
    has_personal_email: bool | None = None
    missing: bool | None = None  # flagged missing by the last import of the register

    def to_dict(self) -> dict[str, Any]:
        """The filters that are set, as JSON-ready values (how segments store them)."""
        values = ((f.name, getattr(self, f.name)) for f in fields(self))
        return {k: v for k, v in values if v is not None and v != ""}

    def names(self) -> list[str]:
        """The names of the filters that are set (for audit events: no values, no personal data)."""
        return sorted(self.to_dict())

    @property
    def is_empty(self) -> bool:
        return not self.to_dict()

    def to_query(self) -> list[tuple[str, str]]:
        """The filters as query-string pairs, the inverse of :func:`filters_from_querydict`."""
        pairs = []
        for key, value in self.to_dict().items():
            if isinstance(value, bool):
                pairs.append((key, "yes" if value else "no"))
            else:
                pairs.append((key, str(value)))
        return pairs

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MemberFilters:
        """Read filters saved as JSON; raise DomainError naming the first bad key or value."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise DomainError(f"Unknown filter {unknown[0]!r} in the saved segment.")
        values: dict[str, Any] = {}
        for key, value in data.items():
            if value is None or value == "":
                continue
            if key in _ID_FILTERS:
                if isinstance(value, bool) or not isinstance(value, int):
                    raise DomainError(f"The saved filter {key!r} must be an id number.")
            elif key in _BOOL_FILTERS:
                if not isinstance(value, bool):
                    raise DomainError(f"The saved filter {key!r} must be true or false.")
            elif not isinstance(value, str):
                raise DomainError(f"The saved filter {key!r} must be text.")
            values[key] = value
        filters = cls(**values)
        problem = _check_choices_free(filters)
        if problem:
            raise DomainError(f"The saved segment has a bad filter: {problem}")
        return filters


_ID_FILTERS: Final = ("employer", "workplace", "department")
_BOOL_FILTERS: Final = ("do_not_contact", "has_mobile", "has_personal_email", "missing")


def _check_choices_free(f: MemberFilters) -> str:
    """Check the values that need no database lookup; return a message, or '' if all is well."""
    if len(f.q) > SEARCH_MAX_LENGTH:
        return f"{FILTER_LABELS['q']}: keep it under {SEARCH_MAX_LENGTH} characters."
    if f.status and f.status not in MemberStatus.values:
        return f"{FILTER_LABELS['status']}: {f.status!r} is not a membership status."
    if f.contract_type and f.contract_type not in ContractType.values:
        return f"{FILTER_LABELS['contract_type']}: {f.contract_type!r} is not a contract type."
    if f.consent and f.consent not in CONSENT_FIELDS:
        return f"{FILTER_LABELS['consent']}: use one of email, sms or phone."
    return ""


@dataclass(frozen=True)
class FilterChoices:
    """The values the filter form offers for one branch, loaded in a fixed number of queries."""

    employers: list[tuple[int, str]] = field(default_factory=list)
    workplaces: list[tuple[int, str]] = field(default_factory=list)
    departments: list[tuple[int, str]] = field(default_factory=list)
    job_categories: list[str] = field(default_factory=list)
    grades: list[str] = field(default_factory=list)

    def label(self, key: str, value: Any) -> str:
        """The person-readable form of one filter value."""
        lookup: dict[str, Iterable[tuple[Any, str]]] = {
            "employer": self.employers,
            "workplace": self.workplaces,
            "department": self.departments,
            "status": MemberStatus.choices,
            "contract_type": ContractType.choices,
            "consent": CONSENT_CHOICES,
        }
        if key in lookup:
            return str(dict(lookup[key]).get(value, value))
        if isinstance(value, bool):
            return "yes" if value else "no"
        return str(value)


def filter_choices(branch: Branch, members: QuerySet[Member]) -> FilterChoices:
    """The branch's employers, workplaces and departments, and the job categories and grades of
    MEMBERS (the user's reach), so a rep's choices never reveal jobs outside it. Four queries.
    """
    employers = list(branch.employers.order_by("name").values_list("pk", "name"))
    several = len(employers) > 1
    employer_ids = [pk for pk, _ in employers]

    def places(model: type[Workplace] | type[Department]) -> list[tuple[int, str]]:
        rows = (
            model.objects.filter(employer_id__in=employer_ids)
            .order_by("name", "employer__name")
            .values_list("pk", "name", "employer__name")
        )
        # With several employers "Main campus" may be ambiguous; name the employer too.
        return [(pk, f"{name} ({emp})" if several else name) for pk, name, emp in rows]

    jobs = (
        Employment.objects.filter(member__in=members.order_by().values("pk"))
        .order_by()
        .values_list("job_category", "grade")
        .distinct()
    )
    categories, grades = set(), set()
    for category, grade in jobs:
        if category:
            categories.add(category)
        if grade:
            grades.add(grade)
    return FilterChoices(
        employers=employers,
        workplaces=places(Workplace),
        departments=places(Department),
        job_categories=sorted(categories, key=str.casefold),
        grades=sorted(grades, key=str.casefold),
    )


def filters_from_querydict(
    data: Mapping[str, Any], choices: FilterChoices
) -> tuple[MemberFilters, dict[str, str]]:
    """Read filters from a query string or form post, checking each value against CHOICES.

    Returns the filters and a map of field name to a message for each value that was refused;
    refused values are left out of the filters. Never raises on bad input.
    """
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}

    def text(key: str) -> str:
        raw = data.get(key, "")
        return raw.strip() if isinstance(raw, str) else ""

    q = " ".join(text("q").split())
    if len(q) > SEARCH_MAX_LENGTH:
        errors["q"] = f"Keep the search under {SEARCH_MAX_LENGTH} characters."
    elif q:
        values["q"] = q

    for key, options, noun in (
        ("employer", choices.employers, "employers"),
        ("workplace", choices.workplaces, "workplaces"),
        ("department", choices.departments, "departments"),
    ):
        raw = text(key)
        if not raw:
            continue
        allowed = {pk for pk, _ in options}
        try:
            pk = int(raw)
        except ValueError:
            pk = None
        if pk is None or pk not in allowed:
            errors[key] = f"Choose one of this branch's {noun}; {raw[:20]!r} is not one of them."
        else:
            values[key] = pk

    for key, allowed_text, noun in (
        ("job_category", choices.job_categories, "job category"),
        ("grade", choices.grades, "grade"),
    ):
        raw = text(key)
        if not raw:
            continue
        if raw not in allowed_text:
            errors[key] = f"No member you can see has the {noun} {raw[:40]!r}."
        else:
            values[key] = raw

    for key, allowed_pairs in (
        ("contract_type", ContractType.choices),
        ("status", MemberStatus.choices),
        ("consent", CONSENT_CHOICES),
    ):
        raw = text(key)
        if not raw:
            continue
        if raw not in {str(value) for value, _ in allowed_pairs}:
            labels = ", ".join(str(label).lower() for _, label in allowed_pairs)
            errors[key] = f"Choose one of: {labels}."
        else:
            values[key] = raw

    for key in _BOOL_FILTERS:
        raw = text(key).lower()
        if not raw:
            continue
        if raw not in ("yes", "no"):
            errors[key] = "Choose yes or no, or leave it at any."
        else:
            values[key] = raw == "yes"

    return MemberFilters(**values), errors


def _search_q(text: str) -> Q:
    """Every word must appear in a name, the membership number, an email or the postcode; a
    whole postcode or phone number typed without its usual spacing is matched exactly too."""
    words = Q()
    for term in text.split()[:_SEARCH_MAX_TERMS]:
        words &= (
            Q(first_name__icontains=term)
            | Q(last_name__icontains=term)
            | Q(membership_number__icontains=term)
            | Q(personal_email__icontains=term)
            | Q(work_email__icontains=term)
            | Q(postcode__icontains=term)
        )
    result = words
    try:
        postcode = normalise_postcode(text)
    except ValidationError:
        postcode = ""
    if postcode:
        result |= Q(postcode=postcode)
    if sum(ch.isdigit() for ch in text) >= 7:
        try:
            number = normalise_phone(text)
        except ValidationError:
            number = ""
        if number:
            result |= Q(mobile=number) | Q(other_phone=number)
    return result


def current_employment_q(today: date | None = None) -> Q:
    """Employments that have not ended (no end date, or one today or later)."""
    day = today or timezone.localdate()
    return Q(end_date__isnull=True) | Q(end_date__gte=day)


def member_q(f: MemberFilters, today: date | None = None) -> Q:
    """The filters as one condition on Member.

    Employment conditions go through a ``pk__in`` subquery rather than a join, so a member
    with two matching jobs is still one row, and counts, paging and aggregates stay exact.
    """
    cond = Q()
    if f.q:
        cond &= _search_q(f.q)
    if f.status:
        cond &= Q(status=f.status)
    if f.consent:
        cond &= Q(**{CONSENT_FIELDS[f.consent]: True})
    if f.do_not_contact is not None:
        cond &= Q(do_not_contact=f.do_not_contact)
    if f.has_mobile is not None:
        cond &= ~Q(mobile="") if f.has_mobile else Q(mobile="")
    if f.has_personal_email is not None:
        cond &= ~Q(personal_email="") if f.has_personal_email else Q(personal_email="")
    if f.missing is not None:
        cond &= Q(missing_since__isnull=not f.missing)
    job: dict[str, Any] = {}
    if f.employer is not None:
        job["employer_id"] = f.employer
    if f.workplace is not None:
        job["workplace_id"] = f.workplace
    if f.department is not None:
        job["department_id"] = f.department
    if f.job_category:
        job["job_category"] = f.job_category
    if f.grade:
        job["grade"] = f.grade
    if f.contract_type:
        job["contract_type"] = f.contract_type
    if job:
        jobs = Employment.objects.filter(current_employment_q(today), **job)
        cond &= Q(pk__in=jobs.values("member_id"))
    return cond


def filter_members(qs: QuerySet[Member], filters: MemberFilters) -> QuerySet[Member]:
    """Narrow QS (already limited by the permission policy) to the members FILTERS select."""
    if filters.is_empty:
        return qs
    return qs.filter(member_q(filters))


def segment_members(
    segment: Segment, user: User | AnonymousUser, perm: Perm = Perm.VIEW_MEMBERS
) -> QuerySet[Member]:
    """The members of a saved SEGMENT that USER may reach with PERM.

    A segment is only a filter: it never widens what the user can see. Raises DomainError if
    the saved filters no longer make sense.
    """
    reach = policy.members_for(user, perm, segment.branch)
    return filter_members(reach, MemberFilters.from_dict(segment.filters))


def segment_counts(segments: Iterable[Segment], members: QuerySet[Member]) -> dict[int, int | None]:
    """How many of MEMBERS each segment selects, in one query; None for a broken segment."""
    conditions: dict[str, Q] = {}
    counts: dict[int, int | None] = {}
    for segment in segments:
        try:
            conditions[f"s{segment.pk}"] = member_q(MemberFilters.from_dict(segment.filters))
        except DomainError:
            counts[segment.pk] = None
    if conditions:
        # Count(filter=Q()) of an empty Q is every row, as an unfiltered segment should be.
        result = members.order_by().aggregate(
            **{name: Count("pk", filter=cond) for name, cond in conditions.items()}
        )
        counts.update({int(name[1:]): value for name, value in result.items()})
    return counts


@dataclass(frozen=True)
class RegisterRow:
    """One line of the member list: plain values, so a page of 50 builds no model objects."""

    pk: int
    membership_number: str
    first_name: str
    last_name: str
    status: str
    do_not_contact: bool
    missing: bool
    workplaces: tuple[str, ...]
    departments: tuple[str, ...]
    contracts: tuple[str, ...]

    @property
    def status_label(self) -> str:
        return str(MemberStatus(self.status).label)


_REGISTER_FIELDS: Final = (
    "pk",
    "membership_number",
    "first_name",
    "last_name",
    "status",
    "do_not_contact",
    "missing_since",
)


def register_page_queryset(members: QuerySet[Member]) -> QuerySet[Member, dict[str, Any]]:
    """MEMBERS as the values the list page shows (page them, then pass to register_rows)."""
    values: QuerySet[Member, dict[str, Any]] = members.values(*_REGISTER_FIELDS)
    return values


def register_rows(page: Iterable[Mapping[str, Any]]) -> list[RegisterRow]:
    """The list's rows for one PAGE of ``register_page_queryset``, with their current jobs
    (workplace, department, contract) in one more query."""
    members = list(page)
    jobs: dict[int, list[tuple[str, str, str]]] = {}
    if members:
        contract_labels = dict(ContractType.choices)
        found = (
            Employment.objects.filter(
                current_employment_q(), member_id__in=[m["pk"] for m in members]
            )
            .order_by("member_id", "-start_date", "pk")
            .values_list("member_id", "workplace__name", "department__name", "contract_type")
        )
        for member_id, workplace, department, contract in found:
            jobs.setdefault(member_id, []).append(
                (workplace or "—", department or "—", str(contract_labels.get(contract, contract)))
            )
    rows = []
    for m in members:
        mine = jobs.get(m["pk"], [])
        rows.append(
            RegisterRow(
                pk=m["pk"],
                membership_number=m["membership_number"],
                first_name=m["first_name"],
                last_name=m["last_name"],
                status=m["status"],
                do_not_contact=m["do_not_contact"],
                missing=m["missing_since"] is not None,
                workplaces=tuple(j[0] for j in mine),
                departments=tuple(j[1] for j in mine),
                contracts=tuple(j[2] for j in mine),
            )
        )
    return rows


# Export ---------------------------------------------------------------------------------------

# A spreadsheet reads a cell starting with one of these as a formula (CSV injection); a
# leading tab or carriage return can hide one. The quote makes the cell plain text.
FORMULA_PREFIXES: Final = ("=", "+", "-", "@", "\t", "\r")

EXPORT_COLUMNS: Final = (
    "membership_number",
    "first_name",
    "last_name",
    "status",
    "personal_email",
    "work_email_not_for_dispute_messages",
    "mobile",
    "other_phone",
    "address_line1",
    "address_line2",
    "town",
    "postcode",
    "join_date",
    "subscription_band",
    "consent_email",
    "consent_sms",
    "consent_phone",
    "do_not_contact",
    "missing_since",
    "employer",
    "workplace",
    "department",
    "job_category",
    "grade",
    "contract_type",
    "fte",
)
SALARY_COLUMN: Final = "annual_salary"


def neutralise_cell(value: Any) -> str:
    """The text of one CSV cell, quote-prefixed if a spreadsheet would run it as a formula.

    An E.164 phone number ('+447700900123') becomes "'+447700900123": spreadsheets show it
    without the quote and keep the leading plus instead of reading a number.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def _export_queryset(members: QuerySet[Member]) -> QuerySet[Member]:
    jobs = Employment.objects.filter(current_employment_q()).select_related(
        "employer", "workplace", "department"
    )
    return (
        members.order_by("last_name", "first_name", "pk")
        .defer("notes")
        .prefetch_related(Prefetch("employments", queryset=jobs, to_attr="current_jobs"))
    )


def _joined(values: Iterable[Any]) -> str:
    # A member with two current jobs gets one row, the jobs' values joined in the same order.
    return "; ".join("" if v is None else str(v) for v in values)


def export_rows(members: QuerySet[Member], *, include_salary: bool) -> Iterator[list[str]]:
    """The header and one neutralised row per member of MEMBERS (notes are never exported)."""
    header = [*EXPORT_COLUMNS, SALARY_COLUMN] if include_salary else list(EXPORT_COLUMNS)
    yield header
    for m in _export_queryset(members):
        jobs: list[Employment] = getattr(m, "current_jobs", [])
        row: list[Any] = [
            m.membership_number,
            m.first_name,
            m.last_name,
            m.status,
            m.personal_email,
            m.work_email,
            m.mobile,
            m.other_phone,
            m.address_line1,
            m.address_line2,
            m.town,
            m.postcode,
            m.join_date.isoformat() if m.join_date else "",
            m.subscription_band,
            m.consent_email,
            m.consent_sms,
            m.consent_phone,
            m.do_not_contact,
            timezone.localtime(m.missing_since).date().isoformat() if m.missing_since else "",
            _joined(j.employer.name for j in jobs),
            _joined(j.workplace.name if j.workplace else "" for j in jobs),
            _joined(j.department.name if j.department else "" for j in jobs),
            _joined(j.job_category for j in jobs),
            _joined(j.grade for j in jobs),
            _joined(j.contract_type for j in jobs),
            _joined(j.fte for j in jobs),
        ]
        if include_salary:
            row.append(_joined(_salary(j.annual_salary) for j in jobs))
        yield [neutralise_cell(v) for v in row]


def _salary(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"


def export_csv(members: QuerySet[Member], *, include_salary: bool) -> tuple[str, int]:
    """MEMBERS as CSV text (with a byte-order mark so spreadsheets read UTF-8) and the row count."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    rows = 0
    for i, row in enumerate(export_rows(members, include_salary=include_salary)):
        writer.writerow(row)
        rows = i
    return buffer.getvalue(), rows
