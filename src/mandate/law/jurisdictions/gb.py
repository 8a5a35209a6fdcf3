"""Great Britain: TULRCA 1992 as amended, in four regimes.

Regime A: the Act before the Trade Union Act 2016 took effect (1 March 2017).
Regime B: the Trade Union Act 2016 (Commencement No. 3 and Transitional) Regulations 2017,
SI 2017/139, brought ss2-10 into force on 1 March 2017.
Regime C: the Employment Rights Act 2025 (Royal Assent 18 December 2025); its first trade union
changes took effect on 18 February 2026.
Regime D: the ERA 2025 repeal of the 50% turnout threshold, linked to electronic balloting, not in
force; kept so it can be selected explicitly, never by date.

Transitional rules decide which regime a step falls under, each by its own event: thresholds,
voting paper content and mandate length by ballot opening; notice of action and notice of ballot
content by the day the employer receives the notice; the picket supervisor by the day of picketing.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from functools import cache

from mandate.law.model import (
    Citation,
    Params,
    Regime,
    Rule,
    Rulebook,
    TriggerEvent,
    build_rules,
)

TULRCA = "Trade Union and Labour Relations (Consolidation) Act 1992"
TUA_2016 = "Trade Union Act 2016"
ERA_2025 = "Employment Rights Act 2025"

TUA_START = dt.date(2017, 3, 1)
ERA_START = dt.date(2026, 2, 18)

REGIME_A = Regime(
    code="A",
    name="TULRCA 1992 before the Trade Union Act 2016",
    effective_from=None,
    effective_to=TUA_START - dt.timedelta(days=1),
    in_force=True,
    summary="No turnout threshold; 7 days' notice of action; action must begin within 4 weeks "
    "of the date of the ballot (8 by agreement).",
)
REGIME_B = Regime(
    code="B",
    name="Trade Union Act 2016",
    effective_from=TUA_START,
    effective_to=ERA_START - dt.timedelta(days=1),
    in_force=True,
    summary="50% turnout; 40% support in important public services; 14 days' notice of action "
    "(7 by agreement); mandate 6 months (9 by agreement); picket supervisor required.",
)
REGIME_C = Regime(
    code="C",
    name="Employment Rights Act 2025 (from 18 February 2026)",
    effective_from=ERA_START,
    effective_to=None,
    in_force=True,
    summary="50% turnout still applies; no 40% threshold; 10 days' notice of action; mandate "
    "12 months with no extension; picket supervisor repealed; simpler notices and voting paper.",
)
REGIME_D = Regime(
    code="D",
    name="Employment Rights Act 2025: turnout repeal and e-balloting (not yet in force)",
    effective_from=None,
    effective_to=None,
    in_force=False,
    summary="Not yet in force. Turnout threshold repealed and electronic and workplace balloting "
    "lawful, once commenced by regulations. Selectable only explicitly, never by date.",
)
REGIMES = (REGIME_A, REGIME_B, REGIME_C, REGIME_D)


def tulrca(provision: str, section: str, *, amended_by: str = "") -> Citation:
    return Citation(
        short=f"TULRCA {provision}",
        instrument=TULRCA,
        url=f"https://www.legislation.gov.uk/ukpga/1992/52/section/{section}",
        amended_by=amended_by,
    )


def _v(params: Params, source: Citation, notes: str = "") -> tuple[Params, Citation, str]:
    return (params, source, notes)


def _same(
    params: Params, source: Citation, notes: str = ""
) -> dict[str, tuple[Params, Citation, str]]:
    """The same rule in every regime (a rule the 2016 and 2025 Acts left alone)."""
    version = _v(params, source, notes)
    return {"A": version, "B": version, "C": version, "D": version}


PICKETING_CODE = Citation(
    short="Code of Practice: Picketing",
    instrument="Code of Practice: Picketing (issued under TULRCA s203)",
    url="https://www.gov.uk/government/publications/code-of-practice-picketing",
)


def _rules() -> list[Rule]:
    rules: list[Rule] = []

    def add(
        rule_id: str,
        title: str,
        trigger: TriggerEvent,
        versions: dict[str, tuple[Params, Citation, str]],
    ) -> None:
        rules.extend(
            build_rules(
                rule_id=rule_id,
                title=title,
                trigger=trigger,
                regimes=REGIMES,
                versions=versions,
            )
        )

    s226a_1 = tulrca("s226A(1)(a)", "226A")
    add(
        "B-notice",
        "Notice of ballot received by every employer of voters no later than the 7th day "
        "before opening",
        TriggerEvent.BALLOT_NOTICE_RECEIPT,
        _same({"days_before_opening": 7}, s226a_1),
    )
    add(
        "B-sample",
        "Sample voting paper received by every employer no later than the 3rd day before opening",
        TriggerEvent.BALLOT_NOTICE_RECEIPT,
        _same({"days_before_opening": 3}, tulrca("s226A(1)(b)", "226A")),
    )
    detailed_notice: Params = {
        "categories": True,
        "workplaces": True,
        "total_number": True,
        "counts_per_category": True,
        "counts_per_workplace": True,
        "explain_figures": True,
    }
    simple_notice: Params = {
        "categories": True,
        "workplaces": True,
        "total_number": True,
        "counts_per_category": False,
        "counts_per_workplace": False,
        "explain_figures": False,
    }
    s226a_2 = tulrca("s226A(2)-(2D)", "226A")
    s226a_2_era = tulrca("s226A(2)-(2D)", "226A", amended_by=ERA_2025)
    add(
        "B-content",
        "Content of the notice of ballot: categories and workplaces of those to be balloted, "
        "with the numbers the regime requires",
        TriggerEvent.BALLOT_NOTICE_RECEIPT,
        {
            "A": _v(detailed_notice, s226a_2),
            "B": _v(detailed_notice, s226a_2),
            "C": _v(
                simple_notice,
                s226a_2_era,
                "From 18 Feb 2026 the notice gives categories, workplaces and the total number "
                "only. EDF 2009 and Virgin Atlantic 2018: categories must match the employer's "
                "own job structure.",
            ),
            "D": _v(simple_notice, s226a_2_era),
        },
    )
    add(
        "B-scrutineer",
        "Independent scrutineer appointed and named on the voting paper, unless the total "
        "entitled (summed across linked workplace ballots) is 50 or fewer",
        TriggerEvent.BALLOT_OPENING,
        _same(
            {"max_entitled_without_scrutineer": 50},
            tulrca("s226B, s226C", "226C"),
        ),
    )
    add(
        "B-electorate",
        "Entitle exactly those reasonably believed to be induced to take part, and no others",
        TriggerEvent.BALLOT_OPENING,
        _same(
            {},
            tulrca("s227", "227"),
            "British Airways v Unite [2009] EWHC 3541 (QB): balloting leavers (voluntary "
            "redundancy, resigned, transferred) voided the ballot; freeze a correct electorate.",
        ),
    )
    add(
        "B-called",
        "Anyone called out must have been entitled to vote in that constituency; members who "
        "join after the ballot cannot be called",
        TriggerEvent.BALLOT_OPENING,
        _same({}, tulrca("s232A", "232A")),
    )
    add(
        "B-separate",
        "Separate workplace ballots are the default; an aggregated ballot must rely on one of "
        "the s228A tests, recorded",
        TriggerEvent.BALLOT_OPENING,
        _same({}, tulrca("s228, s228A", "228A")),
    )
    add(
        "V-questions",
        "Strike and action short of strike are separate yes/no questions; action may be called "
        "only on a question that passed",
        TriggerEvent.BALLOT_OPENING,
        _same({}, tulrca("s229(2)", "229")),
    )
    no_extra_content: Params = {
        "summary_of_dispute": False,
        "asos_types": False,
        "expected_periods": False,
    }
    add(
        "V-content",
        "Extra content on the voting paper: summary of the dispute, types of action short of "
        "strike, expected period of action",
        TriggerEvent.BALLOT_OPENING,
        {
            "A": _v(no_extra_content, tulrca("s229", "229")),
            "B": _v(
                {"summary_of_dispute": True, "asos_types": True, "expected_periods": True},
                tulrca("s229(2B)-(2D)", "229", amended_by=f"{TUA_2016} s5"),
            ),
            "C": _v(
                no_extra_content,
                tulrca("s229", "229", amended_by=ERA_2025),
                "Repealed for ballots opening on or after 18 Feb 2026.",
            ),
            "D": _v(no_extra_content, tulrca("s229", "229", amended_by=ERA_2025)),
        },
    )
    s230 = tulrca("s230", "230")
    postal_note = (
        "Royal Mail v CWU [2019] EWCA Civ 2150: papers intercepted at work voided the ballot; "
        "campaigning must never ask members to vote at work, hand papers in or photograph votes."
    )
    add(
        "V-post",
        "Voting by post to the member's home address and back by post",
        TriggerEvent.BALLOT_OPENING,
        {
            "A": _v({"postal_only": True}, s230, postal_note),
            "B": _v({"postal_only": True}, s230, postal_note),
            "C": _v({"postal_only": True}, s230, postal_note),
            "D": _v(
                {"postal_only": False},
                tulrca("s230", "230", amended_by=ERA_2025),
                "Not yet in force: electronic and workplace balloting lawful once commenced.",
            ),
        },
    )
    turnout = tulrca("s226(2)(a)(iia)", "226", amended_by=f"{TUA_2016} s2")
    add(
        "T-turnout",
        "At least half of those entitled to vote did vote (spoiled papers count as votes)",
        TriggerEvent.BALLOT_OPENING,
        {
            "A": _v(
                {"applies": False},
                tulrca("s226(2)", "226"),
                "No turnout threshold for ballots opened before 1 Mar 2017.",
            ),
            "B": _v({"applies": True, "share": Fraction(1, 2)}, turnout),
            "C": _v(
                {"applies": True, "share": Fraction(1, 2)},
                turnout,
                "Still applies after 18 Feb 2026 until regulations bring its repeal into force "
                "with electronic balloting.",
            ),
            "D": _v(
                {"applies": False},
                tulrca("s226(2)(a)(iia)", "226", amended_by=ERA_2025),
                "Not yet in force: turnout threshold repealed.",
            ),
        },
    )
    add(
        "T-majority",
        "A majority of those voting answered yes to the question",
        TriggerEvent.BALLOT_OPENING,
        _same(
            {"share": Fraction(1, 2), "strict": True, "basis": "yes_no"},
            tulrca("s226(2)(a)(iii)", "226"),
            "Counted as yes > no: blank and spoiled papers count for turnout, not for the "
            "majority. The reading 'more than half of all papers returned' is reported too "
            "wherever it gives a different answer.",
        ),
    )
    add(
        "T-ips",
        "Important public services (health, education of under-17s, fire, transport, border "
        "security, nuclear decommissioning): yes votes at least 40% of those entitled",
        TriggerEvent.BALLOT_OPENING,
        {
            "A": _v(
                {"applies": False},
                tulrca("s226(2)", "226"),
                "No 40% support threshold for ballots opened before 1 Mar 2017.",
            ),
            "B": _v(
                {"applies": True, "share": Fraction(2, 5)},
                tulrca("s226(2B)-(2F)", "226", amended_by=f"{TUA_2016} s3"),
                "Applies where the majority of those entitled are normally engaged in important "
                "public services as defined by the Important Public Services Regulations 2017 "
                "(SI 2017/132-136).",
            ),
            "C": _v(
                {"applies": False},
                tulrca("s226(2B)-(2F)", "226", amended_by=ERA_2025),
                "Repealed for ballots opening on or after 18 Feb 2026.",
            ),
            "D": _v(
                {"applies": False},
                tulrca("s226(2B)-(2F)", "226", amended_by=ERA_2025),
                "Repealed.",
            ),
        },
    )
    add(
        "T-inform",
        "Tell every entitled member, actively, and every employer: entitled, cast, yes, no, "
        "spoiled, and whether each threshold was met, as soon as reasonably practicable",
        TriggerEvent.BALLOT_OPENING,
        _same(
            {"recommended_days_after_close": 0},
            tulrca("s231, s231A", "231A"),
            "Metrobus v Unite [2009] EWCA Civ 829: a result notice sent two days late, without "
            "the figures explained, lost the union its immunity. Send result notices the same "
            "day the scrutineer reports; no notice of action before they are sent.",
        ),
    )
    s234a = tulrca("s234A(4)", "234A")
    add(
        "A-notice",
        "Notice of action received by the employer after the s231A result notice and no later "
        "than N days before the first day of action",
        TriggerEvent.ACTION_NOTICE_RECEIPT,
        {
            "A": _v(
                {"days": 7, "days_by_agreement": None},
                s234a,
                "The 7th day before the starting date (as amended by the Employment Relations "
                "Act 2004).",
            ),
            "B": _v(
                {"days": 14, "days_by_agreement": 7},
                tulrca("s234A(4)", "234A", amended_by=f"{TUA_2016} s8"),
                "14 days, or 7 if the union and the employer so agree. SI 2017/139: applies to "
                "notices the employer receives on or after 1 Mar 2017.",
            ),
            "C": _v(
                {"days": 10, "days_by_agreement": None},
                tulrca("s234A(4)", "234A", amended_by=ERA_2025),
                "10 days for notices received on or after 18 Feb 2026; no shorter period by "
                "agreement.",
            ),
            "D": _v(
                {"days": 10, "days_by_agreement": None},
                tulrca("s234A(4)", "234A", amended_by=ERA_2025),
            ),
        },
    )
    s234a_3 = tulrca("s234A(3)-(3F)", "234A")
    add(
        "A-content",
        "Notice of action lists categories and workplaces (with the counts the regime requires) "
        "and says whether action is continuous (start date) or discontinuous (every date); an "
        "extra date needs a new notice",
        TriggerEvent.ACTION_NOTICE_RECEIPT,
        {
            "A": _v(detailed_notice, s234a_3),
            "B": _v(detailed_notice, s234a_3),
            "C": _v(
                simple_notice,
                tulrca("s234A(3)-(3F)", "234A", amended_by=ERA_2025),
                "From 18 Feb 2026 the number of workers in each category is no longer needed.",
            ),
            "D": _v(simple_notice, tulrca("s234A(3)-(3F)", "234A", amended_by=ERA_2025)),
        },
    )
    add(
        "A-mandate",
        "Action only within the mandate, a period beginning with the date of the ballot",
        TriggerEvent.BALLOT_OPENING,
        {
            "A": _v(
                {"weeks": 4, "weeks_by_agreement": 8, "limits": "start_of_action"},
                tulrca("s234(1)-(2)", "234"),
                "Action had to begin within 4 weeks beginning with the date of the ballot (up to "
                "8 by agreement with the employer); once begun, the ballot did not expire.",
            ),
            "B": _v(
                {"months": 6, "months_by_agreement": 9, "limits": "all_action"},
                tulrca("s234(1)-(2)", "234", amended_by=f"{TUA_2016} s9"),
                "6 months beginning with the date of the ballot, or up to 9 by agreement with "
                "the employer.",
            ),
            "C": _v(
                {"months": 12, "months_by_agreement": None, "limits": "all_action"},
                tulrca("s234(1)", "234", amended_by=ERA_2025),
                "12 months for ballots opening on or after 18 Feb 2026; no extension.",
            ),
            "D": _v(
                {"months": 12, "months_by_agreement": None, "limits": "all_action"},
                tulrca("s234(1)", "234", amended_by=ERA_2025),
            ),
        },
    )
    add(
        "A-early",
        "No call to action before the ballot closes; the call is made by the person named on "
        "the voting paper",
        TriggerEvent.BALLOT_OPENING,
        _same({}, tulrca("s233", "233")),
    )
    add(
        "P-place",
        "Lawful picketing is at or near one's own place of work",
        TriggerEvent.PICKETING,
        _same({}, tulrca("s220", "220")),
    )
    add(
        "P-six",
        "In general no more than six pickets at any entrance to a workplace (guidance: warn "
        "above six)",
        TriggerEvent.PICKETING,
        _same(
            {"max_pickets_per_entrance": 6},
            PICKETING_CODE,
            "Guidance, not a statutory limit: a warning, never a block.",
        ),
    )
    s220a = tulrca("s220A", "220A", amended_by=f"{TUA_2016} s10")
    add(
        "P-supervisor",
        "Picket supervisor per site: a union official or member familiar with the Code, with a "
        "letter of authorisation, identifiable and contactable",
        TriggerEvent.PICKETING,
        {
            "A": _v(
                {"applies": False},
                tulrca("s220", "220"),
                "Not a legal requirement before 1 Mar 2017 (the Code recommended an organiser).",
            ),
            "B": _v({"applies": True}, s220a),
            "C": _v(
                {"applies": False},
                tulrca("s220A", "220A", amended_by=ERA_2025),
                "Repealed for picketing on or after 18 Feb 2026.",
            ),
            "D": _v(
                {"applies": False},
                tulrca("s220A", "220A", amended_by=ERA_2025),
                "Repealed.",
            ),
        },
    )
    return rules


@cache
def rulebook() -> Rulebook:
    """The Great Britain rulebook (TULRCA 1992, regimes A to D)."""
    return Rulebook(
        jurisdiction="gb",
        name="Great Britain (TULRCA 1992)",
        description="England, Wales and Scotland: TULRCA 1992 as amended by the Trade Union Act "
        "2016 and the Employment Rights Act 2025.",
        regimes=REGIMES,
        rules=tuple(_rules()),
    )
