"""Changes that break published duties flag them at once, reach the roster pages and the overview, tell
the people, and "re-plan just these" covers them again (issue 15).

The county: two stations, one school each, one post needing a police officer at arrival, Monday to
Friday, from last week to the week after next (the two coming weeks are made school days by county
overrides, whatever the real calendar says). Three officers at station A, two at station B. The roster
is generated and published before each test.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from campus.models import CalendarOverride, Officer, Term
from common.dates import monday_of
from common.models import AuditLogEntry
from common.roles import Role
from notices.models import Notice
from patrol.duty import breaks as breaks_module
from patrol.duty.breaks import breaks_open, duty_breaks_replan
from patrol.duty.dashboard import duty_section
from patrol.models import DutyAssignment, DutyBreak, DutyRole, DutyShift, DutyStaff, Leave, Post, Roster
from patrol.roster import selectors as roster_selectors
from patrol.roster.generate import roster_generate
from patrol.roster.services import roster_publish
from patrol.schedule import services as schedule_services
from patrol.schedule.shifts import duty_shifts_build
from tests.factories import GateFactory, OfficerFactory, SchoolFactory, StationFactory, make_user
from tests.patrol.factories import BellScheduleFactory, BellTimeFactory, PostFactory, TermFactory, local

LIMIT = 3.0


@dataclass
class County:
    term: Term
    scheduler: object
    week1: dt.date  # next Monday
    week2: dt.date
    stations: list
    schools: list
    posts: list[Post]
    officer: Officer  # station A's first officer, with a login, linked to ``a1``
    user: object
    a1: DutyStaff
    a2: DutyStaff
    a3: DutyStaff
    b1: DutyStaff
    b2: DutyStaff


def _school(station, n: int):
    school = SchoolFactory(lat=36.18 + n * 0.2, lon=118.17)
    school.responsible_station = station
    school.save(update_fields=["responsible_station"])
    return school


@pytest.fixture
def county(db) -> County:
    scheduler = make_user(Role.BRIGADE_SCHEDULER, username="breaks_scheduler")
    today = timezone.localdate()
    week1 = monday_of(today) + dt.timedelta(days=7)
    week2 = week1 + dt.timedelta(days=7)
    for week in (week1, week2):
        for d in range(5):
            CalendarOverride.objects.create(date=week + dt.timedelta(days=d), kind=CalendarOverride.Kind.WORKDAY)
    term = TermFactory(start_date=monday_of(today) - dt.timedelta(days=7), end_date=week2 + dt.timedelta(days=4))
    stations = [StationFactory(), StationFactory()]
    schools = [_school(stations[0], 0), _school(stations[1], 1)]
    posts = []
    for school in schools:
        posts.append(PostFactory(gate=GateFactory(school=school, lat=school.lat, lon=school.lon),
                                 requirements={"police": 1}, window_kinds=["arrival"]))  # fmt: skip
        BellTimeFactory(schedule=BellScheduleFactory(school=school), kind="arrival", time=dt.time(7, 50))
    duty_shifts_build(term=term, actor=scheduler, schools=schools)
    officer = OfficerFactory(station=stations[0])
    user = make_user(Role.STATION_OFFICER, officer=officer, username="officer_a1")
    a1 = DutyStaff.objects.create(role=DutyRole.POLICE, name="A1", station=stations[0], officer=officer, user=user)
    a2 = DutyStaff.objects.create(role=DutyRole.POLICE, name="A2", station=stations[0], max_per_week=3)
    a3 = DutyStaff.objects.create(role=DutyRole.POLICE, name="A3", station=stations[0], max_per_week=3)
    b1 = DutyStaff.objects.create(role=DutyRole.POLICE, name="B1", station=stations[1])
    b2 = DutyStaff.objects.create(role=DutyRole.POLICE, name="B2", station=stations[1])
    roster = roster_generate(term=term, actor=scheduler, time_limit_s=LIMIT)
    assert roster.report["coverage"]["share"] == 1.0
    roster_publish(term=term, actor=scheduler)
    return County(term, scheduler, week1, week2, stations, schools, posts, officer, user, a1, a2, a3, b1, b2)


def _future_published(**filters):
    return DutyAssignment.objects.filter(published=True, shift__start__gt=timezone.now(), **filters)


def _flagged() -> set[int]:
    return set(DutyBreak.objects.filter(cleared_at__isnull=True).values_list("assignment_id", flat=True))


def _give_a1(county: County, days: list[dt.date]) -> list[DutyAssignment]:
    """Put A1 on station A's post on ``days`` (published), whoever had it."""
    duties = []
    for day in days:
        shift = DutyShift.objects.get(post=county.posts[0], date=day)
        DutyAssignment.objects.filter(shift=shift).delete()
        duties.append(
            DutyAssignment.objects.create(shift=shift, staff=county.a1, role="police", pinned=True, published=True)
        )
    return duties


