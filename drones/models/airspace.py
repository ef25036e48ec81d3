"""Airspace the missions are checked against, and the markets the publicity flights serve.

Geometry is GeoJSON in WGS-84. Metric work (buffers, distances) happens in the
local UTM zone in ``drones.missions.checks``.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from campus.models import LAT_VALIDATORS, LON_VALIDATORS, Station, validate_polygon_geojson


class Airspace(models.Model):
    """A zone a mission must respect: keep out (no-fly, airport), approval needed (restricted),
    or fly high enough over people (crowd)."""

    class Kind(models.TextChoices):
        NO_FLY = "no_fly", _("No-fly zone (禁飞区)")
        RESTRICTED = "restricted", _("Restricted zone (限飞区)")
        AIRPORT = "airport", _("Airport clearance area (机场净空区)")
        CROWD = "crowd", _("Crowd area (人员密集区)")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.NO_FLY)
    geometry = models.JSONField(
        _("area"), validators=[validate_polygon_geojson], help_text=_("GeoJSON Polygon or MultiPolygon, WGS-84.")
    )
    min_alt_m = models.FloatField(
        _("minimum height over it (m)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("Crowd areas: fly at least this high above ground over them."),
    )
    # Airports: the reference point and the clearance radius the polygon was built from.
    center_lat = models.FloatField(_("centre latitude"), null=True, blank=True, validators=LAT_VALIDATORS)
    center_lon = models.FloatField(_("centre longitude"), null=True, blank=True, validators=LON_VALIDATORS)
    buffer_m = models.FloatField(_("clearance radius (m)"), null=True, blank=True, validators=[MinValueValidator(0)])
    active = models.BooleanField(_("in force"), default=True)
    valid_from = models.DateTimeField(_("valid from"), null=True, blank=True)
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True, help_text=_("Where the zone came from."))
    notes = models.TextField(_("notes"), blank=True)
    is_sample = models.BooleanField(_("sample data"), default=False)
    # Part of the airspace version the mission checks' cached index is keyed by (drones.airspace.index).
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("airspace zone")
        verbose_name_plural = _("airspace zones")

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    def clean(self) -> None:
        if self.kind == self.Kind.CROWD and self.min_alt_m is None:
            raise ValidationError({"min_alt_m": _("A crowd area needs the minimum height to fly over it.")})
        if self.valid_from and self.valid_until and self.valid_until <= self.valid_from:
            raise ValidationError({"valid_until": _("The end must be after the start.")})

    def in_force(self, at: dt.datetime) -> bool:
        if not self.active:
            return False
        if self.valid_from and at < self.valid_from:
            return False
        return not (self.valid_until and at >= self.valid_until)


def validate_day_list(value, *, low: int, high: int) -> None:
    if not isinstance(value, list) or any(not isinstance(v, int) or not low <= v <= high for v in value):
        raise ValidationError(_("Give a list of whole numbers from %(low)d to %(high)d.") % {"low": low, "high": high})


def validate_lunar_days(value) -> None:
    validate_day_list(value, low=1, high=30)


def validate_weekdays(value) -> None:
    validate_day_list(value, low=0, high=6)


def validate_line_geojson(value) -> None:
    if value in (None, ""):
        return
    from shapely import geometry as shp

    if not isinstance(value, dict) or value.get("type") != "LineString":
        raise ValidationError(_("A market street must be a GeoJSON LineString."))
    try:
        line = shp.shape(value)
    except Exception as exc:  # noqa: BLE001 - malformed coordinates of any kind
        raise ValidationError(_("Malformed line: %(error)s") % {"error": exc}) from None
    if line.length == 0 or len(line.coords) < 2:
        raise ValidationError(_("A market street needs at least two different points."))


# The most people one market session can draw (the county seat's biggest fair is far below this).
MAX_ATTENDANCE = 200_000


class Market(models.Model):
    """A rural periodic market (大集, on lunar days such as 逢一六) or a night market (夜市, on weekdays).

    Publicity flights sweep its street or area; while it is in session it is a
    crowd area the missions must overfly at ``min_alt_m`` or more.
    """

    class Kind(models.TextChoices):
        RURAL = "rural", _("Rural market (大集)")
        NIGHT = "night", _("Night market (夜市)")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.RURAL)
    station = models.ForeignKey(
        Station, verbose_name=_("station"), null=True, blank=True, on_delete=models.SET_NULL, related_name="markets"
    )
    street = models.JSONField(
        _("market street"),
        null=True,
        blank=True,
        validators=[validate_line_geojson],
        help_text=_("GeoJSON LineString along the stalls, WGS-84."),
    )
    area = models.JSONField(
        _("market area"),
        null=True,
        blank=True,
        validators=[validate_polygon_geojson],
        help_text=_("GeoJSON Polygon, WGS-84."),
    )
    lunar_days = models.JSONField(
        _("lunar days"),
        default=list,
        blank=True,
        validators=[validate_lunar_days],
        help_text=_("Days of the lunar month it is held, e.g. [1, 6, 11, 16, 21, 26] for 逢一六."),
    )
    weekdays = models.JSONField(
        _("weekdays"),
        default=list,
        blank=True,
        validators=[validate_weekdays],
        help_text=_("Days of the week it is held, 0 = Monday (night markets)."),
    )
    opens = models.TimeField(_("opens"), default=dt.time(7, 0))
    closes = models.TimeField(_("closes"), default=dt.time(12, 0))
    min_alt_m = models.FloatField(
        _("minimum height over it (m)"), default=30.0, validators=[MinValueValidator(0), MaxValueValidator(120)]
    )
    attendance = models.PositiveIntegerField(
        _("expected attendance per session (people)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_ATTENDANCE)],
        help_text=_("How many people come to one session; publicity campaigns estimate their reach from it."),
    )
    is_sample = models.BooleanField(_("sample data"), default=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("market")
        verbose_name_plural = _("markets")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if not self.street and not self.area:
            raise ValidationError(_("Draw the market street or its area."))
        if not self.lunar_days and not self.weekdays:
            raise ValidationError(_("Say on which lunar days or weekdays the market is held."))
