"""The checks every vote from a link passes before the database: the token's signature and the
per-link rate limit, each against the general mechanism it stands in for."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import signing

from mandate.votes import links, ratelimit


def _django_signed(value: str, key: str | None = None) -> str:
    return signing.Signer(key=key, salt="mandate.votes.voter-link", sep=".").sign(value)


def test_a_token_reads_as_djangos_signer_reads_it(settings: Any) -> None:
    for value in ("1.2.abc", "12345.678901.Zx-_09", "7.8.ünïcode"):
        token = links.make_token(*value.split(".", 2))  # type: ignore[arg-type]
        assert token == _django_signed(value)
        assert links._unsign(token) == signing.Signer(
            salt="mandate.votes.voter-link", sep="."
        ).unsign(token)
    claim = links.read_token(links.make_token(3, 4, "n0nce"))
    assert claim == links.LinkClaim(3, 4, "n0nce")


@pytest.mark.parametrize(
    "bad",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # signature changed
        lambda t: "9" + t,  # value changed
        lambda t: t.rpartition(".")[0],  # signature cut off
        lambda t: t.replace(".", ""),  # no separator at all
        lambda t: t + "é",
        lambda t: "",
    ],
)
def test_a_tampered_token_reads_as_nothing(bad: Any) -> None:
    assert links.read_token(bad(links.make_token(3, 4, "n0nce"))) is None


def test_a_new_secret_key_is_used_at_once(settings: Any) -> None:
    old = links.make_token(3, 4, "n0nce")
    assert links.read_token(old) is not None  # the key for the old secret is kept now
    settings.SECRET_KEY = "a-completely-new-secret-key-for-this-test-0123456789"
    assert links.read_token(old) is None  # no fallback configured
    new = links.make_token(3, 4, "n0nce")
    assert new != old and links.read_token(new) == links.LinkClaim(3, 4, "n0nce")


def test_a_token_signed_with_a_fallback_key_still_reads(settings: Any) -> None:
    old_secret = settings.SECRET_KEY
    old = links.make_token(3, 4, "n0nce")
    settings.SECRET_KEY = "a-completely-new-secret-key-for-this-test-0123456789"
    settings.SECRET_KEY_FALLBACKS = [old_secret]
    assert links.read_token(old) == links.LinkClaim(3, 4, "n0nce")
    assert links.read_token(links.make_token(5, 6, "other")) == links.LinkClaim(5, 6, "other")


@pytest.mark.parametrize("backend", ["locmem", "file"])
def test_the_rate_limit_counts_per_link_per_window(
    backend: str, settings: Any, tmp_path: Any, monkeypatch: Any
) -> None:
    if backend == "file":
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                "LOCATION": str(tmp_path),
            }
        }
    settings.MANDATE_VOTE_RATE_PER_LINK = 3
    now = [ratelimit.WINDOW_SECONDS * 1_000_000 + 10.0]
    monkeypatch.setattr(ratelimit.time, "time", lambda: now[0])
    token, other = f"{backend}-token-a", f"{backend}-token-b"
    assert [ratelimit.allow(token) for _ in range(4)] == [True, True, True, False]
    assert ratelimit.allow(other)  # another link has its own count
    now[0] += ratelimit.WINDOW_SECONDS  # the next window starts again
    assert [ratelimit.allow(token) for _ in range(4)] == [True, True, True, False]