# --- each change flags exactly the broken published duties ------------------------------------------


def test_leave_flags_the_published_duties_it_covers_not_past_or_unpublished_ones(county):
    days = [county.week1 + dt.timedelta(days=d) for d in range(5)]
    duties = _give_a1(county, days)
    past = DutyAssignment.objects.create(
        shift=DutyShift.objects.filter(post=county.posts[0], start__lt=timezone.now()).exclude(
            assignments__staff=county.a1).first(),
        staff=county.a1, role="police", published=True, pinned=True,
    )  # fmt: skip
    DutyAssignment.objects.filter(pk=duties[4].pk).update(published=False)  # edited after the publish

    leave = schedule_services.leave_create(
        staff=county.a1,
        start=local(days[1], 0) - dt.timedelta(days=30),
        end=local(days[4], 23),
        actor=county.scheduler,
        reason="training",
    )

    expected = set(_future_published(staff=county.a1, shift__start__lt=leave.end).values_list("pk", flat=True))
    assert {d.pk for d in duties[:4]} <= expected
    assert _flagged() == expected
    assert past.pk not in _flagged() and duties[4].pk not in _flagged()
    reasons = set(DutyBreak.objects.values_list("reason", flat=True))
    assert reasons == {DutyBreak.Reason.LEAVE}
    [note] = leave.change_notes
    assert note.count == len(expected)
    assert f"..{days[3]:%m-%d}" in note.text
    assert reverse("patrol:roster-breaks", kwargs={"term_id": county.term.pk}) in note.text
    notice = Notice.objects.get(user=county.user, kind="duty_changed")
    assert notice.params["count"] == len(expected) and notice.url == reverse("patrol:roster-mine")
    assert AuditLogEntry.objects.filter(action="patrol.duty.broken").count() == 1


def test_leave_over_the_same_duties_twice_flags_them_once(county):
    duties = _give_a1(county, [county.week1])
    for _ in range(2):
        schedule_services.leave_create(
            staff=county.a1, start=local(county.week1, 0), end=local(county.week1, 23), actor=county.scheduler
        )
    assert DutyBreak.objects.filter(assignment=duties[0]).count() == 1


def test_leave_without_duties_breaks_nothing(county):
    leave = schedule_services.leave_create(
        staff=county.b1, start=local(county.week2, 12), end=local(county.week2, 13), actor=county.scheduler
    )
    assert leave.change_notes == []
    assert not DutyBreak.objects.exists()


def test_officer_transfer_moves_the_duty_record_and_flags_the_old_stations_duties(county):
    from campus.services import officer_transfer

    duties = _give_a1(county, [county.week1, county.week2])
    admin = make_user(Role.BUREAU_ADMIN, username="registry_admin")

    officer = officer_transfer(officer=county.officer, station=county.stations[1], actor=admin, reason="moved")

    county.a1.refresh_from_db()
    assert county.a1.station_id == county.stations[1].id
    expected = set(_future_published(staff=county.a1).values_list("pk", flat=True))
    assert {d.pk for d in duties} <= expected
    assert _flagged() == expected
    assert set(DutyBreak.objects.values_list("reason", flat=True)) == {DutyBreak.Reason.TRANSFER}
    assert officer.change_notes[0].count == len(expected)


