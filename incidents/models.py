"""Incident reports from schools (校园警情): routing, handling, escalation, follow-up (回访).

The tables keep the names they had when these models belonged to the ``campus`` app
(``campus_incident``...): the move to this app changed only Django's state, not the database.
Times are aware datetimes; positions are WGS-84 degrees.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from campus.models import LAT_VALIDATORS, LON_VALIDATORS


class IncidentCategory(models.TextChoices):
    INTRUDER = "intruder", _("Intruder")
    FIGHT = "fight", _("Fight or bullying")
    SUSPICIOUS = "suspicious", _("Suspicious person")
    TRAFFIC = "traffic", _("Traffic danger at the gate")
    INJURY = "injury", _("Injury")
    FIRE = "fire", _("Fire")
    THEFT = "theft", _("Theft")
    FRAUD = "fraud", _("Fraud attempt")
    OTHER = "other", _("Other")


class Severity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class IncidentStatus(models.TextChoices):
    """In this order; a change moves one step forward (closing may follow resolving only)."""

    REPORTED = "reported", _("Reported")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    ON_SCENE = "on_scene", _("On scene")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


class Incident(models.Model):
    """One report from a school. ``liaison_officer`` and ``station`` are who it was routed to."""

    class Escalation(models.IntegerChoices):
        NONE = 0, _("Not escalated")
        STATION_HEAD = 1, _("Station head")
        BRIGADE = 2, _("Patrol brigade")

    reference = models.CharField(_("reference"), max_length=32, unique=True)
    school = models.ForeignKey("campus.School", verbose_name=_("school"), on_delete=models.PROTECT,
                               related_name="incidents")  # fmt: skip
    category = models.CharField(_("category"), max_length=16, choices=IncidentCategory.choices)
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices)
    gate = models.ForeignKey("campus.Gate", verbose_name=_("gate"), on_delete=models.SET_NULL, null=True,
                             blank=True, related_name="incidents")  # fmt: skip
    lat = models.FloatField(_("latitude"), null=True, blank=True, validators=LAT_VALIDATORS)
    lon = models.FloatField(_("longitude"), null=True, blank=True, validators=LON_VALIDATORS)
    location_note = models.CharField(_("where on campus"), max_length=200, blank=True)
    occurred_at = models.DateTimeField(_("time of the incident"))
    description = models.TextField(_("description"), max_length=4000)
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("reporter"), on_delete=models.PROTECT,
                                 related_name="incidents_reported")  # fmt: skip
    reporter_name = models.CharField(_("reporter's name"), max_length=50)
    reporter_phone = models.CharField(_("reporter's phone"), max_length=32, blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=80)
    body_hash = models.CharField(_("request fingerprint"), max_length=64)
    status = models.CharField(_("status"), max_length=16, choices=IncidentStatus.choices,
                              default=IncidentStatus.REPORTED)  # fmt: skip
    liaison_officer = models.ForeignKey("campus.Officer", verbose_name=_("liaison officer"),
                                        on_delete=models.SET_NULL, null=True, blank=True,
                                        related_name="incidents")  # fmt: skip
    station = models.ForeignKey("campus.Station", verbose_name=_("station"), on_delete=models.SET_NULL, null=True,
                                blank=True, related_name="incidents")  # fmt: skip
    created_at = models.DateTimeField(_("reported at"))
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    on_scene_at = models.DateTimeField(_("on scene at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    escalation = models.PositiveSmallIntegerField(_("escalated to"), choices=Escalation.choices,
                                                  default=Escalation.NONE)  # fmt: skip
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    is_sample = models.BooleanField(_("sample data"), default=False)

    class Meta:
        db_table = "campus_incident"
        verbose_name = _("incident report")
        verbose_name_plural = _("incident reports")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["reporter", "idempotency_key"], name="incident_unique_idempotency_key"),
        ]
        indexes = [
            models.Index(fields=["school", "created_at"]),
            models.Index(fields=["station", "status"]),
            models.Index(fields=["status", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.school}"


class IncidentEvent(models.Model):
    """The timeline: every status change, comment, routing, escalation and follow-up, with who and when."""

    class Kind(models.TextChoices):
        REPORTED = "reported", _("Reported")
        ROUTED = "routed", _("Routed")
        STATUS = "status", _("Status changed")
        COMMENT = "comment", _("Comment")
        ESCALATED = "escalated", _("Escalated")
        FOLLOW_UP = "follow_up", _("Follow-up")
        RECTIFICATION = "rectification", _("Rectification")

    incident = models.ForeignKey(Incident, verbose_name=_("incident"), on_delete=models.CASCADE,
                                 related_name="events")  # fmt: skip
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    from_status = models.CharField(_("from"), max_length=16, choices=IncidentStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=16, choices=IncidentStatus.choices, blank=True)
    text = models.TextField(_("text"), max_length=4000, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.SET_NULL, null=True,
                              blank=True, related_name="+")  # fmt: skip
    actor_name = models.CharField(_("by (name)"), max_length=150)
    at = models.DateTimeField(_("at"))

    class Meta:
        db_table = "campus_incidentevent"
        verbose_name = _("incident event")
        verbose_name_plural = _("incident events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.incident} {self.get_kind_display()}"

    @property
    def actor_label(self) -> str:
        """Who acted, for display: the routing and escalation steps, stored as "system", in the reader's language."""
        if self.actor_id is None and self.actor_name == "system":
            return str(_("system"))
        return self.actor_name


