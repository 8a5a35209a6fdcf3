"""A union's own constitution: thresholds set by the union's rules, not by statute.

Where a strike vote is an internal matter (in the United States under the NLRA, for example), the
union's constitution sets the majority (often two-thirds of those voting), any quorum, any notice
and any time limit. The caller supplies every number with the citation of the rule it comes from.
"""

from __future__ import annotations

from fractions import Fraction

from mandate.law.errors import LawError
from mandate.law.model import Citation, Params, Regime, Rule, Rulebook, TriggerEvent, build_rules


def rulebook(
    *,
    name: str,
    source: Citation,
    majority_share: Fraction = Fraction(2, 3),
    majority_strict: bool = False,
    majority_basis: str = "votes_cast",
    turnout_share: Fraction | None = None,
    notice_days: int | None = None,
    mandate_months: int | None = None,
    jurisdiction: str = "union",
) -> Rulebook:
    """A rulebook from a union's constitution, e.g. "two-thirds of those voting" by default."""
    if not name.strip():
        raise LawError("A constitution profile needs a name.", field="name")
    if not 0 < majority_share < 1:
        raise LawError("majority_share must lie strictly between 0 and 1.", field="majority_share")
    if majority_basis not in {"yes_no", "votes_cast"}:
        raise LawError("majority_basis must be 'yes_no' or 'votes_cast'.", field="majority_basis")
    if turnout_share is not None and not 0 < turnout_share <= 1:
        raise LawError("turnout_share must lie in (0, 1].", field="turnout_share")
    for label, value in (("notice_days", notice_days), ("mandate_months", mandate_months)):
        if value is not None and value < 1:
            raise LawError(f"{label} must be at least 1 when given.", field=label)

    regime = Regime(
        code="U",
        name=name,
        effective_from=None,
        effective_to=None,
        in_force=True,
        summary=f"Thresholds set by the union's own rules ({source.short}).",
    )
    not_set = "Not set by the constitution."
    rows: list[tuple[str, str, TriggerEvent, Params, str]] = [
        (
            "T-majority",
            "Majority required by the constitution",
            TriggerEvent.BALLOT_OPENING,
            {"share": majority_share, "strict": majority_strict, "basis": majority_basis},
            "",
        ),
        (
            "T-turnout",
            "Quorum or turnout required by the constitution",
            TriggerEvent.BALLOT_OPENING,
            {"applies": False}
            if turnout_share is None
            else {"applies": True, "share": turnout_share},
            not_set if turnout_share is None else "",
        ),
        (
            "T-ips",
            "Statutory public-services threshold",
            TriggerEvent.BALLOT_OPENING,
            {"applies": False},
            "No statutory threshold under a constitution profile.",
        ),
        (
            "B-notice",
            "Notice of ballot to the employer",
            TriggerEvent.BALLOT_NOTICE_RECEIPT,
            {"applies": False},
            not_set,
        ),
        (
            "B-sample",
            "Sample voting paper to the employer",
            TriggerEvent.BALLOT_NOTICE_RECEIPT,
            {"applies": False},
            not_set,
        ),
        (
            "T-inform",
            "Tell members the result",
            TriggerEvent.BALLOT_OPENING,
            {"recommended_days_after_close": 0},
            "Recommended: the day the count is known.",
        ),
        (
            "A-notice",
            "Notice of action required by the constitution",
            TriggerEvent.ACTION_NOTICE_RECEIPT,
            {"applies": False}
            if notice_days is None
            else {"days": notice_days, "days_by_agreement": None},
            not_set if notice_days is None else "",
        ),
        (
            "A-mandate",
            "Time limit on a strike authorisation",
            TriggerEvent.BALLOT_OPENING,
            {"applies": False}
            if mandate_months is None
            else {"months": mandate_months, "months_by_agreement": None, "limits": "all_action"},
            not_set if mandate_months is None else "",
        ),
    ]
    rules: list[Rule] = []
    for rule_id, title, trigger, params, notes in rows:
        rules.extend(
            build_rules(
                rule_id=rule_id,
                title=title,
                trigger=trigger,
                regimes=(regime,),
                versions={"U": (params, source, notes)},
            )
        )
    return Rulebook(
        jurisdiction=jurisdiction,
        name=name,
        description="Thresholds set by the union's own constitution.",
        regimes=(regime,),
        rules=tuple(rules),
    )
