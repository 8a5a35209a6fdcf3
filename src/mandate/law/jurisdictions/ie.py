"""Ireland: the Industrial Relations Act 1990, Part II.

The Act does not regulate the ballot directly: s14 requires every union's rules to provide for a
secret ballot of those the union expects to call out, decided by a majority of the votes cast,
with the result made known to members; s19 withholds injunctions from an employer where such a
ballot favoured action and the union gave at least one week's notice. There is no turnout
threshold, no statutory notice of ballot to the employer and no statutory expiry of a mandate.
"""

from __future__ import annotations

from fractions import Fraction
from functools import cache

from mandate.law.model import Citation, Params, Regime, Rule, Rulebook, TriggerEvent, build_rules

ACT = "Industrial Relations Act 1990 (Ireland)"

REGIME_IE = Regime(
    code="IE",
    name="Industrial Relations Act 1990",
    effective_from=None,
    effective_to=None,
    in_force=True,
    summary="Secret ballot under the union's rules, majority of votes cast; one week's notice "
    "of action; no turnout threshold; no statutory expiry.",
)


def section(provision: str) -> Citation:
    return Citation(
        short=f"IRA 1990 {provision}",
        instrument=ACT,
        url="https://www.irishstatutebook.ie/eli/1990/act/19/enacted/en/html",
    )


def _rules() -> list[Rule]:
    rows: list[tuple[str, str, TriggerEvent, Params, Citation, str]] = [
        (
            "B-notice",
            "Notice of ballot to the employer",
            TriggerEvent.BALLOT_NOTICE_RECEIPT,
            {"applies": False},
            section("s14"),
            "No statutory notice of ballot to the employer in Ireland.",
        ),
        (
            "B-sample",
            "Sample voting paper to the employer",
            TriggerEvent.BALLOT_NOTICE_RECEIPT,
            {"applies": False},
            section("s14"),
            "No statutory sample voting paper in Ireland.",
        ),
        (
            "B-electorate",
            "Entitlement to vote accorded equally to all members the union reasonably believes "
            "will be called on to take part",
            TriggerEvent.BALLOT_OPENING,
            {},
            section("s14(2)(a)"),
            "",
        ),
        (
            "V-post",
            "Secret ballot; every member entitled is given a fair opportunity to vote",
            TriggerEvent.BALLOT_OPENING,
            {"postal_only": False},
            section("s14(2)"),
            "The Act requires secrecy, not a postal ballot.",
        ),
        (
            "T-turnout",
            "Turnout threshold",
            TriggerEvent.BALLOT_OPENING,
            {"applies": False},
            section("s14"),
            "No turnout threshold in Ireland.",
        ),
        (
            "T-majority",
            "A majority of the votes cast favour action",
            TriggerEvent.BALLOT_OPENING,
            {"share": Fraction(1, 2), "strict": True, "basis": "votes_cast"},
            section("s14(2)"),
            "Decided on more than half of all votes cast, spoiled included, the cautious "
            "reading of 'majority of votes cast'; the yes > no reading is reported wherever it "
            "differs.",
        ),
        (
            "T-ips",
            "40% support in important public services",
            TriggerEvent.BALLOT_OPENING,
            {"applies": False},
            section("s14"),
            "No such threshold in Ireland.",
        ),
        (
            "T-inform",
            "Make the result known to members entitled to vote as soon as practicable: papers "
            "issued, votes cast, yes, no, spoiled",
            TriggerEvent.BALLOT_OPENING,
            {"recommended_days_after_close": 0},
            section("s14(2)"),
            "",
        ),
        (
            "A-notice",
            "Notice of action of not less than one week to the employer",
            TriggerEvent.ACTION_NOTICE_RECEIPT,
            {"days": 7, "days_by_agreement": None},
            section("s19(1)"),
            "The Act speaks of notice given; counted here from receipt by the employer, the "
            "safer reading.",
        ),
        (
            "A-mandate",
            "Expiry of the ballot",
            TriggerEvent.BALLOT_OPENING,
            {"applies": False},
            section("s14, s19"),
            "No statutory expiry; the union's rules and the facts of the dispute govern whether "
            "a ballot still supports action.",
        ),
        (
            "A-early",
            "No action before a secret ballot favouring it",
            TriggerEvent.BALLOT_OPENING,
            {},
            section("s14(2)"),
            "",
        ),
        (
            "P-place",
            "Peaceful picketing at or near the employer's place of business",
            TriggerEvent.PICKETING,
            {},
            section("s11"),
            "",
        ),
    ]
    rules: list[Rule] = []
    for rule_id, title, trigger, params, source, notes in rows:
        rules.extend(
            build_rules(
                rule_id=rule_id,
                title=title,
                trigger=trigger,
                regimes=(REGIME_IE,),
                versions={"IE": (params, source, notes)},
            )
        )
    return rules


@cache
def rulebook() -> Rulebook:
    """The Ireland rulebook (Industrial Relations Act 1990)."""
    return Rulebook(
        jurisdiction="ie",
        name="Ireland (Industrial Relations Act 1990)",
        description="Republic of Ireland: ballots under union rules required by s14; "
        "injunction protection under s19.",
        regimes=(REGIME_IE,),
        rules=tuple(_rules()),
    )
