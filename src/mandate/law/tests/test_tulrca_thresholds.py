"""Threshold rules with the statute's numbers, one table per provision (TULRCA s226)."""

from __future__ import annotations

import datetime as dt

import pytest

from mandate.law import LawError, evaluate_ballot, percent, rulebook_for

GB = rulebook_for("gb")
# The 2021 UCU pensions ballot: opened 18 October, closed 4 November.
OPENS_2021 = dt.date(2021, 10, 18)
CLOSES_2021 = dt.date(2021, 11, 4)


def gb_ballot(opens: dt.date = OPENS_2021, closes: dt.date = CLOSES_2021, **counts: int | bool):
    return evaluate_ballot(GB, opens=opens, closes=closes, **counts)  # type: ignore[arg-type]


def test_s226_2_a_iia_manchester_1046_of_2094_is_below_50_percent_no_mandate() -> None:
    outcome = gb_ballot(entitled=2094, votes_cast=1046, yes=800, no=240)

    assert outcome.turnout_met is False
    assert outcome.mandate is False
    assert outcome.last_day is None
    assert outcome.turnout == "49.95%"
    texts = [r.text for r in outcome.reasons if r.rule_id == "T-turnout"]
    assert texts == [
        "turnout 1,046 of 2,094 = 49.95%, below 50%: no mandate, TULRCA s226(2)(a)(iia)"
    ]


def test_s226_2_a_iia_exactly_half_1047_of_2094_meets_threshold_and_shows_50_00() -> None:
    outcome = gb_ballot(entitled=2094, votes_cast=1047, yes=800, no=240)

    assert outcome.turnout_met is True
    assert outcome.mandate is True
    assert outcome.turnout == "50.00%"
    assert "1,047 of 2,094 = 50.00%, at least 50%: threshold met" in outcome.reasons[0].text


@pytest.mark.parametrize(
    ("entitled", "votes_cast", "met", "shown"),
    [
        (2094, 1046, False, "49.95%"),
        (2094, 1047, True, "50.00%"),
        (100, 50, True, "50.00%"),
        (100, 49, False, "49.00%"),
        (3, 2, True, "66.66%"),  # truncated, not rounded up to 66.67%
        (3, 1, False, "33.33%"),
        (1, 1, True, "100.00%"),
        (1, 0, False, "0.00%"),
        (200001, 100000, False, "49.99%"),  # 49.9997...% must not display as 50.00%
    ],
)
def test_s226_2_a_iia_turnout_threshold_table(
    entitled: int, votes_cast: int, met: bool, shown: str
) -> None:
    outcome = gb_ballot(entitled=entitled, votes_cast=votes_cast, yes=votes_cast, no=0)
    assert outcome.turnout_met is met
    assert outcome.turnout == shown


def test_s226_2_a_iia_spoiled_papers_count_towards_turnout() -> None:
    # 1,000 answered, 47 spoiled: 1,047 papers returned is exactly half of 2,094.
    outcome = gb_ballot(entitled=2094, votes_cast=1047, yes=600, no=400, spoiled=47)
    assert outcome.turnout_met is True
    assert outcome.spoiled == 47


def test_s226_2_regime_a_ballot_opened_2017_02_28_has_no_turnout_threshold() -> None:
    outcome = gb_ballot(
        opens=dt.date(2017, 2, 28),
        closes=dt.date(2017, 3, 20),
        entitled=1000,
        votes_cast=200,
        yes=150,
        no=50,
    )
    assert outcome.regime == "A"
    assert outcome.turnout_required is False
    assert outcome.mandate is True


def test_s226_2_a_iia_ballot_opened_2017_03_01_needs_50_percent() -> None:
    outcome = gb_ballot(
        opens=dt.date(2017, 3, 1),
        closes=dt.date(2017, 3, 20),
        entitled=1000,
        votes_cast=200,
        yes=150,
        no=50,
    )
    assert outcome.regime == "B"
    assert outcome.turnout_required is True
    assert outcome.mandate is False


def test_s226_2_a_iia_turnout_still_applies_in_regime_c() -> None:
    outcome = gb_ballot(
        opens=dt.date(2026, 3, 2),
        closes=dt.date(2026, 3, 30),
        entitled=1000,
        votes_cast=499,
        yes=499,
        no=0,
    )
    assert outcome.regime == "C"
    assert outcome.turnout_required is True
    assert outcome.mandate is False


def test_s226_2_a_iia_regime_d_repeal_only_when_selected_explicitly() -> None:
    counts = {"entitled": 1000, "votes_cast": 300, "yes": 200, "no": 100}
    by_date = gb_ballot(opens=dt.date(2030, 1, 1), closes=dt.date(2030, 1, 29), **counts)
    assert by_date.regime == "C"
    assert by_date.mandate is False

    what_if = evaluate_ballot(
        GB, opens=dt.date(2030, 1, 1), closes=dt.date(2030, 1, 29), regime="D", **counts
    )
    assert what_if.regime == "D"
    assert what_if.turnout_required is False
    assert what_if.mandate is True
    assert "not yet in force" in what_if.reasons[0].text