class IncidentPhoto(models.Model):
    """A photo, re-encoded as JPEG without metadata; kept in the database so every web process sees it."""

    incident = models.ForeignKey(Incident, verbose_name=_("incident"), on_delete=models.CASCADE,
                                 related_name="photos")  # fmt: skip
    image = models.BinaryField(_("image"))
    content_type = models.CharField(_("content type"), max_length=32, default="image/jpeg")
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    size_bytes = models.PositiveIntegerField(_("size in bytes"))
    original_name = models.CharField(_("original file name"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"),
                                    on_delete=models.SET_NULL, null=True, related_name="+")  # fmt: skip
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        db_table = "campus_incidentphoto"
        verbose_name = _("incident photo")
        verbose_name_plural = _("incident photos")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.incident} photo {self.pk}"


class FollowUp(models.Model):
    """回访: after resolution the reporter (or a bureau caller) rates the handling."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DONE = "done", _("Done")

    class Satisfaction(models.TextChoices):
        SATISFIED = "satisfied", _("Satisfied")
        BASICALLY = "basically", _("Basically satisfied")
        UNSATISFIED = "unsatisfied", _("Unsatisfied")

    class Channel(models.TextChoices):
        REPORTER = "reporter", _("The reporter, in the system")
        CALL = "call", _("Bureau follow-up call")

    incident = models.OneToOneField(Incident, verbose_name=_("incident"), on_delete=models.CASCADE,
                                    related_name="follow_up")  # fmt: skip
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.PENDING)
    due_at = models.DateTimeField(_("due"))
    satisfaction = models.CharField(_("satisfaction"), max_length=16, choices=Satisfaction.choices, blank=True)
    comment = models.TextField(_("comment"), max_length=2000, blank=True)
    channel = models.CharField(_("by"), max_length=8, choices=Channel.choices, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"),
                                    on_delete=models.SET_NULL, null=True, blank=True, related_name="+")  # fmt: skip
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        db_table = "campus_followup"
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["due_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="pending") | ~Q(satisfaction=""), name="followup_done_has_satisfaction"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.incident} {self.get_status_display()}"


class Rectification(models.Model):
    """问题清单: an unsatisfied follow-up becomes an item for the responsible unit until it is cleared."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("status", "Open")
        CLEARED = "cleared", _("Cleared")

    incident = models.ForeignKey(Incident, verbose_name=_("incident"), on_delete=models.CASCADE,
                                 related_name="rectifications")  # fmt: skip
    station = models.ForeignKey("campus.Station", verbose_name=_("responsible unit"), on_delete=models.PROTECT,
                                null=True, blank=True, related_name="rectifications")  # fmt: skip
    problem = models.TextField(_("problem"), max_length=2000)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OPEN)
    due_date = models.DateField(_("due date"))
    action_taken = models.TextField(_("action taken"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("created at"))
    cleared_at = models.DateTimeField(_("cleared at"), null=True, blank=True)
    cleared_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("cleared by"),
                                   on_delete=models.SET_NULL, null=True, blank=True, related_name="+")  # fmt: skip

    class Meta:
        db_table = "campus_rectification"
        verbose_name = _("rectification item")
        verbose_name_plural = _("rectification items")
        ordering = ["status", "due_date"]

    def __str__(self) -> str:
        return f"{self.incident} {self.get_status_display()}"
