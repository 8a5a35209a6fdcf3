"""Changes to picket lines: sites, shifts, sign-ups, check-ins, incidents and reminders.

Each action checks its inputs, writes in one transaction and records an audit event holding ids
and counts only (who stood on a picket line is special category data).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from mandate.actions import queries as action_queries
from mandate.actions.models import Action, ActionKind
from mandate.core.audit import audit_record
from mandate.core.errors import DomainError
from mandate.core.models import Branch, User, Workplace
from mandate.members.models import Member, MemberStatus
from mandate.members.validation import normalise_email, normalise_phone
from mandate.pickets import queries
from mandate.pickets.models import (
    Attendance,
    CheckInMethod,
    Entrance,
    Incident,
    IncidentKind,
    PicketLink,
    PicketShift,
    PicketSite,
    Signup,
    SignupSource,
    Supporter,
    SupporterKind,
    new_nonce,
)
from mandate.pickets.rules import picket_rules

Actor = User | AnonymousUser | None


class PicketError(DomainError):
    """A picketing change that cannot be made; the message says why and what to do."""


def _user(actor: Actor) -> User | None:
    return actor if isinstance(actor, User) else None


# Sites --------------------------------------------------------------------------------------


def _clean_names(names: Iterable[str]) -> list[str]:
    out: list[str] = []
    for raw in names:
        name = raw.strip()[:120]
        if name and name.lower() not in {n.lower() for n in out}:
            out.append(name)
    return out


def site_create(
    *,
    branch: Branch,
    workplace: Workplace,
    name: str,
    meeting_point: str = "",
    entrances: Iterable[str] = (),
    organiser: User | None = None,
    actor: Actor,
) -> PicketSite:
    """Open a picket site at one of the branch's workplaces, with its entrances."""
    name = name.strip()
    if not name:
        raise PicketError("Give the site a name, e.g. “Main gate, Brownlow Hill”.")
    if not branch.employers.filter(pk=workplace.employer_id).exists():
        raise PicketError(f"{workplace.name} is not a workplace of an employer this branch covers.")
    gates = _clean_names(entrances) or ["Main entrance"]
    with transaction.atomic():
        if PicketSite.objects.filter(branch=branch, name__iexact=name).exists():
            raise PicketError(f"The branch already has a picket site called “{name}”.")
        site = PicketSite.objects.create(
            branch=branch,
            workplace=workplace,
            name=name[:200],
            meeting_point=meeting_point.strip()[:300],
            organiser=organiser,
            created_by=_user(actor),
        )
        Entrance.objects.bulk_create([Entrance(site=site, name=g) for g in gates])
        audit_record(
            actor=actor,
            action="pickets.site_create",
            obj=site,
            branch=branch,
            detail={"entrances": len(gates)},
        )
    return site


def site_update(
    *,
    site: PicketSite,
    name: str,
    meeting_point: str,
    organiser: User | None,
    supervisor: Member | None,
    supervisor_phone: str,
    actor: Actor,
) -> PicketSite:
    """Change a site's name, meeting point, organiser and picket supervisor."""
    name = name.strip()
    if not name:
        raise PicketError("A site needs a name.")
    if supervisor is not None and supervisor.branch_id != site.branch_id:
        raise PicketError("The picket supervisor must be a member of this branch.")
    try:
        phone = normalise_phone(supervisor_phone)
    except ValidationError as exc:
        raise PicketError(f"Supervisor's phone: {exc.messages[0]}") from None
    with transaction.atomic():
        clash = PicketSite.objects.filter(branch=site.branch_id, name__iexact=name)
        if clash.exclude(pk=site.pk).exists():
            raise PicketError(f"The branch already has a picket site called “{name}”.")
        changed = []
        for attr, value in (
            ("name", name[:200]),
            ("meeting_point", meeting_point.strip()[:300]),
            ("organiser", organiser),
            ("supervisor", supervisor),
            ("supervisor_phone", phone),
        ):
            if getattr(site, attr) != value:
                setattr(site, attr, value)
                changed.append(attr)
        if changed:
            site.save(update_fields=changed)
            audit_record(
                actor=actor,
                action="pickets.site_update",
                obj=site,
                branch=site.branch,
                detail={"fields": changed},
            )
    return site


