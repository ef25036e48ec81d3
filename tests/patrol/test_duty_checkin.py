"""Check-in and check-out: radius, reasons, someone else's post, windows, late and early flags."""

from __future__ import annotations

import datetime as dt

import pytest

from common.errors import Conflict, DomainError, NotAllowed
from common.models import AuditLogEntry
from common.roles import Role
from patrol.duty.services import duty_check_in, duty_check_out
from patrol.models import CheckIn
from tests.factories import make_user
from tests.patrol.factories import local
from tests.patrol.test_duty_helpers import DAY, GATE_LAT, GATE_LON, build_day, north_of_gate

pytestmark = pytest.mark.django_db


@pytest.fixture
def day():
    return build_day()


def _nothing_written() -> None:
    assert CheckIn.objects.count() == 0
    assert not AuditLogEntry.objects.filter(action__startswith="duty.").exists()


def test_check_in_inside_the_radius_records_distance_and_audits(day):
    lat, lon = north_of_gate(40)
    checkin = duty_check_in(
        assignment=day.assignment, actor=day.user, lat=lat, lon=lon, accuracy_m=8, at=local(DAY, 7, 15)
    )
    assert 39 < checkin.in_distance_m < 41
    assert not checkin.late and checkin.in_reason == "" and checkin.checked_in_by == day.user
    assert checkin.in_accuracy_m == 8
    assert AuditLogEntry.objects.filter(action="duty.checkin.create", object_id=str(checkin.pk)).exists()


def test_check_in_outside_the_radius_needs_a_reason_naming_distance_and_radius(day):
    lat, lon = north_of_gate(523)
    with pytest.raises(DomainError) as exc:
        duty_check_in(assignment=day.assignment, actor=day.user, lat=lat, lon=lon, at=local(DAY, 7, 15))
    assert exc.value.code == "too_far"
    assert "You are 523 m from" in exc.value.message
    assert "the check-in radius is 150 m" in exc.value.message
    _nothing_written()
    checkin = duty_check_in(
        assignment=day.assignment, actor=day.user, lat=lat, lon=lon, reason="Traffic jam at the crossing",
        at=local(DAY, 7, 15),
    )  # fmt: skip
    assert round(checkin.in_distance_m) == 523 and checkin.in_reason == "Traffic jam at the crossing"


def test_check_in_without_a_position_needs_a_reason(day):
    with pytest.raises(DomainError) as exc:
        duty_check_in(assignment=day.assignment, actor=day.user, lat=None, lon=None, at=local(DAY, 7, 15))
    assert exc.value.code == "position_required" and "give a reason" in exc.value.message
    _nothing_written()
    checkin = duty_check_in(
        assignment=day.assignment, actor=day.user, lat=None, lon=None, reason="GPS off", at=local(DAY, 7, 15)
    )
    assert checkin.in_distance_m is None and checkin.in_lat is None


def test_half_a_position_is_refused(day):
    with pytest.raises(DomainError, match="Latitude and longitude must be given together"):
        duty_check_in(assignment=day.assignment, actor=day.user, lat=GATE_LAT, lon=None, at=local(DAY, 7, 15))
    with pytest.raises(DomainError, match=r"Latitude 91\.0 is out of range"):
        duty_check_in(assignment=day.assignment, actor=day.user, lat=91.0, lon=GATE_LON, at=local(DAY, 7, 15))
    _nothing_written()


@pytest.mark.parametrize("role", [Role.STATION_OFFICER, Role.BUREAU_ADMIN, Role.BRIGADE_SCHEDULER])
def test_check_in_for_someone_elses_post_is_refused_and_nothing_written(day, role):
    other = make_user(role, username=f"other_{role.value}")
    with pytest.raises(NotAllowed) as exc:
        duty_check_in(assignment=day.assignment, actor=other, lat=GATE_LAT, lon=GATE_LON, at=local(DAY, 7, 15))
    assert "This duty belongs to Officer Wang" in exc.value.message
    assert "your own duties only" in exc.value.message
    _nothing_written()


def test_leadership_may_not_stand_duty_even_when_linked(day):
    leader = make_user(Role.LEADERSHIP, username="leader_x")
    day.staff.user = leader
    day.staff.save()
    with pytest.raises(NotAllowed, match="Your role may not stand duties"):
        duty_check_in(assignment=day.assignment, actor=leader, lat=GATE_LAT, lon=GATE_LON, at=local(DAY, 7, 15))
    _nothing_written()


@pytest.mark.parametrize(
    ("hh", "mm", "late"), [(7, 25, False), (7, 26, True), (7, 59, True), (6, 20, False), (7, 0, False)]
)
def test_late_flag_after_start_plus_grace(day, settings, hh, mm, late):
    settings.PATROL_LATE_GRACE_MIN = 5
    checkin = duty_check_in(
        assignment=day.assignment, actor=day.user, lat=GATE_LAT, lon=GATE_LON, at=local(DAY, hh, mm)
    )
    assert checkin.late is late


