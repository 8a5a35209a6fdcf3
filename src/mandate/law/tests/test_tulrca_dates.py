"""Date rules with the statute's numbers: s226A notices, s234A notice of action, s234 mandate."""

from __future__ import annotations

import datetime as dt

import pytest

from mandate.law import (
    LawError,
    action_notice_deadline,
    add_months,
    ballot_timetable,
    notice_in_time,
    parse_date,
    rulebook_for,
)

GB = rulebook_for("gb")
D = dt.date


def test_s226A_1_a_ballot_notice_received_7_days_before_opening() -> None:
    timetable = ballot_timetable(GB, opens=D(2026, 3, 10), closes=D(2026, 3, 31))
    notice = timetable.deadline("B-notice")
    assert notice.date == D(2026, 3, 3)
    assert notice.source.short == "TULRCA s226A(1)(a)"
    assert "2026-03-10 - 7 days = 2026-03-03" in notice.explanation


def test_s226A_1_b_sample_paper_received_3_days_before_opening() -> None:
    timetable = ballot_timetable(GB, opens=D(2026, 3, 10), closes=D(2026, 3, 31))
    assert timetable.deadline("B-sample").date == D(2026, 3, 7)


def test_s226A_2_notice_content_regime_follows_receipt_date() -> None:
    # Opening 2026-02-24: latest receipt 2026-02-17, the last day of regime B content.
    before = ballot_timetable(GB, opens=D(2026, 2, 24), closes=D(2026, 3, 17))
    after = ballot_timetable(GB, opens=D(2026, 2, 25), closes=D(2026, 3, 17))
    assert before.regimes["ballot_notice"] == "B"
    assert after.regimes["ballot_notice"] == "C"
    (content,) = [r for r in after.requirements if r.rule_id == "B-content"]
    assert "the number in each category" not in content.text.split(";")[0]
    assert "if received on or before 2026-02-17, regime B applies" in content.text


@pytest.mark.parametrize(
    ("first_action", "agreed", "latest", "regime"),
    [
        (D(2017, 3, 20), False, D(2017, 3, 6), "B"),
        (D(2025, 6, 16), False, D(2025, 6, 2), "B"),
        (D(2025, 6, 16), True, D(2025, 6, 9), "B"),
        (D(2026, 3, 16), False, D(2026, 3, 6), "C"),
        (D(2026, 3, 16), True, D(2026, 3, 6), "C"),  # no shorter period by agreement in C
        (D(2016, 11, 21), False, D(2016, 11, 14), "A"),
    ],
)
def test_s234A_4_notice_of_action_latest_receipt_table(
    first_action: dt.date, agreed: bool, latest: dt.date, regime: str
) -> None:
    deadline = action_notice_deadline(GB, first_action=first_action, by_agreement=agreed)
    assert deadline is not None
    assert (deadline.date, deadline.regime) == (latest, regime)
    assert deadline.source.short == "TULRCA s234A(4)"


def test_s234A_notice_of_action_regime_b_14_days() -> None:
    deadline = action_notice_deadline(GB, first_action=D(2025, 10, 20))
    assert deadline is not None
    assert deadline.date == D(2025, 10, 6)
    assert "- 14 days" in deadline.explanation


def test_s234A_notice_of_action_regime_c_10_days() -> None:
    deadline = action_notice_deadline(GB, first_action=D(2026, 11, 30))
    assert deadline is not None
    assert deadline.date == D(2026, 11, 20)


def test_s234A_notice_received_2026_02_17_needs_14_days_received_02_18_needs_10() -> None:
    first = D(2026, 3, 2)
    on_17 = notice_in_time(GB, received=D(2026, 2, 17), first_action=first)
    on_18 = notice_in_time(GB, received=D(2026, 2, 18), first_action=first)
    assert on_17.ok is False  # 17 Feb + 14 days = 3 March
    assert on_18.ok is True  # 18 Feb + 10 days = 28 February
    assert "regime B: 14 days" in on_17.text
    assert "regime C: 10 days" in on_18.text


def test_s234A_notice_received_2017_02_28_needs_7_days_received_03_01_needs_14() -> None:
    first = D(2017, 3, 10)
    assert notice_in_time(GB, received=D(2017, 2, 28), first_action=first).ok is True
    assert notice_in_time(GB, received=D(2017, 3, 1), first_action=first).ok is False


