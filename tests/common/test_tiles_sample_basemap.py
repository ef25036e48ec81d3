"""The sample county's base map: its fictitious landscape and the MBTiles file rendered from it."""

from __future__ import annotations

import io
import sqlite3

import pytest
from django.core.management import call_command
from PIL import Image
from shapely import geometry as shp

from campus.sample.basemap import PALETTE, sample_basemap_write
from campus.sample.generator import generate_county
from campus.sample.landscape import VILLAGE_COUNT, sample_landscape
from common.tiles import inspect_mbtiles, lat_lon_to_tile, read_tile, tile_layers


@pytest.fixture(scope="module")
def county():
    return generate_county()


def _tiles(path):
    with sqlite3.connect(path) as conn:
        return conn.execute(
            "SELECT zoom_level, tile_column, tile_row, tile_data FROM tiles ORDER BY 1, 2, 3"
        ).fetchall()


def test_landscape_has_roads_rivers_and_villages_inside_the_county(county):
    land = sample_landscape(county)
    assert {road.kind for road in land.roads} == {"highway", "main", "street", "lane"}
    assert len(land.rivers) >= 2
    assert len(land.villages) == VILLAGE_COUNT
    assert all(land.boundary.contains(shp.Point(v.lon, v.lat)) for v in land.villages)
    assert all(v.name.endswith("（样例）") for v in land.villages)
    assert len(land.townships) == len(county.stations)


def test_landscape_is_the_same_for_the_same_seed(county):
    first, second = sample_landscape(county), sample_landscape(county)
    assert [r.line.wkt for r in first.roads] == [r.line.wkt for r in second.roads]
    assert [v.outline.wkt for v in first.villages] == [v.outline.wkt for v in second.villages]
    assert [r.line.wkt for r in sample_landscape(county, seed=7).roads] != [r.line.wkt for r in first.roads]


def test_sample_basemap_tiles_are_deterministic(county, tmp_path):
    a = sample_basemap_write(tmp_path / "a.mbtiles", county=county, zooms=range(10, 12))
    b = sample_basemap_write(tmp_path / "b.mbtiles", county=county, zooms=range(10, 12))
    assert a == b and (a.min_zoom, a.max_zoom) == (10, 11)
    assert _tiles(tmp_path / "a.mbtiles") == _tiles(tmp_path / "b.mbtiles")


def test_sample_basemap_draws_the_county_where_it_is(county, tmp_path):
    path = tmp_path / "s.mbtiles"
    info = sample_basemap_write(path, county=county, zooms=range(12, 13))
    west, south, east, north = info.bounds
    assert west < 118.17 < east and south < 36.18 < north
    # The county town lies near the centre: its tile is drawn in the town's colours, not "outside".
    x, y = lat_lon_to_tile(12, county.stations[0].lat, county.stations[0].lon)
    image = Image.open(io.BytesIO(read_tile(path, 12, x, y))).convert("RGB")
    colours = {rgb for _, rgb in image.getcolors(65536)}
    assert PALETTE[2] in colours  # the town
    # A corner of the bounds is outside the county outline.
    cx, cy = lat_lon_to_tile(12, north - 0.001, west + 0.001)
    corner = Image.open(io.BytesIO(read_tile(path, 12, cx, cy))).convert("RGB")
    assert corner.getpixel((0, 0)) == PALETTE[0]


@pytest.mark.slow
def test_load_sample_basemap_renders_zooms_10_to_15_once(db, settings, tmp_path):
    settings.MAP_TILES_DIR = tmp_path / "tiles"
    settings.MAP_TILES = {}
    out = io.StringIO()
    call_command("load_sample_basemap", stdout=out)
    path = tmp_path / "tiles" / "sample.mbtiles"
    info = inspect_mbtiles(path)
    assert (info.min_zoom, info.max_zoom, info.format) == (10, 15, "png")
    with sqlite3.connect(path) as conn:
        zooms = dict(conn.execute("SELECT zoom_level, COUNT(*) FROM map GROUP BY zoom_level"))
    assert sorted(zooms) == [10, 11, 12, 13, 14, 15] and zooms[15] > zooms[14] > zooms[13]
    assert path.stat().st_size < 5_000_000
    assert tile_layers()["sample"].label == "示例县底图（样例）"
    again = io.StringIO()
    call_command("load_sample_basemap", stdout=again)
    assert "is current" in again.getvalue()
