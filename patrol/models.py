"""护学岗: bell times, duty windows, gate posts, rosters and check-ins.

The school calendar they are planned on (terms, overrides, closures) is campus's: ``campus.calendar``.

Times are local (``settings.TIME_ZONE``, Asia/Shanghai); a shift stores aware datetimes so that
overlap, travel and rest are plain arithmetic. Positions are WGS-84 degrees.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from campus.models import LAT_VALIDATORS, LON_VALIDATORS, Gate, Officer, School, Station, Term
from common.geo import haversine_m


class DutyRole(models.TextChoices):
    """Who can stand a post. A police officer may fill an auxiliary slot, never the reverse."""

    POLICE = "police", _("Police officer")
    AUXILIARY = "auxiliary", _("Auxiliary police")
    GUARD = "guard", _("School guard")
    VOLUNTEER = "volunteer", _("Volunteer")


def role_can_fill(staff_role: str, slot_role: str) -> bool:
    """A police officer may fill a police or an auxiliary slot; everyone else only their own role."""
    return staff_role == slot_role or (staff_role == DutyRole.POLICE and slot_role == DutyRole.AUXILIARY)


def travel_s(lat1: float, lon1: float, lat2: float, lon2: float, *, speed_kmh: float) -> int:
    """Whole seconds to go in a straight line between two gates at ``speed_kmh`` (WGS-84 degrees)."""
    if lat1 == lat2 and lon1 == lon2:
        return 0
    return int(haversine_m(lat1, lon1, lat2, lon2) / 1000.0 / speed_kmh * 3600.0 + 0.999)


class WindowKind(models.TextChoices):
    ARRIVAL = "arrival", _("Arrival")
    NOON_DISMISSAL = "noon_dismissal", _("Noon dismissal")
    NOON_ARRIVAL = "noon_arrival", _("Noon arrival")
    DISMISSAL = "dismissal", _("Dismissal")


# --- bells, windows, posts ---------------------------------------------------------------------


class BellSchedule(models.Model):
    """A school's bell times for some weekdays (``weekdays``: 0 = Monday ... 6 = Sunday)."""

    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.CASCADE, related_name="bell_schedules"
    )
    name = models.CharField(_("name"), max_length=50, default="")
    weekdays = models.JSONField(_("weekdays"), default=list, help_text=_("0 = Monday ... 6 = Sunday."))

    class Meta:
        verbose_name = _("bell schedule")
        verbose_name_plural = _("bell schedules")
        ordering = ["school_id", "id"]

    def __str__(self) -> str:
        return f"{self.school} {self.name}"


class BellTime(models.Model):
    """One bell: pupils arrive or leave. Staggered dismissal: several dismissal bells with grade labels."""

    schedule = models.ForeignKey(BellSchedule, verbose_name=_("bell schedule"), on_delete=models.CASCADE,
                                 related_name="bells")  # fmt: skip
    kind = models.CharField(_("kind"), max_length=16, choices=WindowKind.choices)
    time = models.TimeField(_("time"))
    grades = models.CharField(_("grades"), max_length=50, blank=True, help_text=_("For staggered dismissal."))

    class Meta:
        verbose_name = _("bell time")
        verbose_name_plural = _("bell times")
        ordering = ["schedule_id", "time"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.time:%H:%M}"


