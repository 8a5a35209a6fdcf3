"""Report names meet the union's own constituency names: aliases, normalisation, suggestions."""

from __future__ import annotations

import pytest

from mandate.ballots.matching import MatchKind, acronyms, match_names, normalise

OURS = {
    "University College London": "ucl",
    "University of Manchester": "manchester",
    "Manchester Metropolitan University": "mmu",
    "Birkbeck, University of London": "birkbeck",
    "London School of Hygiene and Tropical Medicine": "lshtm",
    "University of the Arts London": "ual",
    "King's College London": "kcl",
    "Queen Mary University of London": "qmul",
    "University of Wales Trinity Saint David": "uwtsd",
    "University of the West of England": "uwe",
    "University of Westminster": "westminster",
    "Liverpool Institute of Performing Arts": "lipa",
    "Université de Montréal": "montreal",
}


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("The University of Manchester", "University of Manchester"),
        ("Manchester University", "University of Manchester"),
        ("University of the Arts, London", "University of the Arts London"),
        (
            "London School of Hygiene & Tropical Medicine",
            "London School of Hygiene and Tropical Medicine",
        ),
        ("Kings College London", "King’s College London"),
        ("  university  of  BATH ", "Bath University"),
        ("Birkbeck, UoL", "Birkbeck University of London"),
        ("Universite de Montreal", "Université de Montréal"),
    ],
)
def test_names_that_normalise_alike(a: str, b: str) -> None:
    assert normalise(a) == normalise(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("University of Manchester", "Manchester Metropolitan University"),
        ("University College London", "University of London"),
        ("University of the West of England", "University of West London"),
    ],
)
def test_different_bodies_stay_apart(a: str, b: str) -> None:
    assert normalise(a) != normalise(b)


def test_acronyms_skip_small_words() -> None:
    assert "ucl" in acronyms("University College London")
    assert "lshtm" in acronyms("London School of Hygiene and Tropical Medicine")
    assert "uwtsd" in acronyms("University of Wales Trinity Saint David")
    assert "lipa" in acronyms("Liverpool Institute of Performing Arts (LIPA)")


def test_matching_report_names_from_the_pay_report() -> None:
    report_names = [
        "UCL",
        "The University of Manchester",
        "Manchester Metropolitan University",
        "Birkbeck, UoL",
        "London School of Hygiene and Tropical Medicine",
        "University of the Arts, London",
        "King's College London ",
        "QMUL",
        "UWTSD",
        "University of West London",
        "Liverpool Institute of Performing Arts (LIPA)",
    ]
    result = match_names(report_names, OURS, {})
    assert result.matched == {
        "The University of Manchester": "manchester",
        "Manchester Metropolitan University": "mmu",
        "Birkbeck, UoL": "birkbeck",
        "London School of Hygiene and Tropical Medicine": "lshtm",
        "University of the Arts, London": "ual",
        "King's College London ": "kcl",
        "Liverpool Institute of Performing Arts (LIPA)": "lipa",
    }
    assert result.how["King's College London "] is MatchKind.EXACT
    assert result.how["The University of Manchester"] is MatchKind.NORMALISED
    # Initials are never matched silently, only suggested first.
    assert set(result.unmatched) == {"UCL", "QMUL", "UWTSD", "University of West London"}
    ucl = result.unmatched["UCL"][0]
    assert (ucl.name, ucl.key, ucl.score) == ("University College London", "ucl", 0.95)
    assert "initials" in ucl.reason
    assert result.unmatched["QMUL"][0].key == "qmul"
    assert result.unmatched["UWTSD"][0].key == "uwtsd"
    west_london = [s.key for s in result.unmatched["University of West London"]]
    assert "uwe" in west_london[:3]
    assert result.shared == {}


def test_full_name_in_report_suggests_our_acronym() -> None:
    result = match_names(["University College London"], {"UCL": 7}, {})
    assert result.matched == {}
    assert [(s.name, s.key) for s in result.unmatched["University College London"]] == [("UCL", 7)]


def test_remembered_alias_wins_over_everything() -> None:
    aliases = {"UCL": "ucl", "The University of Manchester": "mmu"}
    result = match_names(["ucl ", "The  University of Manchester"], OURS, aliases)
    assert result.matched == {"ucl ": "ucl", "The  University of Manchester": "mmu"}
    assert set(result.how.values()) == {MatchKind.ALIAS}


def test_aliases_also_match_after_normalisation() -> None:
    result = match_names(["Univ. College, London"], {"UCL": 1}, {"University College London": 1})
    assert result.matched == {"Univ. College, London": 1}


def test_ambiguous_normalised_names_are_left_to_a_person() -> None:
    known = {"University of Bath": 1, "Bath University": 2}
    result = match_names(["The University of Bath"], known, {})
    assert result.matched == {}
    assert {s.key for s in result.unmatched["The University of Bath"]} == {1, 2}


def test_two_report_names_landing_on_one_constituency_are_flagged() -> None:
    result = match_names(["University of Manchester", "Manchester University"], OURS, {})
    assert result.shared == {"manchester": ["University of Manchester", "Manchester University"]}


def test_names_are_matched_once_each_and_nonsense_gets_no_suggestions() -> None:
    result = match_names(["Zzyzx", "Zzyzx"], OURS, {})
    assert result.unmatched == {"Zzyzx": []}


def test_suggestions_are_ranked_and_capped() -> None:
    known = {f"University of Testshire {n}": n for n in range(10)}
    suggestions = match_names(["University of Testshire"], known, {}).unmatched[
        "University of Testshire"
    ]
    assert len(suggestions) == 5
    assert [s.score for s in suggestions] == sorted((s.score for s in suggestions), reverse=True)


def test_shared_generic_words_do_not_make_a_suggestion() -> None:
    # "University" is in nearly every name: it must not tie Bolton to Liverpool.
    result = match_names(
        ["Bolton University", "Leeds Beckett University"],
        {"University of Liverpool": 1, "University of Manchester": 2},
        {},
    )
    assert result.unmatched == {"Bolton University": [], "Leeds Beckett University": []}
