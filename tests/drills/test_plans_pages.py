"""Plan pages: list with overdue flags, school plans, version history (escaped), upload form, school page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from drills.models import DrillRule, EmergencyPlan, EmergencyPlanVersion
from drills.plans import services as plans
from tests.drills.factories import ActivityFactory, DrillRuleFactory
from tests.drills.test_plans_service import make_world


@pytest.fixture
def w(db):
    return make_world()


def days(n: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=n)


def version(w, *, school=None, scenario=None, number=1, approved=-10, text="Evacuate by the east stairs.", plan=None):
    return plans.plan_version_add(
        plan=plan,
        school=None if plan else (school or w.school_a),
        scenario=None if plan else (scenario or w.fire),
        title="" if plan else "Fire plan",
        version=number,
        effective_date=days(approved),
        approved_on=days(approved),
        approved_by="Principal Li",
        text=text,
        change_note=f"change {number}",
        actor=w.admin,
    )


def form(**extra) -> dict:
    return {
        "version": "1",
        "effective_date": days(-1).isoformat(),
        "approved_by": "Principal Li",
        "approved_on": days(-1).isoformat(),
        "text": "Who does what.",
        "title": "Fire plan",
        **extra,
    }


def test_history_shows_every_version_and_escapes_the_text(client, w):
    version(w, number=1, approved=-400)
    row = version(w, number=2, approved=-5, text='<script>alert("x")</script> & 疏散')
    client.force_login(w.staff)
    page = client.get(reverse("drills:plan-detail", kwargs={"pk": row.plan_id})).content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; 疏散" in page
    assert "change 1" in page and "change 2" in page and "Principal Li" in page
    assert plans.default_review_due(days(-5)).isoformat() in page


def test_list_flags_overdue_reviews_and_missing_scenarios(client, w):
    DrillRule.objects.all().delete()
    DrillRuleFactory(drill_type=w.quake)
    version(w, approved=-400)
    client.force_login(w.scheduler)
    page = client.get(reverse("drills:plan-list")).content.decode()
    assert "review overdue" in page
    assert '<span class="badge bad">Earthquake</span>' in page
    only = client.get(reverse("drills:plan-list") + "?status=overdue").content.decode()
    assert "School A" in only and "School B" not in only


def test_staff_see_their_school_only(client, w):
    version(w)
    other = version(w, school=w.school_b)
    client.force_login(w.staff)
    page = client.get(reverse("drills:plan-list")).content.decode()
    assert "School A" in page and "School B" not in page
    assert client.get(reverse("drills:plan-detail", kwargs={"pk": other.plan_id})).status_code == 404
    assert client.get(reverse("drills:plan-school", kwargs={"pk": w.school_b.pk})).status_code == 404


def test_staff_upload_a_plan_with_a_document(client, w):
    client.force_login(w.staff)
    doc = SimpleUploadedFile("预案.txt", "一、组织机构".encode(), content_type="text/plain")
    response = client.post(
        reverse("drills:plan-new"), form(school=w.school_a.pk, scenario=w.fire.pk, text="", document=doc)
    )
    plan = EmergencyPlan.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("drills:plan-detail", kwargs={"pk": plan.pk})
    row = plan.versions.get()
    assert row.attachments.get().name == "预案.txt"
    page = client.get(response["Location"]).content.decode()
    assert "预案.txt" in page


def test_an_older_version_is_refused_with_the_current_version_named(client, w):
    current = version(w, number=2, approved=-5)
    client.force_login(w.admin)
    response = client.post(
        reverse("drills:plan-version-new", kwargs={"pk": current.plan_id}), form(version="2", change_note="again")
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Version 2 is not newer than the current one." in page
    assert "is version 2" in page and "numbered 3 or higher" in page
    assert EmergencyPlanVersion.objects.count() == 1


def test_a_future_approval_date_is_refused_on_the_form(client, w):
    client.force_login(w.admin)
    response = client.post(
        reverse("drills:plan-new"),
        form(school=w.school_a.pk, scenario=w.fire.pk, approved_on=days(3).isoformat(), effective_date=days(3)),
    )
    assert response.status_code == 200
    assert f"The approval date {days(3).isoformat()} is in the future" in response.content.decode()
    assert EmergencyPlan.objects.count() == 0


def test_staff_posting_for_another_school_get_403_and_nothing_is_written(client, w):
    client.force_login(w.staff)
    response = client.post(reverse("drills:plan-new"), form(school=w.school_b.pk, scenario=w.fire.pk))
    assert response.status_code == 403
    assert EmergencyPlan.objects.count() == 0
    other = version(w, school=w.school_b)
    response = client.post(reverse("drills:plan-version-new", kwargs={"pk": other.plan_id}), form(version="2"))
    assert response.status_code == 404
    assert EmergencyPlanVersion.objects.count() == 1


def test_new_plan_form_for_an_existing_scenario_goes_to_the_next_version(client, w):
    row = version(w)
    client.force_login(w.admin)
    response = client.get(reverse("drills:plan-new") + f"?school={w.school_a.pk}&scenario={w.fire.pk}")
    assert response.status_code == 302
    assert response["Location"] == reverse("drills:plan-version-new", kwargs={"pk": row.plan_id})
    page = client.get(response["Location"]).content.decode()
    assert 'name="version" value="2"' in page


def test_school_page_shows_plans_liaison_visits_and_activities(client, w):
    DrillRule.objects.all().delete()
    DrillRuleFactory(drill_type=w.quake)
    version(w, approved=-400)
    visit = ActivityFactory(school=w.school_a, kind="liaison_visit", title="Visit <b>gate</b>", audience=0)
    visit.officers.add(w.officer)
    ActivityFactory(school=w.school_a, title="Anti-fraud talk for grade 6", date=days(-2))
    ActivityFactory(school=w.school_b, title="Other school's talk")
    client.force_login(w.staff)
    page = client.get(reverse("campus:school_detail", kwargs={"pk": w.school_a.pk})).content.decode()
    assert 'id="school-safety"' in page
    assert "review overdue" in page and "Earthquake" in page
    visits = page[page.index('id="liaison-visits"') : page.index('id="recent-activities"')]
    assert "Visit &lt;b&gt;gate&lt;/b&gt;" in visits
    assert "Anti-fraud talk for grade 6" not in visits
    assert "Anti-fraud talk for grade 6" in page and "Other school's talk" not in page


def test_school_page_has_no_section_for_drone_operators(client, w):
    client.force_login(w.pilot)
    page = client.get(reverse("campus:school_detail", kwargs={"pk": w.school_a.pk})).content.decode()
    assert 'id="school-safety"' not in page
