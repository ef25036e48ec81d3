"""Helpers for the import tests: building files in memory and checking that nothing was written."""

from __future__ import annotations

import io
import warnings
import zipfile
from pathlib import Path

import geopandas as gpd
from shapely.geometry import Polygon, box

from campus.imports import services
from campus.models import (
    Department,
    Gate,
    ImportBatch,
    LiaisonAssignment,
    Officer,
    SafetyContact,
    School,
    Station,
    Zone,
)
from common.models import AuditLogEntry

WRITTEN = (Station, Zone, School, Gate, SafetyContact, Department, Officer, LiaisonAssignment, AuditLogEntry)


def counts() -> dict[str, int]:
    """Rows of every registry table and the audit log: compare before and after a refused import."""
    return {model.__name__: model.objects.count() for model in WRITTEN}


def csv_bytes(text: str, encoding: str = "utf-8") -> bytes:
    """CSV text as a spreadsheet program saves it: Windows line ends, in ``encoding``."""
    return text.strip("\n").replace("\n", "\r\n").encode(encoding) + b"\r\n"


def preview(kind: str, content: bytes, *, actor, crs: str = "wgs84", filename: str = "upload.csv") -> ImportBatch:
    return services.import_batch_preview(kind=kind, crs=crs, filename=filename, content=content, actor=actor)


def problems(batch: ImportBatch, severity: str = "error") -> list[dict]:
    return [p for p in batch.report["problems"] if p["severity"] == severity]


def only_problem(batch: ImportBatch) -> dict:
    found = problems(batch)
    assert len(found) == 1, found
    return found[0]


def square_polygon(lat: float, lon: float, half: float = 0.01) -> Polygon:
    return box(lon - half, lat - half, lon + half, lat + half)


def bowtie(lat: float, lon: float, half: float = 0.01) -> Polygon:
    """A self-intersecting ring crossing itself at (lat, lon)."""
    return Polygon(
        [(lon - half, lat - half), (lon + half, lat + half), (lon + half, lat - half), (lon - half, lat + half)]
    )


def geo_frame(records: list[dict], geometries: list, crs: str | int = 4326) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(records, geometry=geometries, crs=crs)


def shapefile_zip(frame: gpd.GeoDataFrame, folder: Path, name: str = "layer", **to_file) -> bytes:
    """Write ``frame`` as a Shapefile in ``folder`` and zip its parts, as users send them.

    DBF field names are cut to 10 characters (``station_co``), as real files have them.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        frame.to_file(folder / f"{name}.shp", **to_file)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for part in sorted(folder.glob(f"{name}.*")):
            archive.write(part, arcname=part.name)
    return buffer.getvalue()


def kml_bytes(frame: gpd.GeoDataFrame, folder: Path) -> bytes:
    path = folder / "layer.kml"
    frame.to_file(path, driver="KML")
    return path.read_bytes()
