"""Compile the .po translation catalogues to .mo without GNU gettext (pure Python, via polib).

Django's ``compilemessages`` needs the ``msgfmt`` program, which a fresh
machine may not have; this does the same for our catalogues.
"""

from __future__ import annotations

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Compile locale/*/LC_MESSAGES/*.po into .mo files (only those that changed)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Recompile even when the .mo is newer.")

    def handle(self, *args, force: bool = False, **options):
        compiled = 0
        for locale_dir in map(Path, settings.LOCALE_PATHS):
            for po_path in sorted(locale_dir.glob("*/LC_MESSAGES/*.po")):
                mo_path = po_path.with_suffix(".mo")
                if not force and mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                    continue
                try:
                    catalogue = polib.pofile(str(po_path))
                except (OSError, ValueError) as exc:
                    raise CommandError(f"{po_path}: cannot read the catalogue: {exc}") from None
                catalogue.save_as_mofile(str(mo_path))
                compiled += 1
        if options["verbosity"]:
            self.stdout.write(f"compiled {compiled} translation catalogue(s)")
