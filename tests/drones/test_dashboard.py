"""Police drones on the overview dashboard: live fleet, today's flights, licences, batteries, market sessions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.test import Client

from common.roles import Role
from drones.dashboard import drones_section
from drones.live import live_state_put
from drones.missions.markets import CHINA_TZ
from drones.models import Battery, Drone, Flight, Market, Mission, Pilot
from tests.factories import StationFactory, UserFactory, make_user, square

pytestmark = pytest.mark.django_db

# Monday 2026-11-09 is lunar 10/1: a 逢一六 market (07:00-12:00) is in session at 09:00.
NOW = dt.datetime(2026, 11, 9, 9, 0, tzinfo=CHINA_TZ)
TODAY = NOW.date()
YI_LIU = [1, 6, 11, 16, 21, 26]


def live_key(drone_id: int) -> str:
    return f"drone:{drone_id}:live"


@pytest.fixture
def make_drone():
    """Drones with no live state left over from other tests (the cache outlives the test's rollback)."""
    created = []

    def make(name: str, **fields) -> Drone:
        drone = Drone.objects.create(
            name=name, serial=name, connection=f"tcp:127.0.0.1:{5760 + len(created)}", **fields
        )
        cache.delete(live_key(drone.id))
        created.append(drone)
        return drone

    yield make
    cache.delete_many([live_key(d.id) for d in created])


@pytest.fixture
def operator(db):
    return make_user(Role.DRONE_OPERATOR)


def tiles(section) -> dict:
    return {t.key: t for t in section.tiles}


def pilot(username: str, expiry: dt.date) -> Pilot:
    return Pilot.objects.create(user=UserFactory(username=username), licence_no=username, licence_expiry=expiry)


def flight(drone: Drone, user, *, status: str = Flight.Status.COMPLETED, started_at=None, created_at=NOW) -> Flight:
    made = Flight.objects.create(drone=drone, pilot=user, status=status, started_at=started_at)
    Flight.objects.filter(pk=made.pk).update(created_at=created_at)  # auto_now_add ignores the value given
    return made


@pytest.mark.parametrize("role", [Role.BRIGADE_SCHEDULER, Role.STATION_OFFICER, Role.SCHOOL_STAFF, None])
def test_roles_without_view_drones_get_no_section(role):
    assert drones_section(user=make_user(role), now=NOW) is None


@pytest.mark.parametrize("role", [Role.BUREAU_ADMIN, Role.DRONE_OPERATOR, Role.LEADERSHIP])
def test_drone_viewers_get_the_section(role):
    section = drones_section(user=make_user(role), now=NOW)
    assert (section.key, section.title, section.url) == ("drones", "Police drones", "/drones/")


def test_online_and_armed_count_the_live_state_of_drones_not_retired(make_drone, operator, leader):
    flying = make_drone("D1", station=StationFactory())
    idle = make_drone("D2")
    make_drone("D3")  # never seen by the bridge
    retired = make_drone("D4", status=Drone.Status.RETIRED)
    live_state_put(flying.id, {"seq": 3, "link_ok": True, "armed": True})
    live_state_put(idle.id, {"seq": 1, "link_ok": True, "armed": False})
    live_state_put(retired.id, {"seq": 1, "link_ok": True, "armed": True})

    for user in (operator, leader):  # the fleet is not scoped: everyone sees every drone
        t = tiles(drones_section(user=user, now=NOW))
        assert (t["online"].value, t["online"].note, t["online"].level) == (2, "of 3 in the fleet", "ok")
        assert (t["armed"].value, t["armed"].note, t["armed"].level) == (1, "", "ok")
        assert t["online"].url == t["armed"].url == "/drones/map/"


def test_an_armed_drone_whose_link_is_lost_is_an_alert(make_drone, operator):
    lost = make_drone("D1")
    live_state_put(lost.id, {"seq": 9, "link_ok": False, "armed": True, "status": "link_lost"})
    t = tiles(drones_section(user=operator, now=NOW))
    assert (t["online"].value, t["armed"].value) == (0, 1)
    assert (t["armed"].level, t["armed"].note) == ("alert", "1 with the link lost")


def test_flights_today_count_the_local_day_and_note_those_under_way(make_drone, operator):
    d1, d2 = make_drone("D1"), make_drone("D2")
    # 07:00 in Beijing is still the day before in UTC; it counts as today.
    flight(d1, operator, started_at=dt.datetime(2026, 11, 9, 7, 0, tzinfo=CHINA_TZ))
    flight(d1, operator, started_at=dt.datetime(2026, 11, 8, 23, 30, tzinfo=CHINA_TZ))
    flight(d2, operator, status=Flight.Status.FLYING, started_at=NOW - dt.timedelta(minutes=5))
    flight(d2, operator, status=Flight.Status.PREFLIGHT)  # not started
    t = tiles(drones_section(user=operator, now=NOW))["flights_today"]
    assert (t.value, t.note, t.level, t.url) == (2, "1 under way", "ok", "/drones/flights/")


def test_missions_ready_to_fly_with_the_rejected_as_a_note(make_drone, operator):
    drone = make_drone("D1")
    for status in ("ready", "ready", "rejected", "draft", "archived"):
        Mission.objects.create(name=status, drone=drone, status=status)
    t = tiles(drones_section(user=operator, now=NOW))["missions_ready"]
    assert (t.value, t.note, t.level, t.url) == (2, "1 rejected by the checks", "ok", "/drones/missions/")


def test_licences_expired_or_expiring_within_30_days_are_a_warning(operator):
    pilot("expired", TODAY - dt.timedelta(days=1))
    pilot("last_day", TODAY)
    pilot("in_30_days", TODAY + dt.timedelta(days=30))
    pilot("in_31_days", TODAY + dt.timedelta(days=31))
    t = tiles(drones_section(user=operator, now=NOW))["licences"]
    assert (t.value, t.note, t.level, t.url) == (3, "1 expired", "warn", "/drones/pilots/")


def test_an_expired_pilot_with_a_flight_open_today_is_an_alert(make_drone, operator):
    drone = make_drone("D1")
    expired = pilot("expired", TODAY - dt.timedelta(days=1))
    flight(drone, expired.user, status=Flight.Status.PREFLIGHT, created_at=NOW - dt.timedelta(days=2))
    assert tiles(drones_section(user=operator, now=NOW))["licences"].level == "warn"  # an old, abandoned preflight

    flight(drone, expired.user, status=Flight.Status.PREFLIGHT, created_at=NOW - dt.timedelta(minutes=10))
    t = tiles(drones_section(user=operator, now=NOW))["licences"]
    assert (t.value, t.level, t.note) == (1, "alert", "1 expired, 1 of them with a flight open today")


def test_batteries_in_service_at_their_cycle_limit(make_drone, operator):
    Battery.objects.create(serial="B1", cycles=300, max_cycles=300)
    Battery.objects.create(serial="B2", cycles=299, max_cycles=300)
    Battery.objects.create(serial="B3", cycles=500, max_cycles=300, retired=True)
    t = tiles(drones_section(user=operator, now=NOW))["batteries_worn_out"]
    assert (t.value, t.level, t.url) == (1, "warn", "/drones/batteries/")


def test_nothing_to_count_is_ok_everywhere(operator):
    section = drones_section(user=operator, now=NOW)
    assert [t.key for t in section.tiles] == [
        "online",
        "armed",
        "flights_today",
        "missions_ready",
        "licences",
        "batteries_worn_out",
    ]
    assert {(t.value, t.level) for t in section.tiles} == {(0, "ok")}
    assert section.lines == [] and section.lines_empty == "No market sessions in the next 7 days."


def test_market_sessions_of_the_next_7_days_in_order_with_the_one_in_session_now(operator):
    rural = Market.objects.create(name="青石岭大集", kind="rural", lunar_days=YI_LIU, area=square(36.26, 118.22, 0.001))
    night = Market.objects.create(
        name="滨河夜市",
        kind="night",
        weekdays=[4, 5],
        opens=dt.time(18, 0),
        closes=dt.time(22, 0),
        area=square(36.19, 118.17, 0.001),
    )
    Market.objects.create(name="远集", kind="rural", lunar_days=[20], area=square(36.3, 118.2, 0.001))  # 11-28
    section = drones_section(user=operator, now=NOW)
    assert section.lines_title == "Market sessions in the next 7 days"
    assert [(line.at, line.text, line.url) for line in section.lines] == [
        (
            dt.datetime(2026, 11, 9, 7, 0, tzinfo=CHINA_TZ),
            "青石岭大集, Rural market (大集): in session now, until 12:00",
            f"/drones/airspace/markets/{rural.pk}/",
        ),
        (
            dt.datetime(2026, 11, 13, 18, 0, tzinfo=CHINA_TZ),
            "滨河夜市, Night market (夜市), until 22:00",
            f"/drones/airspace/markets/{night.pk}/",
        ),
        (
            dt.datetime(2026, 11, 14, 7, 0, tzinfo=CHINA_TZ),  # lunar 10/6
            "青石岭大集, Rural market (大集), until 12:00",
            f"/drones/airspace/markets/{rural.pk}/",
        ),
        (
            dt.datetime(2026, 11, 14, 18, 0, tzinfo=CHINA_TZ),
            "滨河夜市, Night market (夜市), until 22:00",
            f"/drones/airspace/markets/{night.pk}/",
        ),
    ]
    assert {line.level for line in section.lines} == {"ok"}


def test_at_most_8_market_lines(operator):
    for i in range(5):
        Market.objects.create(name=f"夜市{i}", kind="night", weekdays=[0, 1, 2], area=square(36.19, 118.17, 0.001))
    lines = drones_section(user=operator, now=NOW).lines
    assert len(lines) == 8 and lines == sorted(lines, key=lambda line: line.at)


@pytest.mark.parametrize("role", [Role.BUREAU_ADMIN, Role.DRONE_OPERATOR, Role.LEADERSHIP])
def test_every_link_opens_for_each_viewer(role, make_drone):
    user = make_user(role)
    make_drone("D1")
    Market.objects.create(name="大集", kind="rural", lunar_days=YI_LIU, area=square(36.26, 118.22, 0.001))
    section = drones_section(user=user, now=NOW)
    client = Client()
    client.force_login(user)
    urls = [section.url, *(t.url for t in section.tiles), *(line.url for line in section.lines)]
    assert section.lines
    for url in urls:
        assert client.get(url).status_code == 200, url


def test_queries_do_not_grow_with_the_fleet(make_drone, django_assert_max_num_queries):
    for i in range(6):
        drone = make_drone(f"D{i}")
        live_state_put(drone.id, {"seq": 1, "link_ok": True, "armed": i % 2 == 0})
        Mission.objects.create(name=f"M{i}", drone=drone, status="ready")
        Battery.objects.create(serial=f"B{i}", drone=drone, cycles=400)
        user = pilot(f"p{i}", TODAY - dt.timedelta(days=i)).user
        flight(drone, user, status=Flight.Status.PREFLIGHT)
        Market.objects.create(name=f"集{i}", kind="rural", lunar_days=YI_LIU, area=square(36.26, 118.22, 0.001))
    user = make_user(Role.DRONE_OPERATOR)
    with django_assert_max_num_queries(7):
        section = drones_section(user=user, now=NOW)
    assert tiles(section)["online"].value == 6 and tiles(section)["licences"].level == "alert"
