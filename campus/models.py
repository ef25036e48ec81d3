"""School registry and 一校一警 (one liaison officer per school).

Geometry is stored as GeoJSON in WGS-84 (``JSONField``); points as separate
``lat``/``lon`` columns. Spatial questions (which station is responsible for
a school) are answered with geopandas in ``campus.spatial``, not by the
database, so SQLite and PostgreSQL behave the same.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# The school calendar's models live in campus.calendar; importing them here registers them with the app
# and lets the rest of the code take them from campus.models with the schools they belong to.
from campus.calendar.models import CalendarOverride, SchoolClosure, Term  # noqa: F401
from common.geo import GeometryError, point_problem, polygon_from_geojson

LAT_VALIDATORS = [MinValueValidator(-90.0), MaxValueValidator(90.0)]
LON_VALIDATORS = [MinValueValidator(-180.0), MaxValueValidator(180.0)]


def validate_polygon_geojson(value) -> None:
    if value in (None, ""):
        return
    try:
        polygon_from_geojson(value)
    except GeometryError as exc:
        raise ValidationError(str(exc)) from None


def clean_point(instance, lat_field: str = "lat", lon_field: str = "lon", *, required: bool = True) -> None:
    lat, lon = getattr(instance, lat_field), getattr(instance, lon_field)
    if lat is None and lon is None and not required:
        return
    if lat is None or lon is None:
        raise ValidationError({lat_field: _("Latitude and longitude are both required.")})
    problem = point_problem(float(lat), float(lon))
    if problem:
        raise ValidationError({lat_field: problem})


class SampleMixin(models.Model):
    is_sample = models.BooleanField(_("sample data"), default=False, help_text=_("Fictitious demo data."))

    class Meta:
        abstract = True


class Station(SampleMixin):
    """A police station (派出所) and its jurisdiction (辖区)."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=200, blank=True)
    duty_phone = models.CharField(_("duty desk phone"), max_length=32, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True, validators=LAT_VALIDATORS)
    lon = models.FloatField(_("longitude"), null=True, blank=True, validators=LON_VALIDATORS)
    jurisdiction = models.JSONField(
        _("jurisdiction"),
        null=True,
        blank=True,
        validators=[validate_polygon_geojson],
        help_text=_("GeoJSON Polygon or MultiPolygon, WGS-84."),
    )
    head = models.ForeignKey(
        "campus.Officer",
        verbose_name=_("station head"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    max_schools_per_officer = models.PositiveSmallIntegerField(
        _("max schools per liaison officer"),
        null=True,
        blank=True,
        help_text=_("Leave empty to use the county default."),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("police station")
        verbose_name_plural = _("police stations")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        clean_point(self, required=False)

    @property
    def liaison_limit(self) -> int:
        return self.max_schools_per_officer or settings.LIAISON_MAX_SCHOOLS_PER_OFFICER


class Zone(SampleMixin):
    """An urban management zone (城区划片网格) and the station responsible for it."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    station = models.ForeignKey(Station, verbose_name=_("station"), on_delete=models.PROTECT, related_name="zones")
    boundary = models.JSONField(_("boundary"), validators=[validate_polygon_geojson])

    class Meta:
        ordering = ["code"]
        verbose_name = _("urban zone")
        verbose_name_plural = _("urban zones")

    def __str__(self) -> str:
        return self.name


class Department(SampleMixin):
    """A bureau department (科室队) paired with schools under the 挂包 mechanism."""

    class Kind(models.TextChoices):
        SECTION = "section", _("Section (科)")
        OFFICE = "office", _("Office (室)")
        BRIGADE = "brigade", _("Brigade (队)")

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.BRIGADE)
    phone = models.CharField(_("phone"), max_length=32, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return self.name


class Officer(SampleMixin):
    """A police officer (民警) or auxiliary officer (辅警)."""

    class Kind(models.TextChoices):
        POLICE = "police", _("Police officer")
        AUXILIARY = "auxiliary", _("Auxiliary officer")

    badge_no = models.CharField(_("badge number"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=50)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.POLICE)
    station = models.ForeignKey(
        Station, verbose_name=_("station"), null=True, blank=True, on_delete=models.PROTECT, related_name="officers"
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="officers",
    )
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    active = models.BooleanField(_("active"), default=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="officer",
    )

    class Meta:
        ordering = ["station__code", "badge_no"]
        verbose_name = _("officer")
        verbose_name_plural = _("officers")
        constraints = [
            models.CheckConstraint(
                condition=Q(station__isnull=False) | Q(department__isnull=False),
                name="campus_officer_has_unit",
                violation_error_message=_("An officer belongs to a station or a department."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.badge_no})"


class School(SampleMixin):
    class Level(models.TextChoices):
        KINDERGARTEN = "kindergarten", _("Kindergarten")
        PRIMARY = "primary", _("Primary school")
        JUNIOR = "junior", _("Junior middle school")
        SENIOR = "senior", _("Senior high school")
        NINE_YEAR = "nine_year", _("Nine-year school")
        VOCATIONAL = "vocational", _("Vocational school")
        SPECIAL = "special", _("Special education school")

    class Area(models.TextChoices):
        URBAN = "urban", _("Urban (managed by zone)")
        RURAL = "rural", _("Rural (managed by jurisdiction)")

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    area = models.CharField(_("urban or rural"), max_length=8, choices=Area.choices)
    boarding = models.BooleanField(_("boarding"), default=False)
    school_bus = models.BooleanField(_("school bus"), default=False)
    pupils = models.PositiveIntegerField(_("pupils"), default=0, validators=[MaxValueValidator(50000)])
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    lat = models.FloatField(_("latitude"), validators=LAT_VALIDATORS)
    lon = models.FloatField(_("longitude"), validators=LON_VALIDATORS)
    campus = models.JSONField(
        _("campus outline"),
        null=True,
        blank=True,
        validators=[validate_polygon_geojson],
        help_text=_("GeoJSON Polygon, WGS-84."),
    )
    active = models.BooleanField(_("active"), default=True)
    # Derived by campus.spatial from the point: the zone (urban) and the responsible station.
    zone = models.ForeignKey(
        Zone, verbose_name=_("zone"), null=True, blank=True, on_delete=models.SET_NULL, related_name="schools"
    )
    responsible_station = models.ForeignKey(
        Station,
        verbose_name=_("responsible station"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="schools",
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("school")
        verbose_name_plural = _("schools")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        clean_point(self)


class Gate(models.Model):
    school = models.ForeignKey(School, verbose_name=_("school"), on_delete=models.CASCADE, related_name="gates")
    name = models.CharField(_("name"), max_length=50)
    is_main = models.BooleanField(_("main gate"), default=False)
    lat = models.FloatField(_("latitude"), validators=LAT_VALIDATORS)
    lon = models.FloatField(_("longitude"), validators=LON_VALIDATORS)

    class Meta:
        ordering = ["school", "-is_main", "name"]
        verbose_name = _("gate")
        verbose_name_plural = _("gates")
        constraints = [models.UniqueConstraint(fields=["school", "name"], name="campus_gate_unique_name")]

    def __str__(self) -> str:
        return f"{self.school} · {self.name}"

    def clean(self) -> None:
        clean_point(self)


class SafetyContact(models.Model):
    """A person at the school to call about safety (校园安全管理人员, 保安队长...)."""

    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.CASCADE, related_name="safety_contacts"
    )
    name = models.CharField(_("name"), max_length=50)
    title = models.CharField(_("title"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=32)
    is_primary = models.BooleanField(_("primary contact"), default=False)

    class Meta:
        ordering = ["school", "-is_primary", "name"]
        verbose_name = _("safety contact")
        verbose_name_plural = _("safety contacts")

    def __str__(self) -> str:
        return f"{self.name} ({self.title})"


class SchoolStaff(models.Model):
    """Links a school safety staff user account to the one school they may see."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        on_delete=models.CASCADE,
        related_name="school_staff",
    )
    school = models.ForeignKey(School, verbose_name=_("school"), on_delete=models.PROTECT, related_name="staff")
    title = models.CharField(_("title"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("school safety staff")
        verbose_name_plural = _("school safety staff")

    def __str__(self) -> str:
        return f"{self.user.get_full_name() or self.user.get_username()} · {self.school}"


class AssignmentBase(models.Model):
    started_at = models.DateTimeField(_("start"))
    ended_at = models.DateTimeField(_("end"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    end_reason = models.CharField(_("end reason"), max_length=300, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ended by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        abstract = True

    @property
    def is_active(self) -> bool:
        return self.ended_at is None


class LiaisonAssignment(AssignmentBase):
    """一校一警: an officer named as a school's liaison from ``started_at`` to ``ended_at``.

    At most one open assignment per school, enforced by a partial unique index.
    ``station_at_start`` records the officer's station when assigned, so a later
    transfer shows the school as needing reassignment.
    """

    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.CASCADE, related_name="liaison_assignments"
    )
    officer = models.ForeignKey(
        Officer, verbose_name=_("liaison officer"), on_delete=models.PROTECT, related_name="liaison_assignments"
    )
    station_at_start = models.ForeignKey(
        Station,
        verbose_name=_("officer's station when assigned"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    override_reason = models.CharField(
        _("jurisdiction override reason"),
        max_length=300,
        blank=True,
        help_text=_("Set when an administrator assigned an officer from another station or over the limit."),
    )

    class Meta:
        ordering = ["school", "-started_at"]
        verbose_name = _("liaison assignment")
        verbose_name_plural = _("liaison assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["school"],
                condition=Q(ended_at__isnull=True),
                name="campus_one_active_liaison_per_school",
                violation_error_message=_("This school already has an active liaison officer."),
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                name="campus_liaison_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.school} ← {self.officer}"


class DepartmentPairing(AssignmentBase):
    """科室队挂包: a department paired with a school; at most one open pairing per school."""

    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.CASCADE, related_name="department_pairings"
    )
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="pairings"
    )

    class Meta:
        ordering = ["school", "-started_at"]
        verbose_name = _("department pairing")
        verbose_name_plural = _("department pairings")
        constraints = [
            models.UniqueConstraint(
                fields=["school"],
                condition=Q(ended_at__isnull=True),
                name="campus_one_active_pairing_per_school",
                violation_error_message=_("This school already has an active paired department."),
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                name="campus_pairing_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.school} ← {self.department}"
