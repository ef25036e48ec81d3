"""School drills (演练), emergency plans (应急预案) and police-school activities (警校互动).

Moved here from ``campus/drills/`` (issue 12): the tables keep their ``campus_`` names (``db_table``),
so the rows written before the move stay where they are. Uploaded files are kept in the database
(``Attachment``) so every web process on every machine sees them.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, gettext_noop, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from campus.models import School

# The sources of the default rules the data migration ``campus.0006`` wrote, in English. Until someone
# edits a rule its source is one of these, and it shows in the reader's language (``source_display``).
DEFAULT_RULE_SOURCES = frozenset(
    {
        gettext_noop(
            "Default: 《中小学幼儿园应急疏散演练指南》(2014) asks schools to hold evacuation drills regularly; "
            "set here to at least once a term. Edit to match local rules."
        ),
        gettext_noop(
            "Default: kindergartens drill evacuation monthly (young children need practice; common local practice"
            " under the 2014 guideline). Edit to match local rules."
        ),
        gettext_noop("Default: boarding schools hold an extra night-time (dormitory) evacuation drill each term."),
        gettext_noop(
            "Default: fire drill at least once a term (消防法 and school fire-safety rules call for regular drills)."
        ),
        gettext_noop("Default: earthquake drill at least once a term (防震减灾 education in schools)."),
        gettext_noop(
            "Default: anti-violence / anti-terror (防暴/反恐) drill once a term with the liaison police officer "
            "(一校一警), per the bureau's campus security plan."
        ),
        gettext_noop("Default: individual extreme incident drill once a school year with police taking part."),
        gettext_noop(
            "Default: school-bus accident drill once a term, only for schools that run a school bus (校车安全管理条例)."
        ),
    }
)


class DrillType(models.Model):
    """A kind of drill; the built-in ones come from a data migration, admins add others."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    builtin = models.BooleanField(_("built in"), default=False)
    active = models.BooleanField(_("active"), default=True)
    evacuation = models.BooleanField(
        _("measures evacuation time"), default=False, help_text=_("Records of this type give an evacuation time.")
    )
    target_evacuation_s = models.PositiveIntegerField(
        _("target evacuation time (s)"), null=True, blank=True, validators=[MinValueValidator(1)]
    )

    class Meta:
        db_table = "campus_drilltype"
        verbose_name = _("drill type")
        verbose_name_plural = _("drill types")
        ordering = ["-builtin", "name"]

    def __str__(self) -> str:
        return self.name


class DrillRule(models.Model):
    """How many drills of a type a kind of school must hold per period, and whether police take part.

    A rule applies to a school when its level is in ``levels`` (empty = every level) and its
    ``boarding`` / ``school_bus`` match (null = either).
    """

    class Period(models.TextChoices):
        MONTH = "month", _("Month")
        TERM = "term", _("Term")
        YEAR = "year", _("School year")

    drill_type = models.ForeignKey(DrillType, verbose_name=_("drill type"), on_delete=models.CASCADE,
                                   related_name="rules")  # fmt: skip
    levels = models.JSONField(_("school levels"), default=list, blank=True, help_text=_("Empty: every level."))
    boarding = models.BooleanField(_("boarding schools"), null=True, blank=True, help_text=_("Empty: either."))
    school_bus = models.BooleanField(_("schools with a bus"), null=True, blank=True, help_text=_("Empty: either."))
    period = models.CharField(_("period"), max_length=8, choices=Period.choices, default=Period.TERM)
    count = models.PositiveSmallIntegerField(_("drills per period"), validators=[MinValueValidator(1),
                                                                               MaxValueValidator(31)])  # fmt: skip
    police_required = models.BooleanField(_("police take part"), default=False)
    source = models.CharField(_("source"), max_length=300, blank=True, help_text=_("Where the rule comes from."))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        db_table = "campus_drillrule"
        verbose_name = _("drill rule")
        verbose_name_plural = _("drill rules")
        ordering = ["drill_type__name", "id"]

    def __str__(self) -> str:
        return f"{self.drill_type} ×{self.count}/{self.get_period_display()}"

    @property
    def levels_display(self) -> list[str]:
        """The school levels' names in the reader's language (stored as codes)."""
        labels = dict(School.Level.choices)
        return [str(labels.get(level, level)) for level in self.levels]

    @property
    def source_display(self) -> str:
        """The source as written, or a shipped default's text in the reader's language."""
        return gettext(self.source) if self.source in DEFAULT_RULE_SOURCES else self.source


