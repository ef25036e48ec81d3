"""``manage.py load_sample_basemap [--force]``: render the sample county's offline base map.

Writes ``<MAP_TILES_DIR>/sample.mbtiles`` (``campus.sample.basemap``), a layer every map shows from
then on. Does nothing when the file is already the one this code renders; ``make run`` calls it.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from campus.sample.basemap import LAYER_NAME, sample_basemap_current, sample_basemap_write
from common.audit import audit_record
from common.roles import SYSTEM
from common.tiles import tiles_dir


class Command(BaseCommand):
    help = "Render the fictitious sample county's base map into the tiles directory (a few MB, zooms 10-15)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--force", action="store_true", help="render it again even if it is current")

    def handle(self, *args, force: bool = False, **options) -> None:
        path = tiles_dir() / f"{LAYER_NAME}.mbtiles"
        if not force and sample_basemap_current(path):
            self.stdout.write(f"Sample base map is current: {path}")
            return
        started = time.perf_counter()
        info = sample_basemap_write(path)
        audit_record(
            actor=SYSTEM,
            action="tiles.sample_render",
            object_type="tiles.layer",
            object_id=LAYER_NAME,
            object_repr=info.name,
            after={"path": str(path), "tiles": info.tile_count, "zooms": [info.min_zoom, info.max_zoom]},
        )
        self.stdout.write(
            f"Sample base map: {info.tile_count} tiles, zoom {info.min_zoom}-{info.max_zoom}, "
            f"{path.stat().st_size / 1e6:.1f} MB at {path} ({time.perf_counter() - started:.1f} s)"
        )
