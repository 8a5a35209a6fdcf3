"""The rulebooks by jurisdiction code, as the calculator and the web pages name them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

from mandate.law.errors import LawError
from mandate.law.jurisdictions import gb, ie, ni
from mandate.law.model import Rulebook

_STATUTORY: Mapping[str, Callable[[], Rulebook]] = MappingProxyType(
    {"gb": gb.rulebook, "ni": ni.rulebook, "ie": ie.rulebook}
)

JURISDICTIONS: tuple[str, ...] = tuple(_STATUTORY)


def rulebook_for(jurisdiction: str) -> Rulebook:
    """The statutory rulebook of a jurisdiction: ``gb``, ``ni`` or ``ie``.

    A union-constitution profile has no fixed numbers; build it with
    ``mandate.law.jurisdictions.constitution.rulebook(...)``.
    """
    code = jurisdiction.strip().lower()
    try:
        return _STATUTORY[code]()
    except KeyError:
        known = ", ".join(JURISDICTIONS)
        raise LawError(
            f"jurisdiction: unknown jurisdiction {jurisdiction!r}; use one of {known}.",
            field="jurisdiction",
        ) from None
