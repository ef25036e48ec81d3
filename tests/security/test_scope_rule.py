"""Issue 12: who sees what is one rule, ``campus.scope``, and every scoped list follows it.

One small county (``county`` and ``rows`` in tests/security/conftest.py): stations North and South,
school A (North's), B and C (South's), and a North officer who is liaison officer (一校一警) for C across the
station boundary. For each scoped list a station officer, the safety staff of A, a drone operator and the
bureau see exactly the rows the rule gives:

- records handled by a station (incident reports): the bureau the county, the officer their station's
  and their liaison schools', staff their school, drone operators none;
- registry-level records (schools, drills, plans, activities, duty shifts): every police role the county
  (a role that may not read a kind, such as drone operators drills and duties, none of that kind), staff
  their school.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from campus.scope import Scope, scope_of
from campus.selectors import school_list_visible
from drills.activities import activities_visible
from drills.plans.services import plans_visible
from drills.selectors import corrective_actions_visible, drills_visible
from incidents.selectors import incidents_visible
from patrol.duty import selectors as duty_selectors
from patrol.roster import selectors as roster_selectors
from patrol.schedule import selectors as schedule_selectors
from tests.factories import make_user

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
APPS = ("campus", "common", "config", "drills", "drones", "incidents", "patrol", "simulators")
RULE_MODULES = {Path("campus/scope.py"), Path("common/roles.py")}


def pks(qs) -> set[int]:
    return set(qs.values_list("pk", flat=True))


def of(rows, kind: str, *keys: str) -> set[int]:
    return {rows[key][kind].pk for key in keys}


ALL = ("A", "B", "C")

# (list, the row kind it holds, who sees which schools' rows)
REGISTRY_LISTS = [
    ("schools", school_list_visible, "school", {"officer": ALL, "staff_a": ("A",), "pilot": ALL, "bureau": ALL}),
    ("drills", drills_visible, "drill", {"officer": ALL, "staff_a": ("A",), "pilot": (), "bureau": ALL}),
    (
        "corrective actions",
        corrective_actions_visible,
        "action",
        {"officer": ALL, "staff_a": ("A",), "pilot": (), "bureau": ALL},
    ),
    ("plans", plans_visible, "plan", {"officer": ALL, "staff_a": ("A",), "pilot": (), "bureau": ALL}),
    ("activities", activities_visible, "activity", {"officer": ALL, "staff_a": ("A",), "pilot": (), "bureau": ALL}),
    (
        "duty shifts",
        duty_selectors.shifts_visible,
        "shift",
        {"officer": ALL, "staff_a": ("A",), "pilot": (), "bureau": ALL},
    ),
]


@pytest.mark.parametrize(("name", "selector", "kind", "expected"), REGISTRY_LISTS, ids=[r[0] for r in REGISTRY_LISTS])
def test_registry_level_lists_follow_the_scope(county, rows, name, selector, kind, expected):
    for who, schools in expected.items():
        assert pks(selector(county["users"][who])) == of(rows, kind, *schools), (name, who)


def test_incident_reports_follow_the_station_rule(county, rows):
    expected = {"officer": ("A", "C"), "staff_a": ("A",), "pilot": (), "bureau": ALL}
    for who, schools in expected.items():
        assert pks(incidents_visible(county["users"][who])) == of(rows, "incident", *schools), who


def test_rosters_and_assignments_follow_the_scope(county, rows):
    for who in ("officer", "staff_a", "bureau"):
        user = county["users"][who]
        assert pks(roster_selectors.shifts_visible(user)) == pks(duty_selectors.shifts_visible(user)), who
    staff_a = county["users"]["staff_a"]
    assert roster_selectors.school_scope(staff_a) == rows["A"]["school"].pk
    assert roster_selectors.school_scope(county["users"]["officer"]) is False
    assert pks(roster_selectors.staff_visible(staff_a)) == of(rows, "guard", "A")
    assert pks(schedule_selectors.staff_visible(staff_a)) == of(rows, "guard", "A")
    assert pks(schedule_selectors.staff_visible(county["users"]["bureau"])) >= of(rows, "guard", *ALL)
    assert not schedule_selectors.staff_visible(county["users"]["pilot"]).exists()


def test_the_scope_of_each_role(county, rows):
    users = county["users"]
    officer = scope_of(users["officer"])
    assert officer.registry_county and not officer.county
    assert officer.station_ids == {county["north"].pk} and officer.officer_ids == {county["officer"].pk}
    staff = Scope.of(users["staff_a"])
    school_a = rows["A"]["school"].pk
    assert staff.school_only and staff.school_id == school_a and not staff.registry_county
    assert staff.sees_school(school_a) and not staff.sees_school(rows["B"]["school"].pk)
    pilot = scope_of(users["pilot"])
    assert pilot.empty and pilot.registry_county and pilot.sees_school(school_a)
    bureau = scope_of(users["bureau"])
    assert bureau.county and bureau.registry_county
    nobody = make_user(None, username="nobody")
    assert scope_of(nobody).empty and not scope_of(nobody).sees_school(school_a)
    assert not school_list_visible(nobody).exists()


# --- one rule: no role sets for scoping outside campus/scope.py ------------------------------------

ROLE_SET_DEFINITION = re.compile(r"^\s*\w+\s*(:[^=]+)?=\s*(frozenset\(|set\()?\{\s*Role\.\w+\s*[,}]", re.MULTILINE)
ROLE_SET_ARITHMETIC = re.compile(r"(roles_of\([^)]*\)|\broles\b)\s*[&-]\s*")
ROLE_SET_ARGUMENTS = re.compile(r"has_role\(\s*\w+\s*,\s*Role\.\w+\s*,")  # has_role(user, A, B, ...)


def _app_sources():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if "migrations" in relative.parts or relative in RULE_MODULES:
                continue
            yield relative, path.read_text(encoding="utf-8")


def test_no_module_outside_the_scope_defines_a_role_set_for_scoping():
    offenders = []
    for relative, text in _app_sources():
        if "_SEE_ALL" in text:
            offenders.append(f"{relative}: _SEE_ALL")
        for pattern in (ROLE_SET_DEFINITION, ROLE_SET_ARITHMETIC, ROLE_SET_ARGUMENTS):
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                offenders.append(f"{relative}:{line}: {match.group(0).strip()}")
    assert not offenders, "scope by campus.scope, not by role sets:\n" + "\n".join(offenders)