class Attachment(models.Model):
    """A photo or document of a drill, plan version or activity (images re-encoded, metadata stripped)."""

    class Kind(models.TextChoices):
        PHOTO = "photo", _("Photo")
        DOCUMENT = "document", _("Document")

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size_bytes = models.PositiveIntegerField(_("size in bytes"))
    content = models.BinaryField(_("content"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"),
                                    on_delete=models.SET_NULL, null=True, related_name="+")  # fmt: skip
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    drill = models.ForeignKey("drills.Drill", on_delete=models.CASCADE, null=True, blank=True,
                              related_name="attachments")  # fmt: skip
    plan_version = models.ForeignKey("drills.EmergencyPlanVersion", on_delete=models.CASCADE, null=True,
                                     blank=True, related_name="attachments")  # fmt: skip
    activity = models.ForeignKey("drills.Activity", on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="attachments")  # fmt: skip

    class Meta:
        db_table = "campus_attachment"
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(drill__isnull=False, plan_version__isnull=True, activity__isnull=True)
                    | Q(drill__isnull=True, plan_version__isnull=False, activity__isnull=True)
                    | Q(drill__isnull=True, plan_version__isnull=True, activity__isnull=False)
                ),
                name="attachment_has_one_owner",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Drill(models.Model):
    """A drill at a school: planned (with a proposed date), then recorded when held."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        DONE = "done", _("Held")
        CANCELLED = "cancelled", _("Cancelled")

    school = models.ForeignKey("campus.School", verbose_name=_("school"), on_delete=models.PROTECT,
                               related_name="drills")  # fmt: skip
    drill_type = models.ForeignKey(DrillType, verbose_name=_("drill type"), on_delete=models.PROTECT,
                                   related_name="drills")  # fmt: skip
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PLANNED)
    planned_date = models.DateField(_("planned date"), null=True, blank=True)
    date = models.DateField(_("date held"), null=True, blank=True)
    police_required = models.BooleanField(_("police take part"), default=False)
    officers = models.ManyToManyField("campus.Officer", verbose_name=_("officers taking part"), blank=True,
                                      related_name="drills")  # fmt: skip
    scenario = models.TextField(_("scenario"), max_length=4000, blank=True)
    participants = models.PositiveIntegerField(_("participants"), null=True, blank=True)
    evacuation_s = models.PositiveIntegerField(_("evacuation time (s)"), null=True, blank=True)
    evacuation_target_s = models.PositiveIntegerField(_("target evacuation time (s)"), null=True, blank=True)
    problems = models.TextField(_("problems found"), max_length=4000, blank=True)
    liaison_notified_at = models.DateTimeField(_("liaison officer notified at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.SET_NULL,
                                   null=True, related_name="+")  # fmt: skip
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    recorded_at = models.DateTimeField(_("recorded at"), null=True, blank=True)
    is_sample = models.BooleanField(_("sample data"), default=False)

    class Meta:
        db_table = "campus_drill"
        verbose_name = _("drill")
        verbose_name_plural = _("drills")
        ordering = ["-date", "-planned_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="planned") | Q(status="cancelled") | Q(date__isnull=False),
                name="drill_held_has_date",
            ),  # fmt: skip
            models.CheckConstraint(
                condition=Q(evacuation_s__isnull=True) | Q(evacuation_s__gt=0), name="drill_evacuation_positive"
            ),  # fmt: skip
        ]
        indexes = [models.Index(fields=["school", "status", "date"])]

    def __str__(self) -> str:
        return f"{self.school} {self.drill_type} {self.date or self.planned_date}"


class CorrectiveAction(models.Model):
    """整改: something a drill showed must be fixed, with an owner and a due date."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("status", "Open")
        DONE = "done", _("Done")

    drill = models.ForeignKey(Drill, verbose_name=_("drill"), on_delete=models.CASCADE,
                              related_name="corrective_actions")  # fmt: skip
    description = models.CharField(_("action"), max_length=500)
    owner = models.CharField(_("owner"), max_length=100)
    due_date = models.DateField(_("due date"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OPEN)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_note = models.CharField(_("what was done"), max_length=500, blank=True)

    class Meta:
        db_table = "campus_correctiveaction"
        verbose_name = _("corrective action")
        verbose_name_plural = _("corrective actions")
        ordering = ["status", "due_date"]

    def __str__(self) -> str:
        return self.description


class EmergencyPlan(models.Model):
    """应急预案: one school's plan for one scenario; its text or document lives in versions."""

    school = models.ForeignKey("campus.School", verbose_name=_("school"), on_delete=models.PROTECT,
                               related_name="emergency_plans")  # fmt: skip
    scenario = models.ForeignKey(DrillType, verbose_name=_("scenario"), on_delete=models.PROTECT,
                                 related_name="plans")  # fmt: skip
    title = models.CharField(_("title"), max_length=200)
    is_sample = models.BooleanField(_("sample data"), default=False)

    class Meta:
        db_table = "campus_emergencyplan"
        verbose_name = _("emergency plan")
        verbose_name_plural = _("emergency plans")
        ordering = ["school_id", "scenario__name"]
        constraints = [models.UniqueConstraint(fields=["school", "scenario"], name="plan_one_per_scenario")]

    def __str__(self) -> str:
        return self.title


class EmergencyPlanVersion(models.Model):
    """A version of a plan: text and/or a document, who approved it, and when it is due for review."""

    plan = models.ForeignKey(EmergencyPlan, verbose_name=_("plan"), on_delete=models.CASCADE,
                             related_name="versions")  # fmt: skip
    version = models.PositiveIntegerField(_("version"), validators=[MinValueValidator(1)])
    effective_date = models.DateField(_("effective from"))
    text = models.TextField(_("text"), max_length=100000, blank=True)
    approved_by = models.CharField(_("approved by"), max_length=100)
    approved_on = models.DateField(_("approved on"))
    review_due = models.DateField(_("review due"))
    change_note = models.CharField(_("what changed"), max_length=500, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"),
                                    on_delete=models.SET_NULL, null=True, related_name="+")  # fmt: skip
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        db_table = "campus_emergencyplanversion"
        verbose_name = _("plan version")
        verbose_name_plural = _("plan versions")
        ordering = ["plan_id", "-version"]
        constraints = [models.UniqueConstraint(fields=["plan", "version"], name="plan_version_unique")]

    def __str__(self) -> str:
        return f"{self.plan} v{self.version}"


class Activity(models.Model):
    """警校互动: a police-school activity, or the liaison officer's visit to the school."""

    class Kind(models.TextChoices):
        LEGAL_EDUCATION = "legal_education", _("Legal education in school (法制教育进校园)")
        ANTI_FRAUD = "anti_fraud", _("Anti-fraud publicity in school (反诈宣传进校园)")
        OPEN_DAY = "open_day", _("Teachers and pupils visit the police (邀请师生进警营)")
        LIAISON_VISIT = "liaison_visit", _("Liaison officer's visit")
        OTHER = "other", _("Other")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    school = models.ForeignKey("campus.School", verbose_name=_("school"), on_delete=models.PROTECT,
                               related_name="activities")  # fmt: skip
    station = models.ForeignKey("campus.Station", verbose_name=_("station"), on_delete=models.SET_NULL, null=True,
                                blank=True, related_name="activities")  # fmt: skip
    officers = models.ManyToManyField("campus.Officer", verbose_name=_("officers"), blank=True,
                                      related_name="activities")  # fmt: skip
    date = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=200)
    audience = models.PositiveIntegerField(_("audience size"), default=0, validators=[MaxValueValidator(100000)])
    notes = models.TextField(_("notes"), max_length=4000, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"),
                                   on_delete=models.SET_NULL, null=True, related_name="+")  # fmt: skip
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    is_sample = models.BooleanField(_("sample data"), default=False)

    class Meta:
        db_table = "campus_activity"
        verbose_name = _("police-school activity")
        verbose_name_plural = _("police-school activities")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["school", "date"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.school} {self.date}"


class Reminder(models.Model):
    """A reminder already sent (page notice or e-mail), so each is sent once."""

    key = models.CharField(_("key"), max_length=200, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             null=True, blank=True, related_name="+")  # fmt: skip
    message = models.CharField(_("message"), max_length=500)
    sent_at = models.DateTimeField(_("sent at"))
    emailed = models.BooleanField(_("e-mailed"), default=False)

    class Meta:
        db_table = "campus_reminder"
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return self.key
