from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from drills.models import Drill
from drills.sample import load_sample_drills
from tests.drills.factories import (
    ActivityFactory,
    CorrectiveActionFactory,
    DrillFactory,
    EmergencyPlanVersionFactory,
)
from tests.factories import SchoolFactory

pytestmark = pytest.mark.django_db


def test_term_report_xlsx_and_page(client, setup, term, fire):
    school = setup["school"]
    drill = DrillFactory(school=school, drill_type=fire, date=dt.date(2025, 10, 15), evacuation_s=200,
                         evacuation_target_s=180)  # fmt: skip
    CorrectiveActionFactory(drill=drill, description="Unlock east door")
    ActivityFactory(school=school, date=dt.date(2025, 10, 20), audience=250)
    EmergencyPlanVersionFactory(plan__school=school, review_due=dt.date(2020, 1, 1))
    client.force_login(setup["admin"])
    url = reverse("drills:drill-report")
    page = client.get(url, {"school": school.pk, "term": term.pk}).content.decode()
    assert "Unlock east door" in page and "200" in page
    response = client.get(url, {"school": school.pk, "term": term.pk, "type": "xlsx"})
    book = load_workbook(io.BytesIO(response.content))
    summary = list(book.worksheets[0].iter_rows(values_only=True))
    assert summary[2][0] == school.name
    assert summary[2][-2:] == (1, 250)  # activities, audience
    assert summary[2][9] == 1  # plan review overdue
    held = list(book.worksheets[2].iter_rows(values_only=True))
    assert held[1][5] == 200 and held[1][7] == 20
    station = client.get(url, {"station": setup["station"].pk, "term": term.pk})
    assert station.status_code == 200


def test_staff_report_for_another_school_is_404(client, setup, term):
    client.force_login(setup["staff"])
    response = client.get(reverse("drills:drill-report"), {"school": setup["other"].pk, "term": term.pk})
    assert response.status_code == 404


def test_sample_is_idempotent_and_mixed(term):
    for n in range(6):
        SchoolFactory(is_sample=True, code=f"SMP{n}")
    first = load_sample_drills(today=dt.date(2025, 12, 20))
    assert first.drills > 0 and first.behind == 2 and first.actions >= 0
    assert Drill.objects.filter(is_sample=False).count() == 0
    again = load_sample_drills(today=dt.date(2025, 12, 20))
    assert again.drills == 0
    assert Drill.objects.count() == first.drills
