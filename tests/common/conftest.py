"""The county the overview dashboard tests read."""

from __future__ import annotations

import pytest

from tests.county import NORTH, County, build_county


@pytest.fixture
def county(scheduler) -> County:
    """One station, North: North Primary with Li as its liaison officer (一校一警), North Middle with none."""
    return build_county(
        stations={"station": NORTH},
        schools={
            "school": {"lat": 36.30, "lon": 118.17, "name": "North Primary"},
            "middle": {"lat": 36.301, "lon": 118.17, "name": "North Middle"},
        },
        officers={"officer": {"station": "station", "name": "Li"}},
        liaisons={"school": "officer"},
        liaison_actor=scheduler,
    )
