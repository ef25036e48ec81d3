"""Signals other apps listen to (drones imports no app above it: they connect in their ``ready()``).

``flight_ended``: a flight's "landed" or "failed" report is committed (``flights.flight_report_apply``);
sent with ``sender=Flight``, ``flight_id`` and ``status``. Sent robustly: a receiver's error never reaches
the bridge. The campaigns app measures the sortie the flight flew.
"""

from __future__ import annotations

from django.dispatch import Signal

flight_ended = Signal()

__all__ = ["flight_ended"]
