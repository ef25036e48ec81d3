"""The apps that send notices: incidents routed to a liaison officer and escalated, drill reminders; the
duty calendar feed's alarms."""

from __future__ import annotations

import datetime as dt

import pytest

from drills.reminders import reminder_send
from incidents.escalation import incidents_escalate
from incidents.notify import incident_notice_routed
from notices.kinds import notice_kinds
from notices.models import Notice
from tests.factories import UserFactory
from tests.incidents.conftest import T0, build_incident_county

pytestmark = pytest.mark.django_db


@pytest.fixture
def county(settings):
    settings.INCIDENT_ACK_MINUTES = {"urgent": 5, "high": 15, "medium": 60, "low": 240}
    settings.INCIDENT_RESOLVE_HOURS = {"urgent": 4, "high": 24, "medium": 72, "low": 168}
    return build_incident_county()


def test_the_apps_register_their_kinds():
    codes = {kind.code for kind in notice_kinds()}
    assert {
        "duty_changed",
        "swap_request",
        "incident_routed",
        "incident_escalated",
        "drill_reminder",
        "plan_reminder",
    } <= codes


def test_a_new_report_reaches_its_liaison_officers_bell_once(county):
    incident = county.incident(severity="urgent")
    incident_notice_routed(incident.pk)
    incident_notice_routed(incident.pk)
    (notice,) = Notice.objects.filter(kind="incident_routed")
    assert notice.user == county.liaison_user and notice.urgent
    assert notice.params == {"reference": incident.reference, "school": county.school.name}
    assert notice.url.endswith(f"/handle/{incident.pk}/")


def test_escalation_reaches_the_station_head_then_the_brigade(county):
    incident = county.incident(severity="medium")
    incidents_escalate(now=T0 + dt.timedelta(minutes=60))
    assert list(Notice.objects.filter(kind="incident_escalated").values_list("user", flat=True)) == [
        county.head_user.pk
    ]
    incidents_escalate(now=T0 + dt.timedelta(minutes=120))
    users = set(Notice.objects.filter(kind="incident_escalated").values_list("user", flat=True))
    assert users == {county.head_user.pk, county.scheduler.pk}
    assert all(n.urgent and str(incident.pk) in n.url for n in Notice.objects.filter(kind="incident_escalated"))


def test_a_drill_reminder_is_also_a_notice_once():
    user = UserFactory(username="staffer")
    reminder_send(key="drill-due:1:2:T:9", user=user, message="Alpha: 1 fire drill(s) still to hold")
    reminder_send(key="drill-due:1:2:T:9", user=user, message="Alpha: 1 fire drill(s) still to hold")
    (notice,) = Notice.objects.filter(kind="drill_reminder")
    assert notice.user == user and notice.title == "Alpha: 1 fire drill(s) still to hold"


def test_duty_calendar_feed_alarms_30_minutes_before_each_duty():
    from types import SimpleNamespace as NS

    from patrol.roster.ics import calendar_ics

    start = dt.datetime(2030, 9, 1, 23, 20, tzinfo=dt.UTC)
    school = NS(name="Hope Primary", address="", phone="")
    gate = NS(name="North gate", school=school, lat=36.18, lon=118.17)
    shift = NS(post=NS(name="Crossing", gate=gate), start=start, end=start + dt.timedelta(minutes=40),
               get_kind_display=lambda: "Arrival", term=NS(roster=None))  # fmt: skip
    duties = [NS(pk=pk, shift=shift, get_role_display=lambda: "Police officer") for pk in (1, 2)]
    text = calendar_ics(staff=NS(name="Li"), assignments=duties, host="example.org").replace("\r\n ", "")
    assert text.count("BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT30M\r\nDESCRIPTION:") == 2
    assert text.count("END:VALARM\r\nEND:VEVENT") == 2
