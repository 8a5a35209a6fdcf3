"""Match the constituency names in a scrutineer's report to the ballot's own constituencies.

A report says "The University of Manchester", "UCL" or "Birkbeck, UoL" where the union's records
say "University of Manchester", "University College London" or "Birkbeck, University of London".
Names are matched in this order, and only the first two steps match without a person confirming:

1. a remembered alias (a report name someone matched by hand before), compared after trimming
   spaces and ignoring case;
2. the same name once both are normalised (case, accents, punctuation, a leading "The",
   "&" for "and", "University of X" for "X University", common abbreviations);
3. otherwise the name is unmatched, with suggestions ranked by similarity, including acronyms
   ("UCL" for "University College London").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from enum import StrEnum
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)

# Suggestions below this score are noise rather than help.
MIN_SCORE = 0.6
_GENERIC_WORDS = frozenset({"university", "of", "the"})
MAX_SUGGESTIONS = 5
ACRONYM_SCORE = 0.95

_ABBREVIATIONS = {
    "uol": "university of london",
    "univ": "university",
    "uni": "university",
    "coll": "college",
    "inst": "institute",
    "saint": "st",
    "&": "and",
}
# Words left out of an acronym: "London School of Hygiene and Tropical Medicine" -> LSHTM.
_ACRONYM_SKIP = {"of", "the", "and", "for", "at", "in", "on"}
_PARENTHESES = re.compile(r"\(([^)]*)\)")
_APOSTROPHES = re.compile(r"['\u2019\u2018`]")
_NON_WORD = re.compile(r"[^a-z0-9&]+")


def light_key(name: str) -> str:
    """Trim and collapse spaces, ignore case: the comparison for remembered aliases."""
    return " ".join(name.split()).casefold()


def _words(name: str) -> list[str]:
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = _APOSTROPHES.sub("", text).replace("&", " & ")
    words: list[str] = []
    for word in _NON_WORD.sub(" ", text).split():
        words.extend(_ABBREVIATIONS.get(word, word).split())
    return words


def normalise(name: str) -> str:
    """The key two names share when they name the same body.

    >>> normalise("The University of Manchester") == normalise("Manchester University")
    True
    """
    words = _words(name)
    if words[:1] == ["the"]:
        words = words[1:]
    # "University of Bath" and "Bath University" are the same place; "University College
    # London" is not "College London University", so only the "University of" form turns round.
    if words[:2] == ["university", "of"] and len(words) > 2:
        rest = words[2:]
        if rest[:1] == ["the"]:
            rest = rest[1:]
        words = [*rest, "university"]
    return " ".join(words)


def _keys(name: str) -> set[str]:
    """Normalised forms of a name, with and without a bracketed part ("... (LIPA)")."""
    keys = {normalise(name)}
    without = _PARENTHESES.sub(" ", name).strip()
    if without and without != name:
        keys.add(normalise(without))
    return {k for k in keys if k}


def acronyms(name: str) -> set[str]:
    """Initials a body may be known by: 'University College London' -> {'ucl'}."""
    found: set[str] = set()
    for inner in _PARENTHESES.findall(name):
        if inner.strip():
            found.add("".join(_words(inner)))
    base = _PARENTHESES.sub(" ", name)
    words = _words(base)
    if words[:1] == ["the"]:
        words = words[1:]
    if len(words) >= 2:
        found.add("".join(w[0] for w in words if w not in _ACRONYM_SKIP))
        found.add("".join(w[0] for w in words if w not in {"the", "and"}))
    return {a for a in found if len(a) >= 2}


def _looks_like_acronym(name: str) -> str | None:
    compact = re.sub(r"[^A-Za-z]", "", name)
    stripped = name.strip()
    if 2 <= len(compact) <= 8 and (stripped.isupper() or " " not in stripped):
        return compact.casefold()
    return None


class MatchKind(StrEnum):
    ALIAS = "alias"
    EXACT = "exact"
    NORMALISED = "normalised"


@dataclass(frozen=True, slots=True)
class Suggestion(Generic[K]):
    name: str
    key: K
    score: float
    reason: str


@dataclass(slots=True)
class MatchResult(Generic[K]):
    matched: dict[str, K] = field(default_factory=dict)
    unmatched: dict[str, list[Suggestion[K]]] = field(default_factory=dict)
    # How each matched name was matched, for the person confirming the import.
    how: dict[str, MatchKind] = field(default_factory=dict)
    # Keys that more than one report name matched: two rows would land on one constituency.
    shared: dict[K, list[str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Candidate(Generic[K]):
    name: str
    key: K
    keys: frozenset[str]
    acronyms: frozenset[str]
    # The keys without spaces, to compare with a report name's initials.
    compact_keys: frozenset[str]


def _candidate(name: str, key: K) -> _Candidate[K]:
    keys = frozenset(_keys(name))
    return _Candidate(
        name, key, keys, frozenset(acronyms(name)), frozenset(k.replace(" ", "") for k in keys)
    )


def match_names(
    report_names: Iterable[str],
    known: Mapping[str, K],
    aliases: Mapping[str, K] | None = None,
) -> MatchResult[K]:
    """Match each report name to a known constituency's key, or list suggestions for it.

    `known` maps the ballot's constituency names to their keys; `aliases` maps report names
    matched by hand before to the key they were matched to.
    """
    aliases = aliases or {}
    result: MatchResult[K] = MatchResult()
    by_alias = {light_key(name): key for name, key in aliases.items()}
    by_exact = {light_key(name): key for name, key in known.items()}
    candidates = [_candidate(name, key) for name, key in [*known.items(), *aliases.items()]]
    by_normalised: dict[str, set[K]] = {}
    for candidate in candidates:
        for k in candidate.keys:
            by_normalised.setdefault(k, set()).add(candidate.key)
    names_for_key = {key: name for name, key in known.items()}

    for name in dict.fromkeys(report_names):
        light = light_key(name)
        if light in by_alias:
            _record(result, name, by_alias[light], MatchKind.ALIAS)
            continue
        if light in by_exact:
            _record(result, name, by_exact[light], MatchKind.EXACT)
            continue
        hits = {key for k in _keys(name) for key in by_normalised.get(k, ())}
        if len(hits) == 1:
            _record(result, name, hits.pop(), MatchKind.NORMALISED)
            continue
        # No hit, or an ambiguous one (two constituencies normalise alike): a person decides.
        result.unmatched[name] = _suggest(name, candidates, names_for_key, ambiguous=hits)
    return result


def _record(result: MatchResult[K], name: str, key: K, how: MatchKind) -> None:
    result.matched[name] = key
    result.how[name] = how
    others = [n for n, k in result.matched.items() if k == key]
    if len(others) > 1:
        result.shared[key] = others


def _suggest(
    name: str,
    candidates: list[_Candidate[K]],
    names_for_key: Mapping[K, str],
    ambiguous: set[K],
) -> list[Suggestion[K]]:
    keys = _keys(name) or {light_key(name)}
    own_acronyms = acronyms(name)
    as_acronym = _looks_like_acronym(name)
    # set_seq2 indexes its string, so each form of the report name is indexed once, not per pair.
    matchers = []
    for mine in keys:
        matcher = SequenceMatcher(autojunk=False)
        # Compare the distinctive words only: "Bolton University" and "University of
        # Liverpool" share "university", which says nothing about which institution it is.
        matcher.set_seq2(_distinctive(mine))
        matchers.append((mine, matcher))
    best: dict[K, tuple[float, str, str]] = {}
    for candidate in candidates:
        score, reason = 0.0, ""
        if candidate.key in ambiguous:
            score, reason = 0.99, "same name once normalised"
        elif as_acronym and as_acronym in candidate.acronyms:
            score, reason = ACRONYM_SCORE, f"{name.strip()} may be the initials of {candidate.name}"
        elif own_acronyms and own_acronyms & candidate.compact_keys:
            score, reason = ACRONYM_SCORE, f"{candidate.name} may be the initials of {name.strip()}"
        else:
            for mine, matcher in matchers:
                for theirs in candidate.keys:
                    similarity = _word_overlap(mine, theirs)
                    matcher.set_seq1(_distinctive(theirs))
                    # Both quick ratios bound ratio() from above, so most pairs stop cheaply.
                    floor = max(similarity, score, MIN_SCORE)
                    if matcher.real_quick_ratio() > floor and matcher.quick_ratio() > floor:
                        similarity = max(similarity, matcher.ratio())
                    if similarity > score:
                        score, reason = similarity, "similar name"
        if score >= MIN_SCORE and score > best.get(candidate.key, (0.0, "", ""))[0]:
            # Suggest the constituency's own name even when an alias of it scored.
            shown = names_for_key.get(candidate.key, candidate.name)
            best[candidate.key] = (score, reason, shown)
    ranked = sorted(best.items(), key=lambda item: (-item[1][0], item[1][2]))
    return [
        Suggestion(name=shown, key=key, score=round(score, 3), reason=reason)
        for key, (score, reason, shown) in ranked[:MAX_SUGGESTIONS]
    ]


def _distinctive(key: str) -> str:
    """KEY without the words most institution names share; KEY itself if nothing is left."""
    words = [w for w in key.split() if w not in _GENERIC_WORDS]
    return " ".join(words) or key


def _word_overlap(a: str, b: str) -> float:
    """Share of the shorter name's words found in the other ('Kings College' in 'Kings College London')."""
    common = _ACRONYM_SKIP | {"university"}
    words_a, words_b = set(a.split()) - common, set(b.split()) - common
    if not words_a or not words_b:
        return 0.0
    shared = len(words_a & words_b)
    # Slightly below 1 even when one contains the other: containment is a hint, not identity.
    return 0.9 * shared / min(len(words_a), len(words_b))
