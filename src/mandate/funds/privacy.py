"""What the funds app holds about a member (claims, their days, bank details) and what erasure
does to it. The amounts stay: the fund's accounts are kept six years for tax and audit."""

from __future__ import annotations

from mandate.core.privacy.registry import KEEP, declare

declare(
    "funds.Claim",
    kind="fund_claims",
    title="Your strike pay and hardship claims, with the bank details you gave",
    member=("member",),
    fields=(
        "id",
        "fund__name",
        "dispute__name",
        "state",
        "band",
        "groups",
        "proposed",
        "explanation",
        "approved_amount",
        "payable",
        "payable_note",
        "account_name",
        "sort_code",
        "account_number",
        "note",
        "submitted_at",
        "decided_at",
        "reason",
    ),
    erase={
        "account_name": "",
        "sort_code": "",
        "account_number": "",
        "note": "",
        "reason": "",
        "payable_note": "",
    },
    note="Amounts and decisions stay for the fund's accounts; bank details and notes go.",
)
declare(
    "funds.ClaimDay",
    kind="fund_claim_days",
    title="The days each claim covers",
    member=("member",),
    fields=("id", "claim_id", "day", "kind", "loss", "amount", "active"),
    erase=KEEP,
)