def entrance_add(*, site: PicketSite, name: str, actor: Actor) -> Entrance:
    """Add an entrance to a site."""
    clean = _clean_names([name])
    if not clean:
        raise PicketError("Name the entrance, e.g. “Library gate”.")
    with transaction.atomic():
        if site.entrances.filter(name__iexact=clean[0]).exists():
            raise PicketError(f"{site.name} already has an entrance called “{clean[0]}”.")
        entrance = Entrance.objects.create(site=site, name=clean[0])
        audit_record(actor=actor, action="pickets.entrance_add", obj=entrance, branch=site.branch)
    return entrance


def codes_rotate(*, site: PicketSite, actor: Actor) -> PicketSite:
    """Issue new check-in codes and a new supporter link; every earlier one stops working."""
    with transaction.atomic():
        site.checkin_nonce = new_nonce()
        site.supporter_nonce = new_nonce()
        site.save(update_fields=["checkin_nonce", "supporter_nonce"])
        audit_record(actor=actor, action="pickets.codes_rotate", obj=site, branch=site.branch)
    return site


# Shifts -------------------------------------------------------------------------------------

_SPAN = re.compile(r"^\s*(\d{1,2})[:.h]?(\d{2})\s*[-–—to]+\s*(\d{1,2})[:.h]?(\d{2})\s*$")


def _clock(hours: str, minutes: str, where: str) -> dt.time:
    try:
        return dt.time(int(hours), int(minutes))
    except ValueError:
        raise PicketError(f"{where}: {hours}:{minutes} is not a time of day.") from None


def parse_pattern(text: str) -> list[tuple[dt.time, dt.time]]:
    """Read “07:30-09:30, 12:00-14:00” as time spans, or say which part is wrong and why."""
    pieces = [p for p in re.split(r"[,;\n]+", text) if p.strip()]
    if not pieces:
        raise PicketError("Give at least one shift, e.g. 07:30-09:30, 12:00-14:00.")
    spans: list[tuple[dt.time, dt.time]] = []
    for number, piece in enumerate(pieces, start=1):
        where = f"Shift {number} (“{piece.strip()[:20]}”)"
        match = _SPAN.match(piece.replace("to", "-"))
        if match is None:
            raise PicketError(f"{where}: write it as start-end, e.g. 07:30-09:30.")
        starts = _clock(match.group(1), match.group(2), where)
        ends = _clock(match.group(3), match.group(4), where)
        if ends <= starts:
            raise PicketError(f"{where}: it ends before it starts.")
        if any(s == starts for s, _ in spans):
            raise PicketError(f"{where}: another shift already starts at {starts:%H:%M}.")
        spans.append((starts, ends))
    return sorted(spans)


def _check_action(site: PicketSite, action: Action) -> None:
    if action.kind != ActionKind.STRIKE:
        raise PicketError("Picket shifts belong to strike days; this action is not a strike.")
    if not queries.actions_for_site(site).filter(pk=action.pk).exists():
        raise PicketError(
            f"“{action.title}” does not call staff of {site.workplace.employer.name}, or has "
            f"ended: choose a strike action that covers this site."
        )


@dataclass
class Generated:
    created: int = 0
    kept: int = 0
    days: list[dt.date] = field(default_factory=list)


def shifts_generate(
    *,
    site: PicketSite,
    action: Action,
    pattern: str,
    actor: Actor,
    today: dt.date | None = None,
) -> Generated:
    """Create the pattern's shifts on every strike day of ACTION from today; keep existing ones."""
    spans = parse_pattern(pattern)
    _check_action(site, action)
    today = today or timezone.localdate()
    horizon = today + dt.timedelta(days=28)
    days = [d for d in action_queries.days_of(action, horizon=horizon) if d >= today]
    if not days:
        raise PicketError(f"“{action.title}” has no strike days left to picket.")
    result = Generated(days=days)
    with transaction.atomic():
        existing = set(
            PicketShift.objects.filter(site=site, date__in=days).values_list("date", "starts")
        )
        new = []
        for day in days:
            for starts, ends in spans:
                if (day, starts) in existing:
                    result.kept += 1
                    continue
                new.append(
                    PicketShift(site=site, action=action, date=day, starts=starts, ends=ends)
                )
        PicketShift.objects.bulk_create(new)
        result.created = len(new)
        audit_record(
            actor=actor,
            action="pickets.shifts_generate",
            obj=site,
            branch=site.branch,
            detail={"action": action.pk, "created": result.created, "kept": result.kept},
        )
    return result


