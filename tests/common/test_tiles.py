"""Offline base maps: MAP_TILES parsing, the /tiles/ view, the registry and ``import_mbtiles``."""

from __future__ import annotations

import io
import json
import sqlite3
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from PIL import Image

from common.audit import AuditLogEntry
from common.env import EnvError
from common.geo import haversine_m
from common.roles import Role
from common.tiles import (
    client_config,
    gcj02_shift,
    inspect_mbtiles,
    mbtiles_write,
    parse_map_tiles,
    tile_layers,
)
from tests.factories import make_user

BOUNDS = "118.0,36.0,118.4,36.4"


def png(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (256, 256), colour).save(out, format="PNG")
    return out.getvalue()


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (256, 256), (0, 128, 0)).save(out, format="JPEG")
    return out.getvalue()


def plain_mbtiles(path: Path, rows: list[tuple[int, int, int, bytes]], **metadata: str) -> Path:
    """An MBTiles file with a plain ``tiles`` table; ``rows`` are (zoom, column, TMS row, data) as stored."""
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
    conn.execute("CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB)")
    meta = {"name": "Test map", "format": "png", "bounds": BOUNDS, "minzoom": "10", "maxzoom": "12"} | metadata
    conn.executemany("INSERT INTO metadata VALUES (?, ?)", list(meta.items()))
    conn.executemany("INSERT INTO tiles VALUES (?, ?, ?, ?)", rows)
    conn.commit()
    conn.close()
    return path


RED, BLUE = png((255, 0, 0)), png((0, 0, 255))


@pytest.fixture
def tiles_dir(settings, tmp_path):
    settings.MAP_TILES_DIR = tmp_path / "tiles"
    settings.MAP_TILES = {}
    settings.MAP_TILE_URL = ""
    settings.MAP_TILES_DIR.mkdir()
    return settings.MAP_TILES_DIR


@pytest.fixture
def streets(tiles_dir):
    # XYZ (12, 3393, 1612) is stored at TMS row 2**12 - 1 - 1612 = 2483; row 1612 holds another tile.
    return plain_mbtiles(tiles_dir / "streets.mbtiles", [(12, 3393, 2483, RED), (12, 3393, 1612, BLUE)])


@pytest.fixture
def user_client(client, db):
    client.force_login(make_user(None, username="viewer"))
    return client


# -- MAP_TILES --------------------------------------------------------------------------------------


def test_map_tiles_parses_layers_with_options():
    layers = parse_map_tiles(
        '{"streets": {"path": "/srv/t/streets.mbtiles", "label": "街道"},'
        ' "notes": {"path": "/srv/t/notes.mbtiles", "overlay": true, "crs": "gcj02", "attribution": "© x"}}'
    )
    assert layers["streets"].label == "街道" and layers["streets"].overlay is None
    assert layers["notes"].overlay is True and layers["notes"].crs == "gcj02"
    assert parse_map_tiles("") == {}


@pytest.mark.parametrize(
    "raw, message",
    [
        ("{not json", "MAP_TILES is not valid JSON"),
        ('["a"]', "must be a JSON object of layers"),
        ('{"Streets!": {"path": "a.mbtiles"}}', "a layer name is 1-40 lower-case"),
        ('{"streets": "a.mbtiles"}', "must be an object with at least a 'path'"),
        ('{"streets": {}}', "'path' must be the path of a .mbtiles file"),
        ('{"streets": {"path": "a.png"}}', "'path' must be the path of a .mbtiles file"),
        ('{"streets": {"path": "a.mbtiles", "colour": "red"}}', "unknown option(s) colour"),
        ('{"streets": {"path": "a.mbtiles", "overlay": "yes"}}', "'overlay' must be true or false"),
        ('{"streets": {"path": "a.mbtiles", "crs": "bd09"}}', "'crs' must be one of wgs84, gcj02"),
        ('{"streets": {"path": "a.mbtiles", "label": 3}}', "'label' must be text"),
    ],
)
def test_map_tiles_rejects_bad_values_naming_the_problem(raw, message):
    with pytest.raises(EnvError) as exc:
        parse_map_tiles(raw)
    assert message in str(exc.value)


def test_settings_fail_to_load_with_a_bad_map_tiles(monkeypatch):
    import importlib

    import config.settings.base as base

    monkeypatch.setenv("MAP_TILES", '{"streets": {"path": 1}}')
    with pytest.raises(EnvError, match="'path' must be the path"):
        importlib.reload(base)
    monkeypatch.delenv("MAP_TILES")
    importlib.reload(base)


# -- the tile view ----------------------------------------------------------------------------------


