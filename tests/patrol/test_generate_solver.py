"""Roster generation (CP-SAT): hard constraints, uncovered reasons, preferences, re-planning, errors."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from campus.models import LiaisonAssignment
from common.errors import DomainError, NotAllowed
from common.models import AuditLogEntry
from common.roles import Role
from patrol.models import DutyAssignment, DutyRole, Roster
from patrol.roster import generate as generate_module
from patrol.roster.generate import roster_generate
from tests.factories import GateFactory, OfficerFactory, SchoolFactory, StationFactory, make_user
from tests.patrol.factories import (
    DutyShiftFactory,
    DutyStaffFactory,
    LeaveFactory,
    PostFactory,
    TermFactory,
    local,
)

MON = dt.date(2026, 9, 7)
LIMIT = 2.0


@pytest.fixture
def scheduler_user(db):
    return make_user(Role.BRIGADE_SCHEDULER, username="gen_scheduler")


@pytest.fixture
def area(db):
    station = StationFactory()
    term = TermFactory()
    return {"station": station, "term": term}


def school_at(area, lat: float = 36.18, lon: float = 118.17):
    school = SchoolFactory(lat=lat, lon=lon)
    school.responsible_station = area["station"]
    school.save(update_fields=["responsible_station"])
    return school


def post_at(school, requirements: dict, lat: float | None = None, lon: float | None = None):
    gate = GateFactory(school=school, lat=lat or school.lat, lon=lon or school.lon)
    return PostFactory(gate=gate, requirements=requirements)


def shift(area, post, day: dt.date = MON, start=(7, 20), end=(8, 0), **requirements):
    return DutyShiftFactory(
        term=area["term"],
        post=post,
        date=day,
        start=local(day, *start),
        end=local(day, *end),
        requirements=requirements or dict(post.requirements),
    )


def police(area, **kwargs):
    return DutyStaffFactory(role=DutyRole.POLICE, station=area["station"], **kwargs)


def run(area, actor, **kwargs) -> Roster:
    kwargs.setdefault("time_limit_s", LIMIT)
    return roster_generate(term=area["term"], actor=actor, **kwargs)


def staff_on(shift_) -> set[int]:
    return set(DutyAssignment.objects.filter(shift=shift_).values_list("staff_id", flat=True))


def reasons(roster: Roster) -> dict[int, str]:
    return {u["shift_id"]: u["reason"] for u in roster.report["uncovered"]}


def test_fills_every_slot_and_reports_coverage(area, scheduler_user):
    school = school_at(area)
    s1 = shift(area, post_at(school, {"police": 1}))
    officer = police(area)
    roster = run(area, scheduler_user)
    assert staff_on(s1) == {officer.id}
    report = roster.report
    assert report["coverage"]["required"] == 1 and report["coverage"]["filled"] == 1
    assert report["status"] == "optimal" and roster.generated_at is not None
    assert report["uncovered"] == []
    assert set(report["weights"]) >= {"uncovered_slot", "fairness_deviation", "liaison_at_own_school", "continuity"}
    assert AuditLogEntry.objects.filter(action="patrol.roster.generate").count() == 1


def test_nobody_stands_two_overlapping_shifts(area, scheduler_user):
    school = school_at(area)
    a = shift(area, post_at(school, {"police": 1}))
    b = shift(area, post_at(school, {"police": 1}), start=(7, 30), end=(8, 10))
    police(area)
    roster = run(area, scheduler_user)
    assert len(staff_on(a)) + len(staff_on(b)) == 1
    assert list(reasons(roster).values()) == ["all_busy"]
    assert roster.report["uncovered"][0]["candidates"] == {"overlap": 1}


def test_travel_time_between_gates_is_respected(area, scheduler_user):
    near, far = school_at(area, 36.18, 118.17), school_at(area, 36.27, 118.17)  # 10 km: 20 min at 30 km/h
    a = shift(area, post_at(near, {"police": 1}), start=(7, 0), end=(7, 40))
    b = shift(area, post_at(far, {"police": 1}), start=(7, 55), end=(8, 30))
    police(area)
    roster = run(area, scheduler_user)
    assert len(staff_on(a)) + len(staff_on(b)) == 1
    assert roster.report["uncovered"][0]["candidates"] == {"travel": 1}
    assert roster.report["uncovered"][0]["reason"] == "all_busy"


def test_close_gates_with_enough_rest_can_be_chained(area, scheduler_user):
    school = school_at(area)
    a = shift(area, post_at(school, {"police": 1}), start=(7, 0), end=(7, 40))
    b = shift(area, post_at(school, {"police": 1}, lat=36.181), start=(7, 55), end=(8, 30))  # 110 m, 15 min gap
    officer = police(area)
    run(area, scheduler_user)
    assert staff_on(a) == staff_on(b) == {officer.id}


def test_leave_is_respected_and_named(area, scheduler_user):
    school = school_at(area)
    s1 = shift(area, post_at(school, {"police": 1}))
    s2 = shift(area, post_at(school, {"police": 1}), day=MON + dt.timedelta(days=1))
    officer = police(area)
    LeaveFactory(staff=officer, start=local(MON, 0), end=local(MON, 23))
    roster = run(area, scheduler_user)
    assert staff_on(s1) == set() and staff_on(s2) == {officer.id}
    assert reasons(roster) == {s1.id: "all_on_leave"}
    # Stored as a code with params naming who is on leave and when, not as text (patrol.roster.explain).
    assert roster.report["uncovered"][0]["cause"] == "leave"
    assert roster.report["uncovered"][0]["params"]["people"]["leave"] == [
        {"id": officer.id, "name": officer.name, "from": MON.isoformat(), "to": MON.isoformat()}
    ]


def test_daily_and_weekly_limits(area, scheduler_user):
    school = school_at(area)
    post = post_at(school, {"police": 1})
    morning = shift(area, post)
    afternoon = shift(area, post, start=(16, 10), end=(16, 45))
    tuesday = shift(area, post, day=MON + dt.timedelta(days=1))
    police(area, max_per_day=1, max_per_week=2)
    roster = run(area, scheduler_user)
    assert len(staff_on(morning)) + len(staff_on(afternoon)) == 1
    assert staff_on(tuesday)
    assert list(reasons(roster).values()) == ["limit_reached"]
    detail = roster.report["uncovered"][0]["candidates"]
    assert detail in ({"day_limit": 1}, {"week_limit": 1})


def test_weekly_limit_from_settings(area, scheduler_user, settings):
    settings.PATROL_MAX_DUTIES_PER_WEEK = 1
    school = school_at(area)
    post = post_at(school, {"police": 1})
    shift(area, post)
    shift(area, post, day=MON + dt.timedelta(days=1))
    police(area)
    roster = run(area, scheduler_user)
    assert roster.report["uncovered"][0]["candidates"] == {"week_limit": 1}


def test_qualification_auxiliary_never_fills_police_but_police_fills_auxiliary(area, scheduler_user):
    school = school_at(area)
    police_slot = shift(area, post_at(school, {"police": 1}))
    aux_slot = shift(area, post_at(school, {"auxiliary": 1}), day=MON + dt.timedelta(days=1))
    aux = DutyStaffFactory(role=DutyRole.AUXILIARY, station=area["station"])
    roster = run(area, scheduler_user)
    assert staff_on(police_slot) == set() and staff_on(aux_slot) == {aux.id}
    assert reasons(roster) == {police_slot.id: "no_one_qualified"}

    aux.active = False
    aux.save()
    officer = police(area)
    roster = run(area, scheduler_user)
    assert DutyAssignment.objects.get(shift=aux_slot).staff == officer
    assert DutyAssignment.objects.get(shift=aux_slot).role == "auxiliary"
    assert DutyAssignment.objects.get(shift=police_slot).role == "police"


def test_guards_only_at_their_own_school_police_only_at_their_stations_schools(area, scheduler_user):
    school_a, school_b = school_at(area), school_at(area, 36.19, 118.18)
    guard_slot = shift(area, post_at(school_a, {"guard": 1}))
    DutyStaffFactory(role=DutyRole.GUARD, station=None, school=school_b)
    DutyStaffFactory(role=DutyRole.POLICE, station=StationFactory())  # another station
    police_slot = shift(area, post_at(school_a, {"police": 1}), day=MON + dt.timedelta(days=1))
    roster = run(area, scheduler_user)
    assert not DutyAssignment.objects.exists()
    assert reasons(roster) == {guard_slot.id: "no_one_qualified", police_slot.id: "no_one_qualified"}
    own_guard = DutyStaffFactory(role=DutyRole.GUARD, station=None, school=school_a)
    run(area, scheduler_user)
    assert staff_on(guard_slot) == {own_guard.id}


def test_liaison_officer_preferred_at_own_school(area, scheduler_user):
    home, other = school_at(area), school_at(area, 36.19, 118.18)
    at_home = shift(area, post_at(home, {"police": 1}))
    at_other = shift(area, post_at(other, {"police": 1}))
    police(area)
    officer = OfficerFactory(station=area["station"])
    liaison = police(area, officer=officer)
    police(area)
    LiaisonAssignment.objects.create(school=home, officer=officer, started_at=timezone.now())
    roster = run(area, scheduler_user)
    assert staff_on(at_home) == {liaison.id} and liaison.id not in staff_on(at_other)
    assert roster.report["liaison"] == {"duties": 1, "at_own_school": 1, "share": 1.0}


def test_same_person_on_the_same_post_across_weeks(area, scheduler_user):
    school = school_at(area)
    posts = [post_at(school, {"police": 1}) for _ in range(2)]
    weeks = [[shift(area, post, day=MON + dt.timedelta(days=7 * w)) for post in posts] for w in range(3)]
    police(area)
    police(area)
    roster = run(area, scheduler_user)
    for w in (1, 2):
        for p in range(2):
            assert staff_on(weeks[w][p]) == staff_on(weeks[0][p])
    assert roster.report["continuity"]["share"] == 1.0


def test_load_is_shared_fairly_and_carried_across_weeks(area, scheduler_user):
    school = school_at(area)
    post = post_at(school, {"police": 1})
    for w in range(3):
        for d in range(3):
            shift(area, post, day=MON + dt.timedelta(days=7 * w + d))
    people = [police(area) for _ in range(2)]
    roster = run(area, scheduler_user)
    loads = sorted(DutyAssignment.objects.filter(staff=p).count() for p in people)
    assert loads in ([4, 5], [5, 4])  # 9 duties, never more than one apart over the term
    spread = roster.report["load"]["police"]
    assert spread["min"] == 4 and spread["max"] == 5 and spread["staff"] == 2


def test_replan_keeps_pinned_assignments(area, scheduler_user):
    school = school_at(area)
    post = post_at(school, {"police": 1})
    shifts = [shift(area, post, day=MON + dt.timedelta(days=d)) for d in range(4)]
    a, b = police(area), police(area)
    run(area, scheduler_user)
    row = DutyAssignment.objects.get(shift=shifts[0])
    other = b if row.staff_id == a.id else a
    row.staff = other
    row.pinned = True
    row.source = DutyAssignment.Source.MANUAL
    row.save()
    roster = run(area, scheduler_user, replan=True, from_date=MON)
    assert DutyAssignment.objects.get(pk=row.pk).staff == other
    assert roster.report["released"] == []


def test_replan_after_leave_changes_little_and_releases_pinned_on_leave(area, scheduler_user):
    school = school_at(area)
    posts = [post_at(school, {"police": 1}) for _ in range(2)]
    for d in range(5):
        for post in posts:
            shift(area, post, day=MON + dt.timedelta(days=d))
            shift(area, post, day=MON + dt.timedelta(days=d), start=(16, 10), end=(16, 45))
    people = [police(area) for _ in range(4)]
    run(area, scheduler_user)
    DutyAssignment.objects.update(pinned=True, published=True)
    before = set(DutyAssignment.objects.values_list("shift_id", "staff_id"))
    sick = people[0]
    tuesday = MON + dt.timedelta(days=1)
    lost = DutyAssignment.objects.filter(staff=sick, shift__date=tuesday).count()
    assert lost > 0
    LeaveFactory(staff=sick, start=local(tuesday, 0), end=local(tuesday, 23, 59))
    roster = run(area, scheduler_user, replan=True, from_date=MON)
    after = set(DutyAssignment.objects.values_list("shift_id", "staff_id"))
    assert len(before - after) == lost
    assert roster.report["changes"]["removed"] == lost
    assert roster.report["coverage"]["share"] == 1.0
    assert {r["staff_id"] for r in roster.report["released"]} == {sick.id}
    assert {r["reason"] for r in roster.report["released"]} == {"leave"}


def test_replan_of_unpinned_draft_changes_only_what_it_must(area, scheduler_user):
    school = school_at(area)
    post = post_at(school, {"police": 1})
    shifts = [shift(area, post, day=MON + dt.timedelta(days=d)) for d in range(5)]
    people = [police(area) for _ in range(3)]
    run(area, scheduler_user)
    first = DutyAssignment.objects.get(shift=shifts[2]).staff
    LeaveFactory(staff=first, start=local(shifts[2].date, 0), end=local(shifts[2].date, 23))
    before = set(DutyAssignment.objects.values_list("shift_id", "staff_id"))
    roster = run(area, scheduler_user, replan=True, from_date=MON)
    after = set(DutyAssignment.objects.values_list("shift_id", "staff_id"))
    assert len(before - after) == 1 and roster.report["changes"]["removed"] == 1
    assert len(people) == 3


def test_failure_writes_nothing(area, scheduler_user, monkeypatch):
    school = school_at(area)
    post = post_at(school, {"police": 1})
    s1 = shift(area, post)
    first = police(area)
    run(area, scheduler_user)
    assert staff_on(s1) == {first.id}
    first.active = False
    first.save()
    police(area)

    def broken(**kwargs):
        raise RuntimeError("audit store down")

    monkeypatch.setattr(generate_module, "audit_record", broken)
    with pytest.raises(RuntimeError):
        run(area, scheduler_user)
    assert staff_on(s1) == {first.id}
    assert Roster.objects.get(term=area["term"]).report["coverage"]["filled"] == 1


def test_time_limit_is_shared_out_across_pieces(area, scheduler_user, monkeypatch):
    from ortools.sat.python import cp_model

    school = school_at(area)
    post = post_at(school, {"police": 1, "guard": 1})
    for w in range(3):
        shift(area, post, day=MON + dt.timedelta(days=7 * w))
    police(area), police(area)  # two to choose from: a piece with one person per role is not solved
    DutyStaffFactory(role=DutyRole.GUARD, station=None, school=school)
    limits: list[float] = []
    original = cp_model.CpSolver.solve

    def spy(self, model, *args, **kwargs):
        limits.append(self.parameters.max_time_in_seconds)
        return original(self, model, *args, **kwargs)

    monkeypatch.setattr(cp_model.CpSolver, "solve", spy)
    roster = run(area, scheduler_user, time_limit_s=1.0)
    assert len(limits) == roster.report["pieces"]["count"] == 3
    assert sum(limits) <= 1.0 * roster.report["threads"]
    assert roster.report["coverage"]["share"] == 1.0
    assert roster.report["time_limit_s"] == 1.0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"time_limit_s": 0}, "Time limit: 0 s is out of range; give between 1 and 600 seconds."),
        ({"from_date": dt.date(2027, 3, 1)}, "From date: 2027-03-01 is outside the term"),
        ({"from_date": dt.date(2027, 1, 20)}, "has no duty shifts from 2027-01-20 on; create the shifts"),
    ],
)
def test_bad_input_is_rejected_and_nothing_written(area, scheduler_user, kwargs, message):
    shift(area, post_at(school_at(area), {"police": 1}))
    police(area)
    with pytest.raises(DomainError) as excinfo:
        run(area, scheduler_user, **kwargs)
    assert message in excinfo.value.message
    assert not DutyAssignment.objects.exists() and not Roster.objects.exists()
    assert not AuditLogEntry.objects.filter(action__startswith="patrol.roster").exists()


def test_only_duty_managers_may_generate(area):
    shift(area, post_at(school_at(area), {"police": 1}))
    police(area)
    with pytest.raises(NotAllowed):
        run(area, make_user(Role.STATION_OFFICER, username="gen_officer"))
    assert not DutyAssignment.objects.exists()


# --- the fallback path, the hint, re-planning only what changed, the final validator ---------------------


def _gate_term(area, weeks: int, police_count: int, **police_kwargs):
    """One school, a main gate needing a police officer and a guard, arrival and dismissal, Monday to Friday."""
    school = school_at(area)
    post = post_at(school, {"police": 1, "guard": 1})
    for w in range(weeks):
        for d in range(5):
            day = MON + dt.timedelta(days=7 * w + d)
            shift(area, post, day=day)
            shift(area, post, day=day, start=(16, 10), end=(16, 45))
    people = [police(area, **police_kwargs) for _ in range(police_count)]
    guard = DutyStaffFactory(role=DutyRole.GUARD, station=None, school=school)
    return people, guard


def _per_week(staff) -> dict[dt.date, int]:
    counts: dict[dt.date, int] = {}
    for day in DutyAssignment.objects.filter(staff=staff).values_list("shift__date", flat=True):
        week = day - dt.timedelta(days=day.weekday())
        counts[week] = counts.get(week, 0) + 1
    return counts


def test_timed_out_pieces_fall_back_to_greedy_without_double_counting(area, scheduler_user, monkeypatch):
    """Regression: the fallback filled a shift of two pools twice (duties above the weekly maximum)."""
    from patrol.roster import piece as piece_module

    people, guard = _gate_term(area, weeks=2, police_count=2, max_per_week=3)
    monkeypatch.setattr(piece_module._Piece, "solve", lambda self, *a, **k: ([], {"status": "unknown"}, {}))
    roster = run(area, scheduler_user)
    report = roster.report
    assert report["status"] == "partial" and set(report["pieces"]["by_status"]) == {"greedy_fallback"}
    for row in DutyAssignment.objects.values("shift_id", "role").distinct():
        assert DutyAssignment.objects.filter(shift_id=row["shift_id"], role=row["role"]).count() == 1
    for person in people:
        assert max(_per_week(person).values()) <= 3
    assert DutyAssignment.objects.filter(role="police").count() == 12  # 2 people x 3 x 2 weeks
    assert DutyAssignment.objects.filter(staff=guard).count() == 20
    assert report["load"]["police"]["max"] <= 6 and report["load"]["guard"]["max"] == 20
    assert report["uncovered_count"] == 8 and {u["reason"] for u in report["uncovered"]} == {"limit_reached"}


def test_cp_sat_answer_worse_than_greedy_is_not_taken(area, scheduler_user, monkeypatch):
    from patrol.roster import piece as piece_module

    _gate_term(area, weeks=1, police_count=2)
    monkeypatch.setattr(piece_module._Piece, "solve", lambda self, *a, **k: ([], {"status": "feasible"}, {}))
    roster = run(area, scheduler_user)
    assert roster.report["pieces"]["by_status"] == {"greedy_better": 1}
    assert roster.report["coverage"]["share"] == 1.0


def test_greedy_fill_is_the_hint(area, scheduler_user, monkeypatch):
    from ortools.sat.python import cp_model

    _gate_term(area, weeks=1, police_count=2)
    hints: list[int] = []
    original = cp_model.CpSolver.solve

    def spy(self, model, *args, **kwargs):
        hints.append(len(model.proto.solution_hint.vars))
        return original(self, model, *args, **kwargs)

    monkeypatch.setattr(cp_model.CpSolver, "solve", spy)
    roster = run(area, scheduler_user)
    assert hints and all(n > 0 for n in hints)
    assert roster.report["coverage"]["share"] == 1.0 and roster.report["status"] == "optimal"


def test_replan_solves_only_the_weeks_a_leave_touches(area, scheduler_user, monkeypatch):
    from ortools.sat.python import cp_model

    people, _guard = _gate_term(area, weeks=3, police_count=3)
    run(area, scheduler_user)
    DutyAssignment.objects.update(pinned=True, published=True)
    week2 = MON + dt.timedelta(days=8)  # Tuesday of the second week
    sick = DutyAssignment.objects.filter(shift__date=week2, role="police").first().staff
    LeaveFactory(staff=sick, start=local(week2, 0), end=local(week2, 23, 59))
    calls: list[int] = []
    original = cp_model.CpSolver.solve
    monkeypatch.setattr(cp_model.CpSolver, "solve", lambda self, m, *a, **k: calls.append(1) or original(self, m))
    roster = run(area, scheduler_user, replan=True, from_date=MON)
    assert len(calls) == 1
    assert roster.report["pieces"]["by_status"] == {"unchanged": 2, "optimal": 1}
    assert roster.report["coverage"]["share"] == 1.0
    assert not DutyAssignment.objects.filter(staff=sick, shift__date=week2).exists()
    assert roster.report["changes"]["removed"] == roster.report["changes"]["added"] >= 1


def test_final_validator_refuses_a_broken_solution_and_writes_nothing(area, scheduler_user, monkeypatch):
    school = school_at(area)
    a = shift(area, post_at(school, {"police": 1}))
    b = shift(area, post_at(school, {"police": 1}), start=(7, 30), end=(8, 10))
    officer = police(area)

    def broken(problem, *, time_limit_s, replan=False):
        return [(a.id, officer.id, "police"), (b.id, officer.id, "police")], {}

    monkeypatch.setattr(generate_module, "roster_solve", broken)
    with pytest.raises(DomainError) as excinfo:
        run(area, scheduler_user)
    assert excinfo.value.code == "roster_solution_invalid"
    assert "breaks a hard rule, nothing was written" in excinfo.value.message
    assert f"shifts {a.id} and {b.id} conflict (overlap)" in excinfo.value.message
    assert not DutyAssignment.objects.exists() and not Roster.objects.exists()
    assert not AuditLogEntry.objects.filter(action__startswith="patrol.roster").exists()


@pytest.mark.parametrize("engine", ["greedy", "cp-sat fallback"])
def test_greedy_never_takes_someone_pinned_later_the_same_morning(area, scheduler_user, monkeypatch, engine):
    """Regression: the greedy fill gave an earlier free slot to a person pinned on an overlapping later shift."""
    from patrol.roster import piece as piece_module
    from patrol.roster.generate import roster_generate_greedy

    school = school_at(area)
    a = shift(area, post_at(school, {"police": 1}))
    b = shift(area, post_at(school, {"police": 1}), start=(7, 30), end=(8, 10))
    first, second = police(area), police(area)
    DutyAssignment.objects.create(shift=a, staff=first, role="police", pinned=True, published=True)
    DutyAssignment.objects.create(shift=b, staff=second, role="police", pinned=True, published=True)
    LeaveFactory(staff=first, start=local(MON, 0), end=local(MON, 23))
    if engine == "greedy":
        roster = roster_generate_greedy(term=area["term"], actor=scheduler_user, replan=True, from_date=MON)
    else:
        monkeypatch.setattr(piece_module._Piece, "solve", lambda self, *a, **k: ([], {"status": "unknown"}, {}))
        roster = run(area, scheduler_user, replan=True, from_date=MON)
    assert staff_on(a) == set() and staff_on(b) == {second.id}
    assert reasons(roster) == {a.id: "all_busy"}
