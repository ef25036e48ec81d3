"""Telling people about incidents as they happen (filled in by the handling part)."""

from __future__ import annotations


def incident_notify_new(incident_id: int) -> None:
    """Push a new report to its liaison officer, the station's duty desk and the brigade (after commit)."""
