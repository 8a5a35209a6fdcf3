"""Northern Ireland: the Trade Union and Labour Relations (Northern Ireland) Order 1995.

Amended by the Employment Relations (Northern Ireland) Orders 1999 and 2004, and never by the
Trade Union Act 2016 or the Employment Rights Act 2025: no turnout threshold, no 40% support
threshold, no picket supervisor, 7 days' notice of action, and action must begin within 4 weeks of
the date of the ballot. Article numbers follow the Order's own scheme (Art 104 requirement of a
ballot, Art 105 notices to employers, Art 118 notice of action); where a number could not be
checked against the text it is marked in the rule's notes and should be confirmed by the union's
legal department before relying on it.
"""

from __future__ import annotations

from fractions import Fraction
from functools import cache

from mandate.law.model import Citation, Params, Regime, Rule, Rulebook, TriggerEvent, build_rules

ORDER = "Trade Union and Labour Relations (Northern Ireland) Order 1995 (SI 1995/1980 (NI 12))"
VERIFY = "Article number to be confirmed against the revised text of the Order."

REGIME_NI = Regime(
    code="NI",
    name="TULR (NI) Order 1995 as amended",
    effective_from=None,
    effective_to=None,
    in_force=True,
    summary="No turnout threshold; majority voting yes; 7 days' notice of action; action must "
    "begin within 4 weeks of the date of the ballot (8 by agreement).",
)


def article(provision: str) -> Citation:
    return Citation(
        short=f"TULR(NI)O 1995 {provision}",
        instrument=ORDER,
        url="https://www.legislation.gov.uk/nisi/1995/1980/part/VIII",
        amended_by="Employment Relations (Northern Ireland) Orders 1999 and 2004",
    )