class WindowRule(models.Model):
    """Offsets of a duty window around its bell, county default (no school) or for one school."""

    kind = models.CharField(_("kind"), max_length=16, choices=WindowKind.choices)
    school = models.ForeignKey(School, verbose_name=_("school"), on_delete=models.CASCADE, null=True, blank=True,
                               related_name="window_rules")  # fmt: skip
    before_min = models.PositiveSmallIntegerField(_("minutes before the bell"), validators=[MaxValueValidator(180)])
    after_min = models.PositiveSmallIntegerField(_("minutes after the bell"), validators=[MaxValueValidator(180)])

    class Meta:
        verbose_name = _("duty window rule")
        verbose_name_plural = _("duty window rules")
        constraints = [
            models.UniqueConstraint(fields=["kind", "school"], name="window_rule_unique_per_school"),
            models.UniqueConstraint(fields=["kind"], condition=Q(school__isnull=True), name="window_rule_one_default"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} -{self.before_min}/+{self.after_min} min"


class Post(models.Model):
    """A duty post at a gate; ``requirements`` maps a role to how many people it needs per window."""

    gate = models.ForeignKey(Gate, verbose_name=_("gate"), on_delete=models.CASCADE, related_name="posts")
    name = models.CharField(_("name"), max_length=50)
    requirements = models.JSONField(_("staffing"), default=dict, help_text=_('For example {"police": 1, "guard": 2}.'))
    window_kinds = models.JSONField(
        _("windows"), default=list, blank=True, help_text=_("Window kinds this post is staffed for; empty = all.")
    )
    checkin_radius_m = models.PositiveIntegerField(
        _("check-in radius (m)"), default=150, validators=[MinValueValidator(10), MaxValueValidator(2000)]
    )
    active = models.BooleanField(_("active"), default=True)
    is_sample = models.BooleanField(_("sample data"), default=False)

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        ordering = ["gate__school_id", "gate_id", "id"]

    def __str__(self) -> str:
        return f"{self.gate.school} {self.gate.name} {self.name}"


# --- people ------------------------------------------------------------------------------------


def _calendar_token() -> str:
    return secrets.token_urlsafe(24)


class DutyStaff(models.Model):
    """Someone who stands posts: a police or auxiliary officer, a school guard or a volunteer."""

    role = models.CharField(_("role"), max_length=16, choices=DutyRole.choices)
    name = models.CharField(_("name"), max_length=50)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    officer = models.OneToOneField(Officer, verbose_name=_("officer"), on_delete=models.CASCADE, null=True,
                                   blank=True, related_name="duty_staff")  # fmt: skip
    station = models.ForeignKey(Station, verbose_name=_("station"), on_delete=models.PROTECT, null=True, blank=True,
                                related_name="duty_staff")  # fmt: skip
    school = models.ForeignKey(School, verbose_name=_("school"), on_delete=models.PROTECT, null=True, blank=True,
                               related_name="duty_staff",
                               help_text=_("Guards and volunteers serve their own school."))  # fmt: skip
    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.SET_NULL,
                                null=True, blank=True, related_name="duty_staff")  # fmt: skip
    base_lat = models.FloatField(_("base latitude"), null=True, blank=True, validators=LAT_VALIDATORS)
    base_lon = models.FloatField(_("base longitude"), null=True, blank=True, validators=LON_VALIDATORS)
    max_per_day = models.PositiveSmallIntegerField(_("maximum duties per day"), null=True, blank=True)
    max_per_week = models.PositiveSmallIntegerField(_("maximum duties per week"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    calendar_token = models.CharField(_("calendar token"), max_length=64, unique=True, default=_calendar_token)
    is_sample = models.BooleanField(_("sample data"), default=False)

    class Meta:
        verbose_name = _("duty staff")
        verbose_name_plural = _("duty staff")
        ordering = ["role", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()})"


class Leave(models.Model):
    """Time someone cannot stand a post: leave, or another duty."""

    class Kind(models.TextChoices):
        LEAVE = "leave", _("Leave")
        OTHER_DUTY = "other_duty", _("Other duty")

    staff = models.ForeignKey(DutyStaff, verbose_name=_("staff"), on_delete=models.CASCADE, related_name="leaves")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.LEAVE)
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("leave")
        verbose_name_plural = _("leave")
        ordering = ["start"]
        constraints = [models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="leave_ends_after_start")]

    def __str__(self) -> str:
        return f"{self.staff} {self.start:%Y-%m-%d %H:%M}–{self.end:%Y-%m-%d %H:%M}"


# --- shifts, rosters, assignments --------------------------------------------------------------