def test_tile_is_served_with_type_cache_and_etag_and_tms_row_flipped(user_client, streets):
    response = user_client.get("/tiles/streets/12/3393/1612.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content == RED  # the TMS row 2483, not the stored row 1612
    assert "max-age=2592000" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert response["ETag"].startswith('"')
    assert user_client.get("/tiles/streets/12/3393/2483.png").content == BLUE


def test_tile_with_matching_etag_is_not_modified(user_client, streets):
    etag = user_client.get("/tiles/streets/12/3393/1612.png")["ETag"]
    again = user_client.get("/tiles/streets/12/3393/1612.png", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag
    other = user_client.get("/tiles/streets/12/3393/1612.png", HTTP_IF_NONE_MATCH='"stale"')
    assert other.status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/tiles/streets/12/3393/1613.png",  # no such tile in the file
        "/tiles/streets/12/4096/1612.png",  # x beyond the zoom's grid
        "/tiles/streets/40/1/1.png",  # zoom beyond any map
        "/tiles/streets/12/3393/1612.jpg",  # the layer is png
        "/tiles/streets/12/3393/1612.gif",
        "/tiles/nowhere/12/3393/1612.png",  # no such layer
    ],
)
def test_missing_tiles_and_layers_are_404(user_client, streets, url):
    assert user_client.get(url).status_code == 404


def test_tiles_need_a_signed_in_user(client, streets, db):
    response = client.get("/tiles/streets/12/3393/1612.png")
    assert response.status_code == 403
    assert response.content != RED


def test_tile_posts_are_refused_and_head_is_answered(user_client, streets):
    assert user_client.post("/tiles/streets/12/3393/1612.png").status_code == 405
    assert user_client.head("/tiles/streets/12/3393/1612.png").status_code == 200


def test_content_type_follows_the_tile_bytes(user_client, tiles_dir):
    plain_mbtiles(tiles_dir / "photo.mbtiles", [(12, 3393, 2483, jpeg())], format="jpg")
    response = user_client.get("/tiles/photo/12/3393/1612.jpg")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"


# -- the registry and the page configuration --------------------------------------------------------


def test_directory_files_and_configured_layers_are_found(settings, tiles_dir, streets, tmp_path):
    other = plain_mbtiles(tmp_path / "elsewhere.mbtiles", [(10, 1, 1, RED)], type="overlay")
    settings.MAP_TILES = parse_map_tiles(json.dumps({"notes": {"path": str(other), "label": "标注"}}))
    layers = tile_layers()
    assert set(layers) == {"streets", "notes"}
    assert layers["streets"].label == "Test map" and not layers["streets"].overlay
    assert layers["notes"].label == "标注" and layers["notes"].overlay


def test_a_broken_or_missing_layer_file_is_left_out(settings, tiles_dir, streets, tmp_path):
    (tiles_dir / "broken.mbtiles").write_bytes(b"not a database")
    settings.MAP_TILES = parse_map_tiles(json.dumps({"gone": {"path": str(tmp_path / "gone.mbtiles")}}))
    assert set(tile_layers()) == {"streets"}


def test_page_config_lists_app_layers_only_for_signed_in_users(settings, tiles_dir, streets):
    settings.MAP_TILE_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    signed_in = client_config(signed_in=True)["layers"]
    assert [layer["name"] for layer in signed_in] == ["streets", "online"]
    streets_layer = signed_in[0]
    assert streets_layer["url"].startswith("/tiles/streets/{z}/{x}/{y}.png?v=")
    assert streets_layer["minNativeZoom"] == 10 and streets_layer["maxNativeZoom"] == 12
    assert streets_layer["bounds"] == [[36.0, 118.0], [36.4, 118.4]]
    assert "shift" not in streets_layer
    assert [layer["name"] for layer in client_config(signed_in=False)["layers"]] == ["online"]


def test_gcj02_layer_carries_the_shift_to_wgs84(settings, tiles_dir):
    plain_mbtiles(tiles_dir / "amap.mbtiles", [(12, 3393, 2483, RED)], crs="gcj02")
    (layer,) = client_config(signed_in=True)["layers"]
    dlat, dlon = layer["shift"]
    # Near 36.2 N 118.2 E, GCJ-02 lies a few hundred metres from WGS-84.
    assert 100 < haversine_m(36.2, 118.2, 36.2 + dlat, 118.2 + dlon) < 1000
    assert (dlat, dlon) == gcj02_shift(36.2, 118.2)
    from common.geo import gcj02_to_wgs84

    w_lon, w_lat = gcj02_to_wgs84(118.2, 36.2)
    assert abs((36.2 - float(w_lat)) - dlat) < 1e-5 and abs((118.2 - float(w_lon)) - dlon) < 1e-5


