from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from campus.models import School
from common.errors import NotAllowed
from common.models import AuditLogEntry
from drills.models import DrillRule, DrillType
from drills.rules import drill_rule_save, drill_type_save, rules_for_school
from tests.factories import SchoolFactory

pytestmark = pytest.mark.django_db


def test_defaults_ship_builtin_types_and_sourced_rules():
    codes = set(DrillType.objects.filter(builtin=True).values_list("code", flat=True))
    assert codes == {"campus_violence", "extreme_incident", "earthquake", "fire", "school_bus", "evacuation"}
    assert DrillType.objects.get(code="evacuation").target_evacuation_s == 180
    assert all(rule.source for rule in DrillRule.objects.all())
    assert DrillRule.objects.get(drill_type__code="campus_violence").police_required


def test_rules_for_school_by_level_boarding_and_bus():
    plain = SchoolFactory(level=School.Level.PRIMARY)
    boarding_bus = SchoolFactory(level=School.Level.PRIMARY, boarding=True, school_bus=True)
    kindergarten = SchoolFactory(level=School.Level.KINDERGARTEN)

    def summary(school):
        return sorted((r.drill_type.code, r.period) for r in rules_for_school(school))

    assert ("school_bus", "term") not in summary(plain)
    assert ("school_bus", "term") in summary(boarding_bus)
    assert summary(boarding_bus).count(("evacuation", "term")) == 2  # the extra night-time evacuation
    assert ("evacuation", "month") in summary(kindergarten)
    assert ("evacuation", "term") not in summary(kindergarten)


@pytest.mark.parametrize(
    ("period", "count", "message"),
    [
        ("term", 0, "at least one drill"),
        ("month", 24, "a month has at most 23 school days"),
    ],
)
def test_impossible_counts_are_refused(setup, fire, period, count, message):
    before = DrillRule.objects.count()
    rule = DrillRule(drill_type=fire, period=period, count=count, levels=["senior"])
    with pytest.raises(ValidationError) as exc:
        drill_rule_save(rule=rule, actor=setup["admin"])
    assert message in str(exc.value)
    assert DrillRule.objects.count() == before


def test_monthly_rules_together_beyond_a_month_are_refused(setup, fire):
    DrillRule.objects.create(drill_type=fire, period="month", count=20, levels=["senior"])
    rule = DrillRule(drill_type=fire, period="month", count=5, levels=[], boarding=True)
    with pytest.raises(ValidationError) as exc:
        drill_rule_save(rule=rule, actor=setup["admin"])
    assert "would need 25 drills a month" in str(exc.value)


def test_term_count_above_the_terms_school_days_is_refused(setup, fire, term):
    term.end_date = term.start_date.replace(day=20)  # 1–20 September 2025: 15 school days
    term.save()
    with pytest.raises(ValidationError) as exc:
        drill_rule_save(rule=DrillRule(drill_type=fire, period="term", count=20, levels=["senior"]),
                        actor=setup["admin"])  # fmt: skip
    assert "the shortest term has 15 school days" in str(exc.value)


def test_duplicate_rule_is_refused(setup, fire):
    existing = DrillRule.objects.get(drill_type=fire, active=True)
    with pytest.raises(ValidationError) as exc:
        drill_rule_save(rule=DrillRule(drill_type=fire, period="term", count=2), actor=setup["admin"])
    assert f"#{existing.pk}" in str(exc.value)


def test_only_admin_changes_rules(setup, fire):
    with pytest.raises(NotAllowed):
        drill_rule_save(rule=DrillRule(drill_type=fire, period="year", count=1), actor=setup["staff"])


def test_type_target_needs_evacuation(setup):
    with pytest.raises(ValidationError) as exc:
        drill_type_save(drill_type=DrillType(code="flood", name="Flood", target_evacuation_s=60), actor=setup["admin"])
    assert "target_evacuation_s" in exc.value.message_dict
    assert not DrillType.objects.filter(code="flood").exists()


def test_rule_page_shows_impossible_count_and_writes_nothing(client, setup, fire):
    client.force_login(setup["admin"])
    before = DrillRule.objects.count()
    audits = AuditLogEntry.objects.count()
    response = client.post(
        reverse("drills:drill-rule-new"),
        {"drill_type": fire.pk, "period": "month", "count": "30", "source": "x", "active": "on"},
    )
    assert response.status_code == 200
    assert "30 drills per month is impossible" in response.content.decode()
    assert DrillRule.objects.count() == before
    assert AuditLogEntry.objects.count() == audits


def test_rule_page_saves_a_rule(client, setup, fire):
    client.force_login(setup["admin"])
    response = client.post(
        reverse("drills:drill-rule-new"),
        {"drill_type": fire.pk, "period": "year", "count": "1", "levels": ["senior"], "boarding": "true",
         "source": "local order", "active": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    rule = DrillRule.objects.get(source="local order")
    assert rule.levels == ["senior"] and rule.boarding is True and rule.school_bus is None


def test_rules_page_escapes_text(client, setup, fire):
    DrillRule.objects.create(drill_type=fire, period="year", count=1, source="<script>alert(1)</script>")
    client.force_login(setup["staff"])
    body = client.get(reverse("drills:drill-rules")).content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;" in body


def test_api_rule_with_impossible_count_is_400(client, setup, fire):
    client.force_login(setup["admin"])
    before = DrillRule.objects.count()
    response = client.post(
        reverse("drills_api:drill-rule-list"),
        {"drill_type": fire.pk, "period": "month", "count": 40},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "impossible" in response.json()["detail"]
    assert DrillRule.objects.count() == before