def shift_update(
    *, shift: PicketShift, starts: dt.time, ends: dt.time, note: str, actor: Actor
) -> PicketShift:
    """Move a shift's times or change its note."""
    if ends <= starts:
        raise PicketError("The shift ends before it starts.")
    with transaction.atomic():
        clash = PicketShift.objects.filter(site=shift.site_id, date=shift.date, starts=starts)
        if clash.exclude(pk=shift.pk).exists():
            raise PicketError(f"Another shift that day already starts at {starts:%H:%M}.")
        shift.starts, shift.ends, shift.note = starts, ends, note.strip()[:200]
        shift.save(update_fields=["starts", "ends", "note"])
        audit_record(
            actor=actor, action="pickets.shift_update", obj=shift, branch=shift.site.branch
        )
    return shift


def shift_delete(*, shift: PicketShift, actor: Actor) -> None:
    """Remove a shift nobody is signed up to."""
    with transaction.atomic():
        taken = queries.live_signups().filter(shift=shift).count()
        if taken:
            raise PicketError(
                f"{taken} signed up to this shift: move them to another shift first, or change "
                f"its times instead."
            )
        branch = shift.site.branch
        audit_record(actor=actor, action="pickets.shift_delete", obj=shift, branch=branch)
        shift.delete()


# Sign-up ------------------------------------------------------------------------------------


@dataclass
class Joined:
    signup: Signup
    created: bool
    warnings: list[str] = field(default_factory=list)


def _check_open(shift: PicketShift, today: dt.date | None = None) -> None:
    today = today or timezone.localdate()
    if shift.date < today:
        raise PicketError("That shift is over: choose a shift from today on.")


def _entrance(shift: PicketShift, entrance: Entrance | None) -> Entrance | None:
    if entrance is not None and entrance.site_id != shift.site_id:
        raise PicketError("That entrance is at another site.")
    return entrance


def member_warnings(member: Member, shift: PicketShift, *, by_organiser: bool = False) -> list[str]:
    """What the member (or the organiser adding them) should know about this line (s220)."""
    site = shift.site
    rules = picket_rules(site, shift.date)
    text = queries.place_warning(
        queries.member_place(member, site, shift.date),
        site,
        rules.place_source,
        name=member.full_name if by_organiser else "",
    )
    return [text] if text else []


def signup_member(
    *,
    shift: PicketShift,
    member: Member,
    source: str,
    entrance: Entrance | None = None,
    actor: Actor = None,
    today: dt.date | None = None,
) -> Joined:
    """Roster MEMBER on SHIFT; signing up twice (or a retried request) keeps one sign-up."""
    if member.branch_id != shift.site.branch_id:
        raise PicketError("Only members of the branch can sign up for its picket shifts.")
    if member.status != MemberStatus.ACTIVE:
        raise PicketError("Only active members can sign up for picket shifts.")
    _check_open(shift, today)
    gate = _entrance(shift, entrance)
    warnings = member_warnings(member, shift, by_organiser=source == SignupSource.ORGANISER)
    with transaction.atomic():
        found = queries.live_signups().filter(shift=shift, member=member).first()
        if found is not None:
            return Joined(found, False, warnings)
        try:
            with transaction.atomic():
                signup = Signup.objects.create(
                    shift=shift, member=member, entrance=gate, source=source
                )
        except IntegrityError:
            # A double tap raced this one: the other request made the sign-up.
            return Joined(queries.live_signups().get(shift=shift, member=member), False, warnings)
        audit_record(
            actor=actor,
            action="pickets.signup",
            obj=signup,
            branch=shift.site.branch,
            detail={"shift": shift.pk, "source": source, "own_workplace": not warnings},
        )
    return Joined(signup, True, warnings)


