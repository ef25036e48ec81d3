"""The content types of the school calendar's models follow them from ``patrol`` to ``campus``.

Renaming the rows (rather than letting ``post_migrate`` create new ones) keeps their ids, so the
permissions granted on them and anything pointing at a content type stay attached. On an empty
database there is nothing to rename: ``post_migrate`` creates the ``campus`` ones afterwards.

The audit log is append-only (a trigger refuses UPDATE), so its entries keep the ``object_type``
they were written with (``patrol.term``); ``common.audit.LEGACY_OBJECT_TYPES`` maps those for
the reading side.
"""

from django.db import migrations

MODELS = ["term", "calendaroverride", "schoolclosure"]


def _move(apps, *, old_label, new_label):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if ContentType.objects.filter(app_label=new_label, model=model).exists():
            continue  # already there (created by a post_migrate in between): leave both as they are
        ContentType.objects.filter(app_label=old_label, model=model).update(app_label=new_label)


def forwards(apps, schema_editor):
    _move(apps, old_label="patrol", new_label="campus")


def backwards(apps, schema_editor):
    _move(apps, old_label="campus", new_label="patrol")


class Migration(migrations.Migration):

    dependencies = [
        ("campus", "0009_calendar_from_patrol"),
        ("patrol", "0004_calendar_moved_out"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]
