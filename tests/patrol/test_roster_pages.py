"""Roster pages, ICS feed, printable sheet, XLSX export and API."""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.urls import reverse
from openpyxl import load_workbook

from patrol.models import DutyAssignment, SwapRequest
from tests.patrol.factories import DutyAssignmentFactory
from tests.patrol.test_roster_edits import rw  # noqa: F401 - the fixture

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def staffed(rw):  # noqa: F811
    """Li at school A on Monday (published), Zhang at school B (unpublished); A's guard slot uncovered."""
    rw["a_li"] = DutyAssignmentFactory(shift=rw["shift_a"], staff=rw["li"], role="police", published=True)
    rw["b_zhang"] = DutyAssignmentFactory(shift=rw["shift_b"], staff=rw["zhang"], role="police")
    return rw


def _login(client, user):
    client.force_login(user)
    return client


def _week_url(w, **params):
    query = "&".join(f"{k}={v}" for k, v in {"week": "2030-09-02", **params}.items())
    return reverse("patrol:roster-week", kwargs={"term_id": w["term"].pk}) + "?" + query


def test_home_lists_terms_with_counts_and_generate_link(client, staffed):
    response = _login(client, staffed["users"]["scheduler"]).get(reverse("patrol:roster-home"), **EN)
    body = response.content.decode()
    assert response.status_code == 200
    assert str(staffed["term"]) in body
    assert f"/patrol/terms/{staffed['term'].pk}/generate/" in body or "generate" in body.lower()


def test_week_grid_shows_names_and_uncovered(client, staffed):
    response = _login(client, staffed["users"]["scheduler"]).get(_week_url(staffed), **EN)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Li Wei" in body and "Zhang Min" in body
    assert "uncovered" in body and "missing: 1 × School guard" in body
    assert "3 uncovered slots" in body  # A's guard on Monday, police and guard on Tuesday


def test_week_grid_filters_by_station_and_school(client, staffed):
    client = _login(client, staffed["users"]["scheduler"])
    body = client.get(_week_url(staffed, school=staffed["school_b"].pk), **EN).content.decode()
    assert "Zhang Min" in body and "Li Wei" not in body
    body = client.get(_week_url(staffed, station=staffed["station"].pk), **EN).content.decode()
    assert "Zhang Min" in body and "Li Wei" in body


def test_school_staff_see_only_their_school(client, staffed):
    client = _login(client, staffed["users"]["staff"])
    body = client.get(_week_url(staffed), **EN).content.decode()
    assert "Li Wei" in body and "Zhang Min" not in body and "River Middle" not in body
    assert client.get(_week_url(staffed, school=staffed["school_b"].pk), **EN).status_code == 404
    assert client.get(reverse("patrol:roster-shift", args=[staffed["shift_b"].pk]), **EN).status_code == 404
    url = reverse("patrol:roster-sheet", kwargs={"term_id": staffed["term"].pk}) + f"?school={staffed['school_b'].pk}"
    assert client.get(url, **EN).status_code == 404
    api = reverse("patrol_api:roster-assignment-list", kwargs={"term_id": staffed["term"].pk})
    rows = client.get(api).json()["results"]
    assert [r["staff_name"] for r in rows] == ["Li Wei"]
    assert client.get(api + f"?school={staffed['school_b'].pk}").status_code == 404


def test_page_edit_double_booking_shows_the_message_and_writes_nothing(client, staffed):
    client = _login(client, staffed["users"]["scheduler"])
    before = DutyAssignment.objects.count()
    url = reverse("patrol:roster-assignment-add", args=[staffed["shift_b"].pk])
    response = client.post(url, {"staff": staffed["li"].pk, "role": "police"}, follow=True, **EN)
    body = response.content.decode()
    assert "Li Wei is already on duty at Hope Primary, North gate (Crossing) 2030-09-02 07:20–08:00." in body
    assert DutyAssignment.objects.count() == before


