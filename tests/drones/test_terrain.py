"""The terrain model (drones.terrain): ground heights from a GeoTIFF in any CRS, bilinear between cell
centres, unknown (None) outside it and on cells without data."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
import rasterio
from pyproj import Transformer
from rasterio.transform import from_origin

from drones import terrain

UTM50 = "EPSG:32650"
LAT, LON = 36.18, 118.17  # the sample county


def write_dem(path: Path, z: np.ndarray, *, crs: str, west: float, north: float, cell: float, nodata=None) -> Path:
    """A single-band GeoTIFF of ``z`` (rows from the north) with its north-west corner at (west, north)."""
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=z.shape[1],
        height=z.shape[0],
        count=1,
        dtype=z.dtype,
        crs=crs,
        transform=from_origin(west, north, cell, cell),
        nodata=nodata,
    ) as out:
        out.write(z, 1)
    return path


def utm_dem(
    path: Path, ground, *, half_m: float = 1000.0, cell: float = 10.0, nodata=None
) -> tuple[Path, float, float]:
    """A DEM in UTM 50 N around (LAT, LON): ``ground(dx, dy)`` metres at each cell centre, (dx, dy) metres
    east and north of that point. Returns the file and the point's UTM coordinates."""
    x0, y0 = Transformer.from_crs("EPSG:4326", UTM50, always_xy=True).transform(LON, LAT)
    n = int(2 * half_m / cell)
    centres = -half_m + cell / 2 + np.arange(n) * cell
    dx, dy = np.meshgrid(centres, centres[::-1])
    z = np.asarray(ground(dx, dy), dtype=np.float32)
    write_dem(path, z, crs=UTM50, west=x0 - half_m, north=y0 + half_m, cell=cell, nodata=nodata)
    return path, x0, y0


def utm_point(x0: float, y0: float, dx: float, dy: float) -> tuple[float, float]:
    lon, lat = Transformer.from_crs(UTM50, "EPSG:4326", always_xy=True).transform(x0 + dx, y0 + dy)
    return lat, lon


@pytest.fixture(autouse=True)
def _fresh_cache():
    terrain.close_all()
    yield
    terrain.close_all()


@pytest.fixture
def sloped(tmp_path, settings) -> Path:
    """WGS-84, 0.001 degree cells, west edge 118.0, north edge 36.3: 100 m plus 2 m a column east and 3 m a row
    south (values at cell centres), 20 x 10 cells."""
    rows, cols = np.mgrid[0:10, 0:20]
    z = (100.0 + 2.0 * cols + 3.0 * rows).astype(np.float32)
    path = write_dem(tmp_path / "slope.tif", z, crs="EPSG:4326", west=118.0, north=36.3, cell=0.001)
    settings.DRONE_TERRAIN_DEM = str(path)
    return path


def centre(col: float, row: float) -> tuple[float, float]:
    """(lat, lon) of fractional cell-centre position (col, row) in the ``sloped`` model."""
    return 36.3 - (row + 0.5) * 0.001, 118.0 + (col + 0.5) * 0.001


def test_cell_centres_give_the_cells_values(sloped) -> None:
    assert terrain.ground_m([centre(0, 0), centre(5, 2), centre(19, 9)]) == pytest.approx([100.0, 116.0, 165.0])


def test_between_centres_the_ground_is_interpolated_bilinearly(sloped) -> None:
    # A plane is reproduced exactly by bilinear interpolation: 100 + 2 col + 3 row anywhere between centres.
    points = [(3.25, 4.5), (10.5, 0.5), (7.9, 8.1)]
    expected = [100 + 2 * c + 3 * r for c, r in points]
    assert terrain.ground_m([centre(c, r) for c, r in points]) == pytest.approx(expected, abs=1e-6)


def test_bilinear_weights_on_an_uneven_grid(tmp_path, settings) -> None:
    z = np.array([[0.0, 10.0], [20.0, 70.0]], dtype=np.float32)
    path = write_dem(tmp_path / "four.tif", z, crs="EPSG:4326", west=118.0, north=36.3, cell=0.001)
    settings.DRONE_TERRAIN_DEM = str(path)
    middle = (36.3 - 0.001, 118.0 + 0.001)  # where the four centres meet
    quarter = (36.3 - 0.00075, 118.0 + 0.00075)  # a quarter of the way from the north-west centre
    assert terrain.ground_m([middle, quarter]) == pytest.approx(
        [25.0, 0.75 * 0.75 * 0 + 0.25 * 0.75 * 10 + 0.75 * 0.25 * 20 + 0.25 * 0.25 * 70]
    )


def test_points_outside_the_model_are_unknown_not_zero(sloped) -> None:
    inside_edge = (36.3 - 0.0002, 118.0 + 0.0002)  # in the outer half cell: the edge cell's value
    heights = terrain.ground_m([(36.31, 118.005), (36.295, 117.999), (36.295, 118.021), (36.289, 118.01), inside_edge])
    assert heights[:4] == [None, None, None, None]
    assert heights[4] == pytest.approx(100.0)


