"""Police drone fleet: drones, pilots, batteries; live state kept by the telemetry bridge.

Positions are WGS-84; altitudes say their reference in the name (``_rel_m`` above
home, ``_msl_m`` above mean sea level).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campus.models import LAT_VALIDATORS, LON_VALIDATORS, Station, clean_point
from drones.linkpolicy import SCHEMES, connection_problem
from drones.models.video import VideoKind, resolved_video_kind, validate_video_url, video_url_problem

if TYPE_CHECKING:
    from drones.missions.speaker import SpeakerConfig


class Payload(models.TextChoices):
    LOUDSPEAKER = "loudspeaker", _("Loudspeaker (喊话器)")
    CAMERA = "camera", _("Camera")
    THERMAL = "thermal", _("Thermal camera")
    SPOTLIGHT = "spotlight", _("Spotlight")


CONNECTION_SCHEMES = SCHEMES


def validate_connection(value: str) -> None:
    """``tcp:host:port``, ``udpin:host:port`` or ``udpout:host:port`` (pymavlink style), to a host and
    port the bureau allows (``drones.linkpolicy``)."""
    problem = connection_problem(value)
    if problem:
        raise ValidationError(problem)


def validate_payloads(value) -> None:
    if not isinstance(value, list) or any(item not in Payload.values for item in value):
        raise ValidationError(_("Payloads must be a list of: %(choices)s") % {"choices": ", ".join(Payload.values)})


class Drone(models.Model):
    class Airframe(models.TextChoices):
        QUAD = "quad", _("Quadcopter")
        HEXA = "hexa", _("Hexacopter")
        OCTO = "octo", _("Octocopter")

    class Status(models.TextChoices):
        AVAILABLE = "available", _("Available")
        MAINTENANCE = "maintenance", _("In maintenance")
        GROUNDED = "grounded", _("Grounded")
        RETIRED = "retired", _("Retired")

    class SpeakerOutput(models.TextChoices):
        """Where the loudspeaker hangs on the flight controller."""

        RELAY = "relay", _("Relay (DO_SET_RELAY)")
        SERVO = "servo", _("Servo output (DO_SET_SERVO)")

    SPEAKER_RELAY_MAX = 15  # ArduPilot's relay instances 0-15 (RELAY1-RELAY16)
    SPEAKER_SERVO_MAX = 16  # SERVO_OUTPUT_RAW reports outputs 1-16
    SPEAKER_PWM_MIN, SPEAKER_PWM_MAX = 800, 2200
    # Outputs the motors take in ArduCopter's default layouts: DO_SET_SERVO may not drive them.
    MOTOR_OUTPUTS = {"quad": 4, "hexa": 6, "octo": 8}
    SPEAKER_FIELDS = ("speaker_output", "speaker_relay", "speaker_servo", "speaker_on_pwm", "speaker_off_pwm")

    name = models.CharField(_("name"), max_length=50, unique=True)
    serial = models.CharField(_("serial number"), max_length=50, unique=True)
    airframe = models.CharField(_("airframe"), max_length=8, choices=Airframe.choices, default=Airframe.QUAD)
    model_name = models.CharField(_("model"), max_length=80, blank=True)
    connection = models.CharField(
        _("MAVLink connection"),
        max_length=120,
        validators=[validate_connection],
        help_text=_("How the telemetry bridge reaches the vehicle, e.g. tcp:127.0.0.1:5760."),
    )
    system_id = models.PositiveSmallIntegerField(
        _("MAVLink system id"), default=1, validators=[MinValueValidator(1), MaxValueValidator(255)]
    )
    payloads = models.JSONField(_("payloads"), default=list, blank=True, validators=[validate_payloads])
    endurance_min = models.PositiveSmallIntegerField(
        _("endurance (minutes)"), default=25, validators=[MinValueValidator(1), MaxValueValidator(600)]
    )
    cruise_speed_mps = models.FloatField(
        _("cruise speed (m/s)"), default=8.0, validators=[MinValueValidator(0.5), MaxValueValidator(40.0)]
    )
    home_name = models.CharField(_("home base"), max_length=80, blank=True)
    home_lat = models.FloatField(_("home latitude"), null=True, blank=True, validators=LAT_VALIDATORS)
    home_lon = models.FloatField(_("home longitude"), null=True, blank=True, validators=LON_VALIDATORS)
    home_alt_msl_m = models.FloatField(_("home altitude (m above sea level)"), null=True, blank=True)
    station = models.ForeignKey(
        Station, verbose_name=_("unit"), null=True, blank=True, on_delete=models.SET_NULL, related_name="drones"
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.AVAILABLE)
    notes = models.TextField(_("notes"), blank=True)
    is_sample = models.BooleanField(_("sample data"), default=False)
    # How the loudspeaker (喊话器) is switched: ``speaker_config()`` gives the mission compiler's view.
    speaker_output = models.CharField(
        _("loudspeaker output"),
        max_length=8,
        choices=SpeakerOutput.choices,
        default=SpeakerOutput.RELAY,
        help_text=_("A relay (DO_SET_RELAY) or a servo output (DO_SET_SERVO) of the flight controller."),
    )
    speaker_relay = models.PositiveSmallIntegerField(
        _("loudspeaker relay"),
        default=0,
        validators=[MaxValueValidator(SPEAKER_RELAY_MAX)],
        help_text=_("ArduPilot relay instance: 0 = RELAY1, 1 = RELAY2 ... (used when the output is a relay)."),
    )
    speaker_servo = models.PositiveSmallIntegerField(
        _("loudspeaker servo output"),
        default=9,
        validators=[MinValueValidator(1), MaxValueValidator(SPEAKER_SERVO_MAX)],
        help_text=_("Servo output 1-16 (SERVOn, its SERVOn_FUNCTION 0), used when the output is a servo."),
    )
    speaker_on_pwm = models.PositiveSmallIntegerField(
        _("loudspeaker on PWM (µs)"),
        default=1900,
        validators=[MinValueValidator(SPEAKER_PWM_MIN), MaxValueValidator(SPEAKER_PWM_MAX)],
    )
    speaker_off_pwm = models.PositiveSmallIntegerField(
        _("loudspeaker off PWM (µs)"),
        default=1100,
        validators=[MinValueValidator(SPEAKER_PWM_MIN), MaxValueValidator(SPEAKER_PWM_MAX)],
    )
    # Live video from the drone's media server, played on the live map and the flight page.
    video_url = models.CharField(
        _("live video URL"),
        max_length=500,
        blank=True,
        validators=[validate_video_url],
        help_text=_(
            "The media server's stream of this drone's camera: HLS (.m3u8), a WebRTC WHEP endpoint or HTTP-FLV (.flv)."
        ),
    )
    video_kind = models.CharField(_("live video kind"), max_length=8, choices=VideoKind.choices, default=VideoKind.AUTO)

    class Meta:
        ordering = ["name"]
        verbose_name = _("drone")
        verbose_name_plural = _("drones")
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "system_id"],
                name="drones_unique_link",
                violation_error_message=_("Another drone already uses this connection and system id."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        clean_point(self, "home_lat", "home_lon", required=False)
        self._clean_speaker()
        problems = video_url_problem(self.video_url, self.video_kind)
        if problems:
            raise ValidationError(problems)

    def _clean_speaker(self) -> None:
        problems = self.speaker_problems()
        if problems:
            raise ValidationError({f"speaker_{name}": message for name, message in problems.items()})

    def speaker_problems(self) -> dict[str, str]:
        """What keeps the loudspeaker output from working, beyond each field's range, keyed by the
        ``SpeakerConfig`` name (``servo``, ``off_pwm``); the form and the API show the same messages."""
        if self.speaker_output != self.SpeakerOutput.SERVO:
            return {}
        problems: dict[str, str] = {}
        motors = self.MOTOR_OUTPUTS.get(self.airframe, 0)
        if isinstance(self.speaker_servo, int) and 1 <= self.speaker_servo <= motors:
            problems["servo"] = _(
                "Servo output %(servo)d drives a motor of a %(airframe)s (outputs 1-%(motors)d): "
                "choose a free output above %(motors)d."
            ) % {"servo": self.speaker_servo, "airframe": self.get_airframe_display(), "motors": motors}
        if self.speaker_on_pwm is not None and self.speaker_on_pwm == self.speaker_off_pwm:
            problems["off_pwm"] = _("The on and off PWM of the loudspeaker servo must differ.")
        return problems

    def video_source(self) -> dict | None:
        """``{"url", "kind"}`` for ``static/js/video_player.js``; None without a video URL."""
        kind = resolved_video_kind(self.video_url, self.video_kind)
        return {"url": self.video_url, "kind": kind} if self.video_url and kind else None

    @property
    def has_loudspeaker(self) -> bool:
        return Payload.LOUDSPEAKER in (self.payloads or [])

    def speaker_config(self) -> SpeakerConfig:
        """How missions switch this drone's loudspeaker (``drones.missions.speaker.SpeakerConfig``)."""
        from drones.missions.speaker import SpeakerConfig

        return SpeakerConfig(
            output=self.speaker_output,
            relay=self.speaker_relay,
            servo=self.speaker_servo,
            on_pwm=self.speaker_on_pwm,
            off_pwm=self.speaker_off_pwm,
        )


