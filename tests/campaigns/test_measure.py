"""Measuring a flown sortie from its flight's own track: inside the crowd area with the loudspeaker on,
gaps, impossible values; the signal path from a landed flight; the command; idempotence and audit."""

from __future__ import annotations

import datetime as dt
import io
import math

import pytest
from django.core.management import call_command

from campaigns.models import Occurrence, Sortie
from campaigns.reach import TrackSample
from campaigns.reporting.services import (
    MeasureError,
    campaign_measure,
    measure,
    sortie_measure,
    track_samples,
)
from common.errors import NotAllowed
from common.models import AuditLogEntry
from common.roles import SYSTEM, Role
from drones.missions.flights import flight_report_apply
from drones.models import Flight
from tests.campaigns import builders
from tests.campaigns.reach_world import OFF_STREET, ON_STREET, campaign_with_market, flight, occurrence, track
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    campaign, market = campaign_with_market()  # playlist: one clip of 75 s
    occ = occurrence(campaign, market, 7)
    sortie = builders.sortie(occ)
    return {"campaign": campaign, "market": market, "occurrence": occ, "sortie": sortie}


def _minutes_on_street(sortie, seconds: int, *, outside_every: int = 0):
    rows = []
    for s in range(seconds + 1):
        at = OFF_STREET if outside_every and s % outside_every == 0 else ON_STREET
        rows.append((s, at, True))
    return rows


def test_counts_only_seconds_inside_the_area_with_the_loudspeaker_on(world):
    sortie = world["sortie"]
    flight(sortie)
    start = sortie.start
    # 60 s outside with the speaker on, 300 s on the street with it on, 120 s on the street with it off.
    rows = [(s, OFF_STREET, True) for s in range(60)]
    rows += [(60 + s, ON_STREET, True) for s in range(301)]
    rows += [(361 + s, ON_STREET, False) for s in range(120)]
    track(sortie.drone, start, rows)
    sortie, changed = sortie_measure(sortie=sortie, actor=SYSTEM)
    assert changed and sortie.broadcast_s == 300.0
    # 4 full loops of 75 s = 300 s; share (300 + 2700) / 14400 of 3000 people.
    assert sortie.reach == int(3000 * (300 + 2700) / 14400)
    assert sortie.status == "flown"
    assert Occurrence.objects.get(pk=world["occurrence"].pk).status == "flown"


def test_points_outside_the_flight_or_of_another_drone_do_not_count(world):
    sortie = world["sortie"]
    flight(sortie, minutes=5)
    before = sortie.start - dt.timedelta(minutes=10)
    track(sortie.drone, before, [(s, ON_STREET, True) for s in range(300)])  # before take-off
    other = builders.drone("另一架")
    track(other, sortie.start, [(s, ON_STREET, True) for s in range(300)])
    sortie, _changed = sortie_measure(sortie=sortie, actor=SYSTEM)
    assert sortie.broadcast_s == 0.0 and sortie.reach == 0
    assert sortie.status == "flown"  # it flew, it reached nobody


def test_a_gap_in_the_track_longer_than_five_seconds_is_not_broadcast(world):
    sortie = world["sortie"]
    flight(sortie)
    rows = [(s, ON_STREET, True) for s in range(0, 101)]  # 100 s
    rows += [(s, ON_STREET, True) for s in range(160, 261)]  # a 59 s gap, then 100 s
    track(sortie.drone, sortie.start, rows)
    sortie, _changed = sortie_measure(sortie=sortie, actor=SYSTEM)
    assert sortie.broadcast_s == 200.0


def test_impossible_values_from_the_vehicle_are_skipped_never_stored():
    start = dt.datetime(2026, 12, 7, 0, 0, tzinfo=dt.UTC)
    rows = [(start + dt.timedelta(seconds=s), *ON_STREET, True) for s in range(11)]
    rows[5] = (rows[5][0], float("nan"), None, True)
    rows[6] = (rows[6][0], "x", math.inf, None)
    samples = track_samples(rows)
    assert all(isinstance(s, TrackSample) for s in samples)
    assert math.isnan(samples[5].lat) and math.isnan(samples[5].lon) and math.isnan(samples[6].lat)


def test_measure_with_nan_points_and_unknown_speaker_stays_finite(world):
    sortie = world["sortie"]
    start = sortie.start
    rows = [(start + dt.timedelta(seconds=s), *ON_STREET, True) for s in range(200)]
    rows[100] = (rows[100][0], float("nan"), float("nan"), True)
    rows[150] = (rows[150][0], *ON_STREET, None)  # the speaker state unknown: not on
    result = measure(sortie, track_samples(rows))
    assert math.isfinite(result.broadcast_s) and result.broadcast_s == 199 - 4
    assert result.reach >= 0


