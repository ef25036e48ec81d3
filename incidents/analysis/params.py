"""The query parameters of the monthly incident analysis and the month they name.

``?month=YYYY-MM`` (default: the current local month) and ``?station=<id>`` (default: the whole county)
are parsed here for the page, its XLSX export and the API alike; a bad value raises
``AnalysisParamError`` naming the parameter (a 400). A month is a calendar month in local time
(``settings.TIME_ZONE``): ``month_range`` gives its [start, end) as aware datetimes at local midnight.
"""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone
from django.utils.translation import gettext as _

from campus.models import Station
from common.errors import DomainError

MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
MIN_YEAR, MAX_YEAR = 2000, 2100


class AnalysisParamError(DomainError):
    """A query parameter of the analysis (``month``, ``station``, ``type``) is not usable."""

    code = "bad_parameter"


def _shown(value: str) -> str:
    return value if len(value) <= 40 else value[:40] + "…"


def parse_month(value: str | None, *, today: dt.date | None = None) -> dt.date:
    """The first day of the month named by ``?month=YYYY-MM``; the current local month when empty."""
    if value is None or not value.strip():
        today = today or timezone.localdate()
        return today.replace(day=1)
    match = MONTH_RE.match(value.strip())
    if match is None or not 1 <= int(match[2]) <= 12 or not MIN_YEAR <= int(match[1]) <= MAX_YEAR:
        raise AnalysisParamError(
            _("The parameter “month” must be a month written YYYY-MM (for example 2026-11), not “%(value)s”.")
            % {"value": _shown(value)},
            details=[{"parameter": "month", "value": _shown(value)}],
        )
    return dt.date(int(match[1]), int(match[2]), 1)


def parse_station(value: str | None) -> Station | None:
    """The station named by ``?station=<id>``; None (the whole county) when empty."""
    if value is None or not value.strip():
        return None
    station = Station.objects.filter(pk=int(value)).first() if value.strip().isdigit() else None
    if station is None:
        raise AnalysisParamError(
            _("The parameter “station” must be the id of a police station, not “%(value)s”.")
            % {"value": _shown(value)},
            details=[{"parameter": "station", "value": _shown(value)}],
        )
    return station


def previous_month(month: dt.date) -> dt.date:
    return (month - dt.timedelta(days=1)).replace(day=1)


def next_month(month: dt.date) -> dt.date:
    return (month + dt.timedelta(days=32)).replace(day=1)


def month_range(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of the month as aware datetimes at local midnight."""
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(month, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(next_month(month), dt.time.min, tzinfo=tz)
    return start, end
