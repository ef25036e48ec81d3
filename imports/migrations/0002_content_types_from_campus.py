"""The import batch's content type follows it from ``campus`` to ``imports``.

Renaming the row (rather than letting ``post_migrate`` create a new one) keeps its id, so the
permissions granted on it stay attached. On an empty database there is nothing to rename.

The audit log is append-only, so its entries keep the ``object_type`` they were written with
(``campus.importbatch``); ``common.audit.LEGACY_OBJECT_TYPES`` maps it for the reading side.
"""

from django.db import migrations


def _move(apps, *, old_label, new_label):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if ContentType.objects.filter(app_label=new_label, model="importbatch").exists():
        return  # already there (created by a post_migrate in between): leave both as they are
    ContentType.objects.filter(app_label=old_label, model="importbatch").update(app_label=new_label)


def forwards(apps, schema_editor):
    _move(apps, old_label="campus", new_label="imports")


def backwards(apps, schema_editor):
    _move(apps, old_label="imports", new_label="campus")


class Migration(migrations.Migration):

    dependencies = [
        ("imports", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]
