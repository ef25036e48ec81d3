"""Day sheets: what a sheet shows, whose sheet a user sees, the print stylesheet, the XLSX, the API, and the
pilot's calendar feed (ICS: UTC times, an alarm an hour before take-off, stable UIDs, cancelled sorties)."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from common.models import AuditLogEntry
from common.roles import Role
from tests.campaigns import builders
from tests.campaigns.matrix_sheets import sortie_on
from tests.factories import make_user

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def day() -> dt.date:
    return timezone.localdate()


@pytest.fixture
def fleet():
    drone = builders.drone("喊话一号", model_name="DJI M30T")
    pilot = builders.pilot("pilot-li")
    other = builders.pilot("pilot-wang")
    return {"drone": drone, "pilot": pilot, "other": other}


def test_a_pilot_sees_their_own_sheet_by_default(client, fleet, day):
    mine = sortie_on(day, pilot=fleet["pilot"], drone=fleet["drone"], hour=9, application="approved", reference="R-9")
    sortie_on(day, pilot=fleet["other"], drone=fleet["drone"], hour=14)
    client.force_login(fleet["pilot"].user)
    response = client.get(reverse("campaigns:sheet-day"), **EN)
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [row["id"] for row in rows] == [mine.pk]
    html = response.content.decode()
    assert "09:00" in html and "09:20" in html  # take-off and landed-by, local time
    assert mine.occurrence.market.name in html and "R-9" in html and "Approved" in html
    assert reverse("drones:mission_detail", args=[mine.mission.pk]) in html
    assert "2 battery packs" in html and "B-喊话一号-0" in html
    assert "反诈提醒" in html  # the playlist's clip
    assert 'id="sheet-map"' in html and "campaign_sheet_map.js" in html
    assert "Fly this sortie" in html  # today, theirs, a drone operator


def test_a_pilot_may_pick_all_pilots_and_another_pilot(client, fleet, day):
    sortie_on(day, pilot=fleet["pilot"], drone=fleet["drone"], hour=9)
    theirs = sortie_on(day, pilot=fleet["other"], drone=fleet["drone"], hour=14)
    client.force_login(fleet["pilot"].user)
    everyone = client.get(reverse("campaigns:sheet-day"), {"pilot": "all"}, **EN)
    assert len(everyone.context["rows"]) == 2
    other = client.get(reverse("campaigns:sheet-day"), {"pilot": fleet["other"].pk}, **EN)
    assert [row["id"] for row in other.context["rows"]] == [theirs.pk]
    assert "Fly this sortie" not in other.content.decode()  # not theirs


def test_leadership_reads_any_sheet_without_the_fly_button(client, fleet, day):
    sortie_on(day, pilot=fleet["pilot"], drone=fleet["drone"])
    client.force_login(make_user(Role.LEADERSHIP))
    response = client.get(reverse("campaigns:sheet-day"), **EN)  # no pilot record: everyone's sheet
    assert response.status_code == 200 and response.context["pilot"] is None
    assert len(response.context["rows"]) == 1
    assert "Fly this sortie" not in response.content.decode()
    assert response.context["calendar_url"] is None


def test_roles_without_campaigns_may_not_read_sheets(client, fleet, day):
    for role in (Role.BRIGADE_SCHEDULER, Role.STATION_OFFICER):
        client.force_login(make_user(role))
        assert client.get(reverse("campaigns:sheet-day")).status_code == 403
        assert client.get(reverse("campaigns_api:sheet-day")).status_code == 403


def test_bad_day_or_pilot_is_answered_with_what_is_wrong(client, fleet):
    client.force_login(fleet["pilot"].user)
    response = client.get(reverse("campaigns:sheet-day"), {"day": "2026-13-01"}, **EN)
    assert response.status_code == 400 and "day: give a date as YYYY-MM-DD" in response.content.decode()
    response = client.get(reverse("campaigns:sheet-day"), {"pilot": "x1"}, **EN)
    assert response.status_code == 400 and "pilot:" in response.content.decode()
    assert client.get(reverse("campaigns:sheet-day"), {"pilot": 99999}).status_code == 404
    api = client.get(reverse("campaigns_api:sheet-day"), {"day": "tomorrow"}, **EN)
    assert api.status_code == 400 and api.json()["detail"].startswith("day:")


def test_the_sheet_prints_without_the_menu():
    css = (Path(settings.BASE_DIR) / "static/css/campaign_sheets.css").read_text()
    assert "@media print" in css
    printed = css[css.index("@media print") :]
    assert ".topbar" in printed and ".noprint" in printed and "display: none" in printed


def test_a_cancelled_sortie_is_shown_as_cancelled_and_cannot_be_flown(client, fleet, day):
    sortie = sortie_on(day, pilot=fleet["pilot"], drone=fleet["drone"], status="cancelled", application="approved",
                       reference="R-1")  # fmt: skip
    sortie.cancel_reason = "rain"
    sortie.save()
    client.force_login(fleet["pilot"].user)
    html = client.get(reverse("campaigns:sheet-day"), **EN).content.decode()
    assert 'class="sortie cancelled"' in html and "rain" in html and "Fly this sortie" not in html


def test_the_sheet_as_xlsx_is_escaped_and_audited(client, fleet, day):
    campaign = builders.campaign(name='=HYPERLINK("http://x")')
    sortie_on(day, pilot=fleet["pilot"], drone=fleet["drone"], campaign=campaign)
    client.force_login(fleet["pilot"].user)
    response = client.get(reverse("campaigns:sheet-day"), {"export": "xlsx"}, **EN)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value == '=HYPERLINK("http://x")']
    assert cells and all(cell.data_type == "s" for cell in cells)
    entry = AuditLogEntry.objects.get(action="export.campaign_day_sheet")
    assert entry.after["outcome"] == "done" and entry.after["rows"] == 1
    assert client.get(reverse("campaigns:sheet-day"), {"export": "pdf"}).status_code == 400


def test_the_sheet_api_gives_a_pilots_day(client, fleet, day):
    sortie = sortie_on(day, pilot=fleet["pilot"], drone=fleet["drone"], application="submitted")
    client.force_login(fleet["pilot"].user)
    body = client.get(reverse("campaigns_api:sheet-day"), {"day": day.isoformat()}).json()
    assert body["pilot"]["id"] == fleet["pilot"].pk
    (row,) = body["sorties"]
    assert row["id"] == sortie.pk and row["application_status"] == "submitted"
    assert row["drone"]["serial"] == "SN-喊话一号" and row["battery_packs"] == 2
    assert row["mission"]["id"] == sortie.mission_id and row["max_height_m"] == 50
    assert row["playlist"]["loop_s"] == 75.0 and row["place"]["kind"] == "market"


# --- the calendar feed --------------------------------------------------------------------------------


def _feed(client, pilot_user):
    client.force_login(pilot_user)
    url = client.get(reverse("campaigns:sheet-day"), **EN).context["calendar_url"]
    client.logout()
    return url


def test_the_calendar_feed_has_utc_times_an_alarm_and_stable_uids(client, fleet, day):
    sortie = sortie_on(day, pilot=fleet["pilot"], drone=fleet["drone"], hour=9)
    url = _feed(client, fleet["pilot"].user)
    assert url
    response = client.get(url)  # no login: the token is the key
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    start_utc = sortie.start.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    assert f"DTSTART:{start_utc}" in body
    assert "BEGIN:VALARM" in body and "TRIGGER:-PT60M" in body
    uid = f"UID:campaigns-sortie-{sortie.pk}@testserver"
    assert uid in body and "STATUS:CONFIRMED" in body
    assert uid in client.get(url).content.decode()  # the same UID every time


def test_a_cancelled_sortie_stays_in_the_feed_as_cancelled(client, fleet, day):
    sortie = sortie_on(day, pilot=fleet["pilot"], drone=fleet["drone"], status="cancelled")
    url = _feed(client, fleet["pilot"].user)
    body = client.get(url).content.decode()
    assert f"campaigns-sortie-{sortie.pk}@" in body and "STATUS:CANCELLED" in body and "VALARM" not in body


def test_a_wrong_or_renewed_token_is_404(client, fleet, day):
    sortie_on(day, pilot=fleet["pilot"], drone=fleet["drone"])
    url = _feed(client, fleet["pilot"].user)
    assert client.get(reverse("campaigns:sheet-calendar", kwargs={"token": "nope"})).status_code == 404
    client.force_login(fleet["pilot"].user)
    renewed = client.post(reverse("campaigns:sheet-calendar-token", args=[fleet["pilot"].pk]))
    assert renewed.status_code == 302
    client.logout()
    assert client.get(url).status_code == 404
    entry = AuditLogEntry.objects.get(action="campaigns.pilot.calendar_token")
    assert fleet["pilot"].campaign_calendar.token not in str(entry.after) + entry.reason  # a credential


def test_leadership_may_not_renew_a_pilots_link_but_a_planner_may(client, fleet):
    client.force_login(make_user(Role.LEADERSHIP))
    assert client.post(reverse("campaigns:sheet-calendar-token", args=[fleet["other"].pk])).status_code == 403
    client.force_login(make_user(Role.BUREAU_ADMIN))
    assert client.post(reverse("campaigns:sheet-calendar-token", args=[fleet["other"].pk])).status_code == 302
