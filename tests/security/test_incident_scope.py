"""Issue 11, finding 12: station officers read every incident in the county (120 of 120, with reporters'
names and phones). The README's rule: a station officer sees the incidents of their station and of the
schools they are liaison officer for; it is ``campus.scope``, used by every incident selector.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from campus.scope import Scope, scope_of
from common.roles import Role
from tests.factories import make_user
from tests.incidents.factories import IncidentFactory, RectificationFactory

pytestmark = pytest.mark.django_db


def ids(response) -> set[int]:
    body = response.json()
    return {row["id"] for row in body.get("results", body)}


def test_a_station_officer_reads_only_their_station_and_liaison_schools(client, county, incidents):
    client.force_login(county["users"]["officer"])
    seen = ids(client.get(reverse("incidents_api:report-list")))
    mine = {incidents[k].pk for k in ("north", "liaised", "routed")}
    assert seen == mine
    south = incidents["south"]
    assert client.get(reverse("incidents_api:report-detail", args=[south.pk])).status_code == 404
    assert client.get(reverse("incidents:handle-detail", args=[south.pk])).status_code == 404
    assert client.get(reverse("incidents_api:handle-detail", args=[south.pk])).status_code == 404
    assert "13900000002" not in client.get(reverse("incidents:handle-inbox")).content.decode()
    assert ids(client.get(reverse("incidents_api:handle-list"))) == mine


def test_a_station_officer_cannot_act_on_another_stations_report(client, county, incidents):
    client.force_login(county["users"]["officer"])
    south = incidents["south"]
    response = client.post(
        reverse("incidents_api:handle-transition", args=[south.pk]),
        {"to_status": "acknowledged"},
        content_type="application/json",
    )
    assert response.status_code in (403, 404)
    south.refresh_from_db()
    assert south.status == "reported"


def test_rectification_items_follow_the_same_rule(client, county, incidents):
    mine = RectificationFactory(incident=IncidentFactory(school=incidents["north"].school, status="closed"))
    theirs = RectificationFactory(incident=IncidentFactory(school=incidents["south"].school, status="closed"))
    client.force_login(county["users"]["officer"])
    seen = ids(client.get(reverse("incidents_api:handle-rectification-list")))
    assert mine.pk in seen and theirs.pk not in seen


def test_the_bureau_still_sees_the_county_and_staff_their_school(client, county, incidents):
    scheduler = make_user(Role.BRIGADE_SCHEDULER)
    client.force_login(scheduler)
    assert ids(client.get(reverse("incidents_api:report-list"))) == {i.pk for i in incidents.values()}
    north_school = incidents["north"].school
    staff = make_user(Role.SCHOOL_STAFF, school=north_school, username="north_staff")
    client.force_login(staff)
    assert ids(client.get(reverse("incidents_api:report-list"))) == {incidents["north"].pk}


def test_the_scope_rule(county, incidents):
    scope = scope_of(county["users"]["officer"])
    assert not scope.county and scope.station_ids == {county["north"].pk}
    assert scope.officer_ids == {county["officer"].pk}
    assert scope_of(make_user(Role.LEADERSHIP, username="boss")).county
    assert scope_of(make_user(Role.DRONE_OPERATOR, username="pilot")).empty
    assert Scope().q().__class__.__name__ == "Q"
    # An officer moved to another station reads the new station's reports from the next request on.
    county["officer"].station = county["south"]
    county["officer"].save(update_fields=["station"])
    user = type(county["users"]["officer"]).objects.get(pk=county["users"]["officer"].pk)
    assert scope_of(user).station_ids == {county["south"].pk}