def test_officer_transfer_page_says_how_many_duties_broke(county, english_client):
    _give_a1(county, [county.week1])
    admin = make_user(Role.BUREAU_ADMIN, username="registry_admin")
    english_client.force_login(admin)
    response = english_client.post(
        reverse("campus:officer_transfer", kwargs={"pk": county.officer.pk}),
        {"station": county.stations[1].pk, "reason": "moved"},
        follow=True,
    )
    text = response.content.decode()
    count = DutyBreak.objects.count()
    assert count >= 1
    assert f"{count} published dut" in text and "now need" in text, text[text.find("messages") :][:600]
    assert reverse("patrol:roster-breaks", kwargs={"term_id": county.term.pk}) in text


def test_officer_deactivation_flags_all_their_published_duties_to_come(county):
    from campus.services import officer_deactivate

    duties = _give_a1(county, [county.week1, county.week1 + dt.timedelta(days=1)])
    admin = make_user(Role.BUREAU_ADMIN, username="registry_admin")
    officer_deactivate(officer=county.officer, actor=admin, reason="retired")
    county.a1.refresh_from_db()
    assert not county.a1.active
    expected = set(_future_published(staff=county.a1).values_list("pk", flat=True))
    assert {d.pk for d in duties} <= expected
    assert _flagged() == expected
    assert set(DutyBreak.objects.values_list("reason", flat=True)) == {DutyBreak.Reason.INACTIVE}


def test_duty_staff_moved_to_another_station_in_the_setup_flags_the_old_stations_duties(county):
    duties = _future_published(staff=county.a2)
    expected = set(duties.values_list("pk", flat=True))
    assert expected
    staff = schedule_services.duty_staff_update(staff=county.a2, actor=county.scheduler, station=county.stations[1])
    assert _flagged() == expected
    assert staff.change_notes[0].count == len(expected)


def test_school_closure_flags_the_closed_days_duties_only(county):
    wed, thu = county.week1 + dt.timedelta(days=2), county.week1 + dt.timedelta(days=3)
    expected = set(
        _future_published(shift__post=county.posts[0], shift__date__in=[wed, thu]).values_list("pk", flat=True)
    )
    closure = schedule_services.school_closure_create(
        school=county.schools[0], start_date=wed, end_date=thu, actor=county.scheduler, reason="flu"
    )
    assert _flagged() == expected and len(expected) == 2
    assert set(DutyBreak.objects.values_list("reason", flat=True)) == {DutyBreak.Reason.CLOSURE}
    assert closure.change_notes[0].count == 2


def test_bell_change_flags_the_schools_duties_at_the_old_time(county):
    expected = set(_future_published(shift__post=county.posts[0]).values_list("pk", flat=True))
    schedule_services.bell_schedule_save(
        school=county.schools[0],
        name="Mon-Fri",
        weekdays=[0, 1, 2, 3, 4],
        bells=[{"kind": "arrival", "time": "08:10"}],
        actor=county.scheduler,
    )
    assert _flagged() == expected and expected
    assert set(DutyBreak.objects.values_list("reason", flat=True)) == {DutyBreak.Reason.BELLS}


def test_unchanged_bell_times_break_nothing(county):
    schedule_services.bell_schedule_save(
        school=county.schools[0],
        name="Mon-Fri",
        weekdays=[0, 1, 2, 3, 4],
        bells=[{"kind": "arrival", "time": "07:50"}],
        actor=county.scheduler,
    )
    assert not DutyBreak.objects.exists()


def test_post_closed_flags_its_duties_and_no_other_posts(county):
    expected = set(_future_published(shift__post=county.posts[0]).values_list("pk", flat=True))
    post = schedule_services.post_update(post=county.posts[0], actor=county.scheduler, active=False)
    assert _flagged() == expected and expected
    assert set(DutyBreak.objects.values_list("reason", flat=True)) == {DutyBreak.Reason.POST}
    assert post.change_notes[0].count == len(expected)


# --- nothing half written ------------------------------------------------------------------------


def test_a_failing_flag_rolls_the_leave_back(county, monkeypatch):
    _give_a1(county, [county.week1])

    def broken_notify(**kwargs):
        raise RuntimeError("notices down")

    monkeypatch.setattr(breaks_module, "duty_change_notify", broken_notify)
    with pytest.raises(RuntimeError):
        schedule_services.leave_create(
            staff=county.a1, start=local(county.week1, 0), end=local(county.week1, 23), actor=county.scheduler
        )
    assert not Leave.objects.exists()
    assert not DutyBreak.objects.exists()


