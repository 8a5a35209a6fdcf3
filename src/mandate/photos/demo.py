"""Demo photos from the Liverpool picket lines: drawn placards, sent and cleaned through the real
upload path (so they are stored exactly as a member's phone photo would be), half approved."""

from __future__ import annotations

import datetime as dt
import io

from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

from mandate.core.demo import DemoContext
from mandate.disputes.models import Dispute
from mandate.photos import services
from mandate.pickets.models import PicketSite

PLACARDS = [
    ("NO COMPULSORY REDUNDANCIES", (178, 34, 52), "Main gate, first morning"),
    ("ON STRIKE FOR HLS", (24, 74, 138), "Students joined us at 8"),
    ("47 TO 2 TO ZERO", (178, 34, 52), ""),
    ("SOLIDARITY FROM UNISON", (96, 38, 120), "Support from the campus unions"),
    ("WE MARK WHEN WE ARE PAID", (20, 110, 70), "Day three, rain stopped play"),
    ("THIS IS OUR UNIVERSITY", (24, 74, 138), "Rally at the Victoria Building"),
]


def _placard(text: str, colour: tuple[int, int, int], seed: int) -> bytes:
    image = Image.new("RGB", (1200, 900), (150 + seed * 9 % 60, 170, 190))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 620, 1200, 900), fill=(90, 90, 95))  # the road
    for i in range(7):  # people on the line, as simple shapes
        x = 80 + i * 160 + (seed * 23 % 40)
        draw.ellipse((x, 430, x + 70, 500), fill=(60 + i * 20, 50, 40))
        draw.rectangle((x - 10, 500, x + 80, 700), fill=(30 + i * 25, 40, 90))
    draw.rectangle((150, 120, 1050, 400), fill=(255, 255, 255), outline=colour, width=14)
    font = ImageFont.load_default(size=56)
    box = draw.textbbox((0, 0), text, font=font)
    draw.text(((1200 - (box[2] - box[0])) / 2, 230), text, font=font, fill=colour)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def build_photos(ctx: DemoContext) -> None:
    dispute = Dispute.objects.filter(branch__name="University of Liverpool").first()
    if dispute is None or dispute.branch_id is None or not ctx.users:
        return
    senders = [u for name in ("member", "rep", "secretary") if (u := ctx.users.get(name))]
    if not senders:
        return
    secretary = ctx.users.get("secretary")
    sites = list(PicketSite.objects.filter(branch_id=dispute.branch_id).order_by("name"))
    today = timezone.localdate()
    for n, (text, colour, caption) in enumerate(PLACARDS):
        data = _placard(text, colour, n)
        photo = services.upload(
            dispute=dispute,
            actor=senders[n % len(senders)],
            upload=io.BytesIO(data),
            size=len(data),
            consent_confirmed=True,
            caption=caption,
            consent_note="asked on the line, all agreed" if n % 2 == 0 else "",
            taken_on=today - dt.timedelta(days=14 - n),
            site=sites[n % len(sites)] if sites else None,
        )
        if secretary is not None and n < 4:
            services.approve(photo=photo, actor=secretary)
    ctx.out(f"  photos: {len(PLACARDS)} from the Liverpool picket lines, 4 approved")
