"""Notices a user is told of (in-app), the channels each user chose per kind, and outbound deliveries.

A notice's ``title`` and ``body`` are message ids (English source strings marked with
``gettext_noop``) with ``params`` for their ``%(name)s`` placeholders: they are translated when read,
in the reader's language (``notices.render``), not in the sender's.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from notices.kinds import CHANNEL_EMAIL, CHANNEL_WEBHOOK


class Notice(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="notices"
    )
    kind = models.CharField(_("kind"), max_length=64)
    title = models.CharField(_("notice title"), max_length=300)
    body = models.TextField(_("body"), blank=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    urgent = models.BooleanField(_("urgent"), default=False)
    dedupe_key = models.CharField(_("de-duplication key"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notice_user_unread")]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "dedupe_key"],
                condition=~models.Q(dedupe_key=""),
                name="notice_unique_dedupe_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.user_id}: {self.title[:60]}"


class NoticePreference(models.Model):
    """The outbound channels a user chose for one kind; without a row the kind's defaults apply."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="notice_preferences"
    )
    kind = models.CharField(_("kind"), max_length=64)
    email = models.BooleanField(_("e-mail"), default=False)
    webhook = models.BooleanField(_("SMS / messaging gateway"), default=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="notice_preference_unique_user_kind")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}"


class Delivery(models.Model):
    """One notice on one outbound channel: queued until sent, retried with back-off, failed after the last try."""

    class Channel(models.TextChoices):
        EMAIL = CHANNEL_EMAIL, _("E-mail")
        WEBHOOK = CHANNEL_WEBHOOK, _("SMS / messaging gateway")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    notice = models.ForeignKey(Notice, verbose_name=_("notice"), on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due")]
        constraints = [models.UniqueConstraint(fields=["notice", "channel"], name="delivery_unique_notice_channel")]

    def __str__(self) -> str:
        return f"{self.notice_id} {self.channel} {self.status}"
