"""The audit log viewer: filters by who, action, object type, branch and dates; a CSV report."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass, field

from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from mandate.core import policy
from mandate.core.access import request_user
from mandate.core.audit import audit_record
from mandate.core.models import AuditEvent
from mandate.core.policy import Perm
from mandate.core.views import querystring_without_page

# Exports and downloads of personal data: what the "exports only" report lists.
EXPORT_MARKERS = ("export", "download")
MAX_REPORT_ROWS = 50_000


@dataclass
class AuditFilters:
    who: str = ""
    action: str = ""
    object_type: str = ""
    branch: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    exports_only: bool = False
    errors: dict[str, str] = field(default_factory=dict)

    def names(self) -> list[str]:
        """The filters in use, by name only: for the audit entry of a report."""
        used = {
            "who": self.who,
            "action": self.action,
            "object_type": self.object_type,
            "branch": self.branch,
            "from": self.date_from,
            "to": self.date_to,
            "exports_only": self.exports_only,
        }
        return [k for k, v in used.items() if v]


def _date(raw: str, label: str, errors: dict[str, str], key: str) -> dt.date | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        errors[key] = f"{label}: “{raw[:20]}” is not a date (use YYYY-MM-DD)."
        return None


def read_filters(params: dict[str, str]) -> AuditFilters:
    errors: dict[str, str] = {}
    f = AuditFilters(
        who=params.get("who", "").strip()[:150],
        action=params.get("action", "").strip()[:60],
        object_type=params.get("object_type", "").strip()[:60],
        branch=params.get("branch", "").strip()[:50],
        date_from=_date(params.get("from", ""), "From", errors, "from"),
        date_to=_date(params.get("to", ""), "To", errors, "to"),
        exports_only=params.get("exports") == "1",
    )
    if f.date_from and f.date_to and f.date_from > f.date_to:
        errors["to"] = "To: the end date is before the start date."
    f.errors = errors
    return f


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def filter_events(events: QuerySet[AuditEvent], f: AuditFilters) -> QuerySet[AuditEvent]:
    if f.who == "system":
        events = events.filter(actor__isnull=True)
    elif f.who:
        events = events.filter(actor__username=f.who)
    if f.action:
        events = events.filter(action=f.action)
    if f.object_type:
        events = events.filter(object_type=f.object_type)
    if f.branch:
        events = events.filter(branch__slug=f.branch)
    if f.date_from:
        events = events.filter(at__gte=_start_of(f.date_from))
    if f.date_to:
        events = events.filter(at__lt=_start_of(f.date_to + dt.timedelta(days=1)))
    if f.exports_only:
        q = Q()
        for marker in EXPORT_MARKERS:
            q |= Q(action__contains=marker)
        events = events.filter(q)
    return events


def _choices(events: QuerySet[AuditEvent], column: str) -> list[str]:
    values = events.order_by(column).values_list(column, flat=True).distinct()
    return [v for v in values if v]


@login_required
def audit(request: HttpRequest) -> HttpResponse:
    if not policy.can_anywhere(request.user, Perm.VIEW_AUDIT):
        raise Http404("No audit log here.")
    scope = policy.audit_events_for(request.user)
    f = read_filters(request.GET.dict())
    events = scope.none() if f.errors else filter_events(scope, f)
    events = events.select_related("actor", "branch")
    page: Page[AuditEvent] = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "core/audit.html",
        {
            "page": page,
            "f": f,
            "action": f.action,
            "branch_slug": f.branch,
            "actions": _choices(scope, "action"),
            "object_types": _choices(scope, "object_type"),
            "branches": policy.branches_with(request.user, Perm.VIEW_AUDIT).only("name", "slug"),
            "querystring_base": querystring_without_page(request),
            "export_query": querystring_without_page(request).rstrip("&"),
        },
        status=400 if f.errors else 200,
    )


@login_required
def audit_export(request: HttpRequest) -> HttpResponse:
    """The filtered log as CSV: who did what, to which object, when. Itself audited."""
    if not policy.can_anywhere(request.user, Perm.VIEW_AUDIT):
        raise Http404("No audit log here.")
    f = read_filters(request.GET.dict())
    if f.errors:
        return HttpResponse(
            "Not exported: " + " ".join(f.errors.values()),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    events = filter_events(policy.audit_events_for(request.user), f).select_related(
        "actor", "branch"
    )[:MAX_REPORT_ROWS]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["at", "who", "action", "object_type", "object_id", "branch", "detail"])
    rows = 0
    for e in events:
        rows += 1
        writer.writerow(
            [
                timezone.localtime(e.at).isoformat(timespec="seconds"),
                e.actor.username if e.actor else "system",
                e.action,
                e.object_type,
                e.object_id,
                e.branch.slug if e.branch else "",
                json.dumps(e.detail, sort_keys=True),
            ]
        )
    branches = list(policy.branches_with(request.user, Perm.VIEW_AUDIT)[:2])
    named = [b for b in branches if b.slug == f.branch]
    audit_record(
        actor=request_user(request),
        action="audit.export",
        # Filed under the branch the report is about, so that branch's officers see it too.
        branch=named[0] if named else (branches[0] if len(branches) == 1 else None),
        detail={"rows": rows, "filters": f.names()},
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    return response
