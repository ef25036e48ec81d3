"""The roster validator applies the edit forms' conflict checks: one source for each hard rule."""

from __future__ import annotations

import datetime as dt

import pytest

from patrol.models import travel_s
from patrol.roster import conflicts
from patrol.roster.conflicts import Absence, Limits, ShiftInfo, StaffInfo, assignment_conflicts
from patrol.roster.problem import Problem, Shift, Staff, roster_violations

DAY = dt.date(2026, 9, 7)  # a Monday
T0 = 1_788_739_200  # 2026-09-07 00:00 UTC
FAR_LAT = 36.27  # about 10 km north of the other gates
LIMITS = Limits(speed_kmh=30.0, min_rest_min=10, max_per_day=3, max_per_week=12)


def _shift(n: int, start_s: int, end_s: int, *, school: int = 1, station: int = 1, lat: float = 36.18, **req) -> Shift:
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
        start_s=start_s,
        end_s=end_s,
        window="",
        requirements=req or {"police": 1, "auxiliary": 1},
    )


STAFF = [
    Staff(1, "Police", "police", 1, None, 3, 12),
    Staff(2, "Auxiliary", "auxiliary", 1, None, 3, 12),
    Staff(3, "Guard", "guard", None, 1, 3, 12),
    Staff(4, "Other station", "police", 2, None, 3, 12),
]


def _problem(shifts: list[Shift], *, leaves=None) -> Problem:
    return Problem(
        term_id=1,
        from_date=DAY,
        shifts=shifts,
        staff=STAFF,
        leaves=leaves or {},
        existing=[],
        prior_load={},
        prior_week_load={},
        speed_kmh=LIMITS.speed_kmh,
        min_rest_s=LIMITS.min_rest_min * 60,
    )


def _info(shift: Shift) -> ShiftInfo:
    return ShiftInfo(
        shift_id=shift.id,
        date=shift.date,
        start=dt.datetime.fromtimestamp(shift.start_s, tz=dt.UTC),
        end=dt.datetime.fromtimestamp(shift.end_s, tz=dt.UTC),
        lat=shift.lat,
        lon=shift.lon,
        school_id=shift.school_id,
        school_name=shift.school_name,
        gate_name=shift.gate_name,
        post_name=shift.post_name,
        responsible_station_id=shift.station_id,
        requirements=shift.requirements,
    )


def _staff(person: Staff) -> StaffInfo:
    return StaffInfo(
        staff_id=person.id,
        name=person.name,
        role=person.role,
        school_id=person.school_id,
        station_id=person.station_id,
        max_per_day=person.max_per_day,
        max_per_week=person.max_per_week,
    )


def _edit_form_codes(problem: Problem, chosen: list[tuple[int, int, str]]) -> set[str]:
    """What the edit forms say when each assignment is added to the others of the same person."""
    codes: set[str] = set()
    for index, (shift_id, staff_id, role) in enumerate(chosen):
        person = problem.staff_by_id[staff_id]
        others = [_info(problem.shift_by_id[s]) for i, (s, p, _r) in enumerate(chosen) if p == staff_id and i < index]
        absences = [
            Absence("leave", dt.datetime.fromtimestamp(a, tz=dt.UTC), dt.datetime.fromtimestamp(b, tz=dt.UTC))
            for a, b in problem.leaves.get(staff_id, ())
        ]
        found = assignment_conflicts(
            staff=_staff(person),
            role=role,
            shift=_info(problem.shift_by_id[shift_id]),
            existing=others,
            absences=absences,
            limits=LIMITS,
        )
        codes |= {item.code for item in found}
    return codes


# The validator's words for the conflict checks' codes.
_VALIDATOR_SAYS = {
    "double_booked": "conflict (overlap)",
    "travel": "conflict (travel)",
    "not_qualified": "not qualified",
    "other_station": "not qualified",
    "other_school": "not qualified",
    "on_leave": "on leave",
}