def test_measuring_again_changes_nothing_and_audits_once(world):
    sortie = world["sortie"]
    flight(sortie)
    track(sortie.drone, sortie.start, [(s, ON_STREET, True) for s in range(200)])
    sortie_measure(sortie=sortie, actor=SYSTEM)
    _sortie, changed = sortie_measure(sortie=sortie, actor=SYSTEM)
    result = campaign_measure(campaign=world["campaign"], actor=SYSTEM)
    assert not changed and (result.measured, result.changed) == (1, 0)
    assert AuditLogEntry.objects.filter(action="sortie.measure").count() == 1
    assert not AuditLogEntry.objects.filter(action="campaign.measure").exists()


def test_a_sortie_without_an_ended_flight_is_refused_with_the_reason(world):
    sortie = world["sortie"]
    with pytest.raises(MeasureError, match="has no flight"):
        sortie_measure(sortie=sortie, actor=SYSTEM)
    f = flight(sortie, status="flying")
    with pytest.raises(MeasureError, match="has not ended"):
        sortie_measure(sortie=sortie, actor=SYSTEM)
    Flight.objects.filter(pk=f.pk).update(status="failed", started_at=None)
    with pytest.raises(MeasureError, match="never took off"):
        sortie_measure(sortie=sortie, actor=SYSTEM)
    sortie.refresh_from_db()
    assert sortie.status == "scheduled" and sortie.broadcast_s is None
    assert not AuditLogEntry.objects.filter(action="sortie.measure").exists()


def test_only_planners_measure(world):
    publicity = make_user(Role.PUBLICITY_OFFICER, username="pub")
    with pytest.raises(NotAllowed):
        campaign_measure(campaign=world["campaign"], actor=publicity)


def _flying(sortie) -> Flight:
    f = Flight.objects.create(
        drone=sortie.drone, pilot=sortie.pilot.user, status="flying", started_at=sortie.start, items=[]
    )
    Sortie.objects.filter(pk=sortie.pk).update(flight=f)
    return f


def test_a_flight_that_lands_gets_its_sortie_measured(world, django_capture_on_commit_callbacks, monkeypatch):
    from django.utils import timezone

    sortie = world["sortie"]
    f = _flying(sortie)
    track(sortie.drone, sortie.start, [(s, ON_STREET, True) for s in range(301)])
    monkeypatch.setattr(timezone, "now", lambda: sortie.start + dt.timedelta(minutes=6))
    with django_capture_on_commit_callbacks(execute=True):
        flight_report_apply(flight_id=f.pk, kind="landed", data={"completed": True})
    sortie.refresh_from_db()
    assert sortie.status == "flown" and sortie.broadcast_s == 300.0 and sortie.reach > 0
    entry = AuditLogEntry.objects.get(action="sortie.measure")
    assert entry.after["flight"] == f.pk


def test_a_flight_that_fails_before_take_off_leaves_the_sortie_planned(world, django_capture_on_commit_callbacks):
    sortie = world["sortie"]
    f = _flying(sortie)
    Flight.objects.filter(pk=f.pk).update(status="starting", started_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        flight_report_apply(flight_id=f.pk, kind="failed", data={"step": "upload", "error": "timeout"})
    sortie.refresh_from_db()
    assert sortie.status == "scheduled" and sortie.reach is None


def test_a_landing_of_a_flight_without_a_sortie_is_ignored(world, django_capture_on_commit_callbacks):
    sortie = world["sortie"]
    f = Flight.objects.create(drone=sortie.drone, pilot=sortie.pilot.user, status="flying", started_at=sortie.start)
    with django_capture_on_commit_callbacks(execute=True):
        flight_report_apply(flight_id=f.pk, kind="landed", data={"completed": True})
    assert Flight.objects.get(pk=f.pk).status == "completed"
    assert not AuditLogEntry.objects.filter(action="sortie.measure").exists()


def test_the_command_measures_a_campaign_again(world):
    sortie = world["sortie"]
    flight(sortie)
    track(sortie.drone, sortie.start, [(s, ON_STREET, True) for s in range(151)])
    out = io.StringIO()
    call_command("measure_sorties", str(world["campaign"].pk), stdout=out)
    assert "1 flown sorties measured, 1 changed" in out.getvalue()
    out = io.StringIO()
    call_command("measure_sorties", world["campaign"].name, stdout=out)
    assert "1 flown sorties measured, 0 changed" in out.getvalue()
    sortie.refresh_from_db()
    assert sortie.broadcast_s == 150.0