def supporter_create(
    *,
    branch: Branch,
    name: str,
    phone: str,
    email: str,
    kind: str,
    consent: bool,
) -> Supporter:
    """Record a supporter with the least the organiser needs: a name and one way to reach them."""
    problems = []
    name = name.strip()
    if not name:
        problems.append("Name: tell the organiser what to call you.")
    if not consent:
        problems.append(
            "Consent: tick the box to let the branch keep these details to organise the picket."
        )
    try:
        phone = normalise_phone(phone)
    except ValidationError as exc:
        problems.append(f"Phone: {exc.messages[0]}")
        phone = ""
    try:
        email = normalise_email(email)
    except ValidationError as exc:
        problems.append(f"Email: {exc.messages[0]}")
        email = ""
    if not problems and not phone and not email:
        problems.append("Phone or email: give at least one, so the organiser can reach you.")
    if kind not in SupporterKind.values:
        problems.append("Who you are: choose one of the options.")
    if problems:
        raise PicketError(" ".join(problems))
    return Supporter.objects.create(
        branch=branch,
        name=name[:120],
        phone=phone,
        email=email,
        kind=kind,
        consent_at=timezone.now(),
    )


def signup_supporter(
    *,
    shift: PicketShift,
    supporter: Supporter,
    entrance: Entrance | None = None,
    today: dt.date | None = None,
) -> Joined:
    """Roster a supporter on SHIFT; a repeat keeps the one sign-up."""
    if supporter.branch_id != shift.site.branch_id:
        raise PicketError("That shift belongs to another branch.")
    _check_open(shift, today)
    gate = _entrance(shift, entrance)
    with transaction.atomic():
        found = queries.live_signups().filter(shift=shift, supporter=supporter).first()
        if found is not None:
            return Joined(found, False)
        try:
            with transaction.atomic():
                signup = Signup.objects.create(
                    shift=shift, supporter=supporter, entrance=gate, source=SignupSource.SUPPORTER
                )
        except IntegrityError:
            return Joined(queries.live_signups().get(shift=shift, supporter=supporter), False)
        audit_record(
            actor=None,
            action="pickets.signup_supporter",
            obj=signup,
            branch=shift.site.branch,
            detail={"shift": shift.pk},
        )
    return Joined(signup, True)


def signup_cancel(*, signup: Signup, actor: Actor = None) -> Signup:
    """Take a sign-up off the rota (kept, marked cancelled); cancelling twice changes nothing."""
    with transaction.atomic():
        updated = Signup.objects.filter(pk=signup.pk, cancelled_at__isnull=True).update(
            cancelled_at=timezone.now()
        )
        signup.refresh_from_db()
        if updated:
            audit_record(
                actor=actor,
                action="pickets.signup_cancel",
                obj=signup,
                branch=signup.shift.site.branch,
                detail={"shift": signup.shift_id},
            )
    return signup


def signup_swap(
    *, signup: Signup, to: PicketShift, actor: Actor = None, today: dt.date | None = None
) -> Joined:
    """Move a sign-up to another shift of the same branch, in one step: never on neither."""
    if not signup.is_live:
        raise PicketError("That sign-up was cancelled; sign up for the new shift instead.")
    if to.pk == signup.shift_id:
        raise PicketError("That is the shift you are already on.")
    if to.site.branch_id != signup.shift.site.branch_id:
        raise PicketError("You can only swap to another shift of the same branch.")
    with transaction.atomic():
        signup_cancel(signup=signup, actor=actor)
        if signup.member is not None:
            joined = signup_member(
                shift=to, member=signup.member, source=signup.source, actor=actor, today=today
            )
        elif signup.supporter is not None:
            joined = signup_supporter(shift=to, supporter=signup.supporter, today=today)
        else:  # pragma: no cover - the check constraint forbids it
            raise PicketError("That sign-up has nobody on it.")
    return joined


def link_ensure(*, member: Member) -> PicketLink:
    """The member's personal picket link row, made the first time it is needed."""
    link, _ = PicketLink.objects.get_or_create(member=member)
    return link