_END = T0 + 8 * 3600  # shift 1 ends 08:00 UTC
_TRAVEL_AND_REST_S = travel_s(36.18, 118.17, FAR_LAT, 118.17, speed_kmh=LIMITS.speed_kmh) + LIMITS.min_rest_min * 60


@pytest.mark.parametrize(
    ("second", "chosen", "leaves", "expected"),
    [
        pytest.param(
            _shift(2, _END - 1800, _END + 1800),
            [(1, 1, "police"), (2, 1, "police")],
            None,
            {"double_booked"},
            id="overlap",
        ),
        pytest.param(
            _shift(2, _END + _TRAVEL_AND_REST_S - 1, _END + 3600 * 2, lat=FAR_LAT),
            [(1, 1, "police"), (2, 1, "police")],
            None,
            {"travel"},
            id="one-second-short-of-travel-and-rest",
        ),
        pytest.param(
            _shift(2, _END + _TRAVEL_AND_REST_S, _END + 3600 * 2, lat=FAR_LAT),
            [(1, 1, "police"), (2, 1, "police")],
            None,
            set(),
            id="exactly-travel-and-rest",
        ),
        pytest.param(
            _shift(2, _END + 3600, _END + 7200),
            [(2, 2, "police")],
            None,
            {"not_qualified"},
            id="auxiliary-in-police-slot",
        ),
        pytest.param(
            _shift(2, _END + 3600, _END + 7200), [(2, 4, "police")], None, {"other_station"}, id="other-station"
        ),
        pytest.param(
            _shift(2, _END + 3600, _END + 7200, school=2, guard=1),
            [(2, 3, "guard")],
            None,
            {"other_school"},
            id="other-school",
        ),
        pytest.param(
            _shift(2, _END + 3600, _END + 7200),
            [(2, 1, "police")],
            {1: [(_END + 3000, _END + 4000)]},
            {"on_leave"},
            id="on-leave",
        ),
    ],
)
def test_validator_and_edit_forms_report_the_same_violations(second, chosen, leaves, expected):
    problem = _problem([_shift(1, T0 + 7 * 3600, _END), second], leaves=leaves)
    edit_codes = _edit_form_codes(problem, chosen)
    assert edit_codes == expected
    found = roster_violations(problem, chosen)
    assert sorted({_VALIDATOR_SAYS[code] for code in edit_codes}) == sorted(
        {needle for needle in _VALIDATOR_SAYS.values() if any(needle in text for text in found)}
    ), found


def test_a_rule_changed_in_the_conflict_checks_reaches_the_validator(monkeypatch):
    shifts = [_shift(1, T0 + 7 * 3600, _END), _shift(2, _END + 600, _END + 3600, lat=FAR_LAT)]
    chosen = [(1, 1, "auxiliary"), (2, 1, "police")]  # an officer in an auxiliary slot, then 10 km in 10 min
    assert roster_violations(_problem(shifts), chosen) == ["staff 1: shifts 1 and 2 conflict (travel)"]

    # Officers may no longer stand in for auxiliaries, and travel becomes free: only the conflicts
    # module is patched, and the validator follows.
    monkeypatch.setattr(conflicts, "role_can_fill", lambda staff_role, slot_role: staff_role == slot_role)
    monkeypatch.setattr(conflicts, "travel_s", lambda *args, **kwargs: 0)
    assert roster_violations(_problem(shifts), chosen) == [
        "shift 1 staff 1 role auxiliary: not qualified (role or place)"
    ]


def test_a_new_qualification_rule_is_reported_with_its_own_message(monkeypatch):
    original = conflicts.check_qualification

    def stricter(*, staff, role, shift):
        return [*original(staff=staff, role=role, shift=shift), conflicts.ConflictItem("no_badge", "No badge.")]

    monkeypatch.setattr(conflicts, "check_qualification", stricter)
    monkeypatch.setattr("patrol.roster.problem.check_qualification", stricter)
    problem = _problem([_shift(1, T0 + 7 * 3600, _END)])
    assert roster_violations(problem, [(1, 1, "police")]) == ["shift 1 staff 1 role police: No badge."]
