"""Query parameters of the duty board and the statistics, read the same way by the pages and the API."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.dateparse import parse_date

from campus.models import Station, Term
from patrol.duty import selectors, stats


def parse_day(value: str | None, default: dt.date) -> dt.date:
    return parse_date(value) if value and parse_date(value) else default


def station_param(value: str | None) -> int | None:
    if value and str(value).isdigit() and Station.objects.filter(pk=int(value)).exists():
        return int(value)
    return None


def board_params(request, params) -> tuple[dt.date, int | None]:
    """The board's day and station filter (empty: the whole scope; ``NO_STATION``: the schools without a
    station); a station officer starts at their station."""
    day = parse_day(params.get("date"), timezone.localdate())
    if params.get("station") == str(selectors.NO_STATION):
        station_id = selectors.NO_STATION
    elif "station" in params:
        station_id = station_param(params.get("station"))
    else:
        station_id = selectors.board_station_default(request.user)
    return day, station_id


def stats_params(request, params) -> dict:
    """The statistics' range (default the current week), term (default the current one; ``all``: none) and
    station filter."""
    today = timezone.localdate()
    monday, sunday = stats.current_week(today)
    start = parse_day(params.get("start"), monday)
    end = parse_day(params.get("end"), sunday)
    term_value = params.get("term")
    if term_value == "all":
        term = None
    elif term_value and str(term_value).isdigit():
        term = Term.objects.filter(pk=int(term_value)).first()
    else:
        term = stats.term_default(today)
    return {"start": start, "end": end, "term": term, "station_id": station_param(params.get("station"))}
