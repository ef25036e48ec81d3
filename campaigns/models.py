"""Broadcast content, campaigns, their occurrences and the sorties that fly them.

- ``Clip``: one recorded message (audio file and the script it reads) with its theme; broadcast only
  once the publicity office approved it (draft -> submitted -> approved, or returned with a reason). A
  changed clip goes back to draft and needs approval again.
- ``Playlist`` and ``PlaylistItem``: ordered clips; one loop is the sum of their durations.
- ``Campaign``: a period, a theme, a playlist, a reach target (people) and its targets: markets (all,
  one station's area, or chosen ones) and/or schools (dismissal patrols), with visit rules.
- ``Occurrence``: one chance to broadcast: a market session or a school's dismissal window, with its
  time window, place and expected crowd; generated from the markets' lunar-day and weekday calendars
  and the schools' bell times and school calendar.
- ``Sortie``: an occurrence assigned to a drone, a pilot, a launch point and a start time, with the
  mission generated for it and, once flown, its flight and the measured broadcast minutes and reach.
- ``FlightApplication``: the flight plan application (飞行计划申请) filed for a sortie the day before.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from campus.models import School, Station
from drones.models import Drone, Flight, Market, Mission, Pilot


class Theme(models.TextChoices):
    ANTI_FRAUD = "anti_fraud", _("Anti-fraud (反诈)")
    DROWNING = "drowning", _("Drowning prevention (防溺水)")
    TRAFFIC = "traffic", _("Traffic safety (交通安全)")
    DRUGS = "drugs", _("Drug prevention (禁毒)")
    CAMPUS_SAFETY = "campus_safety", _("Campus safety (校园安全)")
    OTHER = "other", _("Other")


class Clip(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted for approval")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned")

    title = models.CharField(_("title"), max_length=120)
    theme = models.CharField(_("theme"), max_length=16, choices=Theme.choices)
    script = models.TextField(_("script"), help_text=_("The text the recording reads, word for word."))
    audio = models.FileField(_("audio file"), upload_to="campaigns/clips/%Y/%m/")
    audio_format = models.CharField(_("audio format"), max_length=8)  # mp3, wav, m4a: as decoded, not as named
    duration_s = models.FloatField(_("duration (s)"), validators=[MinValueValidator(0.1)])
    size_bytes = models.PositiveIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    return_reason = models.TextField(_("reason returned"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    is_sample = models.BooleanField(_("sample data"), default=False)

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("broadcast clip")
        verbose_name_plural = _("broadcast clips")

    def __str__(self) -> str:
        return self.title

    @property
    def is_approved(self) -> bool:
        return self.status == self.Status.APPROVED


class Playlist(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)
    clips = models.ManyToManyField(Clip, through="PlaylistItem", related_name="playlists", verbose_name=_("clips"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    is_sample = models.BooleanField(_("sample data"), default=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("playlist")
        verbose_name_plural = _("playlists")

    def __str__(self) -> str:
        return self.name


class PlaylistItem(models.Model):
    playlist = models.ForeignKey(Playlist, verbose_name=_("playlist"), on_delete=models.CASCADE, related_name="items")
    clip = models.ForeignKey(Clip, verbose_name=_("clip"), on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(_("position"))

    class Meta:
        ordering = ["playlist", "position"]
        constraints = [
            models.UniqueConstraint(fields=["playlist", "position"], name="campaigns_playlist_position_unique")
        ]
        verbose_name = _("playlist item")
        verbose_name_plural = _("playlist items")

    def __str__(self) -> str:
        return f"{self.playlist} #{self.position}: {self.clip}"


class Campaign(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        CLOSED = "closed", _("Closed")

    class MarketScope(models.TextChoices):
        NONE = "none", _("No markets")
        ALL = "all", _("All markets")
        STATION = "station", _("The markets of one station's area")
        CHOSEN = "chosen", _("Chosen markets")

    class VisitRule(models.TextChoices):
        EVERY_SESSION = "every_session", _("Every session")
        WEEKLY = "weekly", _("Once a week")
        PER_MONTH = "per_month", _("N times a month")

    class TimeOfDay(models.TextChoices):
        MORNING = "morning", _("Morning peak (大集)")
        EVENING = "evening", _("Evening (夜市)")
        ANY = "any", _("Whenever the market is in session")

    name = models.CharField(_("name"), max_length=120, unique=True)
    theme = models.CharField(_("theme"), max_length=16, choices=Theme.choices)
    start_date = models.DateField(_("first day"))
    end_date = models.DateField(_("last day"))
    playlist = models.ForeignKey(Playlist, verbose_name=_("playlist"), on_delete=models.PROTECT, related_name="+")
    reach_target = models.PositiveIntegerField(_("reach target (people)"), validators=[MaxValueValidator(10_000_000)])
    market_scope = models.CharField(_("markets"), max_length=8, choices=MarketScope.choices, default=MarketScope.ALL)
    market_station = models.ForeignKey(
        Station,
        verbose_name=_("station area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("With “the markets of one station's area”."),
    )
    markets = models.ManyToManyField(Market, blank=True, related_name="+", verbose_name=_("chosen markets"))
    schools = models.ManyToManyField(
        School, blank=True, related_name="+", verbose_name=_("schools (dismissal patrols)")
    )
    visit_rule = models.CharField(
        _("visits per market"), max_length=16, choices=VisitRule.choices, default=VisitRule.EVERY_SESSION
    )
    visits_per_month = models.PositiveSmallIntegerField(
        _("visits a month"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(31)]
    )
    min_broadcast_min = models.FloatField(
        _("minimum broadcast minutes per visit"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0.5), MaxValueValidator(120)],
        help_text=_("Minutes over the crowd each visit; empty: the playlist twice."),
    )
    time_of_day = models.CharField(_("time of day"), max_length=8, choices=TimeOfDay.choices, default=TimeOfDay.ANY)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    is_sample = models.BooleanField(_("sample data"), default=False)

    class Meta:
        ordering = ["-start_date", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")), name="campaigns_campaign_end_after_start"
            )
        ]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")

    def __str__(self) -> str:
        return self.name


class Occurrence(models.Model):
    """One chance to broadcast: a market session, or a school's dismissal window."""

    class Status(models.TextChoices):
        OPEN = "open", _("Not scheduled yet")
        SCHEDULED = "scheduled", _("Scheduled")
        UNSCHEDULABLE = "unschedulable", _("Cannot be flown")
        FLOWN = "flown", _("Flown")
        CANCELLED = "cancelled", _("Cancelled")

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="occurrences"
    )
    market = models.ForeignKey(
        Market, verbose_name=_("market"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    school = models.ForeignKey(
        School, verbose_name=_("school"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    date = models.DateField(_("date"))
    window_start = models.DateTimeField(_("window opens"))
    window_end = models.DateTimeField(_("window closes"))
    expected_crowd = models.PositiveIntegerField(_("expected crowd (people)"), default=0)
    status = models.CharField(_("status"), max_length=14, choices=Status.choices, default=Status.OPEN)
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        ordering = ["window_start", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(market__isnull=False, school__isnull=True) | Q(market__isnull=True, school__isnull=False),
                name="campaigns_occurrence_one_place",
            ),
            models.CheckConstraint(
                condition=Q(window_end__gt=models.F("window_start")), name="campaigns_occurrence_window_order"
            ),
            models.UniqueConstraint(
                fields=["campaign", "market", "window_start"],
                condition=Q(market__isnull=False),
                name="campaigns_occurrence_market_unique",
            ),
            models.UniqueConstraint(
                fields=["campaign", "school", "window_start"],
                condition=Q(school__isnull=False),
                name="campaigns_occurrence_school_unique",
            ),
        ]
        indexes = [models.Index(fields=["campaign", "date"], name="campaigns_occ_campaign_date")]
        verbose_name = _("occurrence")
        verbose_name_plural = _("occurrences")

    def __str__(self) -> str:
        return f"{self.market or self.school} {self.window_start:%Y-%m-%d %H:%M}"


class Sortie(models.Model):
    """One flight planned for one occurrence: drone, pilot, launch point, start time and its mission."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        FLOWN = "flown", _("Flown")
        CANCELLED = "cancelled", _("Cancelled")

    occurrence = models.OneToOneField(
        Occurrence, verbose_name=_("occurrence"), on_delete=models.CASCADE, related_name="sortie"
    )
    drone = models.ForeignKey(Drone, verbose_name=_("drone"), on_delete=models.PROTECT, related_name="+")
    pilot = models.ForeignKey(Pilot, verbose_name=_("pilot"), on_delete=models.PROTECT, related_name="+")
    launch_lat = models.FloatField(_("launch latitude"))
    launch_lon = models.FloatField(_("launch longitude"))
    start = models.DateTimeField(_("take-off"))
    end = models.DateTimeField(_("landed by"))
    battery_packs = models.PositiveSmallIntegerField(_("battery packs"), default=1)
    mission = models.ForeignKey(
        Mission, verbose_name=_("mission"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    flight = models.OneToOneField(
        Flight, verbose_name=_("flight"), null=True, blank=True, on_delete=models.SET_NULL, related_name="sortie"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    cancel_reason = models.CharField(_("reason cancelled"), max_length=200, blank=True)
    broadcast_s = models.FloatField(_("broadcast over the crowd (s)"), null=True, blank=True)
    reach = models.PositiveIntegerField(_("people reached"), null=True, blank=True)

    class Meta:
        ordering = ["start", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="campaigns_sortie_end_after_start")
        ]
        indexes = [
            models.Index(fields=["pilot", "start"], name="campaigns_sortie_pilot"),
            models.Index(fields=["drone", "start"], name="campaigns_sortie_drone"),
        ]
        verbose_name = _("sortie")
        verbose_name_plural = _("sorties")

    def __str__(self) -> str:
        return f"{self.occurrence} · {self.drone} · {self.pilot}"


class FlightApplication(models.Model):
    """The flight plan application (飞行计划申请) for one sortie, filed the day before."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Not submitted")
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")

    sortie = models.OneToOneField(
        Sortie, verbose_name=_("sortie"), on_delete=models.CASCADE, related_name="application"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    reference = models.CharField(_("approval reference"), max_length=100, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ["sortie__start"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="approved") | ~Q(reference=""), name="campaigns_application_approved_has_reference"
            )
        ]
        verbose_name = _("flight application")
        verbose_name_plural = _("flight applications")

    def __str__(self) -> str:
        return f"{self.sortie} ({self.get_status_display()})"


# The pilots' private calendar links live with the day sheets (campaigns/sheets/models.py); importing the
# module here makes the app's models complete wherever Django loads them.
from campaigns.sheets.models import PilotCalendarToken  # noqa: E402, F401
