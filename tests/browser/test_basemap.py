"""The maps open on the app's own base map: tiles from /tiles/ (no internet), on a phone and a desktop."""

from __future__ import annotations

import json
import math

import pytest

from campus.sample.basemap import sample_basemap_write
from common.roles import Role
from common.tiles import gcj02_shift, parse_map_tiles
from tests.factories import make_user

PASSWORD = "pw-chief-1"


@pytest.fixture
def sample_tiles(settings, tmp_path, transactional_db):
    """The sample county's base map (zooms 10-12, enough to draw every zoom) and the same file again as a
    GCJ-02 overlay, in a tiles directory of this test."""
    settings.MAP_TILES_DIR = tmp_path / "tiles"
    settings.MAP_TILE_URL = ""
    path = settings.MAP_TILES_DIR / "sample.mbtiles"
    info = sample_basemap_write(path, zooms=range(10, 13))
    layers = {"gcj": {"path": str(path), "label": "GCJ", "overlay": True, "crs": "gcj02"}}
    settings.MAP_TILES = parse_map_tiles(json.dumps(layers))
    user = make_user(Role.BUREAU_ADMIN, username="chief")
    user.set_password(PASSWORD)
    user.save()
    return info


def _loaded_tiles(page, layer: str) -> int:
    selector = f'.leaflet-tile-pane img.leaflet-tile-loaded[src*="/tiles/{layer}/"]'
    page.wait_for_function(f"() => document.querySelectorAll('{selector}').length > 0")
    return page.evaluate(
        f"Array.from(document.querySelectorAll('{selector}')).filter(i => i.naturalWidth === 256).length"
    )


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("path", ["/drones/map/", "/campus/map/"], ids=["live-map", "school-map"])
def test_map_shows_tiles_from_the_app(signed_in, live_url, county, sample_tiles, width, path, tmp_path):
    page = signed_in("chief", PASSWORD, width)
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(f"{live_url}{path}")
    page.wait_for_selector("#map.leaflet-container")
    assert _loaded_tiles(page, "sample") > 0
    assert page.locator(".leaflet-control-layers").count() >= 1  # two layers: a switcher
    if path == "/campus/map/":
        page.wait_for_selector("#map[data-school-count]")  # its own layers load over the base map
    page.wait_for_timeout(500)
    page.screenshot(path=str(tmp_path / "basemap.png"))
    assert errors == [] and page.refusals == []


def _world_px(lat: float, lon: float, zoom: int) -> tuple[float, float]:
    scale = 256 * 2**zoom
    x = (lon + 180) / 360 * scale
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * scale
    return x, y


def test_gcj02_layer_is_drawn_shifted_onto_wgs84(signed_in, live_url, sample_tiles):
    page = signed_in("chief", PASSWORD, 1280)
    page.goto(f"{live_url}/drones/map/")  # opens at zoom 14 on MAP_CENTER
    page.wait_for_selector("#map.leaflet-container")
    _loaded_tiles(page, "sample")
    _loaded_tiles(page, "gcj")
    offsets = page.evaluate(
        """() => {
          const rect = (img) => img.getBoundingClientRect();
          const out = [];
          document.querySelectorAll('.leaflet-tile-pane img[src*="/tiles/gcj/"]').forEach((g) => {
            const key = new URL(g.src).pathname.replace('/tiles/gcj/', '');
            const w = document.querySelector(`.leaflet-tile-pane img[src*="/tiles/sample/${key}"]`);
            if (w) { out.push([rect(g).left - rect(w).left, rect(g).top - rect(w).top]); }
          });
          return out;
        }"""
    )
    assert offsets
    west, south, east, north = sample_tiles.bounds
    c_lat, c_lon = (south + north) / 2, (west + east) / 2
    dlat, dlon = gcj02_shift(c_lat, c_lon)
    gx, gy = _world_px(c_lat, c_lon, 14)
    wx, wy = _world_px(c_lat - dlat, c_lon - dlon, 14)
    # The GCJ-02 copy sits west (and a little north) of the same tiles drawn as WGS-84, by the offset.
    for dx, dy in offsets:
        assert abs(dx - (wx - gx)) < 1.5 and abs(dy - (wy - gy)) < 1.5
    assert wx - gx < -10
