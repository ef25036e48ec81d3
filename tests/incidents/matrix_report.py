"""Permission-matrix rows for this part of incidents (see ``tests.incidents.matrix``)."""

from __future__ import annotations

CASES: list = []


def build(world: dict) -> dict:
    return {}