def test_page_add_replace_remove(client, staffed):
    client = _login(client, staffed["users"]["scheduler"])
    client.post(
        reverse("patrol:roster-assignment-add", args=[staffed["shift_a"].pk]),
        {"staff": staffed["guard"].pk, "role": "guard"},
        **EN,
    )
    added = DutyAssignment.objects.get(shift=staffed["shift_a"], staff=staffed["guard"])
    assert added.source == "manual" and added.pinned
    client.post(reverse("patrol:roster-assignment-replace", args=[added.pk]), {"staff": staffed["guard2"].pk}, **EN)
    added.refresh_from_db()
    assert added.staff_id == staffed["guard2"].pk
    response = client.post(
        reverse("patrol:roster-assignment-remove", args=[added.pk]), {"reason": ""}, follow=True, **EN
    )
    assert "Reason: This field is required." in response.content.decode()
    assert DutyAssignment.objects.filter(pk=added.pk).exists()
    client.post(reverse("patrol:roster-assignment-remove", args=[added.pk]), {"reason": "ill"}, **EN)
    assert not DutyAssignment.objects.filter(pk=added.pk).exists()


def test_term_page_publish_and_unpublished_changes(client, staffed):
    client = _login(client, staffed["users"]["scheduler"])
    term_url = reverse("patrol:roster-term", kwargs={"term_id": staffed["term"].pk})
    assert "Unpublished changes: 1 assignments" in client.get(term_url, **EN).content.decode()
    client.post(reverse("patrol:roster-publish", kwargs={"term_id": staffed["term"].pk}), **EN)
    body = client.get(term_url, **EN).content.decode()
    assert "Unpublished changes" not in body and "Publish again" in body


def test_my_duties_and_person_pages(client, staffed):
    client = _login(client, staffed["users"]["officer"])
    body = client.get(reverse("patrol:roster-mine"), **EN).content.decode()
    assert "Hope Primary" in body
    assert f"/patrol/calendar/{staffed['li'].calendar_token}.ics" in body
    assert "Ask to swap" in body
    staff_client = _login(client.__class__(), staffed["users"]["staff"])
    assert staff_client.get(reverse("patrol:roster-person", args=[staffed["zhang"].pk]), **EN).status_code == 404
    assert staff_client.get(reverse("patrol:roster-person", args=[staffed["guard2"].pk]), **EN).status_code == 200


def test_ics_feed_has_published_duties_only(client, staffed):
    DutyAssignmentFactory(shift=staffed["shift_a_tue"], staff=staffed["li"], role="police", published=False)
    response = client.get(reverse("patrol:roster-calendar", kwargs={"token": staffed["li"].calendar_token}), **EN)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    text = response.content.decode()
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert text.count("BEGIN:VEVENT") == 1
    assert f"UID:patrol-duty-{staffed['a_li'].pk}@" in text
    assert "DTSTART:20300901T232000Z" in text and "DTEND:20300902T000000Z" in text
    assert "GEO:36.180000;118.170000" in text
    unfolded = text.replace("\r\n ", "")
    assert "SUMMARY:Gate duty: Hope Primary North gate Crossing · Arrival (Police officer)" in unfolded
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))


def test_ics_unknown_token_is_404(client, staffed):
    assert client.get(reverse("patrol:roster-calendar", kwargs={"token": "nope"})).status_code == 404


def test_renewed_token_retires_the_old_link(client, staffed):
    old = staffed["li"].calendar_token
    _login(client, staffed["users"]["officer"]).post(
        reverse("patrol:roster-calendar-token", args=[staffed["li"].pk]), **EN
    )
    client.logout()
    assert client.get(reverse("patrol:roster-calendar", kwargs={"token": old})).status_code == 404
    staffed["li"].refresh_from_db()
    assert (
        client.get(reverse("patrol:roster-calendar", kwargs={"token": staffed["li"].calendar_token})).status_code == 200
    )


def test_printable_sheet(client, staffed):
    url = reverse("patrol:roster-sheet", kwargs={"term_id": staffed["term"].pk})
    body = (
        _login(client, staffed["users"]["scheduler"])
        .get(url + f"?week=2030-09-02&station={staffed['station'].pk}", **EN)
        .content.decode()
    )
    assert "css/roster_sheet.css" in body and "13900000001" in body and staffed["station"].name in body
    # The print layout is in the page's stylesheet (no inline <style>: Content-Security-Policy).
    assert "@media print" in (settings.BASE_DIR / "static" / "css" / "roster_sheet.css").read_text()


def test_xlsx_export(client, staffed):
    url = reverse("patrol:roster-export", kwargs={"term_id": staffed["term"].pk})
    response = _login(client, staffed["users"]["scheduler"]).get(url + "?type=xlsx", **EN)
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="roster-2030-2031-term{staffed["term"].pk}.xlsx"'
    wb = load_workbook(io.BytesIO(response.content))
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    assert rows[0][:3] == ("Date", "Weekday", "Window")
    assert {r[9] for r in rows[1:]} == {"Li Wei", "Zhang Min"}
    gaps = list(wb.worksheets[1].iter_rows(values_only=True))
    assert [(g[0].date().isoformat(), g[7], g[8]) for g in gaps[1:]] == [
        ("2030-09-02", "School guard", 1),
        ("2030-09-03", "Police officer", 1),
        ("2030-09-03", "School guard", 1),
    ]
    assert client.get(url + "?type=csv", **EN).status_code == 400


