"""Emergency plans due for review remind the school's safety staff and liaison officer (issue 15), from the
daily job that sends the drill reminders, once per plan and review date, in each reader's language."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import translation

from drills.models import DrillRule, Reminder
from drills.reminders import drill_reminders_due
from notices.models import Notice
from notices.render import notice_title
from tests.drills.conftest import plan_version
from tests.drills.factories import EmergencyPlanFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2025, 11, 5)


@pytest.fixture
def plan(setup, fire):
    return EmergencyPlanFactory(school=setup["school"], scenario=fire, title="Fire plan")


def _plan_notices():
    return Notice.objects.filter(kind="plan_reminder").order_by("user_id")


def test_a_plan_due_soon_reminds_staff_and_liaison_once(setup, plan, only_rules, settings):
    settings.DRILL_REMINDER_DAYS = 14
    plan_version(plan, review_due=TODAY + dt.timedelta(days=10))
    created = drill_reminders_due(today=TODAY)
    assert {r.user for r in created} == {setup["staff"], setup["liaison_user"]}
    assert [n.user for n in _plan_notices()] == sorted([setup["staff"], setup["liaison_user"]], key=lambda u: u.pk)
    notice = _plan_notices().first()
    assert notice.params == {"school": "Alpha school", "plan": "Fire plan", "due": "2025-11-15"}
    with translation.override("en"):
        assert notice_title(notice) == "Alpha school: the emergency plan “Fire plan” is due for review by 2025-11-15."
    with translation.override("zh-hans"):
        assert notice_title(notice) == "Alpha school：应急预案“Fire plan”须在 2025-11-15 前复核。"

    # The next days' runs send nothing more for the same review date.
    assert drill_reminders_due(today=TODAY + dt.timedelta(days=1)) == []
    assert drill_reminders_due(today=TODAY + dt.timedelta(days=20)) == []  # now overdue: same period
    assert _plan_notices().count() == 2


def test_a_new_version_with_a_new_review_date_starts_a_new_period(setup, plan, only_rules):
    plan_version(plan, review_due=TODAY - dt.timedelta(days=3))
    first = drill_reminders_due(today=TODAY)
    assert len(first) == 2
    with translation.override("en"):
        assert "was due for review on 2025-11-02" in notice_title(_plan_notices().first())
    plan_version(plan, review_due=TODAY + dt.timedelta(days=365), version=2)
    assert drill_reminders_due(today=TODAY) == []  # reviewed: the current version is not due
    assert drill_reminders_due(today=TODAY + dt.timedelta(days=360)) != []


def test_plans_far_from_review_or_of_inactive_schools_send_nothing(setup, plan, only_rules):
    plan_version(plan, review_due=TODAY + dt.timedelta(days=200))
    closed = setup["other"]
    closed.active = False
    closed.save(update_fields=["active"])
    old = EmergencyPlanFactory(school=closed, scenario=plan.scenario, title="Old plan")
    plan_version(old, review_due=TODAY - dt.timedelta(days=30))
    assert drill_reminders_due(today=TODAY) == []
    assert not _plan_notices().exists()


def test_the_daily_command_sends_them(setup, plan, only_rules):
    plan_version(plan, review_due=TODAY - dt.timedelta(days=1))
    call_command("send_drill_reminders", "--today", TODAY.isoformat(), stdout=io.StringIO())
    assert Reminder.objects.filter(key__startswith=f"plan-review:{plan.pk}:").count() == 2
    assert _plan_notices().count() == 2


def test_drill_reminder_notices_also_read_in_the_readers_language(setup, term, violence, only_rules):
    DrillRule.objects.create(drill_type=violence, period="term", count=1, police_required=True)
    drill_reminders_due(today=dt.date(2026, 1, 10))
    notice = Notice.objects.filter(kind="drill_reminder", user=setup["staff"]).get()
    with translation.override("en"):
        assert notice_title(notice).startswith("Alpha school: 1 ") and "still to hold by" in notice_title(notice)
    with translation.override("zh-hans"):
        assert "前还需开展 1 次" in notice_title(notice)
