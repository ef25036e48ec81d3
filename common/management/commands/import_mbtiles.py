"""``manage.py import_mbtiles <file> --layer NAME [--label ...]``: add an offline base map.

The file is checked (SQLite, MBTiles tables, raster format, zooms, bounds), copied whole into
``settings.MAP_TILES_DIR`` as ``<NAME>.mbtiles`` and is a map layer from the next page load on: the
directory is the registry (``common.tiles``). A bad file is refused before anything is copied.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from common.audit import audit_record
from common.roles import SYSTEM
from common.tiles import CRS_VALUES, TileSourceError, mbtiles_install


class Command(BaseCommand):
    help = "Check an MBTiles raster tile file and install it as a base-map layer served at /tiles/<layer>/."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="the .mbtiles file (png, jpg or webp tiles)")
        parser.add_argument("--layer", required=True, help="layer name: lower-case letters, digits, - or _")
        parser.add_argument("--label", default="", help="name shown in the map's layer switcher (default: the file's)")
        kind = parser.add_mutually_exclusive_group()
        kind.add_argument("--overlay", action="store_true", default=None, help="draw over the base map (labels)")
        kind.add_argument("--base", dest="overlay", action="store_false", help="a base map (the default)")
        parser.add_argument(
            "--crs", choices=CRS_VALUES, default="", help="the tiles' coordinates: gcj02 for AMap/Tencent-style tiles"
        )

    def handle(self, *args, file: str, layer: str, label: str, overlay: bool | None, crs: str, **options) -> None:
        source = Path(file)
        try:
            target, info = mbtiles_install(source, layer=layer, label=label, overlay=overlay, crs=crs)
        except TileSourceError as exc:
            audit_record(
                actor=SYSTEM,
                action="tiles.import_failed",
                object_type="tiles.layer",
                object_id=layer[:40],
                object_repr=source.name,
                after={"file": str(source), "code": exc.code},
                reason=exc.message,
            )
            raise CommandError(exc.message) from None
        audit_record(
            actor=SYSTEM,
            action="tiles.import",
            object_type="tiles.layer",
            object_id=layer,
            object_repr=label or info.name or layer,
            after={
                "file": str(source),
                "path": str(target),
                "format": info.format,
                "zooms": [info.min_zoom, info.max_zoom],
                "bounds": list(info.bounds),
                "tiles": info.tile_count,
                "crs": info.crs,
            },
        )
        west, south, east, north = info.bounds
        lat, lon = info.center
        self.stdout.write(
            f"Layer {layer!r} installed at {target}: {info.tile_count} {info.format} tiles, "
            f"zoom {info.min_zoom}-{info.max_zoom}, bounds W {west:.6f} S {south:.6f} E {east:.6f} N {north:.6f}, "
            f"centre {lat:.6f}, {lon:.6f} ({info.crs}). Served at /tiles/{layer}/{{z}}/{{x}}/{{y}}.{info.format}."
        )
