"""Permission-matrix rows for this part of patrol (see ``tests.patrol.matrix``)."""

from __future__ import annotations

CASES: list = []


def build(world: dict) -> dict:
    return {}
