"""Monthly reports: a draft per month and scope, its issued versions (immutable), and the units' targets.

A ``Report`` is the working draft of one month for the county (``station`` empty) or one station: the
figures computed into ``snapshot`` (JSON, see ``reports.figures``) when it is created or refreshed, and the
analyst's countermeasures (对策). Issuing copies both into a ``ReportVersion`` (v1, v2, ...), which is never
changed or deleted afterwards; the draft stays editable for the next version.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from campus.models import Station

COUNTERMEASURES_MAX_CHARS = 20_000


class Metric(models.TextChoices):
    """What a unit's scorecard measures; ``LOWER_IS_BETTER`` ones meet their target at or below it."""

    LIAISON_COVERAGE_PCT = "liaison_coverage_pct", _("一校一警 liaison coverage (%)")
    DUTY_COVERAGE_PCT = "duty_coverage_pct", _("护学岗 slots covered (%)")
    DUTY_CHECKIN_PCT = "duty_checkin_pct", _("护学岗 check-ins (%)")
    DRILL_DONE_PCT = "drill_done_pct", _("Drill requirements met (%)")
    SATISFACTION_PCT = "satisfaction_pct", _("回访 satisfaction (%)")
    RECTIFICATION_CLEARED_PCT = "rectification_cleared_pct", _("Rectifications cleared (%)")
    ACK_P90_MIN = "ack_p90_min", _("Acknowledgement time, P90 (min)")
    INCIDENTS = "incidents", _("Incidents reported")


LOWER_IS_BETTER = frozenset({Metric.ACK_P90_MIN, Metric.INCIDENTS})
PERCENT_METRICS = frozenset(m for m in Metric if m.value.endswith("_pct"))


class Target(models.Model):
    """The bureau's target for one metric: the county default (``station`` empty) or one station's override."""

    metric = models.CharField(_("metric"), max_length=40, choices=Metric.choices)
    station = models.ForeignKey(
        Station, verbose_name=_("station"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    value = models.FloatField(_("target"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("updated by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["metric", "station__name"]
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = [
            models.UniqueConstraint(
                fields=["metric", "station"], condition=models.Q(station__isnull=False), name="reports_target_station"
            ),
            models.UniqueConstraint(
                fields=["metric"], condition=models.Q(station__isnull=True), name="reports_target_county"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_metric_display()} {self.station or _('county')}: {self.value:g}"

    def clean(self) -> None:
        if self.value is None:
            return
        if self.value < 0:
            raise ValidationError({"value": _("A target cannot be negative.")})
        if self.metric in PERCENT_METRICS and self.value > 100:
            raise ValidationError({"value": _("A percentage target must lie between 0 and 100.")})


class Report(models.Model):
    """The draft of one month's report for the county (``station`` empty) or one station."""

    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    station = models.ForeignKey(
        Station, verbose_name=_("station"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    countermeasures = models.TextField(_("countermeasures (对策)"), blank=True, max_length=COUNTERMEASURES_MAX_CHARS)
    snapshot = models.JSONField(_("figures"), default=dict, blank=True)
    refreshed_at = models.DateTimeField(_("figures computed at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-month", "station__name", "id"]
        verbose_name = _("monthly report")
        verbose_name_plural = _("monthly reports")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "station"], condition=models.Q(station__isnull=False), name="reports_report_station"
            ),
            models.UniqueConstraint(
                fields=["month"], condition=models.Q(station__isnull=True), name="reports_report_county"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.scope_name}"

    @property
    def scope_name(self) -> str:
        return self.station.name if self.station_id else str(_("whole county"))

    def clean(self) -> None:
        if self.month is not None and self.month.day != 1:
            raise ValidationError({"month": _("A report's month is stored as its first day.")})


class ReportVersionImmutable(Exception):
    """An issued version was about to be changed or deleted."""


class ReportVersion(models.Model):
    """An issued version of a report: its figures and countermeasures as issued, by whom and when. Immutable."""

    report = models.ForeignKey(Report, verbose_name=_("report"), on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    snapshot = models.JSONField(_("figures"))
    countermeasures = models.TextField(_("countermeasures (对策)"), blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("issued by"), on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(_("issued at"))

    class Meta:
        ordering = ["report", "-number"]
        verbose_name = _("issued report version")
        verbose_name_plural = _("issued report versions")
        constraints = [models.UniqueConstraint(fields=["report", "number"], name="reports_version_number")]

    def __str__(self) -> str:
        return f"{self.report} v{self.number}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None or kwargs.get("force_update"):
            raise ReportVersionImmutable(f"{self} is issued and cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ReportVersionImmutable(f"{self} is issued and cannot be deleted.")

    @property
    def label(self) -> str:
        return f"v{self.number}"