def _rules() -> list[Rule]:
    rows: list[tuple[str, str, TriggerEvent, Params, Citation, str]] = [
        (
            "B-notice",
            "Notice of ballot received by every employer no later than the 7th day before opening",
            TriggerEvent.BALLOT_NOTICE_RECEIPT,
            {"days_before_opening": 7},
            article("Art 105"),
            "",
        ),
        (
            "B-sample",
            "Sample voting paper received by every employer no later than the 3rd day before "
            "opening",
            TriggerEvent.BALLOT_NOTICE_RECEIPT,
            {"days_before_opening": 3},
            article("Art 105"),
            "",
        ),
        (
            "B-content",
            "Content of the notice of ballot: categories and workplaces, with numbers",
            TriggerEvent.BALLOT_NOTICE_RECEIPT,
            {
                "categories": True,
                "workplaces": True,
                "total_number": True,
                "counts_per_category": True,
                "counts_per_workplace": True,
                "explain_figures": True,
            },
            article("Art 105(2)-(3B)"),
            "Follows the GB content rules as they stood before 18 Feb 2026 (Employment "
            "Relations (NI) Order 2004). " + VERIFY,
        ),
        (
            "B-scrutineer",
            "Independent scrutineer, unless 50 or fewer are entitled to vote",
            TriggerEvent.BALLOT_OPENING,
            {"max_entitled_without_scrutineer": 50},
            article("Arts 106, 107"),
            "The small-ballot figure mirrors TULRCA s226C. " + VERIFY,
        ),
        (
            "B-electorate",
            "Entitle exactly those reasonably believed to be induced, and no others",
            TriggerEvent.BALLOT_OPENING,
            {},
            article("Art 108"),
            "",
        ),
        (
            "B-called",
            "Anyone called out must have been entitled to vote",
            TriggerEvent.BALLOT_OPENING,
            {},
            article("Art 115A"),
            VERIFY,
        ),
        (
            "B-separate",
            "Separate workplace ballots unless an aggregation test is met",
            TriggerEvent.BALLOT_OPENING,
            {},
            article("Arts 109, 109A"),
            "",
        ),
        (
            "V-questions",
            "Strike and action short of strike are separate yes/no questions",
            TriggerEvent.BALLOT_OPENING,
            {},
            article("Art 110"),
            "",
        ),
        (
            "V-content",
            "Extra voting paper content (summary of dispute, ASOS types, expected period)",
            TriggerEvent.BALLOT_OPENING,
            {"summary_of_dispute": False, "asos_types": False, "expected_periods": False},
            article("Art 110"),
            "The Trade Union Act 2016 content rules never extended to Northern Ireland.",
        ),
        (
            "V-post",
            "Voting by post to the home address and back by post",
            TriggerEvent.BALLOT_OPENING,
            {"postal_only": True},
            article("Art 111"),
            "",
        ),
        (
            "T-turnout",
            "Turnout threshold",
            TriggerEvent.BALLOT_OPENING,
            {"applies": False},
            article("Art 104(3)"),
            "No turnout threshold in Northern Ireland: scrutineers report NI results under "
            "'Results not requiring a 50% turnout'.",
        ),
        (
            "T-majority",
            "A majority of those voting answered yes",
            TriggerEvent.BALLOT_OPENING,
            {"share": Fraction(1, 2), "strict": True, "basis": "yes_no"},
            article("Art 104(3)(a)(iii)"),
            "Counted as yes > no; the 'more than half of all papers' reading is reported "
            "wherever it differs.",
        ),
        (
            "T-ips",
            "40% support in important public services",
            TriggerEvent.BALLOT_OPENING,
            {"applies": False},
            article("Art 104"),
            "No 40% support threshold in Northern Ireland.",
        ),
        (
            "T-inform",
            "Tell members and every employer the result as soon as reasonably practicable",
            TriggerEvent.BALLOT_OPENING,
            {"recommended_days_after_close": 0},
            article("Arts 112, 113"),
            "Send the result notice the same day the scrutineer reports (Metrobus v Unite "
            "[2009] EWCA Civ 829, persuasive in Northern Ireland).",
        ),
        (
            "A-notice",
            "Notice of action received no later than the 7th day before the first day of action",
            TriggerEvent.ACTION_NOTICE_RECEIPT,
            {"days": 7, "days_by_agreement": None},
            article("Art 118"),
            "",
        ),
        (
            "A-content",
            "Notice of action lists categories and workplaces, with numbers, and the dates",
            TriggerEvent.ACTION_NOTICE_RECEIPT,
            {
                "categories": True,
                "workplaces": True,
                "total_number": True,
                "counts_per_category": True,
                "counts_per_workplace": True,
                "explain_figures": True,
            },
            article("Art 118"),
            VERIFY,
        ),
        (
            "A-mandate",
            "Action must begin within 4 weeks beginning with the date of the ballot",
            TriggerEvent.BALLOT_OPENING,
            {"weeks": 4, "weeks_by_agreement": 8, "limits": "start_of_action"},
            article("Art 117"),
            "Extendable to 8 weeks by agreement with the employer (Employment Relations (NI) "
            "Order 2004, mirroring TULRCA s234 before 2017). " + VERIFY,
        ),
        (
            "A-early",
            "No call to action before the ballot closes",
            TriggerEvent.BALLOT_OPENING,
            {},
            article("Art 116"),
            VERIFY,
        ),
        (
            "P-place",
            "Lawful picketing is at or near one's own place of work",
            TriggerEvent.PICKETING,
            {},
            article("Part VII (peaceful picketing)"),
            VERIFY,
        ),
        (
            "P-six",
            "In general no more than six pickets at any entrance (guidance)",
            TriggerEvent.PICKETING,
            {"max_pickets_per_entrance": 6},
            Citation(
                short="NI Code of Practice on Picketing",
                instrument="Code of Practice on Picketing (Labour Relations Agency, NI)",
            ),
            "Figure taken from the GB Code; the NI Code's figure is to be confirmed.",
        ),
        (
            "P-supervisor",
            "Picket supervisor",
            TriggerEvent.PICKETING,
            {"applies": False},
            article("Part VII"),
            "TULRCA s220A never extended to Northern Ireland.",
        ),
    ]
    rules: list[Rule] = []
    for rule_id, title, trigger, params, source, notes in rows:
        rules.extend(
            build_rules(
                rule_id=rule_id,
                title=title,
                trigger=trigger,
                regimes=(REGIME_NI,),
                versions={"NI": (params, source, notes)},
            )
        )
    return rules


@cache
def rulebook() -> Rulebook:
    """The Northern Ireland rulebook (TULR (NI) Order 1995)."""
    return Rulebook(
        jurisdiction="ni",
        name="Northern Ireland (TULR (NI) Order 1995)",
        description="Northern Ireland: its own Order; the 2016 and 2025 GB Acts do not apply.",
        regimes=(REGIME_NI,),
        rules=tuple(_rules()),
    )