def test_a_failing_hook_rolls_the_transfer_back(county, monkeypatch):
    from campus.services import officer_transfer

    _give_a1(county, [county.week1])
    monkeypatch.setattr(breaks_module, "duty_change_notify", lambda **kw: (_ for _ in ()).throw(RuntimeError("x")))
    admin = make_user(Role.BUREAU_ADMIN, username="registry_admin")
    with pytest.raises(RuntimeError):
        officer_transfer(officer=county.officer, station=county.stations[1], actor=admin, reason="moved")
    county.officer.refresh_from_db()
    county.a1.refresh_from_db()
    assert county.officer.station_id == county.stations[0].id
    assert county.a1.station_id == county.stations[0].id
    assert not DutyBreak.objects.exists()


# --- the pages and the overview show them --------------------------------------------------------


def _leave_over_week1(county: County) -> list[DutyAssignment]:
    days = [county.week1 + dt.timedelta(days=d) for d in range(3)]
    duties = _give_a1(county, days)
    schedule_services.leave_create(
        staff=county.a1, start=local(days[0], 0), end=local(days[-1], 23), actor=county.scheduler
    )
    return duties


def test_roster_pages_show_the_broken_duties(county, english_client):
    _leave_over_week1(county)
    english_client.force_login(county.scheduler)
    home = english_client.get(reverse("patrol:roster-home")).content.decode()
    assert "3 published duties need cover" in home
    term = english_client.get(reverse("patrol:roster-term", kwargs={"term_id": county.term.pk})).content.decode()
    assert "3 published duties need cover" in term and "Re-plan just these" in term
    week = english_client.get(
        reverse("patrol:roster-week", kwargs={"term_id": county.term.pk}),
        {"week": county.week1.isoformat(), "school": county.schools[0].pk},
    ).content.decode()
    assert week.count("needs cover: On leave or another duty") == 3
    page = english_client.get(reverse("patrol:roster-breaks", kwargs={"term_id": county.term.pk})).content.decode()
    assert "3 published duties need cover." in page and page.count("On leave or another duty") == 3


def _tile(user, key="duties_need_cover"):
    with translation.override("en"):
        return next((t for t in duty_section(user=user, now=timezone.now()).tiles if t.key == key), None)


def test_overview_counts_broken_duties_to_come_for_schedulers_and_todays_for_the_station(county):
    _leave_over_week1(county)  # next week's: not today's
    tile = _tile(county.scheduler)
    assert tile.value == 3 and tile.level == "alert" and tile.url == reverse("patrol:roster-home")
    assert tile.note == f"the first on {county.week1.strftime('%m-%d')}"
    assert _tile(county.user) is None, "a station officer's overview counts today's only"

    start = timezone.now() + dt.timedelta(minutes=2)
    today = timezone.localdate(start)
    shift = DutyShift.objects.create(
        term=county.term, post=county.posts[0], date=today, kind="noon_dismissal", start=start,
        end=start + dt.timedelta(minutes=30), requirements={"police": 1},
    )  # fmt: skip
    DutyAssignment.objects.create(shift=shift, staff=county.b1, role="police", published=True, pinned=True)
    schedule_services.duty_staff_update(staff=county.b1, actor=county.scheduler, active=False)

    tile = _tile(county.scheduler)
    # every open break to come: next week's three, today's and B1's other published duties
    assert tile.value == breaks_open().count() >= 4
    # today's: the new duty, and at some hours one of B1's from the county fixture as well
    today_count = breaks_open().filter(shift__date=today).count()
    assert today_count >= 1 and tile.note == f"{today_count} of them today"
    station_tile = _tile(county.user)
    assert station_tile is not None and station_tile.value >= 1


def test_school_staff_of_another_school_see_none_of_them(county):
    _leave_over_week1(county)
    staff_b = make_user(Role.SCHOOL_STAFF, school=county.schools[1], username="school_b_staff")
    assert breaks_open(user=staff_b, term=county.term).count() == 0
    staff_a = make_user(Role.SCHOOL_STAFF, school=county.schools[0], username="school_a_staff")
    assert breaks_open(user=staff_a, term=county.term).count() == 3