class DutyShift(models.Model):
    """One post in one duty window on one day, with its staffing need (copied from the post)."""

    term = models.ForeignKey(Term, verbose_name=_("term"), on_delete=models.CASCADE, related_name="shifts")
    post = models.ForeignKey(Post, verbose_name=_("post"), on_delete=models.CASCADE, related_name="shifts")
    date = models.DateField(_("date"))
    kind = models.CharField(_("window"), max_length=16, choices=WindowKind.choices)
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    requirements = models.JSONField(_("staffing"), default=dict)

    class Meta:
        verbose_name = _("duty shift")
        verbose_name_plural = _("duty shifts")
        ordering = ["start", "post_id"]
        constraints = [
            models.UniqueConstraint(fields=["post", "date", "kind", "start"], name="shift_unique_per_window"),
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="shift_ends_after_start"),
        ]
        # By date alone: the day's board, the overview's counts and the statistics ask for days, not terms.
        indexes = [models.Index(fields=["term", "date"]), models.Index(fields=["date"], name="patrol_shift_date_idx")]

    def __str__(self) -> str:
        return f"{self.post} {self.date} {self.get_kind_display()}"


class Roster(models.Model):
    """The term's roster: its assignments, the last solver report and whether it is published."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    term = models.OneToOneField(Term, verbose_name=_("term"), on_delete=models.CASCADE, related_name="roster")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    version = models.PositiveIntegerField(_("version"), default=0, help_text=_("Raised by every publish."))
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("published by"),
                                     on_delete=models.SET_NULL, null=True, blank=True, related_name="+")  # fmt: skip
    report = models.JSONField(_("solver report"), default=dict, blank=True)
    generated_at = models.DateTimeField(_("generated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("roster")
        verbose_name_plural = _("rosters")

    def __str__(self) -> str:
        return f"{self.term} ({self.get_status_display()})"


class DutyAssignment(models.Model):
    """Someone on a shift in a role. ``pinned``: edited by hand or published; re-planning keeps it."""

    class Source(models.TextChoices):
        SOLVER = "solver", _("Generated")
        MANUAL = "manual", _("Edited by hand")
        SWAP = "swap", _("Swap")

    shift = models.ForeignKey(DutyShift, verbose_name=_("shift"), on_delete=models.CASCADE,
                              related_name="assignments")  # fmt: skip
    staff = models.ForeignKey(DutyStaff, verbose_name=_("staff"), on_delete=models.PROTECT,
                              related_name="assignments")  # fmt: skip
    role = models.CharField(_("role"), max_length=16, choices=DutyRole.choices)
    source = models.CharField(_("source"), max_length=8, choices=Source.choices, default=Source.SOLVER)
    pinned = models.BooleanField(_("pinned"), default=False)
    published = models.BooleanField(_("published"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("duty assignment")
        verbose_name_plural = _("duty assignments")
        ordering = ["shift__start", "shift_id", "role"]
        constraints = [models.UniqueConstraint(fields=["shift", "staff"], name="assignment_unique_staff_per_shift")]
        indexes = [models.Index(fields=["staff", "shift"])]

    def __str__(self) -> str:
        return f"{self.staff} @ {self.shift}"


class SwapRequest(models.Model):
    """One person asks another to take (or trade) a duty; the scheduler or the other person decides."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")

    assignment = models.ForeignKey(DutyAssignment, verbose_name=_("duty"), on_delete=models.CASCADE,
                                   related_name="swap_requests")  # fmt: skip
    to_staff = models.ForeignKey(DutyStaff, verbose_name=_("to"), on_delete=models.CASCADE,
                                 related_name="swap_requests_received")  # fmt: skip
    in_return = models.ForeignKey(DutyAssignment, verbose_name=_("in return"), on_delete=models.CASCADE,
                                  null=True, blank=True, related_name="+")  # fmt: skip
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("requested by"),
                                     on_delete=models.SET_NULL, null=True, related_name="+")  # fmt: skip
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("decided by"),
                                   on_delete=models.SET_NULL, null=True, blank=True, related_name="+")  # fmt: skip
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("swap request")
        verbose_name_plural = _("swap requests")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.assignment} -> {self.to_staff}"


# --- on the day --------------------------------------------------------------------------------


