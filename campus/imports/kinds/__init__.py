"""The import kinds, one per record type, by ``ImportBatch.Kind``.

The registry's kinds, and the drones app's airspace zones and markets, which reuse this machinery.
"""

from __future__ import annotations

from campus.imports.kinds.areas import JurisdictionsImport, StationsImport, ZonesImport
from campus.imports.kinds.base import ImportContext, ImportKind
from campus.imports.kinds.gates import GatesImport
from campus.imports.kinds.liaisons import LiaisonsImport
from campus.imports.kinds.schools import SchoolsImport
from campus.imports.kinds.units import DepartmentsImport, OfficersImport
from campus.models import ImportBatch
from drones.airspace.imports import AirspaceImport, MarketsImport

KINDS: dict[ImportBatch.Kind, ImportKind] = {
    kind.kind: kind
    for kind in (
        SchoolsImport(),
        GatesImport(),
        StationsImport(),
        JurisdictionsImport(),
        ZonesImport(),
        DepartmentsImport(),
        OfficersImport(),
        LiaisonsImport(),
        # Kinds of other apps that reuse this machinery (MANAGE_FLEET, not IMPORT_DATA).
        AirspaceImport(),
        MarketsImport(),
    )
}

__all__ = ["KINDS", "ImportContext", "ImportKind"]
