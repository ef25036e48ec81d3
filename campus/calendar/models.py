"""The school calendar's models: terms (学期), county overrides and one school's closures.

Taken over from the ``patrol`` app with their tables (``db_table`` keeps the ``patrol_`` names, see
``campus/migrations/0009_calendar_from_patrol.py``). Imported by ``campus.models``, which is where the
rest of the code gets them; the school is named by label so that this module imports no other model
module.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Term(models.Model):
    """A school term (学期) of a school year, county-wide."""

    school_year = models.CharField(_("school year"), max_length=9, help_text=_("For example 2026-2027."))
    name = models.CharField(_("name"), max_length=50)
    start_date = models.DateField(_("first day"))
    end_date = models.DateField(_("last day"))
    is_sample = models.BooleanField(_("sample data"), default=False)

    class Meta:
        db_table = "patrol_term"
        verbose_name = _("term")
        verbose_name_plural = _("terms")
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")), name="term_ends_after_start"),
            models.UniqueConstraint(fields=["school_year", "name"], name="term_unique_name_per_year"),
        ]

    def __str__(self) -> str:
        return f"{self.school_year} {self.name}"


class CalendarOverride(models.Model):
    """A county-wide correction to the State Council calendar: a holiday or a make-up workday (调休).

    Needed for years the ``chinesecalendar`` package does not know yet, and for local decisions.
    """

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Holiday (no school)")
        WORKDAY = "workday", _("Make-up school day")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        db_table = "patrol_calendaroverride"
        verbose_name = _("calendar override")
        verbose_name_plural = _("calendar overrides")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"


class SchoolClosure(models.Model):
    """Days one school has no normal peak hours: closures and exam days."""

    class Kind(models.TextChoices):
        CLOSURE = "closure", _("Closure")
        EXAM = "exam", _("Exam days")

    school = models.ForeignKey(
        "campus.School", verbose_name=_("school"), on_delete=models.CASCADE, related_name="closures"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.CLOSURE)
    start_date = models.DateField(_("first day"))
    end_date = models.DateField(_("last day"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    no_duty = models.BooleanField(
        _("no gate duty"), default=True, help_text=_("Exam days may keep their duty windows; closures do not.")
    )

    class Meta:
        db_table = "patrol_schoolclosure"
        verbose_name = _("school closure")
        verbose_name_plural = _("school closures")
        ordering = ["start_date"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")), name="closure_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.school} {self.start_date}–{self.end_date}"


class HolidayYear(models.Model):
    """A year whose State Council holiday notice has been entered as overrides (``year_schedule_enter``).

    For a year the ``chinesecalendar`` package does not know, the calendar warns and publishing is held
    back over the fixed-date holidays until this row exists: a single override does not make a year known.
    """

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    entered_at = models.DateTimeField(_("entered at"), auto_now=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    holidays = models.PositiveSmallIntegerField(_("holidays"), default=0)
    workdays = models.PositiveSmallIntegerField(_("make-up school days"), default=0)

    class Meta:
        verbose_name = _("holiday schedule of a year")
        verbose_name_plural = _("holiday schedules of years")
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)
