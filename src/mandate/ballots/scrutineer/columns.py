"""Recognise header rows by their column names, and read question and jurisdiction hints from titles."""

from __future__ import annotations

import re

from .types import Jurisdiction, Question

ENTITLED = "entitled"
VOTES_CAST = "votes_cast"
PERCENT_TURNOUT = "percent_turnout"
YES = "yes"
NO = "no"
PERCENT_YES = "percent_yes"
PERCENT_NO = "percent_no"
SPOILED = "spoiled"
NAME = "name"

COUNT_FIELDS = (ENTITLED, VOTES_CAST, YES, NO, SPOILED)
PERCENT_FIELDS = (PERCENT_TURNOUT, PERCENT_YES, PERCENT_NO)

# What each field is called in a message to a person.
FIELD_LABELS = {
    ENTITLED: "entitled to vote",
    VOTES_CAST: "votes cast",
    PERCENT_TURNOUT: "% turnout",
    YES: "yes",
    NO: "no",
    PERCENT_YES: "% yes",
    PERCENT_NO: "% no",
    SPOILED: "spoiled papers",
    NAME: "constituency name",
}

_SYNONYMS: dict[str, tuple[str, ...]] = {
    ENTITLED: (
        "mailedout",
        "mailed",
        "entitled",
        "entitledtovote",
        "numberentitledtovote",
        "numberentitled",
        "totalentitled",
        "electorate",
        "eligible",
        "eligiblevoters",
        "papersissued",
        "ballotsissued",
        "balloted",
        "membersballoted",
    ),
    VOTES_CAST: (
        "turnout",
        "votescast",
        "totalvotescast",
        "votes",
        "totalvotes",
        "papersreturned",
        "ballotsreturned",
        "returned",
        "numbervoting",
        "totalreturned",
    ),
    YES: ("yes", "votedyes", "votesyes", "yesvotes", "numbervotingyes", "yesvote"),
    NO: ("no", "votedno", "votesno", "novotes", "numbervotingno", "novote"),
    SPOILED: (
        "spoilt",
        "spoiled",
        "spoiltpapers",
        "spoiledpapers",
        "spoiltballots",
        "spoiledballots",
        "void",
        "voidpapers",
        "rejected",
        "rejectedpapers",
        "invalid",
    ),
    NAME: (
        "branch",
        "branchname",
        "institution",
        "institutionname",
        "constituency",
        "employer",
        "employername",
        "workplace",
        "name",
        "organisation",
        "organization",
        "university",
    ),
}
_PERCENT_OF = {PERCENT_TURNOUT: VOTES_CAST, PERCENT_YES: YES, PERCENT_NO: NO}


def _header_key(text: str) -> str:
    key = text.casefold().replace("percentage", "%").replace("percent", "%").replace("pct", "%")
    return re.sub(r"[^a-z0-9%]", "", key)


def _build_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for field, words in _SYNONYMS.items():
        for word in words:
            lookup[word] = field
    for field, base in _PERCENT_OF.items():
        for word in _SYNONYMS[base]:
            lookup[f"%{word}"] = field
            lookup[f"{word}%"] = field
            lookup[f"%of{word}"] = field
    return lookup


_LOOKUP = _build_lookup()


def header_field(text: str) -> str | None:
    """The field a header cell names (`Mailed out` -> entitled), or None."""
    return _LOOKUP.get(_header_key(text))


_ASOS = re.compile(
    r"\bASOS\b|short\s+of\s+(a\s+)?strike|marking\s+(and\s+assessment\s+)?boycott", re.IGNORECASE
)
_STRIKE = re.compile(r"\bstrikes?\b", re.IGNORECASE)
_NI = re.compile(
    r"\bNI\b|northern\s+ireland|not\s+requir\w*\s+(a\s+)?50\s*%|no\s+turnout\s+threshold",
    re.IGNORECASE,
)
_NI_TOKEN = re.compile(r"\bNI\b")
_GB = re.compile(r"\bGB\b|great\s+britain|requir\w*\s+(a\s+)?50\s*%")
_TOTAL = re.compile(r"(grand|overall|sub)?\s*totals?:?(\s*\(.*\))?", re.IGNORECASE)


def question_hint(text: str) -> Question | None:
    if _ASOS.search(text):
        return Question.ASOS
    if _STRIKE.search(text):
        return Question.STRIKE
    return None


def jurisdiction_hint(text: str) -> Jurisdiction | None:
    # "NI" must be a capitalised word: "ni" inside ordinary words or lower-case text is no hint.
    ni = _NI.search(text)
    if ni and (ni.group(0).casefold() != "ni" or _NI_TOKEN.search(text)):
        return Jurisdiction.NI
    if _GB.search(text):
        return Jurisdiction.GB
    return None


def is_total_label(text: str) -> bool:
    """'Total', 'TOTAL', 'Totals', 'Grand total', 'Total:' - a block's sum row, never a constituency."""
    return bool(_TOTAL.fullmatch(text.strip()))