class CheckIn(models.Model):
    """Arrival at and departure from the post, with where the phone said it was."""

    assignment = models.OneToOneField(DutyAssignment, verbose_name=_("duty"), on_delete=models.CASCADE,
                                      related_name="checkin")  # fmt: skip
    checked_in_at = models.DateTimeField(_("checked in at"))
    in_lat = models.FloatField(_("latitude"), null=True, blank=True, validators=LAT_VALIDATORS)
    in_lon = models.FloatField(_("longitude"), null=True, blank=True, validators=LON_VALIDATORS)
    in_accuracy_m = models.FloatField(_("accuracy (m)"), null=True, blank=True)
    in_distance_m = models.FloatField(_("distance from the gate (m)"), null=True, blank=True)
    in_reason = models.CharField(_("reason (away from the gate)"), max_length=200, blank=True)
    late = models.BooleanField(_("late"), default=False)
    checked_out_at = models.DateTimeField(_("checked out at"), null=True, blank=True)
    out_lat = models.FloatField(_("latitude at check-out"), null=True, blank=True, validators=LAT_VALIDATORS)
    out_lon = models.FloatField(_("longitude at check-out"), null=True, blank=True, validators=LON_VALIDATORS)
    out_distance_m = models.FloatField(_("distance at check-out (m)"), null=True, blank=True)
    out_reason = models.CharField(_("reason at check-out"), max_length=200, blank=True)
    early = models.BooleanField(_("left early"), default=False)
    checked_in_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.SET_NULL,
                                      null=True, blank=True, related_name="+")  # fmt: skip

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        ordering = ["-checked_in_at"]

    def __str__(self) -> str:
        return f"{self.assignment} {self.checked_in_at:%H:%M}"


class GuardPatrol(models.Model):
    """The school guards' patrol of the gate area before dismissal, with the equipment carried."""

    shift = models.ForeignKey(DutyShift, verbose_name=_("shift"), on_delete=models.CASCADE, related_name="patrols")
    staff = models.ForeignKey(DutyStaff, verbose_name=_("staff"), on_delete=models.PROTECT, related_name="patrols")
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    equipment = models.JSONField(_("equipment carried"), default=list)
    area_cleared = models.BooleanField(_("gate area cleared"), default=False)
    notes = models.CharField(_("notes"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"),
                                    on_delete=models.SET_NULL, null=True, related_name="+")  # fmt: skip

    class Meta:
        verbose_name = _("pre-dismissal patrol")
        verbose_name_plural = _("pre-dismissal patrols")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.shift} {self.staff}"


class DutyBreak(models.Model):
    """A published duty that a later change broke (leave, a transfer, a closure...), until it is covered again.

    Written in the same transaction as the change. ``assignment`` empties when a re-plan releases the duty;
    the break stays open until the shift's place in ``role`` is filled again (``cleared_at``).
    """

    class Reason(models.TextChoices):
        TRANSFER = "transfer", _("Transferred to another station")
        INACTIVE = "inactive", _("No longer active")
        LEAVE = "leave", _("On leave or another duty")
        CLOSURE = "closure", _("School closed")
        BELLS = "bells", _("Bell time changed")
        POST = "post", _("Post closed or changed")

    shift = models.ForeignKey(DutyShift, verbose_name=_("shift"), on_delete=models.CASCADE, related_name="breaks")
    assignment = models.ForeignKey(DutyAssignment, verbose_name=_("duty"), on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="breaks")  # fmt: skip
    staff = models.ForeignKey(DutyStaff, verbose_name=_("staff"), on_delete=models.CASCADE, related_name="+")
    role = models.CharField(_("role"), max_length=16, choices=DutyRole.choices)
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices)
    detail = models.CharField(_("detail"), max_length=200, blank=True)
    broken_at = models.DateTimeField(_("broken at"))
    cleared_at = models.DateTimeField(_("cleared at"), null=True, blank=True)

    class Meta:
        verbose_name = _("broken duty")
        verbose_name_plural = _("broken duties")
        ordering = ["shift__start", "shift_id", "role"]
        constraints = [
            # One open break per duty: a second change over the same duty adds nothing to cover.
            models.UniqueConstraint(
                fields=["assignment"], condition=Q(cleared_at__isnull=True), name="duty_break_one_open_per_duty"
            )
        ]
        indexes = [models.Index(fields=["cleared_at", "shift"], name="patrol_break_open_idx")]

    def __str__(self) -> str:
        return f"{self.staff} @ {self.shift}: {self.get_reason_display()}"
