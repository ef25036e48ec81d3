"""Built-in drill types and default requirement rules (defaults to edit on the rules page, not legal text)."""

from __future__ import annotations

from django.db import migrations

TYPES = [
    # code, name, evacuation measured, target seconds
    ("campus_violence", "校园暴力事件", False, None),
    ("extreme_incident", "个人极端事件", False, None),
    ("earthquake", "地震", True, 180),
    ("fire", "消防/火灾", True, 180),
    ("school_bus", "校车事故", False, None),
    ("evacuation", "疏散", True, 180),
]

NOT_KINDERGARTEN = ["junior", "nine_year", "primary", "senior", "special", "vocational"]

RULES = [
    # type, levels, boarding, school_bus, period, count, police, source
    ("evacuation", NOT_KINDERGARTEN, None, None, "term", 1, False,
     "Default: 《中小学幼儿园应急疏散演练指南》(2014) asks schools to hold evacuation drills regularly; "
     "set here to at least once a term. Edit to match local rules."),
    ("evacuation", ["kindergarten"], None, None, "month", 1, False,
     "Default: kindergartens drill evacuation monthly (young children need practice; common local practice "
     "under the 2014 guideline). Edit to match local rules."),
    ("evacuation", [], True, None, "term", 1, False,
     "Default: boarding schools hold an extra night-time (dormitory) evacuation drill each term."),
    ("fire", [], None, None, "term", 1, False,
     "Default: fire drill at least once a term (消防法 and school fire-safety rules call for regular drills)."),
    ("earthquake", [], None, None, "term", 1, False,
     "Default: earthquake drill at least once a term (防震减灾 education in schools)."),
    ("campus_violence", [], None, None, "term", 1, True,
     "Default: anti-violence / anti-terror (防暴/反恐) drill once a term with the liaison police officer "
     "(一校一警), per the bureau's campus security plan."),
    ("extreme_incident", [], None, None, "year", 1, True,
     "Default: individual extreme incident drill once a school year with police taking part."),
    ("school_bus", [], None, True, "term", 1, False,
     "Default: school-bus accident drill once a term, only for schools that run a school bus (校车安全管理条例)."),
]  # fmt: skip


def forwards(apps, schema_editor):
    DrillType = apps.get_model("campus", "DrillType")
    DrillRule = apps.get_model("campus", "DrillRule")
    types = {}
    for code, name, evacuation, target in TYPES:
        types[code], _created = DrillType.objects.get_or_create(
            code=code,
            defaults={"name": name, "builtin": True, "evacuation": evacuation, "target_evacuation_s": target},
        )
    if DrillRule.objects.exists():
        return
    for code, levels, boarding, bus, period, count, police, source in RULES:
        DrillRule.objects.create(
            drill_type=types[code],
            levels=levels,
            boarding=boarding,
            school_bus=bus,
            period=period,
            count=count,
            police_required=police,
            source=source,
        )


def backwards(apps, schema_editor):
    DrillType = apps.get_model("campus", "DrillType")
    DrillRule = apps.get_model("campus", "DrillRule")
    codes = [t[0] for t in TYPES]
    DrillRule.objects.filter(drill_type__code__in=codes).delete()
    DrillType.objects.filter(code__in=codes, builtin=True, drills__isnull=True, plans__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("campus", "0005_drills_plans_activities")]

    operations = [migrations.RunPython(forwards, backwards)]
