"""What ended a flight: the outcome recorded from the mission's reports and the operators' commands."""

from __future__ import annotations

import asyncio
import json

import pytest
from django.utils import timezone

from common.roles import Role
from drones.mavlink.messaging import FailsafeNamer
from drones.missions.api import FlightSerializer
from drones.missions.flightlog import export_geojson, flight_outcome
from drones.missions.flights import flight_note_operator_command, flight_report_apply
from drones.models import Drone, Flight, TrackPoint
from tests.factories import make_user

pytestmark = pytest.mark.django_db

# Home, take-off, a waypoint, a speed change, a waypoint, RTL (as ``Flight.items`` stores them).
ITEMS = [
    [16, 0, 36.185, 118.17, 0, 0, 0, 0, 0, 1],
    [22, 3, 0, 0, 15, 0, 0, 0, 0, 1],
    [16, 3, 36.1854, 118.17, 15, 0, 0, 0, 0, 1],
    [178, 2, 0, 0, 0, 1, 4, -1, 0, 1],
    [16, 3, 36.1854, 118.1705, 15, 0, 0, 0, 0, 1],
    [20, 0, 0, 0, 0, 0, 0, 0, 0, 1],
]


@pytest.fixture
def pilot():
    return make_user(Role.DRONE_OPERATOR, username="pilot1")


@pytest.fixture
def flight(pilot):
    drone = Drone.objects.create(name="D1", serial="S1", connection="tcp:127.0.0.1:1")
    return Flight.objects.create(drone=drone, pilot=pilot, status=Flight.Status.PREFLIGHT, items=ITEMS)


def report(flight: Flight, kind: str, **data) -> Flight:
    flight_report_apply(flight_id=flight.pk, kind=kind, data=data)
    flight.refresh_from_db()
    return flight


def take_off(flight: Flight) -> Flight:
    report(flight, "step", step="upload mission", items=len(ITEMS))
    return report(flight, "started", seq=1)


def landed(flight: Flight, *, completed: bool, reached: list[int], mode: str = "AUTO") -> Flight:
    return report(
        flight, "landed", reached=reached, completed=completed, mode=mode, highest_seq=max(reached), last_item=5
    )


def test_a_mission_flown_to_the_end_is_completed(flight):
    take_off(flight)
    report(flight, "progress", seq=4, reached=[1, 2], speaker=False, mode="AUTO", eta_s=10, remaining_m=80)
    flight = landed(flight, completed=True, reached=[1, 2, 4, 5])
    assert flight.status == Flight.Status.COMPLETED and flight.outcome == Flight.Outcome.COMPLETED
    assert flight.reached_items == [1, 2, 4, 5] and flight.ended_at is not None
    assert "every mission item flown" in flight.outcome_detail


def test_a_fence_breach_that_sent_the_drone_home_is_the_outcome_not_an_operator_abort(flight, pilot):
    take_off(flight)
    report(flight, "interrupted", cause="fence", text="Circle fence breached")
    # The operator, seeing it return, presses abort too: the fence still ended the flight.
    flight_note_operator_command(flight_id=flight.pk, command="abort", actor=pilot)
    flight = landed(flight, completed=False, reached=[1, 2], mode="RTL")
    assert flight.status == Flight.Status.ABORTED
    assert flight.outcome == Flight.Outcome.FENCE and flight.outcome_detail == "Circle fence breached"


def test_an_operator_abort_names_the_operator(flight, pilot):
    take_off(flight)
    flight_note_operator_command(flight_id=flight.pk, command="pause", actor=pilot)
    assert Flight.objects.get(pk=flight.pk).outcome == ""  # a pause ends nothing
    flight_note_operator_command(flight_id=flight.pk, command="abort", actor=pilot)
    flight = landed(flight, completed=False, reached=[1], mode="RTL")
    assert flight.outcome == Flight.Outcome.ABORTED and flight.status == Flight.Status.ABORTED
    assert "pilot1" in flight.outcome_detail and "abort" in flight.outcome_detail


def test_a_gcs_failsafe_after_a_link_loss_is_the_gcs_failsafe(flight):
    take_off(flight)
    report(flight, "interrupted", cause="link_lost", text="No heartbeat for 3.1 s")
    assert flight.outcome == Flight.Outcome.LINK_LOST
    report(flight, "interrupted", cause="gcs_failsafe", text="Failsafe: GCS Failsafe")
    report(flight, "interrupted", cause="battery_failsafe", text="Failsafe: Battery Failsafe")  # later: not it
    flight = landed(flight, completed=False, reached=[1, 2], mode="RTL")
    assert flight.outcome == Flight.Outcome.GCS_FAILSAFE
    assert flight.outcome_detail == "Failsafe: GCS Failsafe (after a link loss)"


def test_a_battery_failsafe_is_the_outcome(flight):
    take_off(flight)
    flight = report(flight, "interrupted", cause="battery_failsafe", text="Failsafe: Battery Failsafe")
    assert flight.outcome == Flight.Outcome.BATTERY_FAILSAFE
    flight = landed(flight, completed=False, reached=[1], mode="LAND")
    assert flight.outcome == Flight.Outcome.BATTERY_FAILSAFE and flight.status == Flight.Status.ABORTED


def test_a_link_loss_the_mission_survived_still_completes_and_keeps_the_note(flight):
    take_off(flight)
    report(flight, "interrupted", cause="link_lost", text="No heartbeat for 3.4 s")
    flight = landed(flight, completed=True, reached=[1, 2, 4, 5])
    assert flight.outcome == Flight.Outcome.COMPLETED and "No heartbeat for 3.4 s" in flight.outcome_detail