@pytest.mark.parametrize(
    ("yes", "no", "spoiled", "met", "other_met"),
    [
        (501, 500, 0, True, True),
        (500, 500, 0, False, False),  # a tie is not a majority
        (500, 499, 10, True, False),  # yes > no, but not more than half of 1,009 papers
        (0, 0, 10, False, False),
    ],
)
def test_s226_2_a_iii_majority_is_yes_over_no_reported_both_ways(
    yes: int, no: int, spoiled: int, met: bool, other_met: bool
) -> None:
    votes = yes + no + spoiled
    outcome = gb_ballot(entitled=votes, votes_cast=votes, yes=yes, no=no, spoiled=spoiled)
    assert outcome.majority_met is met
    assert outcome.majority_other_reading_met is other_met
    differs = [r for r in outcome.reasons if "readings differ" in r.text]
    assert bool(differs) is (met != other_met)


@pytest.mark.parametrize(
    ("opens", "yes", "required", "met", "mandate"),
    [
        (dt.date(2025, 1, 6), 838, True, True, True),  # 838 / 2,094 = 40.01%
        (dt.date(2025, 1, 6), 837, True, False, False),  # 39.97%
        (dt.date(2026, 2, 17), 837, True, False, False),  # last opening day under regime B
        (dt.date(2026, 2, 18), 837, False, True, True),  # s226(2B) repealed by ERA 2025
        (dt.date(2017, 2, 28), 837, False, True, True),  # before the Trade Union Act 2016
    ],
)
def test_s226_2b_important_public_services_40_percent_of_entitled(
    opens: dt.date, yes: int, required: bool, met: bool, mandate: bool
) -> None:
    outcome = evaluate_ballot(
        GB,
        opens=opens,
        closes=opens + dt.timedelta(days=21),
        entitled=2094,
        votes_cast=1200,
        yes=yes,
        no=1200 - yes,
        important_public_services=True,
    )
    assert outcome.ips_required is required
    assert outcome.ips_met is met
    assert outcome.mandate is mandate


def test_s226_2b_reason_shows_truncated_share_and_citation() -> None:
    outcome = gb_ballot(
        entitled=2094, votes_cast=1200, yes=837, no=363, important_public_services=True
    )
    (reason,) = [r for r in outcome.reasons if r.rule_id == "T-ips"]
    assert reason.text == (
        "important public services: 837 yes of 2,094 entitled = 39.97%, below 40%: no mandate, "
        "TULRCA s226(2B)-(2F)"
    )


def test_s226c_scrutineer_not_required_at_50_entitled_required_at_51() -> None:
    small = gb_ballot(entitled=50, votes_cast=40, yes=30, no=10)
    large = gb_ballot(entitled=51, votes_cast=40, yes=30, no=10)
    assert (
        "no scrutineer required"
        in [r for r in small.reasons if r.rule_id == "B-scrutineer"][0].text
    )
    assert (
        "scrutineer is required"
        in [r for r in large.reasons if r.rule_id == "B-scrutineer"][0].text
    )


def test_s234_mandate_on_successful_ballot_carries_last_day() -> None:
    outcome = gb_ballot(
        opens=dt.date(2026, 3, 2),
        closes=dt.date(2026, 3, 31),
        entitled=100,
        votes_cast=60,
        yes=40,
        no=20,
    )
    assert outcome.mandate is True
    assert outcome.mandate_starts == dt.date(2026, 3, 31)
    assert outcome.last_day == dt.date(2027, 3, 30)


@pytest.mark.parametrize(
    ("counts", "field"),
    [
        ({"entitled": 0, "votes_cast": 0, "yes": 0, "no": 0}, "entitled"),
        ({"entitled": 10, "votes_cast": 11, "yes": 6, "no": 5}, "votes_cast"),
        ({"entitled": 10, "votes_cast": 5, "yes": 4, "no": 3}, "votes_cast"),
        ({"entitled": 10, "votes_cast": 5, "yes": 3, "no": 1, "spoiled": 2}, "spoiled"),
        ({"entitled": 10, "votes_cast": -1, "yes": 0, "no": 0}, "votes_cast"),
        ({"entitled": 10, "votes_cast": True, "yes": 0, "no": 0}, "votes_cast"),
    ],
)
def test_evaluate_ballot_rejects_inconsistent_counts_naming_the_field(
    counts: dict[str, int], field: str
) -> None:
    with pytest.raises(LawError) as caught:
        gb_ballot(**counts)
    assert caught.value.field == field
    assert caught.value.message.startswith(f"{field}:")


def test_percent_is_truncated_towards_the_true_value() -> None:
    assert percent(1046, 2094) == "49.95%"
    assert percent(1047, 2094) == "50.00%"
    assert percent(2, 3) == "66.66%"
    assert percent(99999, 100000) == "99.99%"


def test_outcome_to_dict_is_json_ready() -> None:
    import json

    data = gb_ballot(entitled=2094, votes_cast=1046, yes=800, no=240).to_dict()
    assert json.loads(json.dumps(data))["mandate"] is False
    assert data["reasons"][0]["source"] == "TULRCA s226(2)(a)(iia)"
