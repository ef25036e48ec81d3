"""The snapshot's figures against the hand-made county of ``conftest.py`` (exact values, not just presence)."""

from __future__ import annotations

import datetime as dt

import pytest

from reports.figures import report_figures, target_met
from reports.models import Metric
from tests.reports.conftest import OCTOBER, local

NOW = local("2026-12-01 09:00")


@pytest.fixture
def county_snapshot(county):
    return report_figures(month=OCTOBER, station=None, now=NOW)


def test_incidents_by_category_school_hour_and_trend(county_snapshot):
    inc = county_snapshot["incidents"]
    assert inc["total"] == 4 and inc["previous_total"] == 1
    counts = {row["key"]: row["count"] for row in inc["by_category"] if row["count"]}
    assert counts == {"traffic": 2, "fight": 1, "theft": 1}
    assert [(row["label"], row["count"]) for row in inc["by_school"]] == [
        ("North primary A", 3),
        ("South primary C", 1),
    ]
    hours = {row["label"]: row["count"] for row in inc["by_hour"] if row["count"]}
    assert hours == {"07": 2, "16": 1, "11": 1}  # occurred five minutes before the report
    trend = county_snapshot["trend"]
    assert len(trend) == 12 and trend[0]["month"] == "2025-11" and trend[-1]["month"] == "2026-10"
    assert [row["count"] for row in trend[-3:]] == [2, 1, 4]


def test_response_time_percentiles(county_snapshot):
    ack = {row["key"]: row for row in county_snapshot["incidents"]["ack_times"]}
    assert (ack["all"]["measured"], ack["all"]["median_min"], ack["all"]["p90_min"]) == (4, 25.0, 37.0)


def test_station_report_keeps_to_its_station(county):
    snap = report_figures(month=OCTOBER, station=county["north"], now=NOW)
    assert snap["station"]["name"] == "North station"
    assert snap["incidents"]["total"] == 3
    ack = {row["key"]: row for row in snap["incidents"]["ack_times"]}
    assert (ack["all"]["median_min"], ack["all"]["p90_min"]) == (20.0, 28.0)
    assert [s["name"] for s in snap["hotspots"]["schools"]] == ["North primary A", "North middle B"]
    assert [s["count"] for s in snap["hotspots"]["schools"]] == [3, 0]
    assert snap["liaison"]["total"]["coverage_pct"] == 50.0
    assert [c["station"]["name"] for c in snap["scorecards"]] == ["North station"]


def test_liaison_coverage_per_station_and_county(county_snapshot):
    liaison = county_snapshot["liaison"]
    assert (liaison["total"]["schools"], liaison["total"]["covered"], liaison["total"]["coverage_pct"]) == (3, 2, 66.7)
    per_station = {row["station"]["name"]: row["coverage_pct"] for row in liaison["stations"]}
    assert per_station == {"North station": 50.0, "South station": 100.0}
    assert [s["name"] for s in liaison["uncovered"]] == ["North middle B"]


def test_gate_duty_planned_covered_checked_in_late_missed(county_snapshot):
    total = county_snapshot["duty"]["total"]
    assert (total["required"], total["covered"], total["checked_in"], total["late"], total["missing"]) == (
        3,
        2,
        1,
        1,
        1,
    )


def test_drill_compliance_per_station(county_snapshot):
    drills = county_snapshot["drills"]
    assert drills["term"] is not None and drills["as_of"] == "2026-10-31"
    per_station = {row["station"]["name"]: (row["done"], row["due"], row["done_pct"]) for row in drills["stations"]}
    assert per_station == {"North station": (1, 1, 50.0), "South station": (0, 1, 0.0)}
    assert drills["total"]["done_drills"] == 1 and drills["total"]["required_drills"] == 3


def test_follow_up_satisfaction_and_rectifications(county_snapshot):
    inc = county_snapshot["incidents"]
    assert inc["satisfaction"]["done"] == 3 and inc["satisfaction"]["rate_pct"] == 66.7
    assert (inc["rectifications"]["created"], inc["rectifications"]["cleared"]) == (2, 1)


def test_drone_flights_of_the_month(county_snapshot):
    assert county_snapshot["drones"] == {"flights": 2, "completed": 1, "flight_min": 40.0}


def test_scorecards_compare_with_county_default_and_station_override(county_snapshot):
    cards = {c["station"]["name"]: {r["metric"]: r for r in c["metrics"]} for c in county_snapshot["scorecards"]}
    north, south = cards["North station"], cards["South station"]
    assert north[Metric.LIAISON_COVERAGE_PCT] == {
        "metric": "liaison_coverage_pct", "value": 50.0, "target": 90.0, "met": False
    }  # fmt: skip
    assert (north[Metric.ACK_P90_MIN]["value"], north[Metric.ACK_P90_MIN]["target"]) == (28.0, 30.0)
    assert north[Metric.ACK_P90_MIN]["met"] is True  # lower is better
    assert (south[Metric.LIAISON_COVERAGE_PCT]["value"], south[Metric.LIAISON_COVERAGE_PCT]["met"]) == (100.0, True)
    assert south[Metric.ACK_P90_MIN]["target"] is None and south[Metric.ACK_P90_MIN]["met"] is None
    assert (north[Metric.SATISFACTION_PCT]["value"], south[Metric.SATISFACTION_PCT]["value"]) == (100.0, 0.0)
    assert north[Metric.RECTIFICATION_CLEARED_PCT]["value"] == 50.0
    assert north[Metric.DUTY_CHECKIN_PCT]["value"] == 50.0 and north[Metric.DUTY_COVERAGE_PCT]["value"] == 66.7
    assert north[Metric.DRILL_DONE_PCT]["value"] == 50.0
    assert (north[Metric.INCIDENTS]["value"], south[Metric.INCIDENTS]["value"]) == (3, 1)
    summary = next(c for c in county_snapshot["scorecards"] if c["station"]["name"] == "North station")
    assert (summary["met"], summary["judged"]) == (1, 2)


def test_target_met_direction():
    assert target_met("incidents", 3, 5) is True and target_met("incidents", 6, 5) is False
    assert target_met("satisfaction_pct", 90.0, 95) is False and target_met("satisfaction_pct", None, 95) is None


def test_snapshot_is_plain_json(county_snapshot):
    import json

    assert json.loads(json.dumps(county_snapshot)) == county_snapshot
    assert dt.date.fromisoformat(county_snapshot["month"] + "-01") == OCTOBER