# --- re-plan just these --------------------------------------------------------------------------


def test_replan_just_these_covers_them_clears_them_and_keeps_the_rest(county):
    duties = _leave_over_week1(county)
    station_b_before = set(
        DutyAssignment.objects.filter(shift__post=county.posts[1]).values_list("pk", "staff_id", "shift_id")
    )
    week2_before = set(
        DutyAssignment.objects.filter(shift__post=county.posts[0], shift__date__gte=county.week2).values_list(
            "pk", "staff_id"
        )
    )

    result = duty_breaks_replan(term=county.term, actor=county.scheduler, time_limit_s=LIMIT)

    assert result.pieces == 1
    assert result.cleared == 3 and result.still_open == 0 and result.released == 3
    assert not breaks_open(term=county.term).exists()
    assert not DutyAssignment.objects.filter(pk__in=[d.pk for d in duties]).exists()
    for duty in duties:
        [cover] = DutyAssignment.objects.filter(shift_id=duty.shift_id)
        assert cover.staff_id in (county.a2.pk, county.a3.pk) and not cover.published
    # Other pools and other weeks untouched.
    assert set(DutyAssignment.objects.filter(shift__post=county.posts[1]).values_list("pk", "staff_id", "shift_id")) \
        == station_b_before  # fmt: skip
    assert (
        set(
            DutyAssignment.objects.filter(shift__post=county.posts[0], shift__date__gte=county.week2).values_list(
                "pk", "staff_id"
            )
        )
        == week2_before
    )
    # The people: A1 lost three duties, the others got them.
    titles = list(Notice.objects.filter(user=county.user).values_list("title", flat=True))
    assert breaks_module.RELEASED_TITLE in titles
    assert AuditLogEntry.objects.filter(action=breaks_module.REPLAN_ACTION).count() == 1


def test_the_api_lists_them_in_scope_and_replans_just_these(county, client):
    _leave_over_week1(county)
    url = reverse("patrol_api:roster-break-list", kwargs={"term_id": county.term.pk})
    client.force_login(county.scheduler)
    body = client.get(url, HTTP_ACCEPT_LANGUAGE="en").json()
    assert body["count"] == 3
    first = body["results"][0]
    assert first["reason"] == "leave" and first["reason_label"] == "On leave or another duty"
    assert first["staff"] == "A1" and first["date"] == county.week1.isoformat() and first["assignment_id"]

    client.force_login(make_user(Role.SCHOOL_STAFF, school=county.schools[1], username="school_b_staff_api"))
    assert client.get(url).json()["count"] == 0

    client.force_login(county.scheduler)
    replan = reverse("patrol_api:roster-breaks-replan", kwargs={"term_id": county.term.pk})
    refused = client.post(replan, {"time_limit_s": 0}, content_type="application/json")
    assert refused.status_code == 400 and "time_limit_s" in refused.json()
    done = client.post(replan, {"time_limit_s": LIMIT}, content_type="application/json")
    assert done.status_code == 200, done.content
    assert done.json()["cleared"] == 3 and done.json()["still_open"] == 0
    assert client.get(url).json()["count"] == 0
    again = client.post(replan, {}, content_type="application/json")
    assert again.status_code == 400 and again.json()["code"] == "no_breaks"


def test_the_released_published_duties_are_counted_as_removed_since_publish(county):
    _leave_over_week1(county)
    roster = county.term.roster
    assert roster_selectors.removals_since_publish(roster) == 0
    duty_breaks_replan(term=county.term, actor=county.scheduler, time_limit_s=LIMIT)
    roster.refresh_from_db()
    assert roster.report["changes"]["removed_published"] == 3
    assert roster_selectors.removals_since_publish(roster) == 3


def test_a_plain_replan_that_releases_published_duties_reports_them(county):
    _leave_over_week1(county)
    roster = roster_generate(term=county.term, actor=county.scheduler, time_limit_s=LIMIT, replan=True)
    assert roster.report["changes"]["removed_published"] == 3
    assert roster_selectors.removals_since_publish(roster) == 3


