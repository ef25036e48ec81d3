"""Exports end with their client, stay within the per-process limit, are linear, and are always audited.

Issue 11 item 4 (a term roster export was quadratic and ran on after its client left, slowing every
page) and item 8 (exports left no audit entry). ``common.exports`` is the one path every export takes.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import sys
import threading

import pytest
from asgiref.sync import async_to_sync
from django.core.handlers.asgi import ASGIHandler
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from rest_framework.test import APIClient

from common import exports
from common.exports import Export, ExportCancelled, ExportToken, build_export, run_export
from common.models import AuditLogEntry
from common.roles import Role
from drones.missions.generators.points import point_broadcast
from drones.models import Drone, Flight, Mission, TrackPoint
from patrol.models import DutyShift
from patrol.roster.exports import roster_xlsx
from tests.drills.conftest import fire, setup, term  # noqa: F401 - fixtures
from tests.drills.factories import ActivityFactory, CorrectiveActionFactory, DrillFactory
from tests.drills.test_plans_service import make_world
from tests.drones.test_mission_generators import LAUNCH, at
from tests.factories import SchoolFactory, make_user
from tests.incidents.factories import IncidentFactory
from tests.patrol.factories import DutyAssignmentFactory, PostFactory, TermFactory, local
from tests.patrol.test_duty_helpers import DAY, build_day
from tests.patrol.test_roster_edits import rw  # noqa: F401 - the fixture
from tests.security.test_export_injection import term_now

pytestmark = pytest.mark.django_db


def export_entries(kind: str | None = None):
    qs = AuditLogEntry.objects.filter(action__startswith="export.")
    return qs.filter(action=f"export.{kind}") if kind else qs


# -- every export, through its URL, as a role that may run it -------------------------------------


def _coverage(request):
    SchoolFactory()
    user = make_user(Role.LEADERSHIP)
    return user, reverse("campus:coverage_export"), {}


def _roster(request):
    world = request.getfixturevalue("rw")
    DutyAssignmentFactory(shift=world["shift_a"], staff=world["li"], role="police")
    url = reverse("patrol:roster-export", kwargs={"term_id": world["term"].pk})
    return world["users"]["scheduler"], url, {"type": "xlsx"}


def _duty_stats(request):
    build_day()
    return (
        make_user(Role.LEADERSHIP, username="leader1"),
        "/patrol/duty/stats/",
        {"start": DAY, "end": DAY, "type": "xlsx"},
    )


def _incident_analysis(request):
    IncidentFactory(school=SchoolFactory(), created_at=timezone.now(), occurred_at=timezone.now())
    month = timezone.localdate().strftime("%Y-%m")
    return make_user(Role.BUREAU_ADMIN), reverse("incidents:analysis-month"), {"month": month, "type": "xlsx"}


def _drills_report(request):
    world, drills_term, fire_drill = (request.getfixturevalue(name) for name in ("setup", "term", "fire"))
    drill = DrillFactory(school=world["school"], drill_type=fire_drill, date=dt.date(2025, 10, 15))
    CorrectiveActionFactory(drill=drill, description="Fix the door", owner="Head", due_date=dt.date(2025, 11, 1))
    params = {"school": world["school"].pk, "term": drills_term.pk, "type": "xlsx"}
    return world["admin"], reverse("drills:drill-report"), params


def _activity_counts(request):
    w = make_world()
    w.term = term_now()
    ActivityFactory(school=w.school_a, date=timezone.localdate(), audience=10)
    return w.leader, reverse("drills:activity-counts"), {"term": w.term.pk, "type": "xlsx"}


def _drone() -> Drone:
    return Drone.objects.create(
        name="D1", serial="S1", connection="tcp:127.0.0.1:1", home_lat=36.2, home_lon=118.1, home_alt_msl_m=290
    )


def _mission(fmt: str):
    def make(request):
        generated = point_broadcast([at(100, 0), at(0, 100)], hold_s=45, start_at=LAUNCH)
        mission = Mission.objects.create(
            name="Anti-fraud", kind=Mission.Kind.POINT_BROADCAST, drone=_drone(), waypoints=generated.route_json(),
            launch_lat=LAUNCH[0], launch_lon=LAUNCH[1], takeoff_alt_m=40, speed_mps=6,
            operating_area=generated.operating_area,
        )  # fmt: skip
        user = make_user(Role.DRONE_OPERATOR, username="pilot")
        return user, reverse("drones_api:mission-export", args=[mission.pk]), {"type": fmt}

    return make


def _flight(fmt: str):
    def make(request):
        drone = _drone()
        user = make_user(Role.DRONE_OPERATOR, username="pilot")
        flight = Flight.objects.create(drone=drone, pilot=user, status=Flight.Status.COMPLETED)
        for i in range(3):
            TrackPoint.objects.create(
                drone=drone, at=flight.created_at + dt.timedelta(seconds=i + 1), lat=36.2, lon=118.1, alt_rel_m=10
            )
        return user, reverse("drones_api:flight-export", args=[flight.pk]), {"type": fmt}

    return make


EXPORTS = {
    "coverage": _coverage,
    "roster": _roster,
    "duty_stats": _duty_stats,
    "incident_analysis": _incident_analysis,
    "drills_report": _drills_report,
    "activity_counts": _activity_counts,
    "mission_file.plan": _mission("plan"),
    "mission_file.waypoints": _mission("waypoints"),
    **{f"flight_log.{fmt}": _flight(fmt) for fmt in ("geojson", "gpx", "kml", "csv")},
}


def _client(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


@pytest.mark.parametrize("name", list(EXPORTS))
def test_every_export_leaves_one_audit_entry(request, name):
    user, url, params = EXPORTS[name](request)
    response = _client(user).get(url, params)
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Disposition"].startswith("attachment; filename=")
    kind, _dot, fmt = name.partition(".")
    [entry] = export_entries()
    assert entry.action == f"export.{kind}"
    assert (entry.actor, entry.actor_name) == (user, user.get_username())
    assert entry.after["outcome"] == "done"
    assert entry.after["format"] == (fmt or "xlsx")
    assert entry.after["rows"] > 0
    assert entry.ip_address == "127.0.0.1"
    assert exports.SLOTS.running == 0


def test_the_audit_entry_names_the_filters_and_the_record(rw):  # noqa: F811
    client = _client(rw["users"]["scheduler"])
    url = reverse("patrol:roster-export", kwargs={"term_id": rw["term"].pk})
    assert client.get(url, {"type": "xlsx", "school": rw["school_b"].pk}).status_code == 200
    [entry] = export_entries("roster")
    assert (entry.object_type, entry.object_id) == ("campus.term", str(rw["term"].pk))
    assert entry.after["filters"] == {"term": rw["term"].pk, "school": rw["school_b"].pk, "station": None}
    # school B has one shift, nobody on it: one row, its uncovered police place
    assert entry.after["rows"] == 1


def test_the_write_only_roster_keeps_its_styling(rw):  # noqa: F811
    client = _client(rw["users"]["scheduler"])
    response = client.get(reverse("patrol:roster-export", kwargs={"term_id": rw["term"].pk}))
    book = load_workbook(io.BytesIO(response.content))
    gaps = book.worksheets[1]
    assert gaps["A1"].font.b and gaps.freeze_panes == "A2" and gaps.column_dimensions["F"].width == 24
    assert gaps["A2"].fill.fgColor.rgb == "00FFE0E0" and gaps["A2"].number_format == "yyyy-mm-dd"
    assert gaps["A2"].value.date() == rw["shift_a"].date


def test_a_page_of_an_export_view_is_not_an_export(client):
    client.force_login(make_user(Role.LEADERSHIP, username="leader1"))
    assert client.get("/patrol/duty/stats/").status_code == 200
    assert not export_entries().exists()


def test_a_role_refused_at_the_door_gets_403_and_is_not_an_export_attempt(client):
    """Like a drone command refused by the API's role check (drones.api.DroneCommandApi), a request the
    page's role check refuses never reaches the export: 403, no export entry."""
    client.force_login(make_user(Role.SCHOOL_STAFF, school=SchoolFactory()))
    assert client.get(reverse("campus:coverage_export")).status_code == 403
    assert not export_entries().exists()


