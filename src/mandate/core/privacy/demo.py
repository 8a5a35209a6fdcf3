"""Demo data protection: one lapsed Liverpool member has asked to be forgotten."""

from __future__ import annotations

from mandate.core.demo import DemoContext
from mandate.core.privacy.erasure import member_erase
from mandate.members.models import Member, MemberStatus


def build_privacy(ctx: DemoContext) -> None:
    liverpool = ctx.branch("University of Liverpool")
    lapsed = (
        Member.objects.filter(branch=liverpool, status=MemberStatus.LAPSED, user__isnull=True)
        .order_by("pk")
        .first()
    )
    if lapsed is None:
        return
    member_erase(member=lapsed, actor=None)
    ctx.out(f"  erased member record {lapsed.pk} (a lapsed member who asked to be forgotten)")