def test_xlsx_export_is_scoped_for_school_staff(client, staffed):
    url = reverse("patrol:roster-export", kwargs={"term_id": staffed["term"].pk})
    response = _login(client, staffed["users"]["staff"]).get(url, **EN)
    rows = list(load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows(values_only=True))
    assert {r[9] for r in rows[1:]} == {"Li Wei"}


# --- API -----------------------------------------------------------------------------------------


def test_api_list_filters(client, staffed):
    client = _login(client, staffed["users"]["leader"])
    url = reverse("patrol_api:roster-assignment-list", kwargs={"term_id": staffed["term"].pk})
    assert len(client.get(url).json()["results"]) == 2
    assert [r["staff_name"] for r in client.get(url + f"?staff={staffed['zhang'].pk}").json()["results"]] == [
        "Zhang Min"
    ]
    assert client.get(url + "?date_from=2030-09-03").json()["results"] == []
    bad = client.get(url + "?date_from=tomorrow")
    assert bad.status_code == 400 and "date_from" in bad.json()


def test_api_add_double_booking_is_409_and_writes_nothing(client, staffed):
    client = _login(client, staffed["users"]["scheduler"])
    url = reverse("patrol_api:roster-assignment-list", kwargs={"term_id": staffed["term"].pk})
    before = DutyAssignment.objects.count()
    response = client.post(
        url,
        {"shift": staffed["shift_b"].pk, "staff": staffed["li"].pk, "role": "police"},
        content_type="application/json",
    )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "assignment_conflict"
    assert body["detail"] == "Li Wei is already on duty at Hope Primary, North gate (Crossing) 2030-09-02 07:20–08:00."
    assert DutyAssignment.objects.count() == before


def test_api_swap_flow_and_bad_inputs(client, staffed):
    officer = _login(client, staffed["users"]["officer"])
    swaps = reverse("patrol_api:roster-swap-list")
    # Someone else's duty.
    response = officer.post(
        swaps, {"assignment": staffed["b_zhang"].pk, "to_staff": staffed["li"].pk}, content_type="application/json"
    )
    assert response.status_code == 403 and "not yours" in response.json()["detail"]
    assert SwapRequest.objects.count() == 0
    response = officer.post(
        swaps, {"assignment": staffed["a_li"].pk, "to_staff": staffed["zhang"].pk}, content_type="application/json"
    )
    assert response.status_code == 409 and "Zhang Min is already on duty at River Middle" in response.json()["detail"]
    assert SwapRequest.objects.count() == 0

    staffed["b_zhang"].delete()
    response = officer.post(
        swaps, {"assignment": staffed["a_li"].pk, "to_staff": staffed["zhang"].pk}, content_type="application/json"
    )
    assert response.status_code == 201
    swap_id = response.json()["id"]
    # The conflict appears before the scheduler decides: accepting is refused and nothing changes.
    DutyAssignmentFactory(shift=staffed["shift_b"], staff=staffed["zhang"], role="police")
    scheduler = _login(client.__class__(), staffed["users"]["scheduler"])
    accept = reverse("patrol_api:roster-swap-accept", kwargs={"pk": swap_id})
    response = scheduler.post(accept, content_type="application/json")
    assert response.status_code == 409
    assert DutyAssignment.objects.get(pk=staffed["a_li"].pk).staff_id == staffed["li"].pk
    assert SwapRequest.objects.get(pk=swap_id).status == "pending"
    cancel = reverse("patrol_api:roster-swap-cancel", kwargs={"pk": swap_id})
    assert officer.post(cancel, content_type="application/json").json()["status"] == "cancelled"


def test_api_publish(client, staffed):
    client = _login(client, staffed["users"]["scheduler"])
    url = reverse("patrol_api:roster-publish", kwargs={"term_id": staffed["term"].pk})
    assert client.post(url, content_type="application/json").json()["version"] == 1
    assert client.post(url, content_type="application/json").json()["version"] == 2
    assert not DutyAssignment.objects.filter(published=False).exists()