# -- the limit per process ---------------------------------------------------------------------------


@pytest.fixture
def exports_full(settings, monkeypatch):
    monkeypatch.setattr(exports.SLOTS, "running", settings.EXPORT_MAX_CONCURRENT)
    return settings


def test_one_export_more_than_the_limit_gets_503_with_retry_after_and_is_audited(exports_full):
    user = make_user(Role.LEADERSHIP)
    client = _client(user)
    response = client.get(reverse("campus:coverage_export"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 503
    assert response["Retry-After"] == str(exports_full.EXPORT_RETRY_AFTER_S)
    assert "Too many exports" in response.content.decode()
    [entry] = export_entries("coverage")
    assert (entry.actor, entry.after["outcome"], entry.after["rows"], entry.after["error"]) == (
        user,
        "refused",
        0,
        "busy",
    )
    assert exports.SLOTS.running == exports_full.EXPORT_MAX_CONCURRENT  # the refused one took no slot


def test_the_limit_answers_the_api_in_json_and_in_chinese(exports_full):
    user, url, params = _flight("csv")(None)
    response = _client(user).get(url, params, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 503 and response["Retry-After"]
    body = response.json()
    assert body["code"] == "exports_busy"
    assert "导出" in body["detail"]
    assert export_entries("flight_log").get().after["outcome"] == "refused"


def test_a_failed_build_is_audited_and_frees_its_slot(rw, monkeypatch):  # noqa: F811
    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("patrol.roster.exports.roster_xlsx", broken)
    client = _client(rw["users"]["scheduler"])
    client.raise_request_exception = False
    url = reverse("patrol:roster-export", kwargs={"term_id": rw["term"].pk})
    assert client.get(url).status_code == 500
    entry = export_entries("roster").get()
    assert (entry.after["outcome"], entry.after["error"]) == ("failed", "RuntimeError")
    assert exports.SLOTS.running == 0


# -- cancellation ------------------------------------------------------------------------------------


class CancelAfter(ExportToken):
    """A token its client leaves after ``batches`` batches; records how many checks the build made."""

    def __init__(self, batches: int, batch_rows: int) -> None:
        super().__init__(batch_rows=batch_rows)
        self.batches = batches
        self.checks = 0

    def check(self) -> None:
        self.checks += 1
        if self.checks > self.batches:
            self.cancel()
        super().check()


def roster_world(shifts: int):
    """A term with ``shifts`` shifts of one post, each with one uncovered police place: 1 row each."""
    roster_term = TermFactory(start_date=dt.date(2026, 9, 1), end_date=dt.date(2027, 1, 20))
    post = PostFactory(requirements={"police": 1})
    day = dt.date(2026, 9, 7)
    DutyShift.objects.bulk_create(
        DutyShift(term=roster_term, post=post, date=day + dt.timedelta(days=i), kind="arrival",
                  start=local(day + dt.timedelta(days=i), 7, 20), end=local(day + dt.timedelta(days=i), 8, 0),
                  requirements={"police": 1})
        for i in range(shifts)
    )  # fmt: skip
    return roster_term


def test_a_cancelled_roster_build_stops_within_a_batch():
    roster_term = roster_world(120)
    export = Export(
        kind="roster",
        fmt="xlsx",
        build=lambda token: roster_xlsx(term=roster_term, shifts=DutyShift.objects.all(), token=token),
        filename="r.xlsx",
    )
    token = CancelAfter(batches=3, batch_rows=10)
    with pytest.raises(ExportCancelled):
        build_export(export, token)
    # checked once before starting, then after every 10 rows: cancelled at the 3rd batch, 30 of 120 rows
    assert token.rows == 30
    token = CancelAfter(batches=1000, batch_rows=10)
    book = load_workbook(io.BytesIO(build_export(export, token)))
    assert (token.rows, book["Uncovered"].max_row) == (120, 121)


def test_a_cancelled_source_scan_stops_too():
    token = CancelAfter(batches=2, batch_rows=5)
    seen = []
    with pytest.raises(ExportCancelled):
        for item in token.checked(range(1000)):
            seen.append(item)
    assert len(seen) == 10 and token.rows == 0


@pytest.mark.django_db(transaction=True)
def test_a_client_that_leaves_cancels_the_build_and_the_attempt_is_audited():
    """``run_export`` cancelled (as Django cancels an async view when its client disconnects): the
    worker thread stops at its next batch and the entry says ``cancelled``."""
    user = make_user(Role.LEADERSHIP)
    started, stopped = threading.Event(), threading.Event()

    def endless(token):
        started.set()
        try:
            while True:
                token.count()
        finally:
            stopped.set()

    export = Export(kind="coverage", fmt="xlsx", build=endless, filename="c.xlsx")
    export.user = user
    request = RequestFactory().get("/campus/coverage/export/")

    async def scenario():
        task = asyncio.create_task(run_export(request, export))
        await asyncio.get_running_loop().run_in_executor(None, started.wait, 10)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    async_to_sync(scenario)()
    assert stopped.wait(5)
    entry = export_entries("coverage").get()
    assert entry.after["outcome"] == "cancelled" and entry.after["rows"] > 0
    assert exports.SLOTS.running == 0


@pytest.mark.django_db(transaction=True)
def test_a_disconnect_through_the_asgi_handler_stops_the_roster_build(monkeypatch):
    """Through Django's ASGI handler and every middleware (WhiteNoise is sync-only): the client sends
    ``http.disconnect`` while the roster is being built; the build stops and is audited."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    roster_term = TermFactory()
    user = make_user(Role.BRIGADE_SCHEDULER)
    client = Client()
    client.force_login(user)
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    started, stopped = threading.Event(), threading.Event()

    def endless(*, token=None, **kwargs):
        started.set()
        try:
            while True:
                token.count()
        finally:
            stopped.set()

    monkeypatch.setattr("patrol.roster.exports.roster_xlsx", endless)
    path = reverse("patrol:roster-export", kwargs={"term_id": roster_term.pk})
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": path, "raw_path": b"", "query_string": b"",
        "root_path": "", "headers": [(b"host", b"testserver"), (b"cookie", cookie)],
        "client": ("127.0.0.1", 50000), "server": ("testserver", 80),
    }  # fmt: skip
    sent = []

    async def scenario():
        messages = asyncio.Queue()
        await messages.put({"type": "http.request", "body": b"", "more_body": False})

        async def receive():
            return await messages.get()

        async def send(message):
            sent.append(message)

        handler = asyncio.create_task(ASGIHandler()(scope, receive, send))
        await asyncio.get_running_loop().run_in_executor(None, started.wait, 10)
        await messages.put({"type": "http.disconnect"})
        await asyncio.wait_for(handler, 10)

    async_to_sync(scenario)()
    assert stopped.wait(5)
    assert sent == []  # nothing was sent to the client that had gone
    entry = export_entries("roster").get()
    assert entry.after["outcome"] == "cancelled"
    assert entry.actor == get_user_model().objects.get(pk=user.pk)


# -- linear work -------------------------------------------------------------------------------------


def _calls_to_build(roster_term) -> int:
    """Python calls made while the workbook is written (the database read is the same for both sizes)."""
    calls = 0

    def profile(frame, event, arg):
        nonlocal calls
        if event == "call":
            calls += 1

    shifts = DutyShift.objects.all()
    list(shifts)  # warm caches (translations, model metadata) outside the count
    sys.setprofile(profile)
    try:
        roster_xlsx(term=roster_term, shifts=shifts)
    finally:
        sys.setprofile(None)
    return calls


def test_the_roster_export_grows_linearly_with_its_rows():
    """The old export looked its last row up by number (``max_row``: a scan of every cell) once per row,
    quadratic (about 8x the calls for 4x the rows here). Operations are counted, not timed: four times the rows
    must cost at most about four times the calls (3.5x measured)."""
    _calls_to_build(roster_world(5))
    small = _calls_to_build(roster_world(100))
    DutyShift.objects.all().delete()
    large = _calls_to_build(roster_world(400))
    assert large / small < 5, (small, large)
