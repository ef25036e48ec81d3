"""Writes for the 护学岗 set-up: terms, calendar overrides, closures, bells, window rules, posts, staff, leave.

One module per concept: ``checks`` (the permission, dates and ``ScheduleError``), ``calendar`` (terms,
overrides, closures), ``bells`` (bell schedules and window rules), ``posts`` and ``staff`` (duty staff and
leave). Every service is keyword-only, atomic and audited, and checks MANAGE_DUTY. Bad input raises
``ScheduleError`` whose message names what is wrong and where (field, row, date); nothing is written then.
This package exposes them all as ``services.<name>`` for the views and the API. Shift building lives in
``patrol.schedule.shifts`` (``duty_shifts_build``), importable from here too, next to the other writes.
"""

from __future__ import annotations

from patrol.schedule.services.bells import (
    WEEKDAY_NAMES,
    bell_schedule_delete,
    bell_schedule_save,
    check_bell_schedule,
    window_rule_delete,
    window_rule_save,
    window_rules_effective,
)
from patrol.schedule.services.calendar import (
    calendar_override_create,
    calendar_override_delete,
    school_closure_create,
    school_closure_delete,
    term_create,
    term_update,
)
from patrol.schedule.services.checks import ScheduleError, check_manage_duty, parse_date
from patrol.schedule.services.posts import (
    LARGE_SCHOOL_PUPILS,
    clean_requirements,
    clean_window_kinds,
    post_create,
    post_default_requirements,
    post_update,
)
from patrol.schedule.services.staff import (
    STAFF_FIELDS,
    duty_staff_create,
    duty_staff_update,
    leave_create,
    leave_delete,
)
from patrol.schedule.shifts import ShiftBuildReport, duty_shifts_build

__all__ = [
    "LARGE_SCHOOL_PUPILS",
    "STAFF_FIELDS",
    "WEEKDAY_NAMES",
    "ScheduleError",
    "ShiftBuildReport",
    "bell_schedule_delete",
    "bell_schedule_save",
    "calendar_override_create",
    "calendar_override_delete",
    "check_bell_schedule",
    "check_manage_duty",
    "clean_requirements",
    "clean_window_kinds",
    "duty_shifts_build",
    "duty_staff_create",
    "duty_staff_update",
    "leave_create",
    "leave_delete",
    "parse_date",
    "post_create",
    "post_default_requirements",
    "post_update",
    "school_closure_create",
    "school_closure_delete",
    "term_create",
    "term_update",
    "window_rule_delete",
    "window_rule_save",
    "window_rules_effective",
]
