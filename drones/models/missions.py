"""Missions (what to fly) and flights (each time one was flown, with its preflight and record).

A mission's route is a list of waypoints, WGS-84 with heights in metres above
the launch point (MAVLink's relative-altitude frame), each optionally holding
for some seconds and switching the loudspeaker. ``drones.missions.compile``
turns it into the MAVLink items uploaded to the vehicle.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from campus.models import LAT_VALIDATORS, LON_VALIDATORS, School, validate_polygon_geojson
from drones.models.airspace import Market
from drones.models.fleet import Drone


class Mission(models.Model):
    class Kind(models.TextChoices):
        SCHOOL_PATROL = "school_patrol", _("School patrol")
        MARKET_BROADCAST = "market_broadcast", _("Market corridor broadcast")
        POINT_BROADCAST = "point_broadcast", _("Point broadcast")
        FREE = "free", _("Free waypoints")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        REJECTED = "rejected", _("Rejected by the checks")
        READY = "ready", _("Checked, ready to fly")
        ARCHIVED = "archived", _("Archived")

    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.FREE)
    drone = models.ForeignKey(Drone, verbose_name=_("drone"), on_delete=models.PROTECT, related_name="missions")
    school = models.ForeignKey(
        School, verbose_name=_("school"), null=True, blank=True, on_delete=models.SET_NULL, related_name="missions"
    )
    market = models.ForeignKey(
        Market, verbose_name=_("market"), null=True, blank=True, on_delete=models.SET_NULL, related_name="missions"
    )
    params = models.JSONField(_("generator settings"), default=dict, blank=True)
    waypoints = models.JSONField(
        _("route"),
        default=list,
        blank=True,
        help_text=_('[{"lat", "lon", "alt_m", "hold_s", "speaker"}], WGS-84, height above the launch point.'),
    )
    launch_lat = models.FloatField(_("launch latitude"), null=True, blank=True, validators=LAT_VALIDATORS)
    launch_lon = models.FloatField(_("launch longitude"), null=True, blank=True, validators=LON_VALIDATORS)
    takeoff_alt_m = models.FloatField(
        _("take-off height (m)"), default=20.0, validators=[MinValueValidator(2), MaxValueValidator(500)]
    )
    speed_mps = models.FloatField(
        _("speed (m/s)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0.5), MaxValueValidator(40)],
        help_text=_("Leave empty for the drone's cruise speed."),
    )
    operating_area = models.JSONField(
        _("operating area"),
        null=True,
        blank=True,
        validators=[validate_polygon_geojson],
        help_text=_("Inclusion fence, GeoJSON Polygon, WGS-84; empty = the route with a margin."),
    )
    rally_points = models.JSONField(_("rally points"), default=list, blank=True)
    planned_start = models.DateTimeField(_("planned start"), null=True, blank=True)
    approval_ref = models.CharField(
        _("flight approval reference"),
        max_length=100,
        blank=True,
        help_text=_("The number of the approved flight application (飞行计划申请)."),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    validation = models.JSONField(_("check result"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    is_sample = models.BooleanField(_("sample data"), default=False)

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("mission")
        verbose_name_plural = _("missions")

    def __str__(self) -> str:
        return self.name


class Flight(models.Model):
    """One execution of a mission (or a manual flight): preflight, progress, outcome, statistics.

    The track and events are the drone's ``TrackPoint``/``DroneEvent`` rows
    between ``started_at`` and ``ended_at``.
    """

    class Status(models.TextChoices):
        PREFLIGHT = "preflight", _("Preflight")
        STARTING = "starting", _("Uploading and starting")
        FLYING = "flying", _("Flying")
        PAUSED = "paused", _("Paused")
        RETURNING = "returning", _("Returning")
        LANDING = "landing", _("Landing")
        COMPLETED = "completed", _("Completed")
        ABORTED = "aborted", _("Aborted")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    class Outcome(models.TextChoices):
        """Why a flight ended, derived from what the vehicle and the operators did during it."""

        COMPLETED = "completed", _("Mission completed")
        ABORTED = "aborted", _("Aborted by an operator")
        FENCE = "fence", _("Geofence breach")
        GCS_FAILSAFE = "gcs_failsafe", _("Ground station link failsafe")
        BATTERY_FAILSAFE = "battery_failsafe", _("Battery failsafe")
        LINK_LOST = "link_lost", _("Link lost")
        LANDED_EARLY = "landed_early", _("Landed before the mission ended")
        OTHER = "other", _("Other")
        FAILED = "failed", _("Failed")

    ACTIVE = (Status.STARTING, Status.FLYING, Status.PAUSED, Status.RETURNING, Status.LANDING)

    mission = models.ForeignKey(
        Mission, verbose_name=_("mission"), null=True, blank=True, on_delete=models.SET_NULL, related_name="flights"
    )
    drone = models.ForeignKey(Drone, verbose_name=_("drone"), on_delete=models.PROTECT, related_name="flights")
    pilot = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("pilot"), on_delete=models.PROTECT, related_name="+"
    )
    approval_ref = models.CharField(_("flight approval reference"), max_length=100, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PREFLIGHT)
    preflight = models.JSONField(_("preflight checklist"), default=dict, blank=True)
    items = models.JSONField(_("uploaded mission items"), default=list, blank=True)
    fence = models.JSONField(_("uploaded fence"), default=dict, blank=True)
    current_item = models.IntegerField(_("current item"), null=True, blank=True)
    reached_items = models.JSONField(_("reached items"), default=list, blank=True)
    speaker_on = models.BooleanField(_("loudspeaker on"), default=False)
    last_error = models.TextField(_("last error"), blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True, default="")
    outcome_detail = models.TextField(_("outcome detail"), blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    stats = models.JSONField(_("statistics"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("flight")
        verbose_name_plural = _("flights")
        constraints = [
            # One drone flies one mission at a time.
            models.UniqueConstraint(
                fields=["drone"],
                condition=models.Q(status__in=["starting", "flying", "paused", "returning", "landing"]),
                name="drones_one_active_flight_per_drone",
                violation_error_message=_("This drone is already flying another mission."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.drone} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def active(self) -> bool:
        return self.status in self.ACTIVE