def test_replan_after_a_closure_releases_the_closed_days_and_rebuilds_the_shifts(county):
    wed = county.week1 + dt.timedelta(days=2)
    schedule_services.school_closure_create(
        school=county.schools[0], start_date=wed, end_date=wed, actor=county.scheduler
    )
    result = duty_breaks_replan(term=county.term, actor=county.scheduler, time_limit_s=LIMIT)
    assert result.released == 1
    assert not DutyShift.objects.filter(post=county.posts[0], date=wed).exists()
    assert not DutyBreak.objects.filter(cleared_at__isnull=True).exists()
    roster = Roster.objects.get(term=county.term)
    assert roster.status == Roster.Status.PUBLISHED, (roster.status, roster.published_at, Roster.objects.count())
    assert roster_selectors.removals_since_publish(roster) == 1


def test_replan_after_a_bell_change_moves_the_duties_to_the_new_time(county):
    schedule_services.bell_schedule_save(
        school=county.schools[0], name="Mon-Fri", weekdays=[0, 1, 2, 3, 4],
        bells=[{"kind": "arrival", "time": "08:10"}], actor=county.scheduler,
    )  # fmt: skip
    broken = DutyBreak.objects.filter(cleared_at__isnull=True).count()
    result = duty_breaks_replan(term=county.term, actor=county.scheduler, time_limit_s=LIMIT)
    assert result.released == broken
    week1_shifts = DutyShift.objects.filter(post=county.posts[0], date__gte=county.week1)
    assert {timezone.localtime(s.start).time() for s in week1_shifts} == {dt.time(7, 40)}
    assert all(s.assignments.count() == 1 for s in week1_shifts)
    assert not breaks_open(term=county.term).exists()


def test_a_break_stays_open_while_nobody_can_cover_it(county):
    duties = _give_a1(county, [county.week1])
    for person in (county.a2, county.a3):
        schedule_services.leave_create(
            staff=person, start=local(county.week1, 0), end=local(county.week1, 23), actor=county.scheduler
        )
    schedule_services.leave_create(
        staff=county.a1, start=local(county.week1, 0), end=local(county.week1, 23), actor=county.scheduler
    )
    result = duty_breaks_replan(term=county.term, actor=county.scheduler, time_limit_s=LIMIT)
    assert result.still_open == 1
    [open_break] = breaks_open(term=county.term)
    assert open_break.assignment_id is None and open_break.shift_id == duties[0].shift_id


def test_replan_without_broken_duties_is_refused(county):
    from common.errors import DomainError

    with pytest.raises(DomainError) as caught:
        duty_breaks_replan(term=county.term, actor=county.scheduler)
    assert caught.value.code == "no_breaks"


def test_replan_page_for_a_viewer_is_forbidden_and_changes_nothing(county, english_client):
    _leave_over_week1(county)
    viewer = make_user(Role.STATION_OFFICER, username="viewer")
    english_client.force_login(viewer)
    rows = set(DutyAssignment.objects.values_list("pk", flat=True))
    response = english_client.post(reverse("patrol:roster-breaks", kwargs={"term_id": county.term.pk}))
    assert response.status_code == 403
    assert set(DutyAssignment.objects.values_list("pk", flat=True)) == rows
    assert breaks_open(term=county.term).count() == 3


@pytest.mark.parametrize("limit", ["soon", "0", "601"])
def test_replan_page_rejects_a_bad_time_limit_and_writes_nothing(county, english_client, limit):
    _leave_over_week1(county)
    english_client.force_login(county.scheduler)
    rows = set(DutyAssignment.objects.values_list("pk", flat=True))
    response = english_client.post(
        reverse("patrol:roster-breaks", kwargs={"term_id": county.term.pk}), {"time_limit_s": limit}, follow=True
    )
    assert "Time limit:" in response.content.decode()
    assert set(DutyAssignment.objects.values_list("pk", flat=True)) == rows
    assert breaks_open(term=county.term).count() == 3


