"""Sample incidents for the sample county: realistic, marked as sample, loaded once (idempotent)."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from campus.sample.names import SAMPLE_MARK
from incidents.analysis import selectors as analysis_selectors
from incidents.models import FollowUp, Incident, IncidentEvent, Rectification
from incidents.sample import DAYS, load_sample_incidents


def counts() -> dict[str, int]:
    return {
        "incidents": Incident.objects.count(),
        "events": IncidentEvent.objects.count(),
        "follow_ups": FollowUp.objects.count(),
        "rectifications": Rectification.objects.count(),
    }


def test_needs_the_sample_county(db):
    with pytest.raises(CommandError, match="load_sample_county"):
        call_command("load_sample_incidents", stdout=io.StringIO())
    assert counts()["incidents"] == 0


def test_loads_sample_incidents_once(db):
    call_command("load_sample_county", verbosity=0, stdout=io.StringIO())
    out = io.StringIO()
    call_command("load_sample_incidents", stdout=out)
    assert "Sample incidents loaded: 120 reports" in out.getvalue()
    first = counts()
    assert first["incidents"] == 120
    again = io.StringIO()
    call_command("load_sample_incidents", stdout=again)
    assert "already loaded (120)" in again.getvalue()
    assert counts() == first
    assert load_sample_incidents().created == 0


def test_sample_incidents_look_real_and_are_marked(db):
    call_command("load_sample_county", verbosity=0, stdout=io.StringIO())
    now = timezone.now()
    summary = load_sample_incidents(now=now)
    incidents = list(Incident.objects.select_related("reporter__school_staff", "school", "liaison_officer"))
    assert summary.created == len(incidents) == 120
    assert all(i.is_sample and i.description.startswith(SAMPLE_MARK) for i in incidents)
    assert all(i.reporter.username == f"staff_{i.school.code}" for i in incidents)
    assert all(i.reporter.school_staff.school_id == i.school_id for i in incidents)
    assert all(i.station_id == i.school.responsible_station_id for i in incidents)
    assert sum(1 for i in incidents if i.liaison_officer_id) > 100
    assert all(now - i.created_at < dt.timedelta(days=DAYS + 1) and i.created_at < now for i in incidents)
    statuses = Counter(i.status for i in incidents)
    assert statuses["closed"] > 80
    assert 3 <= sum(statuses[s] for s in ("reported", "acknowledged", "on_scene")) <= 20
    categories = Counter(i.category for i in incidents)
    assert categories.most_common(1)[0][0] in ("traffic", "suspicious")
    hours = Counter(timezone.localtime(i.occurred_at).hour for i in incidents)
    assert hours[7] + hours[16] + hours[17] > hours[2] + hours[3] + hours[14] + hours[15]
    # Timestamps follow the workflow, and each step has its timeline event.
    for i in incidents:
        steps = [i.created_at, i.acknowledged_at, i.on_scene_at, i.resolved_at, i.closed_at]
        reached = [s for s in steps if s is not None]
        assert reached == steps[: len(reached)] and reached == sorted(reached)
    events = Counter(IncidentEvent.objects.values_list("kind", flat=True))
    assert events["reported"] == events["routed"] == 120
    assert events["status"] == sum(len([s for s in (i.acknowledged_at, i.on_scene_at, i.resolved_at, i.closed_at)
                                        if s]) for i in incidents)  # fmt: skip
    unsatisfied = FollowUp.objects.filter(satisfaction="unsatisfied")
    assert unsatisfied.exists()
    assert Rectification.objects.count() == unsatisfied.count()
    assert FollowUp.objects.filter(status="done").count() >= 80
    # The analysis of the current month works on it.
    report = analysis_selectors.month_analysis(month=timezone.localdate().replace(day=1))
    assert report.total > 0 and report.satisfaction.done > 0