def test_landing_early_with_no_known_cause_says_where(flight):
    take_off(flight)
    flight = landed(flight, completed=False, reached=[1, 2], mode="LAND")
    assert flight.outcome == Flight.Outcome.LANDED_EARLY and "item 2 of 5" in flight.outcome_detail


def test_a_flight_that_fails_to_start_is_failed(flight):
    report(flight, "step", step="upload mission", items=6)
    flight = report(flight, "failed", step="verify mission", error="mission read back differs", code="x")
    assert flight.status == Flight.Status.FAILED and flight.outcome == Flight.Outcome.FAILED
    assert flight.outcome_detail == "verify mission: mission read back differs"


def test_causes_reported_outside_a_flight_change_nothing(flight, pilot):
    report(flight, "interrupted", cause="fence", text="Circle fence breached")  # still in preflight
    flight_note_operator_command(flight_id=flight.pk, command="abort", actor=pilot)
    assert Flight.objects.get(pk=flight.pk).outcome == ""


def test_a_report_without_the_judgement_falls_back_to_every_navigation_item(flight):
    take_off(flight)
    flight = report(flight, "landed", reached=[1, 2, 4, 5])
    assert flight.outcome == Flight.Outcome.COMPLETED


def test_the_outcome_is_in_the_flight_json_the_log_and_the_geojson_export(flight, pilot):
    take_off(flight)
    TrackPoint.objects.create(drone=flight.drone, at=timezone.now(), lat=36.185, lon=118.17, alt_rel_m=10, armed=True)
    report(flight, "interrupted", cause="fence", text="Circle fence breached")
    flight = landed(flight, completed=False, reached=[1], mode="RTL")
    data = FlightSerializer(flight).data
    assert data["outcome"] == "fence" and data["outcome_detail"] == "Circle fence breached"
    summary = flight_outcome(flight)
    assert summary == {
        "status": "aborted",
        "outcome": "fence",
        "outcome_label": "Geofence breach",
        "outcome_detail": "Circle fence breached",
        "reached_items": [1],
    }
    track = json.loads(export_geojson(flight))["features"][0]["properties"]
    assert track["kind"] == "track" and track["outcome"] == "fence"


# --- naming a failsafe whose own text was lost with the link (FailsafeNamer) --------------------


class NamerScript:
    """A ``FailsafeNamer`` fed scripted heartbeats and texts, keeping what it emits."""

    def __init__(self) -> None:
        self.mode = "AUTO"
        self.events = []
        self.namer = FailsafeNamer(self.events.append, lambda: self.mode, window_s=0.3)

    def heartbeat(self, *, critical: bool, mode: str) -> None:
        self.mode = mode
        self.namer.on_state(critical, mode)

    def text(self, text: str) -> None:
        self.namer.on_text(text)

    def emitted(self) -> list[tuple[str, dict]]:
        return [(e.text, e.data) for e in self.events]


@pytest.mark.asyncio(loop_scope="function")
async def test_a_critical_state_whose_text_was_lost_is_named_by_its_cleared_text():
    script = NamerScript()
    script.heartbeat(critical=False, mode="AUTO")
    # The link is back: the first heartbeat is CRITICAL in RTL ("GCS Failsafe" was sent while it was down) ...
    script.heartbeat(critical=True, mode="RTL")
    # ... then the vehicle hears the ground station again and clears the failsafe.
    script.text("GCS Failsafe Cleared")
    script.heartbeat(critical=False, mode="RTL")
    await asyncio.sleep(0.5)  # past the window: nothing more comes ("vehicle state CRITICAL" would)
    [(text, data)] = script.emitted()
    assert data == {"mode": "RTL", "failsafe": "gcs", "named_by": "GCS Failsafe Cleared"}
    assert text.startswith("Failsafe: GCS Failsafe") and "GCS Failsafe Cleared" in text


@pytest.mark.asyncio(loop_scope="function")
async def test_a_cleared_text_after_its_named_failsafe_is_not_a_second_one():
    script = NamerScript()
    script.heartbeat(critical=False, mode="AUTO")
    script.heartbeat(critical=True, mode="RTL")
    script.text("GCS Failsafe")
    script.text("GCS Failsafe Cleared")
    script.heartbeat(critical=False, mode="RTL")
    await asyncio.sleep(0.5)
    assert script.emitted() == [("Failsafe: GCS Failsafe", {"mode": "RTL", "failsafe": "gcs"})]


@pytest.mark.asyncio(loop_scope="function")
async def test_a_critical_state_with_no_text_at_all_is_still_reported_unnamed():
    script = NamerScript()
    script.heartbeat(critical=False, mode="AUTO")
    script.heartbeat(critical=True, mode="LAND")
    await asyncio.sleep(0.5)
    assert script.emitted() == [("Failsafe: vehicle state CRITICAL", {"mode": "LAND", "failsafe": "unknown"})]


def test_a_gcs_failsafe_named_by_its_cleared_text_during_a_link_loss_is_the_outcome(flight):
    take_off(flight)
    report(flight, "interrupted", cause="link_lost", text="No heartbeat for 3.1 s")
    detail = "GCS Failsafe: its text was lost with the link; “GCS Failsafe Cleared” came once it was back"
    report(flight, "interrupted", cause="gcs_failsafe", text=detail)
    flight = landed(flight, completed=False, reached=[1], mode="RTL")
    assert flight.outcome == Flight.Outcome.GCS_FAILSAFE
    assert flight.outcome_detail == f"{detail} (after a link loss)"
