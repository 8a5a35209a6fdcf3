"""Merge fields (``{first_name}``) and SMS length.

The syntax is Python's format-string braces, read with :class:`string.Formatter` and then
checked against a whitelist: no attribute or index lookups, no conversions, no format specs,
so a template can never reach anything but the values handed to it. ``{{`` and ``}}`` are
literal braces.
"""

from __future__ import annotations

import math
import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from mandate.core.errors import DomainError

MERGE_FIELDS: Final = {
    "first_name": "the member's first name",
    "last_name": "the member's last name",
    "full_name": "the member's full name",
    "branch": "the branch's name",
    "link": "the link given with the message",
}


class TemplateError(DomainError):
    """The template cannot be used; ``problems`` lists every fault found, in order."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(" ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class MergeTemplate:
    """A parsed template: literal text and field names, alternating."""

    text: str
    parts: tuple[tuple[str, str | None], ...]

    @property
    def fields(self) -> frozenset[str]:
        return frozenset(name for _, name in self.parts if name is not None)

    def render(self, values: Mapping[str, str]) -> str:
        return "".join(
            literal + (values[name] if name is not None else "") for literal, name in self.parts
        )


def parse_template(text: str) -> MergeTemplate:
    """Parse TEXT, or raise TemplateError naming each unknown or malformed field."""
    problems: list[str] = []
    parts: list[tuple[str, str | None]] = []
    allowed = ", ".join(f"{{{name}}}" for name in MERGE_FIELDS)
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        detail = (
            "a '}' has no opening '{'" if "Single '}'" in str(exc) else "a '{' has no closing '}'"
        )
        raise TemplateError(
            [f"The message has a stray brace: {detail}. Write {{{{ or }}}} for a brace itself."]
        ) from None
    for literal, name, spec, conversion in parsed:
        if name is None:
            parts.append((literal, None))
            continue
        shown = "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
        shown += "}"
        if name not in MERGE_FIELDS:
            problems.append(
                f"{shown} is not a merge field"
                + (" (an empty {} is not allowed)" if name == "" else "")
                + f"; use one of {allowed}."
            )
        elif conversion or spec:
            problems.append(f"{shown}: write the field as {{{name}}}, with nothing after its name.")
        parts.append((literal, name))
    if problems:
        raise TemplateError(problems)
    return MergeTemplate(text=text, parts=tuple(parts))


# GSM 03.38: the default alphabet, and the extension table whose characters take two septets.
_GSM_BASIC: Final = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENDED: Final = frozenset("^{}\\[~]|€\f")


@dataclass(frozen=True)
class SmsLength:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2
    segments: int

    @property
    def describe(self) -> str:
        per = "character" if self.encoding == "GSM-7" else "UCS-2 unit"
        return f"{self.units} {per}{'s' if self.units != 1 else ''}, {self.segments} text{'s' if self.segments != 1 else ''} ({self.encoding})"


def sms_length(text: str) -> SmsLength:
    """How many SMS segments TEXT takes: 160/153 septets in GSM-7, 70/67 units in UCS-2.

    One character outside GSM-7 (an emoji, a curly quote) turns the whole message into UCS-2.
    """
    septets = 0
    for ch in text:
        if ch in _GSM_BASIC:
            septets += 1
        elif ch in _GSM_EXTENDED:
            septets += 2
        else:
            units = len(text.encode("utf-16-le")) // 2
            segments = 1 if units <= 70 else math.ceil(units / 67)
            return SmsLength("UCS-2", units, segments)
    segments = 1 if septets <= 160 else math.ceil(septets / 153)
    return SmsLength("GSM-7", septets, segments)
