"""A person's published duties as an iCalendar feed (RFC 5545).

Times are written in UTC (``...Z``) so no VTIMEZONE block is needed; calendar apps show them in
the reader's zone. Lines end with CRLF and are folded at 75 octets; text values are escaped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _

from patrol.models import DutyAssignment, DutyStaff

PRODID = "-//County Public Security Bureau//School Safety 护学岗//ZH"


def escape_text(value: str) -> str:
    """RFC 5545 3.3.11: backslash, semicolon, comma and newlines escaped."""
    return (
        str(value)
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str) -> str:
    """RFC 5545 3.1: lines longer than 75 octets continue on the next line after CRLF and a space.

    Splits between characters, never inside a UTF-8 sequence.
    """
    out: list[str] = []
    current = ""
    size = 0
    limit = 75
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            out.append(current)
            current, size, limit = " ", 1, 75
        current += char
        size += width
    out.append(current)
    return "\r\n".join(out)


def utc_stamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _event(assignment: DutyAssignment, *, host: str, stamp: dt.datetime, sequence: int) -> list[str]:
    shift = assignment.shift
    gate = shift.post.gate
    school = gate.school
    summary = _("Gate duty: %(school)s %(gate)s %(post)s · %(window)s (%(role)s)") % {
        "school": school.name,
        "gate": gate.name,
        "post": shift.post.name,
        "window": shift.get_kind_display(),
        "role": assignment.get_role_display(),
    }
    location = f"{school.name} {gate.name}" + (f", {school.address}" if school.address else "")
    description = _("Post: %(post)s. Role: %(role)s. School phone: %(phone)s.") % {
        "post": shift.post.name,
        "role": assignment.get_role_display(),
        "phone": school.phone or "-",
    }
    return [
        "BEGIN:VEVENT",
        f"UID:patrol-duty-{assignment.pk}@{host}",
        f"DTSTAMP:{utc_stamp(stamp)}",
        f"SEQUENCE:{sequence}",
        f"DTSTART:{utc_stamp(shift.start)}",
        f"DTEND:{utc_stamp(shift.end)}",
        f"SUMMARY:{escape_text(summary)}",
        f"LOCATION:{escape_text(location)}",
        f"GEO:{gate.lat:.6f};{gate.lon:.6f}",
        f"DESCRIPTION:{escape_text(description)}",
        "STATUS:CONFIRMED",
        "TRANSP:OPAQUE",
        # A phone calendar subscribed to the feed reminds the officer 30 minutes before the duty.
        *["BEGIN:VALARM", "ACTION:DISPLAY", "TRIGGER:-PT30M", f"DESCRIPTION:{escape_text(summary)}", "END:VALARM"],
        "END:VEVENT",
    ]


def calendar_ics(
    *, staff: DutyStaff, assignments: Iterable[DutyAssignment], host: str, stamp: dt.datetime | None = None
) -> str:
    """The VCALENDAR text for ``staff``: one VEVENT per assignment given (callers pass published ones)."""
    stamp = stamp or timezone.now()
    name = _("Gate duties of %(name)s") % {"name": staff.name}
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
        "X-WR-TIMEZONE:Asia/Shanghai",
    ]
    for assignment in assignments:
        roster = getattr(assignment.shift.term, "roster", None)
        lines.extend(_event(assignment, host=host, stamp=stamp, sequence=roster.version if roster else 0))
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
