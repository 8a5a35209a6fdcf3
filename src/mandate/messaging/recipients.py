"""Reading recipients for the rules in bulk: a fixed number of queries per batch of members."""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any, Final

from django.db.models import QuerySet

from mandate.core.models import Branch
from mandate.members.models import Employment, Member
from mandate.messaging.models import OptOut
from mandate.messaging.rules import Recipient, WorkDomains

_FIELDS: Final = (
    "pk",
    "status",
    "do_not_contact",
    "consent_email",
    "consent_sms",
    "personal_email",
    "work_email",
    "mobile",
    "first_name",
    "last_name",
    "branch_id",
)
# Work domains change when a register is imported; a worker re-reads them this often.
_DOMAINS_TTL: Final = 300.0


def employers_by_member(member_ids: Iterable[int] | QuerySet[Member, Any]) -> dict[int, set[int]]:
    """Every employer each member has a job with, current or past: the cautious reading."""
    result: dict[int, set[int]] = defaultdict(set)
    rows = Employment.objects.filter(member_id__in=member_ids).values_list(
        "member_id", "employer_id"
    )
    for member_id, employer_id in rows.order_by().iterator(chunk_size=10_000):
        result[member_id].add(employer_id)
    return result


def employers_by_branch(branch_ids: Iterable[int]) -> dict[int, set[int]]:
    """The employers each branch covers: their mail domains are work domains for its members."""
    result: dict[int, set[int]] = defaultdict(set)
    rows = Branch.employers.through.objects.filter(branch_id__in=list(branch_ids)).values_list(
        "branch_id", "employer_id"
    )
    for branch_id, employer_id in rows:
        result[branch_id].add(employer_id)
    return result


def opted_out(channel: str, member_ids: Iterable[int] | QuerySet[Member, Any]) -> set[int]:
    return set(
        OptOut.objects.filter(channel=channel, member_id__in=member_ids).values_list(
            "member_id", flat=True
        )
    )


Row = tuple[Recipient, str, str, int]  # recipient, first name, last name, branch id


def read(
    members: QuerySet[Member],
    employers: dict[int, set[int]],
    branch_employers: dict[int, set[int]],
) -> Iterator[Row]:
    """Stream MEMBERS as recipients, each once, in id order."""
    seen: set[int] = set()
    rows = members.order_by("pk").values_list(*_FIELDS)
    for (
        pk,
        status,
        dnc,
        c_email,
        c_sms,
        personal,
        work,
        mobile,
        first,
        last,
        branch_id,
    ) in rows.iterator(chunk_size=5_000):
        if pk in seen:
            continue
        seen.add(pk)
        recipient = Recipient(
            member_id=pk,
            status=status,
            do_not_contact=dnc,
            consent_email=c_email,
            consent_sms=c_sms,
            personal_email=personal,
            work_email=work,
            mobile=mobile,
            employer_ids=frozenset(
                employers.get(pk, set()) | branch_employers.get(branch_id, set())
            ),
        )
        yield recipient, first, last, branch_id


class DomainCache:
    """Work domains per employer, kept for a few minutes by each worker process."""

    def __init__(self) -> None:
        self._domains: dict[int, tuple[float, frozenset[str]]] = {}
        self._lock = threading.Lock()

    def get(self, employer_ids: Iterable[int]) -> WorkDomains:
        now = time.monotonic()
        wanted = set(employer_ids)
        with self._lock:
            missing = {pk for pk in wanted if pk not in self._domains or self._domains[pk][0] < now}
            if missing:
                loaded = WorkDomains.load(missing)
                for pk in missing:
                    self._domains[pk] = (
                        now + _DOMAINS_TTL,
                        loaded.by_employer.get(pk, frozenset()),
                    )
            return WorkDomains({pk: self._domains[pk][1] for pk in wanted})

    def clear(self) -> None:
        with self._lock:
            self._domains.clear()


domain_cache = DomainCache()
