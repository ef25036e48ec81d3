"""The roster validator rule by rule (plain data, no database), and a small county end to end."""

from __future__ import annotations

import datetime as dt

import pytest

from patrol.roster.problem import Problem, Shift, Staff, roster_violations

DAY = dt.date(2026, 9, 7)  # a Monday
T0 = 1_788_739_200  # 2026-09-07 00:00 UTC


def _shift(n: int, start_h: float, end_h: float, *, school: int = 1, station: int = 1, lat: float = 36.18, **req):
    return Shift(
        id=n,
        post_id=n,
        post_name="Main",
        gate_name="Gate",
        school_id=school,
        school_name=f"School {school}",
        station_id=station,
        lat=lat,
        lon=118.17,
        date=DAY,
        kind="arrival",
        start_s=T0 + int(start_h * 3600),
        end_s=T0 + int(end_h * 3600),
        window="",
        requirements=req or {"police": 1},
    )


def _problem(shifts, *, leaves=None, prior_week=None, max_day=3, max_week=12) -> Problem:
    staff = [
        Staff(1, "Police", "police", 1, None, max_day, max_week),
        Staff(2, "Auxiliary", "auxiliary", 1, None, max_day, max_week),
        Staff(3, "Guard", "guard", None, 1, max_day, max_week),
        Staff(4, "Other station", "police", 2, None, max_day, max_week),
    ]
    return Problem(
        term_id=1,
        from_date=DAY,
        shifts=shifts,
        staff=staff,
        leaves=leaves or {},
        existing=[],
        prior_load={},
        prior_week_load=prior_week or {},
    )


def test_a_valid_roster_has_no_violations():
    problem = _problem([_shift(1, 7, 8), _shift(2, 16, 17, auxiliary=1), _shift(3, 7, 8, guard=1)])
    assert roster_violations(problem, [(1, 1, "police"), (2, 1, "auxiliary"), (3, 3, "guard")]) == []


@pytest.mark.parametrize(
    ("chosen", "needle"),
    [
        ([(1, 1, "police"), (2, 1, "police")], "conflict (overlap)"),
        ([(1, 1, "police"), (3, 1, "police")], "conflict (travel)"),  # 10 km in 10 minutes
        ([(1, 2, "police")], "not qualified"),  # auxiliary in a police slot
        ([(1, 4, "police")], "not qualified"),  # another station's officer
        ([(4, 1, "guard")], "not qualified"),  # police in a guard slot
        ([(1, 1, "police"), (1, 4, "police")], "more people than the 1 required"),
        ([(1, 1, "police"), (1, 1, "police")], "on this shift twice"),
        ([(1, 9, "police")], "unknown shift or inactive person"),
    ],
)
def test_each_hard_rule_is_checked(chosen, needle):
    shifts = [_shift(1, 7, 8), _shift(2, 7.5, 8.5), _shift(3, 8.1, 9, lat=36.27), _shift(4, 7, 8, guard=1)]
    found = roster_violations(_problem(shifts), chosen)
    assert any(needle in text for text in found), found


def test_leave_and_limits_are_checked():
    shifts = [_shift(1, 7, 8), _shift(2, 12, 13), _shift(3, 16, 17)]
    chosen = [(1, 1, "police"), (2, 1, "police"), (3, 1, "police")]
    on_leave = _problem(shifts, leaves={1: [(T0 + 12 * 3600, T0 + 13 * 3600)]})
    assert [t for t in roster_violations(on_leave, chosen) if "on leave" in t] == [
        "shift 2 staff 1 role police: on leave"
    ]
    assert "3 duties on 2026-09-07 > 2" in roster_violations(_problem(shifts, max_day=2), chosen)[0]
    week = _problem(shifts, prior_week={(1, DAY): 10})  # 10 before the planned range in the same week
    assert "13 duties in the week of 2026-09-07 > 12" in roster_violations(week, chosen)[0]


@pytest.mark.django_db
def test_small_county_with_forced_fallbacks_stays_valid(monkeypatch):
    """A county's term where every other piece times out: the mix is still a valid roster."""
    from benchmarks.roster import county
    from common.roles import SYSTEM
    from patrol.models import DutyAssignment
    from patrol.roster import piece as piece_module
    from patrol.roster.generate import roster_generate
    from patrol.roster.problem import problem_load

    term = county(schools=6, stations=2, staff=2 * 12 + 6 + 3, weeks=2, seed=3)
    original = piece_module._Piece.solve
    calls: list[int] = []

    def sometimes(self, *args, **kwargs):
        calls.append(1)
        return original(self, *args, **kwargs) if len(calls) % 2 else ([], {"status": "unknown"}, {})

    monkeypatch.setattr(piece_module._Piece, "solve", sometimes)
    roster = roster_generate(term=term, actor=SYSTEM, time_limit_s=5)
    report = roster.report
    assert report["coverage"]["share"] == 1.0
    assert report["pieces"]["by_status"].get("greedy_fallback", 0) >= 1
    problem = problem_load(term=term, from_date=term.start_date)
    chosen = [(a.shift_id, a.staff_id, a.role) for a in DutyAssignment.objects.filter(shift__term=term)]
    assert roster_violations(problem, chosen) == []
    assert report["load"]["police"]["max"] <= 2 * 12
