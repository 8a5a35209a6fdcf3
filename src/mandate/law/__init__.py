"""The cited rulebook: statutory rules for industrial action as data, with their arithmetic.

Plain Python with no Django import, so the rules can be read, tested and used as a calculator
anywhere. Each rule version carries its parameters, the event whose date selects it, its regime,
its effective dates and its citation; administrators' overrides are applied with
``Rulebook.with_overrides`` and keep their reasons.
"""

from __future__ import annotations

from mandate.law.arithmetic import meets_share, percent, share_label
from mandate.law.calculate import (
    BallotOutcome,
    Check,
    Deadline,
    Mandate,
    Reason,
    Timetable,
    action_notice_deadline,
    ballot_timetable,
    evaluate_ballot,
    notice_in_time,
)
from mandate.law.dates import add_months, parse_date, period_last_day_months
from mandate.law.errors import LawError
from mandate.law.model import (
    Citation,
    Override,
    Regime,
    Rule,
    Rulebook,
    TriggerEvent,
    coerce_param,
    param_to_json,
)
from mandate.law.registry import JURISDICTIONS, rulebook_for

__all__ = [
    "JURISDICTIONS",
    "BallotOutcome",
    "Check",
    "Citation",
    "Deadline",
    "LawError",
    "Mandate",
    "Override",
    "Reason",
    "Regime",
    "Rule",
    "Rulebook",
    "Timetable",
    "TriggerEvent",
    "action_notice_deadline",
    "add_months",
    "ballot_timetable",
    "coerce_param",
    "evaluate_ballot",
    "meets_share",
    "notice_in_time",
    "param_to_json",
    "parse_date",
    "percent",
    "period_last_day_months",
    "rulebook_for",
    "share_label",
]