def test_s234A_latest_receipt_across_a_regime_change_never_lands_in_the_longer_regime() -> None:
    # Action on 2017-03-10: a notice received 1 March would need 14 days, so the latest safe
    # receipt is 28 February under the 7-day regime.
    deadline = action_notice_deadline(GB, first_action=D(2017, 3, 10))
    assert deadline is not None
    assert (deadline.date, deadline.regime) == (D(2017, 2, 28), "A")
    assert "latest safe receipt is 2017-02-28" in deadline.explanation


def test_s234_mandate_regime_b_6_months_less_a_day() -> None:
    timetable = ballot_timetable(GB, opens=D(2025, 10, 1), closes=D(2025, 10, 23))
    assert timetable.mandate is not None
    assert timetable.mandate.starts == D(2025, 10, 23)
    assert timetable.mandate.last_day == D(2026, 4, 22)
    assert timetable.regimes["mandate"] == "B"


def test_s234_2_mandate_regime_b_9_months_by_agreement() -> None:
    timetable = ballot_timetable(
        GB, opens=D(2025, 10, 1), closes=D(2025, 10, 23), extension_agreed=True
    )
    assert timetable.mandate is not None
    assert timetable.mandate.last_day == D(2026, 7, 22)
    assert timetable.mandate.extended is True


def test_s234_mandate_regime_c_12_months() -> None:
    timetable = ballot_timetable(GB, opens=D(2026, 2, 18), closes=D(2026, 3, 11))
    assert timetable.mandate is not None
    assert timetable.mandate.last_day == D(2027, 3, 10)
    assert timetable.mandate.regime == "C"


def test_s234_mandate_regime_c_has_no_extension_by_agreement() -> None:
    timetable = ballot_timetable(
        GB, opens=D(2026, 2, 18), closes=D(2026, 3, 11), extension_agreed=True
    )
    assert timetable.mandate is not None
    assert timetable.mandate.last_day == D(2027, 3, 10)
    assert timetable.mandate.extended is False
    assert "allows no extension" in timetable.mandate.explanation


def test_s234_mandate_chosen_by_opening_2026_02_17_vs_2026_02_18() -> None:
    closes = D(2026, 3, 10)
    b = ballot_timetable(GB, opens=D(2026, 2, 17), closes=closes).mandate
    c = ballot_timetable(GB, opens=D(2026, 2, 18), closes=closes).mandate
    assert b is not None and c is not None
    assert (b.regime, b.last_day) == ("B", D(2026, 9, 9))
    assert (c.regime, c.last_day) == ("C", D(2027, 3, 9))


def test_s234_mandate_regime_a_4_weeks_from_date_of_ballot() -> None:
    timetable = ballot_timetable(GB, opens=D(2017, 2, 28), closes=D(2017, 3, 21))
    assert timetable.mandate is not None
    assert timetable.mandate.regime == "A"
    assert timetable.mandate.last_day == D(2017, 4, 17)  # 21 March + 28 days - 1
    assert timetable.mandate.limits == "start_of_action"


def test_s234_mandate_opening_2017_02_28_vs_2017_03_01() -> None:
    closes = D(2017, 3, 21)
    a = ballot_timetable(GB, opens=D(2017, 2, 28), closes=closes).mandate
    b = ballot_timetable(GB, opens=D(2017, 3, 1), closes=closes).mandate
    assert a is not None and b is not None
    assert a.regime == "A" and b.regime == "B"
    assert b.last_day == D(2017, 9, 20)


@pytest.mark.parametrize(
    ("closes", "last_day"),
    [
        (D(2025, 8, 31), D(2026, 2, 27)),  # regime B; no 31 Feb: clamp to 28 Feb, day before
        (D(2023, 8, 31), D(2024, 2, 28)),  # leap year: clamp to 29 Feb, day before
        (D(2025, 8, 30), D(2026, 2, 27)),
        (D(2025, 8, 28), D(2026, 2, 27)),
        (D(2025, 9, 1), D(2026, 2, 28)),
        (D(2025, 3, 31), D(2025, 9, 29)),  # no 31 Sep: clamp to 30 Sep, day before
        (D(2027, 1, 31), D(2028, 1, 30)),  # regime C: 12 months
        (D(2028, 2, 29), D(2029, 2, 27)),  # regime C: no 29 Feb 2029
        (D(2026, 12, 31), D(2027, 12, 30)),
    ],
)
def test_s234_mandate_month_end_clamping(closes: dt.date, last_day: dt.date) -> None:
    timetable = ballot_timetable(GB, opens=closes - dt.timedelta(days=21), closes=closes)
    assert timetable.mandate is not None
    assert timetable.mandate.last_day == last_day


