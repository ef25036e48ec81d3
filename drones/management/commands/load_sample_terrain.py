"""``manage.py load_sample_terrain [--force]``: write the sample county's terrain model.

Writes ``<MAP_TILES_DIR>/sample-terrain.tif`` (``drones.terrain_sample``: fictitious hills and valleys, 30 m
cells, a few hundred kB), which ``DRONE_TERRAIN_DEM``'s default ("sample") uses from then on. Does nothing
when the file is already the one this code writes; ``make sample`` calls it after the base map.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from common.audit import audit_record
from common.roles import SYSTEM
from common.tiles import tiles_dir
from drones.terrain import SAMPLE_DEM_NAME
from drones.terrain_sample import sample_terrain_current, sample_terrain_write


class Command(BaseCommand):
    help = "Write the fictitious sample county's terrain model (a GeoTIFF) next to the sample base map."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--force", action="store_true", help="write it again even if it is current")

    def handle(self, *args, force: bool = False, **options) -> None:
        path = tiles_dir() / SAMPLE_DEM_NAME
        if not force and sample_terrain_current(path):
            self.stdout.write(f"Sample terrain model is current: {path}")
            return
        started = time.perf_counter()
        info = sample_terrain_write(path)
        audit_record(
            actor=SYSTEM,
            action="sample.load",
            object_type="terrain.dem",
            object_id=SAMPLE_DEM_NAME,
            object_repr="示例县地形（样例）",
            after={"path": str(path), "cells": list(info["cells"]), "range_m": [info["min_m"], info["max_m"]]},
        )
        self.stdout.write(
            f"Sample terrain model: {info['cells'][0]} x {info['cells'][1]} cells of 30 m, "
            f"{info['min_m']}-{info['max_m']} m above sea level, {info['bytes'] / 1e3:.0f} kB at {path} "
            f"({time.perf_counter() - started:.1f} s)"
        )