def test_replan_page_covers_them(county, english_client):
    _leave_over_week1(county)
    english_client.force_login(county.scheduler)
    response = english_client.post(
        reverse("patrol:roster-breaks", kwargs={"term_id": county.term.pk}), {"time_limit_s": "10"}, follow=True
    )
    text = response.content.decode()
    assert "3 broken duties covered again, 0 still need cover" in text
    assert "0 published duties need cover." in text


def test_a_broken_duty_within_a_day_is_an_urgent_notice(county):
    start = timezone.now() + dt.timedelta(hours=3)
    shift = DutyShift.objects.create(
        term=county.term, post=county.posts[0], date=timezone.localdate(start), kind="noon_arrival", start=start,
        end=start + dt.timedelta(minutes=30), requirements={"police": 1},
    )  # fmt: skip
    DutyAssignment.objects.create(shift=shift, staff=county.a1, role="police", published=True, pinned=True)
    leave_start, leave_end = start - dt.timedelta(minutes=5), start + dt.timedelta(hours=1)
    # The county's own published duties of a1 may fall in the hour too, depending on the time of day.
    broken = DutyAssignment.objects.filter(
        staff=county.a1, published=True, shift__start__lt=leave_end, shift__end__gt=leave_start
    ).count()
    schedule_services.leave_create(staff=county.a1, start=leave_start, end=leave_end, actor=county.scheduler)
    notice = Notice.objects.get(user=county.user, kind="duty_changed")
    assert notice.urgent and broken >= 1 and notice.params["count"] == broken


def test_a_broken_duty_next_week_is_not_urgent(county):
    _give_a1(county, [county.week2 + dt.timedelta(days=4)])
    schedule_services.leave_create(
        staff=county.a1, start=local(county.week2 + dt.timedelta(days=4), 0),
        end=local(county.week2 + dt.timedelta(days=4), 23), actor=county.scheduler,
    )  # fmt: skip
    notice = Notice.objects.get(user=county.user, kind="duty_changed")
    assert not notice.urgent


def test_the_people_given_the_released_duties_are_told(county):
    county.a2.user = make_user(Role.STATION_OFFICER, username="officer_a2")
    county.a2.save(update_fields=["user"])
    county.a3.user = make_user(Role.STATION_OFFICER, username="officer_a3")
    county.a3.save(update_fields=["user"])
    _leave_over_week1(county)
    duty_breaks_replan(term=county.term, actor=county.scheduler, time_limit_s=LIMIT)
    told = Notice.objects.filter(kind="duty_changed", title=breaks_module.ADDED_TITLE)
    assert set(told.values_list("user__username", flat=True)) <= {"officer_a2", "officer_a3"}
    assert sum(n.params["count"] for n in told) == 3


def test_county_window_rule_change_flags_the_duties_at_the_old_times(county):
    expected = set(_future_published().values_list("pk", flat=True))
    rule = schedule_services.window_rule_save(kind="arrival", before_min=20, after_min=10, actor=county.scheduler)
    assert _flagged() == expected and expected
    assert set(DutyBreak.objects.values_list("reason", flat=True)) == {DutyBreak.Reason.BELLS}
    assert rule.change_notes[0].count == len(expected)


def test_replan_after_a_post_closed_releases_its_duties(county):
    expected = _future_published(shift__post=county.posts[0]).count()
    schedule_services.post_update(post=county.posts[0], actor=county.scheduler, active=False)
    result = duty_breaks_replan(term=county.term, actor=county.scheduler, time_limit_s=LIMIT)
    assert result.released == expected
    assert not _future_published(shift__post=county.posts[0]).exists()
    assert not breaks_open(term=county.term).exists()


def test_term_page_counts_the_duties_a_replan_released(county, english_client):
    _leave_over_week1(county)
    duty_breaks_replan(term=county.term, actor=county.scheduler, time_limit_s=LIMIT)
    english_client.force_login(county.scheduler)
    page = english_client.get(reverse("patrol:roster-term", kwargs={"term_id": county.term.pk})).content.decode()
    assert "3 removed since the last publish" in page


def test_breaks_page_of_an_unknown_term_is_404(county, english_client):
    english_client.force_login(county.scheduler)
    response = english_client.get(reverse("patrol:roster-breaks", kwargs={"term_id": county.term.pk + 999}))
    assert response.status_code == 404