def test_check_in_too_early_after_the_window_and_twice_are_refused(day):
    with pytest.raises(DomainError) as exc:
        duty_check_in(assignment=day.assignment, actor=day.user, lat=GATE_LAT, lon=GATE_LON, at=local(DAY, 6, 19))
    assert exc.value.code == "too_early" and "opens at 06:20" in exc.value.message
    with pytest.raises(DomainError) as exc:
        duty_check_in(assignment=day.assignment, actor=day.user, lat=GATE_LAT, lon=GATE_LON, at=local(DAY, 8, 0))
    assert exc.value.code == "window_over" and "ended at 08:00" in exc.value.message
    _nothing_written()
    duty_check_in(assignment=day.assignment, actor=day.user, lat=GATE_LAT, lon=GATE_LON, at=local(DAY, 7, 10))
    with pytest.raises(Conflict, match="already checked in"):
        duty_check_in(assignment=day.assignment, actor=day.user, lat=GATE_LAT, lon=GATE_LON, at=local(DAY, 7, 11))
    assert CheckIn.objects.count() == 1


def test_check_out_flags_early_and_refuses_twice_and_without_check_in(day):
    with pytest.raises(DomainError, match="have not checked in"):
        duty_check_out(assignment=day.assignment, actor=day.user, at=local(DAY, 7, 50))
    duty_check_in(assignment=day.assignment, actor=day.user, lat=GATE_LAT, lon=GATE_LON, at=local(DAY, 7, 10))
    far_lat, far_lon = north_of_gate(800)
    with pytest.raises(DomainError, match="You are 800 m from"):
        duty_check_out(assignment=day.assignment, actor=day.user, lat=far_lat, lon=far_lon, at=local(DAY, 7, 50))
    assert CheckIn.objects.get().checked_out_at is None
    checkin = duty_check_out(assignment=day.assignment, actor=day.user, at=local(DAY, 7, 50))
    assert checkin.early and checkin.checked_out_at == local(DAY, 7, 50)
    assert AuditLogEntry.objects.filter(action="duty.checkout").count() == 1
    with pytest.raises(Conflict, match="already checked out at 07:50"):
        duty_check_out(assignment=day.assignment, actor=day.user, at=local(DAY, 8, 1))


def test_check_out_after_the_window_is_not_early(day):
    duty_check_in(assignment=day.assignment, actor=day.user, lat=GATE_LAT, lon=GATE_LON, at=local(DAY, 7, 10))
    checkin = duty_check_out(assignment=day.assignment, actor=day.user, lat=GATE_LAT, lon=GATE_LON, at=local(DAY, 8, 0))
    assert not checkin.early and checkin.out_distance_m == pytest.approx(0, abs=0.5)


def test_someone_else_cannot_check_out(day):
    duty_check_in(assignment=day.assignment, actor=day.user, lat=GATE_LAT, lon=GATE_LON, at=local(DAY, 7, 10))
    other = make_user(Role.STATION_OFFICER, username="someone")
    with pytest.raises(NotAllowed):
        duty_check_out(assignment=day.assignment, actor=other, at=local(DAY, 7, 50))
    assert CheckIn.objects.get().checked_out_at is None


def test_check_in_page_posts_the_position_and_shows_the_refusal(client, day):
    client.force_login(day.user)
    lat, lon = north_of_gate(400)
    url = f"/patrol/duty/assignments/{day.assignment.pk}/check-in/"
    response = client.post(url, {"lat": lat, "lon": lon, "accuracy_m": 10}, HTTP_ACCEPT_LANGUAGE="en", follow=True)
    text = response.content.decode()
    # Not in the window now (the shift is in 2026): the refusal is shown and nothing is written.
    assert response.status_code == 200 and CheckIn.objects.count() == 0
    assert "too late to check in" in text or "opens at" in text or "400 m" in text


def test_check_in_page_refuses_another_persons_duty_with_a_message(client, day):
    other = make_user(Role.STATION_OFFICER, username="someone_else")
    client.force_login(other)
    response = client.post(
        f"/patrol/duty/assignments/{day.assignment.pk}/check-in/",
        {"lat": GATE_LAT, "lon": GATE_LON},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    assert "This duty belongs to Officer Wang" in response.content.decode()
    _nothing_written()


def test_api_check_in_returns_the_error_body(client, day):
    client.force_login(day.user)
    response = client.post(
        f"/api/patrol/duty/assignments/{day.assignment.pk}/check-in/",
        {"lat": GATE_LAT},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "bad_position"
    _nothing_written()


def test_today_page_lists_my_duties(client, day):
    client.force_login(day.user)
    response = client.get(f"/patrol/duty/today/?date={DAY.isoformat()}", HTTP_ACCEPT_LANGUAGE="en")
    text = response.content.decode()
    assert response.status_code == 200 and "Main gate" in text and "07:20" in text
    assert "duty_checkin.js" in text
    assert dt.date(2026, 9, 7).isoformat() in text