class Pilot(models.Model):
    """A licensed drone operator (CAAC remote pilot licence or equivalent)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user account"), on_delete=models.CASCADE, related_name="pilot"
    )
    licence_no = models.CharField(_("licence number"), max_length=50, unique=True)
    licence_class = models.CharField(_("licence class"), max_length=50, blank=True)
    licence_expiry = models.DateField(_("licence expiry"))
    phone = models.CharField(_("phone"), max_length=32, blank=True)

    class Meta:
        ordering = ["user__username"]
        verbose_name = _("pilot")
        verbose_name_plural = _("pilots")

    def __str__(self) -> str:
        return f"{self.user.get_full_name() or self.user.get_username()} ({self.licence_no})"

    @property
    def licence_valid(self) -> bool:
        return self.licence_expiry >= timezone.localdate()


class Battery(models.Model):
    serial = models.CharField(_("serial number"), max_length=50, unique=True)
    drone = models.ForeignKey(
        Drone, verbose_name=_("drone"), null=True, blank=True, on_delete=models.SET_NULL, related_name="batteries"
    )
    capacity_mah = models.PositiveIntegerField(_("capacity (mAh)"), default=5000)
    cycles = models.PositiveIntegerField(_("charge cycles"), default=0)
    max_cycles = models.PositiveIntegerField(_("cycle limit"), default=300)
    retired = models.BooleanField(_("retired"), default=False)

    class Meta:
        ordering = ["serial"]
        verbose_name = _("battery")
        verbose_name_plural = _("batteries")

    def __str__(self) -> str:
        return self.serial

    @property
    def worn_out(self) -> bool:
        return self.cycles >= self.max_cycles


class DroneEvent(models.Model):
    """Something that happened to a drone: mode change, arming, failsafe, link loss, a STATUSTEXT, a command."""

    class Kind(models.TextChoices):
        MODE = "mode", _("Mode change")
        ARMED = "armed", _("Armed")
        DISARMED = "disarmed", _("Disarmed")
        FAILSAFE = "failsafe", _("Failsafe")
        FENCE = "fence", _("Fence breach")
        LINK_LOST = "link_lost", _("Link lost")
        LINK_RESTORED = "link_restored", _("Link restored")
        STATUSTEXT = "statustext", _("Vehicle message")
        COMMAND = "command", _("Command")
        REACHED = "reached", _("Waypoint reached")
        MISSION = "mission", _("Mission")
        OTHER_GCS = "other_gcs", _("Another ground station")

    class Severity(models.IntegerChoices):
        # MAVLink MAV_SEVERITY numbers, so STATUSTEXT severities map one to one.
        EMERGENCY = 0, _("Emergency")
        ALERT = 1, _("Alert")
        CRITICAL = 2, _("Critical")
        ERROR = 3, _("Error")
        WARNING = 4, _("Warning")
        NOTICE = 5, _("Notice")
        INFO = 6, _("Info")
        DEBUG = 7, _("Debug")

    class Alert(models.TextChoices):
        """Events every watcher of the drone must see and someone must acknowledge (``drones.alerts``)."""

        FAILSAFE = "failsafe", _("Failsafe")
        FENCE = "fence", _("Fence breach")
        LINK_LOST = "link_lost", _("Link lost")
        BATTERY = "battery", _("Low battery")
        MODE = "mode", _("Mode change nobody asked for")

    drone = models.ForeignKey(Drone, verbose_name=_("drone"), on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("time"), db_index=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    severity = models.PositiveSmallIntegerField(_("severity"), choices=Severity.choices, default=Severity.INFO)
    text = models.CharField(_("text"), max_length=200)
    data = models.JSONField(_("data"), default=dict, blank=True)
    # Empty for ordinary events; an alert stays on every watcher's page until acknowledged.
    alert = models.CharField(_("alert"), max_length=16, choices=Alert.choices, blank=True, default="")
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acknowledged by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("drone event")
        verbose_name_plural = _("drone events")
        indexes = [
            models.Index(fields=["drone", "-at"]),
            models.Index(
                fields=["-at"],
                name="drones_event_open_alerts",
                condition=models.Q(acknowledged_at__isnull=True) & ~models.Q(alert=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.drone} {self.at:%H:%M:%S} {self.kind} {self.text}"

    @property
    def is_alert(self) -> bool:
        return bool(self.alert)


class TrackPoint(models.Model):
    """One position per second per flying (or connected) drone, persisted by the bridge."""

    drone = models.ForeignKey(Drone, verbose_name=_("drone"), on_delete=models.CASCADE, related_name="track")
    at = models.DateTimeField(_("time"))
    lat = models.FloatField(_("latitude"))
    lon = models.FloatField(_("longitude"))
    alt_rel_m = models.FloatField(_("altitude above home (m)"), null=True)
    alt_msl_m = models.FloatField(_("altitude above sea level (m)"), null=True)
    heading_deg = models.FloatField(_("heading (°)"), null=True)
    groundspeed_mps = models.FloatField(_("ground speed (m/s)"), null=True)
    climb_mps = models.FloatField(_("climb (m/s)"), null=True)
    battery_pct = models.SmallIntegerField(_("battery (%)"), null=True)
    battery_v = models.FloatField(_("battery (V)"), null=True)
    mode = models.CharField(_("mode"), max_length=16, blank=True)
    armed = models.BooleanField(_("armed"), default=False)
    mission_seq = models.IntegerField(_("mission item"), null=True)
    speaker_on = models.BooleanField(_("loudspeaker on"), null=True)

    class Meta:
        ordering = ["drone", "at"]
        verbose_name = _("track point")
        verbose_name_plural = _("track points")
        indexes = [models.Index(fields=["drone", "at"])]

    def __str__(self) -> str:
        return f"{self.drone_id} {self.at:%H:%M:%S} {self.lat:.6f},{self.lon:.6f}"


class ControlLock(models.Model):
    """Who may command a drone now: one operator at a time, others watch.

    A lock lapses ``DRONE_CONTROL_LOCK_S`` seconds after it was last renewed
    (the live page renews it while open), so a closed browser frees the drone.
    """

    drone = models.OneToOneField(Drone, verbose_name=_("drone"), on_delete=models.CASCADE, related_name="lock")
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("operator"), on_delete=models.CASCADE, related_name="+"
    )
    acquired_at = models.DateTimeField(_("acquired at"))
    renewed_at = models.DateTimeField(_("renewed at"))

    class Meta:
        verbose_name = _("control lock")
        verbose_name_plural = _("control locks")

    def __str__(self) -> str:
        return f"{self.drone} ← {self.holder}"

    def expired(self, now=None) -> bool:
        now = now or timezone.now()
        return (now - self.renewed_at).total_seconds() > settings.DRONE_CONTROL_LOCK_S

    @property
    def expires_at(self):
        """When the lock lapses unless renewed (aware datetime)."""
        return self.renewed_at + dt.timedelta(seconds=settings.DRONE_CONTROL_LOCK_S)

    @classmethod
    def renew(cls, *, drone_id: int, holder_id: int, now=None) -> bool:
        """Push back a live lock held by ``holder_id`` in one UPDATE; False if there is none to renew.

        A single statement, no read first: renewing is idempotent and cannot lose a race with a
        take-over (a lock taken over in between no longer matches the holder).
        """
        now = now or timezone.now()
        live_since = now - dt.timedelta(seconds=settings.DRONE_CONTROL_LOCK_S)
        return bool(
            cls.objects.filter(drone_id=drone_id, holder_id=holder_id, renewed_at__gte=live_since).update(
                renewed_at=now
            )
        )

    def state_for(self, user, now=None) -> dict:
        """What a page shows: ``{"holder", "acquired_at", "renewed_at", "expires_at", "expires_in_s", "is_mine"}``.

        An expired lock has no holder.
        """
        now = now or timezone.now()
        if self.expired(now):
            return ControlLock.free_state()
        return {
            "holder": self.holder.get_username(),
            "acquired_at": self.acquired_at,
            "renewed_at": self.renewed_at,
            "expires_at": self.expires_at,
            "expires_in_s": max(0, round((self.expires_at - now).total_seconds())),
            "is_mine": getattr(user, "pk", None) == self.holder_id,
        }

    @staticmethod
    def free_state() -> dict:
        """``state_for`` of a drone nobody controls."""
        return {
            "holder": None,
            "acquired_at": None,
            "renewed_at": None,
            "expires_at": None,
            "expires_in_s": 0,
            "is_mine": False,
        }