def links_ensure(member_ids: Iterable[int]) -> dict[int, PicketLink]:
    ids = set(member_ids)
    have = {link.member_id: link for link in PicketLink.objects.filter(member_id__in=ids)}
    missing = [PicketLink(member_id=m) for m in ids - set(have)]
    PicketLink.objects.bulk_create(missing, ignore_conflicts=True)
    return {link.member_id: link for link in PicketLink.objects.filter(member_id__in=ids)}


def link_renew(*, member: Member, actor: Actor = None) -> PicketLink:
    """A new personal picket link for MEMBER; the old one stops working."""
    with transaction.atomic():
        link = link_ensure(member=member)
        link.nonce = new_nonce()
        link.save(update_fields=["nonce"])
        audit_record(actor=actor, action="pickets.link_renew", obj=link, branch=member.branch)
    return link


# Check-in -----------------------------------------------------------------------------------


@dataclass
class CheckedIn:
    attendance: Attendance
    created: bool


def checkin(
    *,
    site: PicketSite,
    day: dt.date,
    method: str,
    member: Member | None = None,
    supporter: Supporter | None = None,
    actor: Actor = None,
    today: dt.date | None = None,
) -> CheckedIn:
    """Record one person on the line at SITE on DAY. A second scan, a double tap or a retried
    request on a bad connection finds the same row: one person is counted once a day."""
    today = today or timezone.localdate()
    if (member is None) == (supporter is None):
        raise PicketError("Check in one member or one supporter.")
    if member is not None and member.branch_id != site.branch_id:
        raise PicketError("Only members of the branch can be checked in on its line.")
    if supporter is not None and supporter.branch_id != site.branch_id:
        raise PicketError("That supporter signed up with another branch.")
    if method == CheckInMethod.QR and day != today:
        raise PicketError(
            f"This code is for {day:%A %-d %B}: scan the code shown on the line today."
        )
    if day > today:
        raise PicketError("You cannot check anyone in before the day.")
    action = queries.action_on(site, day)
    if action is None:
        raise PicketError(f"There is no strike day at {site.name} on {day:%A %-d %B}.")
    with transaction.atomic():
        row = Attendance(
            site=site,
            date=day,
            action=action,
            member=member,
            supporter=supporter,
            method=method,
            at=timezone.now(),
            recorded_by=_user(actor),
        )
        # INSERT ... ON CONFLICT DO NOTHING: two taps at once both succeed and one row exists,
        # with no window between a read and a write.
        Attendance.objects.bulk_create([row], ignore_conflicts=True)
        who = Q(member=member) if member is not None else Q(supporter=supporter)
        found = Attendance.objects.get(who, site=site, date=day)
        created = found.at == row.at
        if created:
            audit_record(
                actor=actor,
                action="pickets.checkin",
                obj=site,
                branch=site.branch,
                detail={"date": day.isoformat(), "method": method},
            )
    return CheckedIn(found, created)


def checkin_undo(*, attendance: Attendance, actor: Actor) -> None:
    """Take back a check-in tapped by mistake."""
    with transaction.atomic():
        site = attendance.site
        audit_record(
            actor=actor,
            action="pickets.checkin_undo",
            obj=site,
            branch=site.branch,
            detail={"date": attendance.date.isoformat()},
        )
        Attendance.objects.filter(pk=attendance.pk).delete()


# Incidents ----------------------------------------------------------------------------------


def incident_record(
    *, site: PicketSite, kind: str, happened_at: dt.datetime, note: str, actor: Actor
) -> Incident:
    """Log an incident on the line with its time and author."""
    if kind not in IncidentKind.values:
        raise PicketError("Choose what kind of incident it was.")
    if happened_at > timezone.now() + dt.timedelta(minutes=5):
        raise PicketError("The time is in the future: give the time it happened.")
    if kind != IncidentKind.LETTER_SHOWN and not note.strip():
        raise PicketError("Say what happened: who, what was said or done, and what followed.")
    with transaction.atomic():
        incident = Incident.objects.create(
            site=site, kind=kind, happened_at=happened_at, note=note.strip(), author=_user(actor)
        )
        audit_record(
            actor=actor,
            action="pickets.incident",
            obj=incident,
            branch=site.branch,
            detail={"kind": kind},
        )
    return incident


