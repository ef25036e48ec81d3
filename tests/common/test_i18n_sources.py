"""Every message the code and templates mark for translation is in the Chinese catalogue.

``test_i18n`` checks that the catalogue's entries are translated; this one checks the other way: a string
wrapped in ``gettext`` or ``{% translate %}`` that nobody added to ``django.po`` renders in English on a
Chinese page. The messages are extracted as ``makemessages`` does (templates through Django's
``templatize``, then GNU ``xgettext`` with Django's keywords), without touching the catalogue.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import polib
import pytest
from django.utils.translation.template import templatize

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
SOURCES = ("common", "campus", "patrol", "drones", "imports", "incidents", "drills", "campaigns", "config", "templates",
           "notices", "reports")  # fmt: skip
# What makemessages passes to xgettext for Python (Django's own keywords; _, gettext and ngettext are defaults).
KEYWORDS = ["gettext_noop", "gettext_lazy", "ngettext_lazy:1,2", "pgettext:1c,2", "npgettext:1c,2,3",
            "pgettext_lazy:1c,2", "npgettext_lazy:1c,2,3"]  # fmt: skip


def source_files() -> tuple[list[Path], list[Path]]:
    python, templates = [], []
    for name in SOURCES:
        for path in sorted((ROOT / name).rglob("*")):
            if "migrations" in path.parts or "__pycache__" in path.parts:
                continue  # migrations repeat the models' strings
            if path.suffix == ".py":
                python.append(path)
            elif path.suffix in (".html", ".txt") and "templates" in path.parts:
                templates.append(path)
    return python, templates


def extracted_messages(tmp_path: Path) -> set[tuple[str | None, str]]:
    python, templates = source_files()
    files = [str(p) for p in python]
    for i, template in enumerate(templates):
        out = tmp_path / f"template{i}.py"
        out.write_text(templatize(template.read_text(encoding="utf-8"), origin=str(template)), encoding="utf-8")
        files.append(str(out))
    listing = tmp_path / "files.txt"
    listing.write_text("\n".join(files), encoding="utf-8")
    pot = tmp_path / "messages.pot"
    subprocess.run(
        ["xgettext", "-o", str(pot), "--from-code=UTF-8", "--language=Python", "--force-po",
         *(f"--keyword={k}" for k in KEYWORDS), "-f", str(listing)],
        check=True, capture_output=True,
    )  # fmt: skip
    return {(entry.msgctxt, entry.msgid) for entry in polib.pofile(str(pot))}


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs GNU xgettext (Debian package gettext)")
def test_every_message_marked_for_translation_is_in_the_chinese_catalogue(tmp_path):
    messages = extracted_messages(tmp_path)
    assert len(messages) > 1000  # the extraction found the project's messages
    catalogue = {(entry.msgctxt, entry.msgid) for entry in polib.pofile(str(PO)) if not entry.obsolete}
    missing = sorted(msgid for _context, msgid in messages - catalogue)
    assert not missing, f"{len(missing)} messages are not in {PO.name}, e.g. {missing[:15]}"
