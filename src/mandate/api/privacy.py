"""What the API app holds about a member: the API tokens of their login (never the secret)."""

from __future__ import annotations

from mandate.core.privacy.registry import DELETE, declare

declare(
    "api.ApiToken",
    kind="api_tokens",
    title="API tokens made for your login",
    member=("user__member",),
    fields=("id", "name", "prefix", "scopes", "created_at", "expires_at", "last_used_at"),
    secret=("digest",),
    erase=DELETE,
    note="Deleted: an erased login keeps no way in.",
)
