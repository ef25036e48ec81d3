"""The campus tests' counties: two stations, North and South, with schools, officers and liaison officers."""

from __future__ import annotations

import pytest

from campus import services
from tests.county import NORTH, SOUTH, County, build_county
from tests.factories import DepartmentFactory


def _north(i: int) -> dict:
    """The ``i``-th school in North, 0.001 degrees north of the one before."""
    return {"lat": 36.30 + i * 0.001, "lon": 118.17, "name": f"North {i}"}


@pytest.fixture
def county(scheduler, admin_user) -> County:
    """The coverage report's county: every kind of gap.

    North: North 0 (liaison Li, paired with a department), North 1 (liaison Wang), North 2 (none).
    South: South 0, whose liaison is Li across the boundary (an override by the bureau admin); Zhao, South's
    officer, has no school. Nowhere lies outside every jurisdiction. Keys: ``s1``-``s3`` North 0-2, ``t1``
    South 0, ``nowhere``; officers ``n1`` Li, ``n2`` Wang, ``s_off`` Zhao.
    """
    county = build_county(
        stations={"north": NORTH, "south": SOUTH},
        schools={
            "s1": _north(0),
            "s2": _north(1),
            "s3": _north(2),
            "t1": {"lat": 36.18, "lon": 118.17, "name": "South 0"},
            "nowhere": {"lat": 36.5, "lon": 118.9, "name": "Nowhere"},
        },
        officers={
            "n1": {"station": "north", "name": "Li"},
            "n2": {"station": "north", "name": "Wang"},
            "s_off": {"station": "south", "name": "Zhao"},
        },
        liaisons={"s1": "n1", "s2": "n2"},
        liaison_actor=scheduler,
    )
    services.liaison_assign(
        school=county["t1"], officer=county["n1"], actor=admin_user, override_reason="South short of staff"
    )
    services.department_pair(school=county["s1"], department=DepartmentFactory(), actor=scheduler)
    return county


@pytest.fixture
def liaison_county(scheduler) -> County:
    """The 一校一警 dashboard's county: North 0 and North 1 with Li as liaison, North 2 (``n3``) uncovered;
    South 0 with Zhao. Keys: ``north``, ``south``, ``li``, ``zhao``, ``n3``."""
    return build_county(
        stations={"north": NORTH, "south": SOUTH},
        schools={
            "n1": _north(0),
            "n2": _north(1),
            "n3": _north(2),
            "s1": {"lat": 36.18, "lon": 118.17, "name": "South 0"},
        },
        officers={"li": {"station": "north", "name": "Li"}, "zhao": {"station": "south", "name": "Zhao"}},
        liaisons={"n1": "li", "n2": "li", "s1": "zhao"},
        liaison_actor=scheduler,
    )
