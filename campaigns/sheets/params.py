"""Parsing the day and pilot a sheet or an application list is asked for (pages and API alike)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.sheets import selectors
from common.errors import DomainError, NotAllowed
from drones.models import Pilot

ALL_PILOTS = "all"


class BadParameter(DomainError):
    code = "invalid"


def parse_day(value: str | None, *, default: dt.date) -> dt.date:
    value = (value or "").strip()
    if not value:
        return default
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise BadParameter(
            _("day: give a date as YYYY-MM-DD (“%(value)s” is not one).") % {"value": value[:40]}
        ) from None


def today() -> dt.date:
    return timezone.localdate()


def tomorrow() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=1)


def parse_pilot(value: str | None, *, user) -> Pilot | None:
    """The pilot asked for (``?pilot=ID``), ``all`` for everyone (None), or by default the user's own pilot
    record (everyone's sheet when the user flies no drone). Raises ``BadParameter`` for a malformed id,
    ``Pilot.DoesNotExist`` for an unknown one and ``NotAllowed`` for a sheet the user may not read."""
    value = (value or "").strip()
    if value == ALL_PILOTS:
        return None
    if not value:
        return selectors.pilot_of_user(user)
    if not value.isdigit():
        raise BadParameter(_("pilot: give a pilot's number or “all” (“%(value)s” is neither).") % {"value": value[:40]})
    pilot = Pilot.objects.select_related("user").get(pk=int(value))
    if not selectors.sheet_pilot_allowed(user, pilot):
        raise NotAllowed(_("You may only read your own day sheet."))
    return pilot