def test_s234_closing_31_august_explains_the_clamp() -> None:
    timetable = ballot_timetable(GB, opens=D(2025, 8, 4), closes=D(2025, 8, 31))
    assert timetable.mandate is not None
    assert "clamped to the month's end" in timetable.mandate.explanation


def test_add_months_clamps_and_reports_it() -> None:
    assert add_months(D(2025, 8, 31), 6) == (D(2026, 2, 28), True)
    assert add_months(D(2025, 1, 15), 13) == (D(2026, 2, 15), False)
    assert add_months(D(2025, 12, 31), 2) == (D(2026, 2, 28), True)


def test_s231_result_notice_recommended_on_the_closing_day() -> None:
    timetable = ballot_timetable(GB, opens=D(2026, 3, 2), closes=D(2026, 3, 30))
    inform = timetable.deadline("T-inform")
    assert inform.date == D(2026, 3, 30)
    assert inform.kind == "recommended"
    assert "Metrobus" in inform.explanation


def test_s220A_picket_supervisor_by_picketing_date() -> None:
    def supervisor_needed(first_action: dt.date) -> bool:
        timetable = ballot_timetable(
            GB, opens=D(2025, 12, 1), closes=D(2026, 1, 5), first_action=first_action
        )
        return any(r.rule_id == "P-supervisor" for r in timetable.requirements)

    assert supervisor_needed(D(2026, 2, 17)) is True
    assert supervisor_needed(D(2026, 2, 18)) is False


def test_s234A_earliest_first_action_uses_the_shorter_later_regime() -> None:
    # Closes 2026-02-17: a notice received that day needs 14 days (3 March), one received the
    # next day needs 10 (28 February).
    timetable = ballot_timetable(GB, opens=D(2026, 1, 20), closes=D(2026, 2, 17))
    assert timetable.mandate is not None
    assert timetable.mandate.earliest_first_action == D(2026, 2, 28)


def test_notice_received_before_the_ballot_closed_fails() -> None:
    timetable = ballot_timetable(
        GB,
        opens=D(2026, 3, 2),
        closes=D(2026, 3, 30),
        first_action=D(2026, 4, 20),
        notice_received=D(2026, 3, 27),
    )
    failed = [c for c in timetable.checks if not c.ok]
    assert failed and "before the ballot closed" in failed[0].text


def test_first_action_after_mandate_fails_the_mandate_check() -> None:
    timetable = ballot_timetable(
        GB, opens=D(2025, 6, 2), closes=D(2025, 6, 30), first_action=D(2026, 1, 5)
    )
    (check,) = [c for c in timetable.checks if c.rule_id == "A-mandate"]
    assert check.ok is False
    assert "outside the mandate" in check.text


def test_timetable_rejects_closing_before_opening_naming_the_field() -> None:
    with pytest.raises(LawError) as caught:
        ballot_timetable(GB, opens=D(2026, 3, 2), closes=D(2026, 3, 1))
    assert caught.value.field == "closes"


def test_timetable_rejects_notice_received_without_first_action() -> None:
    with pytest.raises(LawError) as caught:
        ballot_timetable(
            GB, opens=D(2026, 3, 2), closes=D(2026, 3, 30), notice_received=D(2026, 4, 1)
        )
    assert caught.value.field == "notice_received"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2026-02-18", D(2026, 2, 18)), ("18/02/2026", D(2026, 2, 18)), ("1/3/2026", D(2026, 3, 1))],
)
def test_parse_date_accepts_iso_and_uk(text: str, expected: dt.date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["2026-02-30", "31/02/2026", "02/18/2026", "tomorrow", ""])
def test_parse_date_rejects_with_the_field_named(text: str) -> None:
    with pytest.raises(LawError) as caught:
        parse_date(text, field="--opens")
    assert caught.value.message.startswith("--opens:")
