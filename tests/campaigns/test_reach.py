"""The reach model: full loops only, the crowd share, repeat visitors, and broadcast seconds from a track."""

from __future__ import annotations

import datetime as dt

import pytest
from shapely import geometry as shp

from campaigns.reach import (
    MAX_TRACK_GAP_S,
    ReachParameters,
    TrackSample,
    broadcast_seconds,
    crowd_share,
    full_loops_s,
    occurrence_reach,
    place_reach,
)


def test_only_full_loops_count():
    assert full_loops_s(299.0, 150.0) == 150.0
    assert full_loops_s(300.0, 150.0) == 300.0
    assert full_loops_s(149.9, 150.0) == 0.0
    assert full_loops_s(float("nan"), 150.0) == 0.0
    assert full_loops_s(100.0, 0.0) == 0.0


def test_crowd_share_grows_with_broadcast_time_and_is_capped():
    short = crowd_share(covered_s=300, window_s=4 * 3600, dwell_s=45 * 60, cap=0.8)
    longer = crowd_share(covered_s=1800, window_s=4 * 3600, dwell_s=45 * 60, cap=0.8)
    assert 0 < short < longer < 0.8
    assert crowd_share(covered_s=4 * 3600, window_s=4 * 3600, dwell_s=45 * 60, cap=0.8) == 0.8
    assert crowd_share(covered_s=0, window_s=3600, dwell_s=600, cap=0.8) == 0.0


def test_a_visit_without_a_full_loop_reaches_nobody():
    kwargs = dict(expected_crowd=3000, loop_s=150.0, window_s=4 * 3600, dwell_s=45 * 60, cap=0.8)
    assert occurrence_reach(broadcast_s=140.0, **kwargs) == 0
    # Two loops: (300 + 2700) / 14400 of 3000 people.
    assert occurrence_reach(broadcast_s=300.0, **kwargs) == int(3000 * (300 + 2700) / 14400)


def test_repeat_visits_add_less():
    assert place_reach([], repeat_share=0.6) == 0
    assert place_reach([1000], repeat_share=0.6) == 1000
    assert place_reach([1000, 1000, 1000], repeat_share=0.6) == 1000 + int(0.4 * 2000)


def test_parameters_come_from_settings(settings):
    settings.CAMPAIGN_REACH = {"cap": 0.5, "repeat_share_market": "0.7", "unknown": 3}
    params = ReachParameters.from_settings()
    assert (params.cap, params.repeat_share_market, params.dwell_school_s) == (0.5, 0.7, 600.0)


T0 = dt.datetime(2026, 12, 7, 8, 0, tzinfo=dt.UTC)
AREA = shp.box(118.0, 36.0, 118.01, 36.01)


def _track(points):
    return [TrackSample(T0 + dt.timedelta(seconds=s), lat, lon, on) for s, lat, lon, on in points]


def test_broadcast_counts_seconds_inside_with_the_speaker_on():
    inside, outside = (36.005, 118.005), (36.02, 118.005)
    track = _track(
        [
            (0, *outside, True),  # outside: not counted
            (1, *inside, True),
            (2, *inside, True),
            (3, *inside, True),
            (4, *inside, False),  # speaker off from here
            (5, *inside, False),
            (6, *inside, True),
            (7, *inside, True),
        ]
    )
    assert broadcast_seconds(track, AREA) == 3.0


def test_a_long_gap_in_the_track_is_not_counted():
    inside = (36.005, 118.005)
    track = _track([(0, *inside, True), (MAX_TRACK_GAP_S + 60, *inside, True), (MAX_TRACK_GAP_S + 61, *inside, True)])
    assert broadcast_seconds(track, AREA) == 1.0


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_impossible_positions_are_skipped(bad):
    inside = (36.005, 118.005)
    track = _track([(0, *inside, True), (1, bad, 118.005, True), (2, *inside, True), (3, *inside, True)])
    assert broadcast_seconds(track, AREA) == 1.0
    assert broadcast_seconds(track, None) == 0.0
