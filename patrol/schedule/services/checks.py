"""What every write of the 护学岗 set-up checks first, and the error it raises.

``check_manage_duty``: the actor holds MANAGE_DUTY, else ``NotAllowed``. ``parse_date``: a real calendar
date from a date or an ISO string, else ``ScheduleError`` naming the field. ``ScheduleError`` (code
``schedule_invalid`` unless a more precise one is given) is what every schedule service raises for bad
input; its message names what is wrong and where, and nothing is written then.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from common.errors import DomainError, NotAllowed
from common.roles import Capability, can


class ScheduleError(DomainError):
    code = "schedule_invalid"


def check_manage_duty(actor) -> None:
    if not can(actor, Capability.MANAGE_DUTY):
        raise NotAllowed(_("You may not change the duty schedule."))


def parse_date(value: Any, *, field: str) -> dt.date:
    """A real calendar date from a date or an ISO string; '2026-02-30' is refused naming the field."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ScheduleError(
            _("%(field)s: %(value)s is not a real date (use YYYY-MM-DD).") % {"field": field, "value": value},
            code="date_invalid",
        ) from None