def test_map_pages_carry_the_basemap_config(client, db, tiles_dir, streets):
    client.force_login(make_user(Role.BUREAU_ADMIN))
    response = client.get("/campus/map/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "data-basemap=" in html and "/tiles/streets/{z}/{x}/{y}.png" in html
    assert "js/basemap.js" in html and "data-tile-url" not in html


# -- inspect_mbtiles and mbtiles_write --------------------------------------------------------------


def test_written_file_deduplicates_tiles_and_reads_back(tmp_path):
    path = tmp_path / "w.mbtiles"
    count = mbtiles_write(
        path, iter([(11, 1, 2, RED), (11, 1, 3, RED), (11, 2, 2, BLUE)]), metadata={"format": "png", "name": "w"}
    )
    assert count == 3
    info = inspect_mbtiles(path, count_tiles=True)
    assert (info.min_zoom, info.max_zoom, info.tile_count) == (11, 11, 3)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM images").fetchone() == (2,)
    west, south, east, north = info.bounds  # computed from the tiles when metadata has none
    assert west < east and south < north
    assert not list(tmp_path.glob(".*partial"))


# -- import_mbtiles ---------------------------------------------------------------------------------


def test_import_copies_a_good_file_and_reports_it(db, tiles_dir, tmp_path):
    source = plain_mbtiles(tmp_path / "county.mbtiles", [(12, 3393, 2483, RED)])
    out = io.StringIO()
    call_command("import_mbtiles", str(source), "--layer", "county", "--label", "县城街道", "--overlay", stdout=out)
    text = out.getvalue()
    assert "zoom 10-12" in text and "W 118.000000 S 36.000000 E 118.400000 N 36.400000" in text
    assert "centre 36.200000, 118.200000" in text
    layer = tile_layers()["county"]
    assert layer.label == "县城街道" and layer.overlay and layer.path == tiles_dir / "county.mbtiles"
    entry = AuditLogEntry.objects.get(action="tiles.import")
    assert entry.object_id == "county" and entry.after["tiles"] == 1
    assert source.exists()  # copied, not moved


def test_import_refuses_a_file_that_is_not_sqlite(db, tiles_dir, tmp_path):
    source = tmp_path / "map.mbtiles"
    source.write_bytes(b"PK\x03\x04 this is a zip")
    with pytest.raises(CommandError, match="not an MBTiles file: it is not an SQLite database"):
        call_command("import_mbtiles", str(source), "--layer", "county")
    assert list(tiles_dir.iterdir()) == []
    assert AuditLogEntry.objects.get(action="tiles.import_failed").after["code"] == "not_sqlite"


def test_import_refuses_sqlite_without_the_mbtiles_tables(db, tiles_dir, tmp_path):
    source = tmp_path / "other.mbtiles"
    with sqlite3.connect(source) as conn:
        conn.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
    with pytest.raises(CommandError, match=r"table\(s\) tiles missing"):
        call_command("import_mbtiles", str(source), "--layer", "county")
    assert list(tiles_dir.iterdir()) == []


@pytest.mark.parametrize(
    "metadata, rows, message",
    [
        ({"format": "pbf"}, [(12, 1, 1, b"\x1f\x8b")], "'pbf' is not served; raster png, jpg or webp only"),
        ({"bounds": "east,west"}, [(12, 1, 1, RED)], "is not 'west,south,east,north'"),
        ({"bounds": "118.4,36.0,118.0,36.4"}, [(12, 1, 1, RED)], "is not a box on the earth"),
        ({"minzoom": "14"}, [(12, 1, 1, RED)], "zoom range 14-12"),
        ({"crs": "bd09"}, [(12, 1, 1, RED)], "crs 'bd09'"),
        ({}, [], "holds no tiles"),
    ],
)
def test_import_refuses_unusable_tile_sets(db, tiles_dir, tmp_path, metadata, rows, message):
    source = plain_mbtiles(tmp_path / "bad.mbtiles", rows, **metadata)
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call_command("import_mbtiles", str(source), "--layer", "county")
    assert list(tiles_dir.iterdir()) == []


def test_import_refuses_a_missing_file_and_a_bad_layer_name(db, tiles_dir, tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        call_command("import_mbtiles", str(tmp_path / "nope.mbtiles"), "--layer", "county")
    source = plain_mbtiles(tmp_path / "ok.mbtiles", [(12, 1, 1, RED)])
    with pytest.raises(CommandError, match="layer name '../x'"):
        call_command("import_mbtiles", str(source), "--layer", "../x")
    assert list(tiles_dir.iterdir()) == []


def test_reimport_replaces_the_layer_whole(db, tiles_dir, tmp_path):
    first = plain_mbtiles(tmp_path / "a.mbtiles", [(12, 3393, 2483, RED)])
    call_command("import_mbtiles", str(first), "--layer", "county", stdout=io.StringIO())
    bad = tmp_path / "b.mbtiles"
    bad.write_bytes(b"garbage")
    with pytest.raises(CommandError):
        call_command("import_mbtiles", str(bad), "--layer", "county")
    assert inspect_mbtiles(tiles_dir / "county.mbtiles", count_tiles=True).tile_count == 1  # the old layer still serves
    assert sorted(p.name for p in tiles_dir.iterdir()) == ["county.mbtiles"]
