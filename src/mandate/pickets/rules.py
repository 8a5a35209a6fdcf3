"""What the rulebook says about a picket line on a given day, read by the day of picketing.

The number of pickets per entrance (Code of Practice on Picketing), whether a picket supervisor
is required (s220A, regime B) and the own-workplace rule (s220) all come from the rulebook of the
site's jurisdiction, with any recorded override; nothing here knows a date or a number.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from mandate.ballots.rules import load_rulebook
from mandate.core.models import Jurisdiction
from mandate.law.model import Rulebook
from mandate.pickets.models import PicketSite


def rulebook_of(site: PicketSite) -> Rulebook:
    return load_rulebook(Jurisdiction(site.workplace.employer.jurisdiction).rulebook)


@dataclass(frozen=True)
class PicketRules:
    """The picketing rules in force on one day at one site."""

    day: dt.date
    regime: str
    max_per_entrance: int | None
    six_source: str
    supervisor_required: bool
    supervisor_source: str
    supervisor_notes: str
    place_source: str


def picket_rules(site: PicketSite, day: dt.date, book: Rulebook | None = None) -> PicketRules:
    """The rules for picketing at SITE on DAY (the trigger event is the day of picketing)."""
    book = book or rulebook_of(site)
    regime = book.regime_on(day).code
    six_source = ""
    limit: int | None = None
    if book.has_rule("P-six"):
        six = book.rule("P-six", on=day)
        limit = six.optional_int_param("max_pickets_per_entrance")
        six_source = six.source.short
    required, sup_source, sup_notes = False, "", ""
    if book.has_rule("P-supervisor"):
        sup = book.rule("P-supervisor", on=day)
        required = sup.applies
        sup_source, sup_notes = sup.source.short, sup.notes
    place = book.rule("P-place", on=day).source.short if book.has_rule("P-place") else ""
    return PicketRules(
        day=day,
        regime=regime,
        max_per_entrance=limit,
        six_source=six_source,
        supervisor_required=required,
        supervisor_source=sup_source,
        supervisor_notes=sup_notes,
        place_source=place,
    )
