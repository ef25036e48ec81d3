""" "Fly this sortie" from the day sheet, and the preflight item that reads the sortie's flight application.

A real Flight is opened from a Sortie (``drones.missions.flights.flight_create`` through ``sortie_fly``), then
the real ``flight_preflight`` runs with the bridge replaced by a stand-in (no vehicle in these tests)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns.models import FlightApplication, Sortie
from campaigns.sheets import services
from common.errors import Conflict, DomainError, NotAllowed
from common.models import AuditLogEntry
from drones.missions import flights
from drones.missions.preflight import preflight_registered_items
from drones.models import ControlLock, Flight
from tests.campaigns import builders
from tests.campaigns.matrix_sheets import ready_mission, sortie_on

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def fleet():
    drone = builders.drone("喊话一号")
    pilot = builders.pilot("pilot-li")
    now = timezone.now()
    ControlLock.objects.create(drone=drone, holder=pilot.user, acquired_at=now, renewed_at=now)
    return {"drone": drone, "pilot": pilot, "other": builders.pilot("pilot-wang")}


@pytest.fixture
def no_bridge(monkeypatch):
    """The bridge answers with no telemetry and no parameters (the checklist's other items fail; ours is read)."""
    monkeypatch.setattr(flights, "_bridge", lambda drone, command, args, timeout_s=None: {"result": {"params": {}}})


def today_sortie(fleet, **kwargs) -> Sortie:
    kwargs.setdefault("application", "approved")
    kwargs.setdefault("reference", "民航审-2026-31")
    return sortie_on(timezone.localdate(), pilot=fleet["pilot"], drone=fleet["drone"], **kwargs)


def test_the_pilot_flies_todays_approved_sortie_in_one_click(client, fleet):
    sortie = today_sortie(fleet)
    client.force_login(fleet["pilot"].user)
    response = client.post(reverse("campaigns:sheet-fly", args=[sortie.pk]), **EN)
    sortie.refresh_from_db()
    flight = sortie.flight
    assert flight is not None and flight.mission_id == sortie.mission_id and flight.pilot == fleet["pilot"].user
    assert flight.status == "preflight" and flight.approval_ref == "民航审-2026-31"
    assert response.status_code == 302 and response["Location"] == reverse("drones:flight_detail", args=[flight.pk])
    assert AuditLogEntry.objects.filter(action="campaigns.sortie.fly", object_id=str(sortie.pk)).exists()
    # A second click goes back to the same flight while it is in preflight.
    again = client.post(reverse("campaigns:sheet-fly", args=[sortie.pk]))
    assert again["Location"] == response["Location"] and Flight.objects.count() == 1


def test_the_api_answers_201_with_the_flight(client, fleet):
    sortie = today_sortie(fleet)
    client.force_login(fleet["pilot"].user)
    response = client.post(reverse("campaigns_api:sheet-fly", args=[sortie.pk]), content_type="application/json")
    assert response.status_code == 201
    body = response.json()
    assert body["url"] == reverse("drones:flight_detail", args=[body["flight"]])
    assert body["approval_ref"] == "民航审-2026-31"


@pytest.mark.parametrize(
    ("setup", "code", "words"),
    [
        ({"application": "draft"}, "application_not_approved", "has not been submitted"),
        ({"application": "submitted"}, "application_not_approved", "not approved yet"),
        ({"application": "refused", "note": "空域关闭"}, "application_not_approved", "was refused: 空域关闭"),
        ({"status": "cancelled"}, "sortie_cancelled", "is cancelled"),
        ({"status": "flown"}, "already_flown", "already been flown"),
    ],
)
def test_refusals_say_why_and_open_no_flight(fleet, setup, code, words):
    sortie = today_sortie(fleet, **setup)
    if setup.get("application") != "approved" and "application" in setup:
        FlightApplication.objects.filter(sortie=sortie).update(reference="")
    with pytest.raises(DomainError) as caught:
        services.sortie_fly(sortie=sortie, actor=fleet["pilot"].user)
    assert caught.value.code == code and words in caught.value.message
    assert not Flight.objects.exists()
    entry = AuditLogEntry.objects.get(action="campaigns.sortie.fly.refused")
    assert entry.after["code"] == code


def test_a_sortie_whose_playlist_changed_since_approval_is_refused(fleet):
    """Only what the publicity office approved is broadcast: an edited clip goes back to draft."""
    from campaigns.models import Clip

    sortie = today_sortie(fleet)
    clip = sortie.occurrence.campaign.playlist.items.first().clip
    Clip.objects.filter(pk=clip.pk).update(status=Clip.Status.DRAFT)
    with pytest.raises(DomainError) as caught:
        services.sortie_fly(sortie=sortie, actor=fleet["pilot"].user)
    assert caught.value.code == "playlist_not_approved" and clip.title in caught.value.message
    assert not Flight.objects.exists()


def test_a_sortie_of_another_day_is_refused(fleet):
    sortie = sortie_on(timezone.localdate() + dt.timedelta(days=1), pilot=fleet["pilot"], drone=fleet["drone"],
                       application="approved", reference="R")  # fmt: skip
    with pytest.raises(DomainError, match="not today") as caught:
        services.sortie_fly(sortie=sortie, actor=fleet["pilot"].user)
    assert caught.value.code == "not_today" and not Flight.objects.exists()


def test_another_pilots_sortie_is_refused(fleet):
    sortie = sortie_on(timezone.localdate(), pilot=fleet["other"], drone=fleet["drone"], application="approved",
                       reference="R")  # fmt: skip
    with pytest.raises(NotAllowed, match="not to you"):
        services.sortie_fly(sortie=sortie, actor=fleet["pilot"].user)


def test_a_sortie_already_flown_is_refused(fleet):
    sortie = today_sortie(fleet)
    flight = services.sortie_fly(sortie=sortie, actor=fleet["pilot"].user)
    Flight.objects.filter(pk=flight.pk).update(status="completed")
    sortie.refresh_from_db()
    with pytest.raises(Conflict, match="already been flown"):
        services.sortie_fly(sortie=sortie, actor=fleet["pilot"].user)


def test_a_cancelled_flight_may_be_opened_again(fleet):
    sortie = today_sortie(fleet)
    first = services.sortie_fly(sortie=sortie, actor=fleet["pilot"].user)
    Flight.objects.filter(pk=first.pk).update(status="cancelled")
    sortie.refresh_from_db()
    second = services.sortie_fly(sortie=sortie, actor=fleet["pilot"].user)
    sortie.refresh_from_db()
    assert second.pk != first.pk and sortie.flight_id == second.pk


def test_without_control_of_the_drone_drones_refuses_and_nothing_is_linked(fleet):
    sortie = today_sortie(fleet)
    ControlLock.objects.all().delete()
    with pytest.raises(NotAllowed, match="Take control"):
        services.sortie_fly(sortie=sortie, actor=fleet["pilot"].user)
    sortie.refresh_from_db()
    assert sortie.flight_id is None and not Flight.objects.exists()


def test_the_page_shows_the_refusal_on_the_sheet(client, fleet):
    sortie = today_sortie(fleet, application="submitted")
    client.force_login(fleet["pilot"].user)
    response = client.post(reverse("campaigns:sheet-fly", args=[sortie.pk]), follow=True, **EN)
    assert response.redirect_chain[-1][0].startswith(reverse("campaigns:sheet-day"))
    assert "not approved yet" in response.content.decode()


# --- the preflight reads the application --------------------------------------------------------------


def _item(flight: Flight, key: str = "campaigns:application"):
    items = flights.flight_preflight(flight=flight, actor=flight.pilot, confirmed=True)
    found = [item for item in items if item.key == key]
    assert items[-1].key == "confirmed"  # registered items come before the operator's confirmation
    return found[0] if found else None


def test_an_approved_application_passes_and_fills_the_flights_reference(fleet, no_bridge):
    sortie = today_sortie(fleet)
    flight = services.sortie_fly(sortie=sortie, actor=fleet["pilot"].user)
    Flight.objects.filter(pk=flight.pk).update(approval_ref="")
    flight.refresh_from_db()
    item = _item(flight)
    assert item.ok and "民航审-2026-31" in item.detail
    flight.refresh_from_db()
    assert flight.approval_ref == "民航审-2026-31"
    approval = _item(flight, "approval")
    assert approval.ok


@pytest.mark.parametrize(
    ("status", "note", "words"),
    [
        ("draft", "", "not been submitted"),
        ("submitted", "", "not approved yet"),
        ("refused", "禁飞区", "refused: 禁飞区"),
    ],
)
def test_an_application_not_approved_fails_the_preflight_with_why(fleet, no_bridge, status, note, words):
    sortie = today_sortie(fleet)
    flight = services.sortie_fly(sortie=sortie, actor=fleet["pilot"].user)
    FlightApplication.objects.filter(sortie=sortie).update(status=status, reference="", note=note)
    item = _item(flight)
    assert not item.ok and words in item.detail


def test_a_sortie_without_an_application_row_fails_the_preflight(fleet, no_bridge):
    sortie = today_sortie(fleet)
    flight = services.sortie_fly(sortie=sortie, actor=fleet["pilot"].user)
    FlightApplication.objects.filter(sortie=sortie).delete()
    assert not _item(flight).ok


def test_a_flight_of_no_sortie_gets_no_item(fleet, no_bridge):
    mission = ready_mission(fleet["drone"], fleet["pilot"].user, name="普通任务")
    flight = flights.flight_create(mission=mission, actor=fleet["pilot"].user)
    assert _item(flight) is None
    assert all(item.key != "campaigns:application" for item in preflight_registered_items(flight))


def test_flight_start_is_refused_while_the_application_is_not_approved(fleet, no_bridge):
    sortie = today_sortie(fleet)
    flight = services.sortie_fly(sortie=sortie, actor=fleet["pilot"].user)
    FlightApplication.objects.filter(sortie=sortie).update(status="submitted", reference="")
    with pytest.raises(DomainError) as caught:
        flights.flight_start(flight=flight, actor=fleet["pilot"].user, confirmed=True)
    assert caught.value.code == "preflight_failed"
    assert any(d["key"] == "campaigns:application" for d in caught.value.details)
