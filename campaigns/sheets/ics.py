"""A pilot's sorties as an iCalendar feed (RFC 5545), the way the duty calendar is served
(``patrol.roster.ics``, whose text helpers this reuses).

Times in UTC (``...Z``), so no VTIMEZONE is needed. One VEVENT per sortie, its UID stable
(``campaigns-sortie-<id>@host``), so a calendar app updates the event when the sortie moves; a cancelled
sortie stays in the feed with ``STATUS:CANCELLED``, so the app removes it from the pilot's day. Each
event has an alarm 60 minutes before take-off (``CAMPAIGN_SORTIE_ALARM_MIN``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import Sortie
from campaigns.sheets import selectors
from drones.models import Pilot
from patrol.roster.ics import escape_text, fold, utc_stamp

PRODID = "-//County Public Security Bureau//Publicity sorties 宣传飞行//ZH"
DEFAULT_ALARM_MIN = 60


def alarm_minutes() -> int:
    return int(getattr(settings, "CAMPAIGN_SORTIE_ALARM_MIN", DEFAULT_ALARM_MIN))


def _event(sortie: Sortie, *, host: str, stamp: dt.datetime) -> list[str]:
    place = selectors.place_of(sortie)
    campaign = sortie.occurrence.campaign
    application = selectors.application_of(sortie)
    summary = _("Sortie: %(place)s · %(drone)s (%(campaign)s)") % {
        "place": place["name"],
        "drone": sortie.drone.name,
        "campaign": campaign.name,
    }
    description = _(
        "Launch point %(lat).6f, %(lon).6f. Landed by %(end)s. Battery packs: %(packs)s. Playlist: %(playlist)s. "
        "Flight application: %(application)s."
    ) % {
        "lat": sortie.launch_lat,
        "lon": sortie.launch_lon,
        "end": f"{timezone.localtime(sortie.end):%H:%M}",
        "packs": sortie.battery_packs,
        "playlist": campaign.playlist.name,
        "application": application.get_status_display() if application else _("Not submitted"),
    }
    if sortie.status == Sortie.Status.CANCELLED and sortie.cancel_reason:
        description += " " + _("Cancelled: %(reason)s") % {"reason": sortie.cancel_reason}
    cancelled = sortie.status == Sortie.Status.CANCELLED
    lines = [
        "BEGIN:VEVENT",
        f"UID:campaigns-sortie-{sortie.pk}@{host}",
        f"DTSTAMP:{utc_stamp(stamp)}",
        f"DTSTART:{utc_stamp(sortie.start)}",
        f"DTEND:{utc_stamp(sortie.end)}",
        f"SUMMARY:{escape_text(summary)}",
        f"LOCATION:{escape_text(place['name'])}",
        f"GEO:{sortie.launch_lat:.6f};{sortie.launch_lon:.6f}",
        f"DESCRIPTION:{escape_text(description)}",
        "STATUS:CANCELLED" if cancelled else "STATUS:CONFIRMED",
        "TRANSP:TRANSPARENT" if cancelled else "TRANSP:OPAQUE",
    ]
    if not cancelled:
        lines += [
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            f"DESCRIPTION:{escape_text(summary)}",
            f"TRIGGER:-PT{alarm_minutes()}M",
            "END:VALARM",
        ]
    lines.append("END:VEVENT")
    return lines


def pilot_calendar_ics(*, pilot: Pilot, sorties: Iterable[Sortie], host: str, stamp: dt.datetime | None = None) -> str:
    """The VCALENDAR text of ``pilot``'s sorties given (cancelled ones marked so)."""
    stamp = stamp or timezone.now()
    name = _("Sorties of %(name)s") % {"name": pilot.user.get_full_name() or pilot.user.get_username()}
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
        "X-WR-TIMEZONE:Asia/Shanghai",
    ]
    for sortie in sorties:
        lines.extend(_event(sortie, host=host, stamp=stamp))
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
