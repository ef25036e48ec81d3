"""Flight applications (飞行计划申请): one row per sortie of a day made when a planner opens or exports the
list, what each row says (area, times, maximum height within the ceiling, drone, pilot, licence), the XLSX for
filing (escaped, audited), and the workflow: submit (all or one), approved with a reference, refused with a
reason; wrong steps refused with what and where, nothing written."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from campaigns.models import FlightApplication
from campaigns.sheets import services
from common.errors import Conflict, DomainError, NotAllowed
from common.models import AuditLogEntry
from common.roles import Role
from drones.missions.services import mission_save
from drones.models import Mission
from tests.campaigns import builders
from tests.campaigns.matrix_sheets import sortie_on
from tests.factories import make_user

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def tomorrow() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=1)


@pytest.fixture
def fleet():
    return {"drone": builders.drone("喊话一号", model_name="DJI M30T"), "pilot": builders.pilot("pilot-li")}


@pytest.fixture
def planner():
    return make_user(Role.DRONE_OPERATOR, username="planner")


def test_opening_the_list_makes_a_draft_per_sortie_once_and_audits_it(client, fleet, planner, tomorrow):
    first = sortie_on(tomorrow, pilot=fleet["pilot"], drone=fleet["drone"], hour=8)
    second = sortie_on(tomorrow, pilot=fleet["pilot"], drone=fleet["drone"], hour=11)
    sortie_on(tomorrow, pilot=fleet["pilot"], drone=fleet["drone"], hour=15, status="cancelled")
    client.force_login(planner)
    response = client.get(reverse("campaigns:application-list"), **EN)  # tomorrow by default
    assert response.status_code == 200
    assert set(FlightApplication.objects.values_list("sortie_id", "status")) == {
        (first.pk, "draft"),
        (second.pk, "draft"),
    }
    entry = AuditLogEntry.objects.get(action="campaigns.application.create")
    assert entry.after["created"] == 2
    client.get(reverse("campaigns:application-list"), **EN)
    assert FlightApplication.objects.count() == 2
    assert AuditLogEntry.objects.filter(action="campaigns.application.create").count() == 1


def test_leadership_reads_the_list_and_nothing_is_written(client, fleet, tomorrow):
    sortie_on(tomorrow, pilot=fleet["pilot"], drone=fleet["drone"])
    client.force_login(make_user(Role.LEADERSHIP))
    response = client.get(reverse("campaigns:application-list"), **EN)
    assert response.status_code == 200 and len(response.context["rows"]) == 1
    assert "Not submitted" in response.content.decode() and "Mark submitted" not in response.content.decode()
    assert not FlightApplication.objects.exists()


def test_a_row_says_area_times_height_drone_pilot_and_licence(client, fleet, planner, tomorrow):
    sortie = sortie_on(tomorrow, pilot=fleet["pilot"], drone=fleet["drone"], hour=8)
    client.force_login(planner)
    (row,) = client.get(reverse("campaigns:application-list"), **EN).context["rows"]
    assert row["area"]["place"] == sortie.occurrence.market.name
    assert row["area"]["lat"] == pytest.approx(36.1852, abs=1e-3) and row["area"]["radius_m"] >= 10
    assert (f"{row['start']:%H:%M}", f"{row['end']:%H:%M}") == ("08:00", "08:20")
    assert row["max_height_m"] == 50  # the mission's highest waypoint
    assert (row["drone_model"], row["drone_serial"]) == ("DJI M30T", "SN-喊话一号")
    assert row["licence_no"] == "UAS-pilot-li" and row["licence_expiry"] == dt.date(2030, 1, 1)


def test_the_maximum_height_is_never_above_the_ceiling(fleet, settings, tomorrow):
    from campaigns.sheets.selectors import mission_max_height_m

    mission = Mission(
        name="高", kind="free", drone=fleet["drone"], waypoints=[{"lat": 36.18, "lon": 118.17, "alt_m": 60}]
    )
    assert mission_max_height_m(mission) == 60
    settings.DRONE_MAX_HEIGHT_M = 45
    assert mission_max_height_m(mission) == 45
    assert mission_max_height_m(None) is None


def test_the_xlsx_for_filing_is_escaped_and_audited(client, fleet, planner, tomorrow):
    pilot = fleet["pilot"]
    pilot.user.first_name = "=cmd|' /C calc'!A0"
    pilot.user.save()
    sortie_on(tomorrow, pilot=pilot, drone=fleet["drone"])
    client.force_login(planner)
    response = client.get(reverse("campaigns:application-list"), {"export": "xlsx"}, **EN)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=False))
    header = [cell.value for cell in rows[1]]
    assert header[:3] == ["Date", "Flight area", "Centre latitude"] and "Licence number" in header
    data = rows[2]
    name_cell = data[header.index("Pilot")]
    assert name_cell.value.startswith("=cmd") and name_cell.data_type == "s"
    assert data[header.index("Maximum height (m)")].value == 50
    assert data[header.index("Status")].value == "Not submitted"
    entry = AuditLogEntry.objects.get(action="export.campaign_flight_applications")
    assert entry.after["outcome"] == "done" and entry.after["rows"] == 1
    assert FlightApplication.objects.count() == 1  # exporting made the row too


def test_the_workflow_submit_approve_and_refuse(fleet, planner, tomorrow):
    sortie = sortie_on(tomorrow, pilot=fleet["pilot"], drone=fleet["drone"])
    services.applications_ensure(day=tomorrow, actor=planner)
    application = sortie.application
    application = services.application_submit(application=application, actor=planner)
    assert application.status == "submitted" and application.submitted_at
    application = services.application_approve(application=application, actor=planner, reference=" 民航审-2026-17 ")
    assert application.status == "approved" and application.reference == "民航审-2026-17"
    application = services.application_refuse(application=application, actor=planner, reason="空域临时关闭")
    assert application.status == "refused" and application.reference == "" and application.note == "空域临时关闭"
    application = services.application_submit(application=application, actor=planner)  # filed again
    assert application.status == "submitted"
    actions = list(
        AuditLogEntry.objects.filter(action__startswith="campaigns.application.")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "campaigns.application.create",
        "campaigns.application.submit",
        "campaigns.application.approve",
        "campaigns.application.refuse",
        "campaigns.application.submit",
    ]


def test_approval_needs_a_reference_and_refusal_a_reason(fleet, planner, tomorrow):
    sortie = sortie_on(tomorrow, pilot=fleet["pilot"], drone=fleet["drone"], application="submitted")
    with pytest.raises(DomainError, match="reference"):
        services.application_approve(application=sortie.application, actor=planner, reference="  ")
    with pytest.raises(DomainError, match="reference: at most 100"):
        services.application_approve(application=sortie.application, actor=planner, reference="x" * 101)
    with pytest.raises(DomainError, match="reason"):
        services.application_refuse(application=sortie.application, actor=planner, reason="")
    sortie.application.refresh_from_db()
    assert sortie.application.status == "submitted"
    assert not AuditLogEntry.objects.filter(action__startswith="campaigns.application.").exists()


@pytest.mark.parametrize(
    ("status", "step"),
    [("draft", "approve"), ("draft", "refuse"), ("submitted", "submit"), ("approved", "submit"),
     ("approved", "approve"), ("refused", "approve"), ("refused", "refuse")],
)  # fmt: skip
def test_wrong_transitions_are_refused_and_nothing_changes(fleet, planner, tomorrow, status, step):
    sortie = sortie_on(tomorrow, pilot=fleet["pilot"], drone=fleet["drone"], application=status,
                       reference="R-1" if status == "approved" else "")  # fmt: skip
    application = sortie.application
    call = {
        "submit": lambda: services.application_submit(application=application, actor=planner),
        "approve": lambda: services.application_approve(application=application, actor=planner, reference="R-2"),
        "refuse": lambda: services.application_refuse(application=application, actor=planner, reason="no"),
    }[step]
    with pytest.raises(Conflict) as caught:
        call()
    assert sortie.occurrence.market.name in caught.value.message
    application.refresh_from_db()
    assert application.status == status


def test_a_cancelled_sorties_application_does_not_move(fleet, planner, tomorrow):
    sortie = sortie_on(tomorrow, pilot=fleet["pilot"], drone=fleet["drone"], status="cancelled", application="draft")
    with pytest.raises(Conflict, match="cancelled"):
        services.application_submit(application=sortie.application, actor=planner)


def test_only_planners_file_applications(fleet, tomorrow):
    sortie = sortie_on(tomorrow, pilot=fleet["pilot"], drone=fleet["drone"], application="draft")
    with pytest.raises(NotAllowed):
        services.application_submit(application=sortie.application, actor=make_user(Role.LEADERSHIP))


def test_the_page_submits_the_whole_day_then_records_approval_and_refusal(client, fleet, planner, tomorrow):
    one = sortie_on(tomorrow, pilot=fleet["pilot"], drone=fleet["drone"], hour=8)
    two = sortie_on(tomorrow, pilot=fleet["pilot"], drone=fleet["drone"], hour=11)
    client.force_login(planner)
    response = client.post(reverse("campaigns:application-submit-day"), {"day": tomorrow.isoformat()}, **EN)
    assert response.status_code == 302
    assert set(FlightApplication.objects.values_list("status", flat=True)) == {"submitted"}
    again = client.post(reverse("campaigns:application-submit-day"), {"day": tomorrow.isoformat()}, follow=True, **EN)
    assert "nothing to submit" in again.content.decode()
    client.post(reverse("campaigns:application-approve", args=[one.application.pk]), {"reference": ""}, **EN)
    one.application.refresh_from_db()
    assert one.application.status == "submitted"  # no reference: refused, nothing written
    client.post(reverse("campaigns:application-approve", args=[one.application.pk]), {"reference": "审-1"}, **EN)
    client.post(reverse("campaigns:application-refuse", args=[two.application.pk]), {"reason": "禁飞"}, **EN)
    page = client.get(reverse("campaigns:application-list"), {"day": tomorrow.isoformat()}, **EN).content.decode()
    assert "审-1" in page and "禁飞" in page and "Approved" in page and "Refused" in page


def test_the_api_lists_a_day_and_runs_the_workflow(client, fleet, planner, tomorrow):
    sortie = sortie_on(tomorrow, pilot=fleet["pilot"], drone=fleet["drone"])
    client.force_login(planner)
    body = client.get(reverse("campaigns_api:application-list"), {"day": tomorrow.isoformat()}).json()
    assert body["due"] == (tomorrow - dt.timedelta(days=1)).isoformat()
    (row,) = body["applications"]
    assert row["sortie"] == sortie.pk and row["status"] == "draft" and row["max_height_m"] == 50
    pk = row["id"]
    submitted = client.post(reverse("campaigns_api:application-submit-day"), {"day": tomorrow.isoformat()},
                            content_type="application/json")  # fmt: skip
    assert submitted.json() == {"day": tomorrow.isoformat(), "submitted": 1}
    missing = client.post(reverse("campaigns_api:application-approve", args=[pk]), {}, content_type="application/json",
                          **EN)  # fmt: skip
    assert missing.status_code == 400 and missing.json()["code"] == "reference_missing"
    approved = client.post(reverse("campaigns_api:application-approve", args=[pk]), {"reference": "审-9"},
                           content_type="application/json")  # fmt: skip
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    wrong = client.post(reverse("campaigns_api:application-submit", args=[pk]), content_type="application/json", **EN)
    assert wrong.status_code == 409 and wrong.json()["code"] == "wrong_status"
    refused = client.post(reverse("campaigns_api:application-refuse", args=[pk]), {"reason": "revoked"},
                          content_type="application/json")  # fmt: skip
    assert refused.json()["status"] == "refused" and refused.json()["note"] == "revoked"


def test_a_bad_day_is_refused_with_where(client, planner):
    client.force_login(planner)
    response = client.get(reverse("campaigns:application-list"), {"day": "31.12.2026"}, **EN)
    assert response.status_code == 400 and "day:" in response.content.decode()
    api = client.post(reverse("campaigns_api:application-submit-day"), {"day": "x"}, content_type="application/json")
    assert api.status_code == 400 and "day" in str(api.json())


def test_a_mission_with_an_operating_area_gives_its_centre_and_radius(fleet, tomorrow):
    from campaigns.sheets.selectors import operating_area

    drone, pilot = fleet["drone"], fleet["pilot"]
    area = {"type": "Polygon", "coordinates": [[[118.169, 36.184], [118.172, 36.184], [118.172, 36.187],
                                                 [118.169, 36.187], [118.169, 36.184]]]}  # fmt: skip
    mission = Mission(name="带区域", kind="free", drone=drone, waypoints=[{"lat": 36.1853, "lon": 118.17, "alt_m": 30}],
                      launch_lat=36.185, launch_lon=118.17, operating_area=area)  # fmt: skip
    mission_save(mission=mission, actor=pilot.user)
    sortie = sortie_on(tomorrow, pilot=pilot, drone=drone, mission=mission)
    found = operating_area(sortie)
    assert found["lat"] == pytest.approx(36.1852, abs=1e-3) and found["lon"] == pytest.approx(118.1702, abs=1e-3)
    assert 150 <= found["radius_m"] <= 250
