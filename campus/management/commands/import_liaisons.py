"""``manage.py import_liaisons FILE --crs CRS [--dry-run] [--user USERNAME]``: see imports.command."""

from __future__ import annotations

from campus.import_kinds import RegistryKind
from imports.command import ImportCommand


class Command(ImportCommand):
    kind = RegistryKind.LIAISONS
