"""The registry's import kinds: schools, gates, stations, jurisdictions, zones, departments, officers, liaisons.

Each is an ``imports.kind.ImportKind`` over campus's models; ``CampusConfig.ready()``
registers them with the import framework (``register_kinds``), in this order.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RegistryKind(models.TextChoices):
    """The keys and labels of the registry's import kinds (``ImportBatch.kind``)."""

    SCHOOLS = "schools", _("Schools")
    GATES = "gates", _("School gates")
    STATIONS = "stations", _("Police stations")
    JURISDICTIONS = "jurisdictions", _("Station jurisdictions")
    ZONES = "zones", _("Urban zones")
    DEPARTMENTS = "departments", _("Departments")
    OFFICERS = "officers", _("Officers")
    LIAISONS = "liaisons", _("Liaison officers")


def register_kinds() -> None:
    from campus.import_kinds.areas import JurisdictionsImport, StationsImport, ZonesImport
    from campus.import_kinds.gates import GatesImport
    from campus.import_kinds.liaisons import LiaisonsImport
    from campus.import_kinds.schools import SchoolsImport
    from campus.import_kinds.units import DepartmentsImport, OfficersImport
    from imports.registry import kind_register

    for kind in (
        SchoolsImport(),
        GatesImport(),
        StationsImport(),
        JurisdictionsImport(),
        ZonesImport(),
        DepartmentsImport(),
        OfficersImport(),
        LiaisonsImport(),
    ):
        kind_register(kind)
