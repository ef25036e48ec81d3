"""Process-wide tuning of long-running processes (the web server, the telemetry bridge).

``gc_settle`` runs once per process at start-up, after the code and settings are loaded: it collects,
then freezes what is alive (``gc.freeze``), so the garbage collector's full collections never walk the
~150,000 objects of the loaded modules, URL patterns and templates again; they never become garbage.
Without it a full collection in the middle of a request or a telemetry broadcast stopped the process for
100-160 ms (the bridge's p99) and was the tail of the pages' times: measured on the county twice as large,
the slowest of 25 requests of the overview, the duty statistics, the plans and ``/api/dashboard/`` took
226-290 ms of CPU instead of 371-417 ms (p50 unchanged).

The web process also raises the collection thresholds (``WEB_GC_THRESHOLDS``): a request allocates tens of
thousands of short-lived objects (query rows, template nodes), which with the default 700 triggered many
young collections per request; with 7,000 the same pages took 10-20% less CPU at p50. Memory grows by
at most the young generation's larger size (a few MB).
"""

from __future__ import annotations

import gc

WEB_GC_THRESHOLDS = (7000, 20, 100)

_settled = False


def gc_settle(*, thresholds: tuple[int, int, int] | None = None) -> bool:
    """Collect and freeze what exists now, once per process (later calls do nothing); ``thresholds``:
    the collector's thresholds from now on. True when this call did it."""
    global _settled
    if _settled:
        return False
    _settled = True
    gc.collect()
    gc.freeze()
    if thresholds is not None:
        gc.set_threshold(*thresholds)
    return True
