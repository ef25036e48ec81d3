"""The filter sets of the incident lists: one per list, the same rules for its page and its API."""

from __future__ import annotations

import pytest
from django.http import QueryDict
from rest_framework.exceptions import ValidationError

from incidents.filters import InboxFilterSet, ReportFilterSet
from incidents.models import Incident
from tests.incidents.factories import IncidentFactory


def query(text: str) -> QueryDict:
    return QueryDict(text)


@pytest.fixture
def incidents(db) -> dict[str, Incident]:
    return {
        "reported": IncidentFactory(status="reported", severity="urgent", category="fight"),
        "closed": IncidentFactory(status="closed", severity="low", escalation=Incident.Escalation.STATION_HEAD),
    }


def refs(qs) -> set[str]:
    return set(qs.values_list("reference", flat=True))


def test_inbox_filters_by_open_status_severity_school_and_escalation(incidents):
    everything = Incident.objects.all()
    assert refs(InboxFilterSet(query("status=open"), everything).qs) == {incidents["reported"].reference}
    assert refs(InboxFilterSet(query("severity=low"), everything).qs) == {incidents["closed"].reference}
    school = incidents["closed"].school_id
    assert refs(InboxFilterSet(query(f"school={school}"), everything).qs) == {incidents["closed"].reference}
    assert refs(InboxFilterSet(query("escalated=on"), everything).qs) == {incidents["closed"].reference}


def test_inbox_ignores_values_it_does_not_know(incidents):
    bad = query("status=lost&severity=huge&station=abc&school=-1&overdue=maybe&escalated=no")
    assert InboxFilterSet(bad, Incident.objects.all()).qs.count() == 2


def test_inbox_gives_the_page_the_values_as_sent():
    values = InboxFilterSet(query("status=open&school=3"), Incident.objects.none()).values
    assert values == {"status": "open", "severity": "", "station": "", "school": "3", "overdue": "", "escalated": ""}


def test_report_filter_takes_several_statuses(incidents):
    both = ReportFilterSet(query("status=reported,closed"), Incident.objects.all(), strict=True).qs
    assert both.count() == 2


def test_report_api_names_the_first_bad_parameter_in_the_old_order(incidents):
    with pytest.raises(ValidationError) as excinfo:
        ReportFilterSet(query("school=x&category=nope"), Incident.objects.all(), strict=True).qs  # noqa: B018
    assert set(excinfo.value.detail) == {"category"}
    with pytest.raises(ValidationError) as excinfo:
        ReportFilterSet(query("status=lost,reported"), Incident.objects.all(), strict=True).qs  # noqa: B018
    assert "Unknown status: lost." in str(excinfo.value.detail["status"][0])


def test_report_page_skips_a_bad_value_and_the_parameters_it_does_not_offer(incidents):
    everything = Incident.objects.all()
    assert ReportFilterSet(query("status=lost"), everything, only=("status",)).qs.count() == 2
    page = ReportFilterSet(query("status=closed&category=nope"), everything, only=("status",)).qs
    assert refs(page) == {incidents["closed"].reference}


def test_mine_needs_the_user(incidents):
    reporter = incidents["reported"].reporter
    mine = ReportFilterSet(query("mine=true"), Incident.objects.all(), user=reporter).qs
    assert refs(mine) == {incidents["reported"].reference}


def test_openapi_parameters_come_from_the_declaration():
    assert [p.name for p in InboxFilterSet.openapi_parameters()] == [
        "status",
        "severity",
        "station",
        "school",
        "overdue",
        "escalated",
    ]
    assert [p.name for p in ReportFilterSet.openapi_parameters()] == [
        "status",
        "school",
        "category",
        "severity",
        "from",
        "to",
        "mine",
    ]
