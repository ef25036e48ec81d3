"""The import batch: one uploaded file of one kind, its dry-run report and what applying it wrote."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from common.geo import CRS_LABELS


def validate_import_kind(value: str) -> None:
    """``value`` names a kind an app has registered (``imports.registry.kind_register``)."""
    from imports.registry import KINDS

    if value not in KINDS:
        raise ValidationError(
            _("Unknown import kind “%(kind)s”; use one of: %(kinds)s."),
            code="unknown_kind",
            params={"kind": value, "kinds": ", ".join(KINDS)},
        )


class ImportBatch(models.Model):
    """One uploaded file: its dry-run report and, once applied, what it wrote.

    The uploaded bytes are kept so "apply" after a preview re-reads the very same
    file without a second upload; applying validates it again against the
    database as it is then. ``status``: ``previewed`` = dry run without errors,
    ready to apply; ``failed`` = the dry run or the apply found errors (nothing
    was written); ``applied`` = written in one transaction.

    ``kind`` is the key of a kind some app registered in its ``AppConfig.ready()``
    (campus: the registry's eight kinds; drones: airspace zones and markets); the
    import framework lists no app's kinds itself. The table keeps the name it had
    when the model lived in campus.
    """

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("Previewed")
        APPLIED = "applied", _("Applied")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=16, validators=[validate_import_kind])
    crs = models.CharField(
        _("coordinate system"), max_length=8, choices=[(crs.value, label) for crs, label in CRS_LABELS.items()]
    )
    filename = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    size_bytes = models.PositiveIntegerField(_("size in bytes"))
    content = models.BinaryField(_("uploaded file"))
    is_sample = models.BooleanField(
        _("sample data"), default=False, help_text=_("Mark the records this batch writes as sample data.")
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Empty for imports run by a management command."),
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PREVIEWED)
    report = models.JSONField(_("report"), default=dict, blank=True)
    rows_total = models.PositiveIntegerField(_("records"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    unchanged_count = models.PositiveIntegerField(_("unchanged"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    warning_count = models.PositiveIntegerField(_("warnings"), default=0)

    class Meta:
        db_table = "campus_importbatch"
        ordering = ["-created_at", "-id"]
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.filename}"

    def get_kind_display(self) -> str:
        """The kind's label from the registry (the key itself for a kind no app registers any more)."""
        from imports.registry import KINDS

        spec = KINDS.get(self.kind)
        return str(spec.label) if spec else self.kind

    @property
    def can_apply(self) -> bool:
        return self.status == self.Status.PREVIEWED and self.error_count == 0
