"""County default duty windows (WindowRule rows with no school), minutes before / after the bell.

Arrival 30/10 and dismissal 20/15 come from the issue (school guards patrol and clear the gate area 20
minutes before dismissal); the noon windows are shorter: noon dismissal 10/15, noon arrival 20/10.
"""

from __future__ import annotations

from django.db import migrations

DEFAULTS = {
    "arrival": (30, 10),
    "dismissal": (20, 15),
    "noon_dismissal": (10, 15),
    "noon_arrival": (20, 10),
}


def add_defaults(apps, schema_editor):
    WindowRule = apps.get_model("patrol", "WindowRule")
    for kind, (before, after) in DEFAULTS.items():
        WindowRule.objects.get_or_create(kind=kind, school=None, defaults={"before_min": before, "after_min": after})


def remove_defaults(apps, schema_editor):
    WindowRule = apps.get_model("patrol", "WindowRule")
    WindowRule.objects.filter(school__isnull=True, kind__in=list(DEFAULTS)).delete()


class Migration(migrations.Migration):
    dependencies = [("patrol", "0001_initial")]

    operations = [migrations.RunPython(add_defaults, remove_defaults)]