def test_nodata_cells_are_unknown_where_they_weigh(tmp_path, settings) -> None:
    z = np.full((4, 4), 50.0, dtype=np.float32)
    z[1, 1] = -9999
    z[3, 3] = np.nan
    path = write_dem(tmp_path / "holes.tif", z, crs="EPSG:4326", west=118.0, north=36.3, cell=0.001, nodata=-9999)
    settings.DRONE_TERRAIN_DEM = str(path)

    def at(col: float, row: float) -> tuple[float, float]:
        return 36.3 - (row + 0.5) * 0.001, 118.0 + (col + 0.5) * 0.001

    heights = terrain.ground_m([at(1, 1), at(0.5, 0.5), at(2, 2), at(2.5, 2.5), at(3, 0), at(2, 0.5)])
    assert heights == [None, None, 50.0, None, 50.0, 50.0]


def test_a_model_in_utm_is_read_at_wgs84_points(tmp_path, settings) -> None:
    # 300 m at the point, rising 0.1 m a metre east and falling 0.05 m a metre north (a plane in UTM metres).
    path, x0, y0 = utm_dem(tmp_path / "utm.tif", lambda dx, dy: 300.0 + 0.1 * dx - 0.05 * dy)
    settings.DRONE_TERRAIN_DEM = str(path)
    offsets = [(0, 0), (250, 0), (0, -400), (-333.3, 512.7), (1200, 0)]
    heights = terrain.ground_m([utm_point(x0, y0, dx, dy) for dx, dy in offsets])
    assert heights[:4] == pytest.approx([300.0 + 0.1 * dx - 0.05 * dy for dx, dy in offsets[:4]], abs=1e-3)
    assert heights[4] is None  # 1200 m east: off the 2 km square


def test_no_model_configured_means_nothing_is_known(settings) -> None:
    settings.DRONE_TERRAIN_DEM = "none"
    assert not terrain.terrain_available()
    assert terrain.ground_m([(LAT, LON)]) == [None]
    assert terrain.terrain_identity() == ""


def test_the_sample_default_is_used_only_when_the_sample_file_exists(tmp_path, settings) -> None:
    settings.DRONE_TERRAIN_DEM = "sample"
    settings.MAP_TILES_DIR = tmp_path
    assert terrain.dem_path() is None and not terrain.terrain_available()
    write_dem(
        tmp_path / terrain.SAMPLE_DEM_NAME,
        np.full((3, 3), 7.0, np.float32),
        crs="EPSG:4326",
        west=118.1,
        north=36.2,
        cell=0.1,
    )
    assert terrain.dem_path() == tmp_path / terrain.SAMPLE_DEM_NAME
    assert terrain.ground_m([(36.1, 118.2)]) == [7.0]


def test_a_model_without_crs_or_not_a_raster_is_refused(tmp_path, settings) -> None:
    bad = tmp_path / "bad.tif"
    bad.write_bytes(b"not a tiff")
    settings.DRONE_TERRAIN_DEM = str(bad)
    with pytest.raises(terrain.TerrainError, match="not a raster"):
        terrain.ground_m([(LAT, LON)])
    assert not terrain.terrain_available()
    plain = tmp_path / "plain.tif"
    with rasterio.open(plain, "w", driver="GTiff", width=2, height=2, count=1, dtype="float32") as out:
        out.write(np.zeros((2, 2), np.float32), 1)
    settings.DRONE_TERRAIN_DEM = str(plain)
    with pytest.raises(terrain.TerrainError, match="no coordinate reference system"):
        terrain.ground_m([(LAT, LON)])


def test_a_changed_file_is_read_again(tmp_path, settings) -> None:
    path = write_dem(
        tmp_path / "dem.tif", np.full((2, 2), 10.0, np.float32), crs="EPSG:4326", west=118.0, north=36.3, cell=0.1
    )
    settings.DRONE_TERRAIN_DEM = str(path)
    assert terrain.ground_m([(36.25, 118.05)]) == [10.0]
    before = terrain.terrain_identity()
    write_dem(
        tmp_path / "new.tif", np.full((2, 3), 20.0, np.float32), crs="EPSG:4326", west=118.0, north=36.3, cell=0.1
    )
    (tmp_path / "new.tif").replace(path)
    assert terrain.ground_m([(36.25, 118.05)]) == [20.0]
    assert terrain.terrain_identity() != before


def test_reads_from_many_threads_at_once_agree(tmp_path, settings) -> None:
    path, x0, y0 = utm_dem(tmp_path / "utm.tif", lambda dx, dy: 200.0 + 30 * np.sin(dx / 150.0) * np.cos(dy / 90.0))
    settings.DRONE_TERRAIN_DEM = str(path)
    rng = np.random.default_rng(1)
    points = [utm_point(x0, y0, float(dx), float(dy)) for dx, dy in rng.uniform(-900, 900, size=(300, 2))]
    expected = terrain.ground_m(points)
    results: list[list] = []
    errors: list[BaseException] = []

    def read() -> None:
        try:
            for _ in range(5):
                results.append(terrain.ground_m(points))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=read) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(results) == 40 and all(r == expected for r in results)
    assert None not in expected
