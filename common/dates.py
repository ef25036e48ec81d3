"""Calendar helpers shared by the apps."""

from __future__ import annotations

import datetime as dt


def monday_of(day: dt.date) -> dt.date:
    """The Monday of ``day``'s week (weeks run Monday to Sunday, as in Chinese school calendars)."""
    return day - dt.timedelta(days=day.weekday())
