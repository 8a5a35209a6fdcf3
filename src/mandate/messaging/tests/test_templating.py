"""Merge fields are whitelisted and checked before anything is queued; SMS length in segments."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mandate.messaging.templating import (
    MERGE_FIELDS,
    TemplateError,
    parse_template,
    sms_length,
)


def test_render_fills_fields_and_keeps_literal_braces() -> None:
    t = parse_template("Hi {first_name} of {branch}: {{not a field}}")
    assert t.fields == {"first_name", "branch"}
    assert t.render({"first_name": "Mo", "branch": "Liverpool"}) == (
        "Hi Mo of Liverpool: {not a field}"
    )


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("Hi {firstname}", "{firstname} is not a merge field"),
        ("Hi {}", "an empty {} is not allowed"),
        ("Hi {0}", "{0} is not a merge field"),
        ("Hi {first_name.__class__}", "is not a merge field"),
        ("Hi {first_name[0]}", "is not a merge field"),
        ("Hi {first_name!r}", "write the field as {first_name}"),
        ("Hi {first_name:>20}", "write the field as {first_name}"),
        ("Hi {first_name", "a '{' has no closing '}'"),
        ("Hi first_name}", "a '}' has no opening '{'"),
    ],
)
def test_bad_templates_are_refused_with_a_reason(text: str, fragment: str) -> None:
    with pytest.raises(TemplateError) as caught:
        parse_template(text)
    assert fragment in caught.value.message


def test_every_problem_is_listed() -> None:
    with pytest.raises(TemplateError) as caught:
        parse_template("{a} and {b}")
    assert len(caught.value.problems) == 2


@given(st.text(alphabet=st.characters(blacklist_characters="{}"), max_size=200))
def test_text_without_braces_renders_unchanged(text: str) -> None:
    assert parse_template(text).render({}) == text


@given(st.lists(st.sampled_from(sorted(MERGE_FIELDS)), max_size=5))
def test_known_fields_always_parse(names: list[str]) -> None:
    text = " ".join(f"{{{n}}}" for n in names)
    assert parse_template(text).fields == set(names)


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("", "GSM-7", 0, 1),
        ("a" * 160, "GSM-7", 160, 1),
        ("a" * 161, "GSM-7", 161, 2),
        ("a" * 306, "GSM-7", 306, 2),
        ("a" * 307, "GSM-7", 307, 3),
        ("€" * 80, "GSM-7", 160, 1),  # the extension table takes two septets each
        ("[" * 81, "GSM-7", 162, 2),
        ("£ and é are GSM", "GSM-7", 15, 1),
        ("a" * 70 + "’", "UCS-2", 71, 2),  # a curly quote turns the message into UCS-2
        ("✊" * 70, "UCS-2", 70, 1),
        ("😀" * 35, "UCS-2", 70, 1),  # an emoji is two UTF-16 units
        ("b" * 134, "GSM-7", 134, 1),
        ("é" * 67 + "ş", "UCS-2", 68, 1),
        ("ş" * 135, "UCS-2", 135, 3),
    ],
)
def test_sms_length(text: str, encoding: str, units: int, segments: int) -> None:
    length = sms_length(text)
    assert (length.encoding, length.units, length.segments) == (encoding, units, segments)
