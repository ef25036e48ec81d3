"""The private calendar link of a pilot's sorties.

It lives with the day sheets; ``campaigns/models.py`` imports it so the app's models are complete. Its
table comes from ``campaigns/migrations/0002_sheets.py``.
"""

from __future__ import annotations

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

from drones.models import Pilot


def new_calendar_token() -> str:
    return secrets.token_urlsafe(24)


class PilotCalendarToken(models.Model):
    """The secret in a pilot's calendar feed URL (no login: calendar apps send none). Renewing it replaces
    the old one, which then answers 404, like the duty calendar's (``patrol.DutyStaff.calendar_token``)."""

    pilot = models.OneToOneField(
        Pilot, verbose_name=_("pilot"), on_delete=models.CASCADE, related_name="campaign_calendar"
    )
    token = models.CharField(_("calendar token"), max_length=64, unique=True, default=new_calendar_token)
    created_at = models.DateTimeField(_("created at"), auto_now=True)

    class Meta:
        app_label = "campaigns"
        verbose_name = _("pilot's calendar link")
        verbose_name_plural = _("pilots' calendar links")

    def __str__(self) -> str:
        return str(self.pilot)