# Reminders ----------------------------------------------------------------------------------

_PLACEHOLDER_WORD = "your-picket-link"


def _placeholder_link() -> str:
    from django.urls import reverse

    from mandate.pickets.links import absolute, member_token

    biggest = Member.objects.order_by("-pk").values_list("pk", flat=True).first() or 1
    length = len(member_token(PicketLink(member_id=biggest, nonce="n" * 16)))
    word = _PLACEHOLDER_WORD.ljust(length, "-")
    return absolute(reverse("picket_link:home", args=[word]))


def _literal(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


@dataclass
class Reminded:
    shifts: int = 0
    queued: int = 0
    skipped: int = 0


def reminders_queue(
    *, within: dt.timedelta, now: dt.datetime | None = None, actor: Actor = None
) -> Reminded:
    """Remind members rostered on shifts starting within WITHIN from now, once each, through
    messaging (consent, opt-outs, texting hours and the never-a-work-address rule apply there).

    Supporters are not in the member register, so messaging cannot reach them: their reminders
    go through ``mandate.pickets.supporter_reminders`` in the same command run.
    """
    from mandate.messaging import actions as messaging
    from mandate.messaging.models import Channel, Message

    now = now or timezone.now()
    today = timezone.localdate(now)
    end = now + within
    result = Reminded()
    shifts = PicketShift.objects.filter(
        date__gte=today, date__lte=timezone.localdate(end)
    ).select_related("site", "site__branch")
    for shift in shifts:
        if not now <= shift.starts_at() <= end:
            continue
        with transaction.atomic():
            # skip_locked: two reminder runs at once each take different sign-ups, never both.
            ids = list(
                Signup.objects.select_for_update(skip_locked=True)
                .filter(
                    shift=shift,
                    cancelled_at__isnull=True,
                    reminded_at__isnull=True,
                    member__isnull=False,
                )
                .values_list("pk", "member_id")
            )
            if not ids:
                continue
            Signup.objects.filter(pk__in=[i for i, _ in ids]).update(reminded_at=now)
            member_ids = [m for _, m in ids]
            result.shifts += 1
            link = _placeholder_link()
            text = _literal(
                f"Picket reminder: {shift.site.name}, {shift.date:%a %-d %b} "
                f"{shift.starts:%H:%M}-{shift.ends:%H:%M}."
                + (f" Meet at {shift.site.meeting_point}." if shift.site.meeting_point else "")
            )
            template = "Hi {first_name}. " + text + " Can't make it? {link}"
            with_mobile = Member.objects.filter(pk__in=member_ids).exclude(mobile="")
            without = Member.objects.filter(pk__in=member_ids, mobile="")
            sends = []
            for channel, members in ((Channel.SMS, with_mobile), (Channel.EMAIL, without)):
                if not members.exists():
                    continue
                sends.append(
                    messaging.send_queue(
                        actor=_user(actor),
                        branch=shift.site.branch,
                        channel=channel,
                        template=template,
                        subject="Picket shift reminder" if channel == Channel.EMAIL else "",
                        link=link,
                        members=members,
                        audience=f"Picket shift {shift.pk} reminder",
                        request_key=uuid.uuid5(
                            uuid.NAMESPACE_URL, f"picket-reminder/{shift.pk}/{channel}/{now}"
                        ),
                    )
                )
            links = links_ensure(member_ids)
            from mandate.pickets.links import member_url

            table = Message._meta.db_table
            for send in sends:
                result.queued += send.queued_count
                result.skipped += send.recipient_count - send.queued_count
                with connection.cursor() as cursor:
                    cursor.executemany(
                        f"UPDATE {table} SET body = REPLACE(body, %s, %s) "  # noqa: S608 - names from the model
                        "WHERE send_id = %s AND member_id = %s",
                        [
                            (link, member_url(links[m]), send.pk, m)
                            for m in member_ids
                            if m in links
                        ],
                    )
    return result
