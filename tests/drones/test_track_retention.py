"""Track points: once a minute when parked, every second otherwise; kept for the retention, flights for good."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from common.models import AuditLogEntry
from common.roles import Role
from drones.bridge.runner import Bridge
from drones.bridge.tracking import StoredPoint, keep_track_point
from drones.models import Drone, Flight, Mission, TrackPoint
from drones.tracks import track_points_purge, track_purge_job
from drones.vehicle import Telemetry
from tests.factories import make_user

LAT, LON = 36.185, 118.17


def keep(previous, *, at_s=100.0, lat=LAT, lon=LON, armed=False, speed=0.0, period=60.0):
    return keep_track_point(
        previous, at_s=at_s, lat=lat, lon=lon, armed=armed, groundspeed_mps=speed, parked_period_s=period
    )


PARKED = StoredPoint(at_s=100.0, lat=LAT, lon=LON, armed=False)


def test_a_parked_drone_is_stored_once_a_period():
    assert keep(None)
    assert not keep(PARKED, at_s=101.0) and not keep(PARKED, at_s=159.0)
    assert keep(PARKED, at_s=160.0)


@pytest.mark.parametrize(
    "change",
    [
        {"armed": True},  # motors on: every second, so a flight's log has full resolution
        {"speed": 1.2},  # pushed along or carried
        {"lat": LAT + 0.0001},  # ~11 m away
    ],
)
def test_anything_but_parked_keeps_every_second(change):
    assert keep(PARKED, at_s=101.0, **change)


def test_the_first_point_after_disarming_is_kept_and_zero_turns_it_off():
    was_armed = StoredPoint(at_s=100.0, lat=LAT, lon=LON, armed=True)
    assert keep(was_armed, at_s=101.0)
    assert keep(PARKED, at_s=101.0, period=0.0)


def test_the_bridge_records_a_parked_drone_once_a_period():
    bridge = Bridge(persist=False, track_parked_s=60.0, vehicle_factory=lambda *a, **k: None)
    state = Telemetry(time_s=0.0, lat=LAT, lon=LON, armed=False, groundspeed_mps=0.0)
    start = dt.datetime(2026, 12, 7, 8, 0, tzinfo=dt.UTC)
    kept = [bridge._keep(1, start + dt.timedelta(seconds=s), state) for s in range(0, 130)]
    assert kept.count(True) == 3  # at 0 s, 60 s and 120 s
    flying = Telemetry(time_s=0.0, lat=LAT, lon=LON, armed=True, groundspeed_mps=5.0)
    assert all(bridge._keep(1, start + dt.timedelta(seconds=200 + s), flying) for s in range(10))


@pytest.fixture
def drone(db):
    return Drone.objects.create(name="D1", serial="S1", connection="tcp:127.0.0.1:5760")


def _points(drone, first: dt.datetime, count: int) -> None:
    TrackPoint.objects.bulk_create(
        TrackPoint(drone=drone, at=first + dt.timedelta(seconds=s), lat=LAT, lon=LON) for s in range(count)
    )


def test_old_points_go_and_a_flights_points_stay(drone):
    now = timezone.now()
    old = now - dt.timedelta(days=100)
    _points(drone, old, 60)  # parked, long ago
    _points(drone, old + dt.timedelta(hours=1), 30)  # a flight, long ago
    _points(drone, now - dt.timedelta(days=1), 10)  # recent
    mission = Mission.objects.create(name="M", drone=drone, waypoints=[])
    Flight.objects.create(
        mission=mission,
        drone=drone,
        pilot=make_user(Role.DRONE_OPERATOR),
        started_at=old + dt.timedelta(hours=1),
        ended_at=old + dt.timedelta(hours=1, seconds=29),
        status=Flight.Status.COMPLETED,
    )
    assert track_points_purge(retention_days=90, now=now, dry_run=True) == 60
    assert TrackPoint.objects.count() == 100
    assert track_points_purge(retention_days=90, now=now) == 60
    assert TrackPoint.objects.count() == 40
    entry = AuditLogEntry.objects.get(action="drone.track_purge")
    assert entry.after["deleted"] == 60 and entry.after["retention_days"] == 90
    assert track_points_purge(retention_days=90, now=now) == 0  # nothing left to delete: no second entry
    assert AuditLogEntry.objects.filter(action="drone.track_purge").count() == 1
    assert track_points_purge(retention_days=0, now=now) == 0


def test_the_command_and_the_job(drone, settings):
    _points(drone, timezone.now() - dt.timedelta(days=10), 5)
    out = io.StringIO()
    call_command("purge_track_points", "--days", "7", "--dry-run", stdout=out)
    assert "5 track point(s) older than 7 days and outside flights would be deleted" in out.getvalue()
    call_command("purge_track_points", "--days", "7", stdout=io.StringIO())
    assert not TrackPoint.objects.exists()
    settings.DRONE_TRACK_PURGE_INTERVAL_S = 0
    assert track_purge_job() is None
    settings.DRONE_TRACK_PURGE_INTERVAL_S, settings.DRONE_TRACK_RETENTION_DAYS = 86400, 0
    assert track_purge_job() is None
    settings.DRONE_TRACK_RETENTION_DAYS = 90
    job = track_purge_job()
    assert job is not None
    job.close()
