"""Chinese datum conversions and coordinate sanity checks."""

from __future__ import annotations

import numpy as np
import pytest

from common.geo import (
    GeometryError,
    from_wgs84,
    haversine_m,
    point_problem,
    polygon_from_geojson,
    to_wgs84,
    utm_epsg,
)


@pytest.mark.parametrize("crs", ["gcj02", "bd09"])
def test_round_trip_is_exact_to_a_millimetre_across_china(crs):
    lon = np.linspace(73.5, 135.0, 400)
    lat = np.linspace(4.0, 53.0, 400)
    back_lon, back_lat = to_wgs84(*from_wgs84(lon, lat, crs), crs)
    assert np.abs(back_lon - lon).max() < 1e-8 and np.abs(back_lat - lat).max() < 1e-8


@pytest.mark.parametrize(("crs", "low_m", "high_m"), [("gcj02", 100, 700), ("bd09", 300, 1500)])
def test_offset_near_the_sample_county_has_the_known_size(crs, low_m, high_m):
    lon, lat = from_wgs84(118.17, 36.18, crs)
    assert low_m < haversine_m(36.18, 118.17, float(lat), float(lon)) < high_m


def test_point_problems_name_the_mistake():
    assert point_problem(36.18, 118.17) is None
    assert "swapped" in point_problem(118.17, 36.18)
    assert "outside China" in point_problem(48.85, 2.35)
    assert "out of range" in point_problem(95.0, 200.0)


def test_polygon_validation_explains_self_intersection():
    bowtie = {
        "type": "Polygon",
        "coordinates": [[[118.0, 36.0], [118.1, 36.1], [118.1, 36.0], [118.0, 36.1], [118.0, 36.0]]],
    }
    with pytest.raises(GeometryError, match="Self-intersection"):
        polygon_from_geojson(bowtie)
    with pytest.raises(GeometryError, match="not one of Polygon"):
        polygon_from_geojson({"type": "Point", "coordinates": [118.0, 36.0]})


def test_utm_zone_of_the_sample_county_is_50n():
    assert utm_epsg(118.17, 36.18) == 32650
