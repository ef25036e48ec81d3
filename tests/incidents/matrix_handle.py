"""Permission-matrix rows for handling incidents (see ``tests.incidents.matrix``).

Objects: ``handle_a`` a reported incident at school A (the officer user is its liaison, the staff user its
reporter), ``handle_b`` one at school B routed to another station, ``handle_resolved`` a resolved school A
report with a pending follow-up, ``handle_rect`` an open rectification item of the station. A station
officer reads only their station's and their liaison schools' reports (``campus.scope``): ``handle_b`` is
404 to them, as to another school's staff.
"""

from __future__ import annotations

from django.utils import timezone

from common.roles import Role
from tests.incidents.factories import FollowUpFactory, IncidentFactory, RectificationFactory
from tests.permission_case import Case


def _pk(key: str):
    return lambda w: {"pk": w[key].pk}


CASES: list = [
    Case("incidents:handle-inbox", "302 200 200 200 403 403 200"),
    Case("incidents:handle-detail", "302 200 200 200 200 403 200", kwargs=_pk("handle_a"), label="own school"),
    Case("incidents:handle-detail", "302 200 200 404 404 403 200", kwargs=_pk("handle_b"), label="other station"),
    Case(
        "incidents:handle-transition",
        "302 302 302 302 403 403 403",
        method="post",
        kwargs=_pk("handle_a"),
        data=lambda w: {"to_status": "acknowledged"},
    ),
    Case(
        "incidents:handle-transition",
        "302 302 302 404 403 403 403",
        method="post",
        kwargs=_pk("handle_b"),
        label="other station",
        data=lambda w: {"to_status": "acknowledged"},
    ),
    Case(
        "incidents:handle-comment",
        "302 302 302 302 302 403 403",
        method="post",
        kwargs=_pk("handle_a"),
        data=lambda w: {"text": "on my way"},
    ),
    Case("incidents:handle-follow-up", "302 200 200 403 200 403 403", kwargs=_pk("handle_resolved")),
    Case(
        "incidents:handle-follow-up",
        "302 302 302 403 302 403 403",
        method="post",
        kwargs=_pk("handle_resolved"),
        label="record",
        data=lambda w: {"satisfaction": "satisfied", "comment": ""},
    ),
    Case("incidents:handle-follow-ups", "302 200 200 403 200 403 403"),
    Case("incidents:handle-rectifications", "302 200 200 200 403 403 200"),
    Case(
        "incidents:handle-rectification-clear",
        "302 302 302 302 403 403 403",
        method="post",
        kwargs=_pk("handle_rect"),
        data=lambda w: {"action_taken": "Talked to the team."},
    ),
    # API
    Case("incidents_api:handle-list", "401 200 200 200 403 403 200"),
    Case("incidents_api:handle-detail", "401 200 200 200 200 403 200", kwargs=_pk("handle_a"), label="own school"),
    Case("incidents_api:handle-detail", "401 200 200 404 404 403 200", kwargs=_pk("handle_b"), label="other station"),
    Case(
        "incidents_api:handle-transition",
        "401 200 200 200 403 403 403",
        method="post",
        json=True,
        kwargs=_pk("handle_a"),
        data=lambda w: {"to_status": "acknowledged"},
    ),
    Case(
        "incidents_api:handle-transition",
        "401 200 200 404 403 403 403",
        method="post",
        json=True,
        kwargs=_pk("handle_b"),
        label="other station",
        data=lambda w: {"to_status": "acknowledged"},
    ),
    Case(
        "incidents_api:handle-comment",
        "401 201 201 201 201 403 403",
        method="post",
        json=True,
        kwargs=_pk("handle_a"),
        data=lambda w: {"text": "on my way"},
    ),
    Case(
        "incidents_api:handle-follow-up",
        "401 200 200 403 200 403 403",
        method="post",
        json=True,
        kwargs=_pk("handle_resolved"),
        data=lambda w: {"satisfaction": "basically", "comment": "ok"},
    ),
    Case("incidents_api:handle-follow-up-list", "401 200 200 403 200 403 403"),
    Case("incidents_api:handle-rectification-list", "401 200 200 200 403 403 200"),
    Case(
        "incidents_api:handle-rectification-clear",
        "401 200 200 200 403 403 403",
        method="post",
        json=True,
        kwargs=_pk("handle_rect"),
        data=lambda w: {"action_taken": "Talked to the team."},
    ),
]


def build(world: dict) -> dict:
    staff = world["users"][Role.SCHOOL_STAFF]
    liaison_officer = world["users"][Role.STATION_OFFICER].officer
    now = timezone.now()
    handle_a = IncidentFactory(
        school=world["school_a"], station=world["station"], liaison_officer=liaison_officer, reporter=staff
    )
    handle_b = IncidentFactory(school=world["school_b"], station=world["station2"], liaison_officer=None)
    resolved = IncidentFactory(
        school=world["school_a"],
        station=world["station"],
        liaison_officer=liaison_officer,
        reporter=staff,
        status="resolved",
        acknowledged_at=now,
        on_scene_at=now,
        resolved_at=now,
    )
    FollowUpFactory(incident=resolved)
    rect = RectificationFactory(incident=resolved, station=world["station"])
    return {"handle_a": handle_a, "handle_b": handle_b, "handle_resolved": resolved, "handle_rect": rect}
