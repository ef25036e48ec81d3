"""The publicity office's role (宣传): writes and approves broadcast clips, reads the campaigns."""

from django.db import migrations


def create_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name="publicity_officer")


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="publicity_officer").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("common", "0005_audit_guard_owner_only"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
