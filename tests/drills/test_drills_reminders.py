from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.urls import reverse

from drills.models import DrillRule, Reminder
from drills.reminders import drill_reminders_due
from tests.drills.factories import CorrectiveActionFactory, DrillFactory

pytestmark = pytest.mark.django_db


def test_due_soon_reminds_staff_and_liaison_once_with_email(
    setup,
    term,
    violence,
    only_rules,
    settings,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    settings.EMAIL_HOST = "smtp.example.org"
    DrillRule.objects.create(drill_type=violence, period="term", count=1, police_required=True)
    with django_capture_on_commit_callbacks(execute=True):
        created = drill_reminders_due(today=dt.date(2026, 1, 10))
    users = {r.user.username for r in created}
    assert {"staff_a", "liaison"} <= users
    assert sorted(m.to[0] for m in mailoutbox) == sorted([u.email for u in (setup["staff"], setup["liaison_user"])])
    assert drill_reminders_due(today=dt.date(2026, 1, 11)) == []


def test_no_reminder_far_from_the_end_or_when_met(setup, term, fire, only_rules):
    DrillRule.objects.create(drill_type=fire, period="term", count=1)
    assert drill_reminders_due(today=dt.date(2025, 10, 10)) == []
    DrillFactory(school=setup["school"], drill_type=fire, date=dt.date(2025, 10, 15))
    created = drill_reminders_due(today=dt.date(2026, 1, 10))
    assert all("Alpha school" not in r.message for r in created)


def test_overdue_corrective_action_reminds_staff_without_email_when_not_configured(
    setup,
    only_rules,
    settings,
    mailoutbox,
):
    settings.EMAIL_HOST = ""
    CorrectiveActionFactory(drill__school=setup["school"], due_date=dt.date(2025, 11, 1), owner="Wang")
    created = drill_reminders_due(today=dt.date(2025, 11, 5))
    assert [r.user for r in created] == [setup["staff"]]
    assert "Wang" in created[0].message and not mailoutbox


def test_command_and_pages_show_reminders(client, setup, only_rules):
    CorrectiveActionFactory(drill__school=setup["school"], due_date=dt.date(2025, 11, 1))
    call_command("send_drill_reminders", "--today", "2025-11-05")
    assert Reminder.objects.filter(user=setup["staff"]).count() == 1
    client.force_login(setup["staff"])
    assert "was due on 2025-11-01" in client.get(reverse("drills:drill-reminders")).content.decode()
    assert "was due on 2025-11-01" in client.get(reverse("drills:drill-board")).content.decode()
