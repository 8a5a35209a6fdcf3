"""Every model that points at a member says what it holds and what erasure does to it."""

from __future__ import annotations

import pytest

from mandate.core.privacy.access import collect
from mandate.core.privacy.registry import (
    DELETE,
    KEEP,
    declarations,
    how_to_declare,
    undeclared_member_relations,
)
from mandate.votes.models import CastVote


def test_every_model_referencing_a_member_is_declared() -> None:
    missing = undeclared_member_relations()
    assert not missing, "\n\n".join(how_to_declare(model, name) for model, name in missing)


def test_the_failure_message_says_what_to_add_and_where() -> None:
    from mandate.turnout.models import ContactEvent

    text = how_to_declare(ContactEvent, "member")
    assert "src/mandate/turnout/privacy.py" in text
    assert 'declare(\n    "turnout.ContactEvent"' in text
    assert 'member=("member",)' in text


@pytest.mark.django_db
def test_every_declaration_reads_on_an_empty_database() -> None:
    # A wrong lookup in a declaration fails here, not in front of a member.
    from mandate.members.models import Member

    ghost = Member(pk=10**9)
    kinds = {s.kind for s in collect(ghost)}
    assert {"register", "gtvo_contacts", "messages", "e_ballot_roll"} <= kinds


def test_erasure_strategies_name_real_fields() -> None:
    for entry in declarations().values():
        if entry.erase in (DELETE, KEEP):
            continue
        assert not isinstance(entry.erase, str)
        names = {f.name for f in entry.model_class._meta.concrete_fields}
        assert set(entry.erase) <= names, entry.model


def test_ballot_slots_are_never_linked_to_a_member() -> None:
    # Secrecy by construction: no declaration and no relation from a cast vote to a person.
    assert "votes.castvote" not in declarations()
    related = {
        f.related_model._meta.label_lower
        for f in CastVote._meta.get_fields()
        if f.is_relation and f.related_model is not None
    }
    assert not related & {"members.member", "core.user", "votes.voter"}
