"""Reach aggregates against hand-computed numbers (repeat visitors discounted per place), the year against
its target, the pages, the API, the XLSX report (escaped, audited), the overview section and the sample."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from campaigns.models import Campaign, Sortie
from campaigns.reporting import selectors
from campaigns.reporting.dashboard import campaigns_section
from campaigns.reporting.sample_flights import SAMPLE_NOTE
from common.models import AuditLogEntry
from common.roles import Role
from tests.campaigns import builders
from tests.campaigns.reach_world import occurrence
from tests.factories import StationFactory, make_user

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 20)
# Planned per visit: the playlist twice (2 x 75 s = 150 s, two full loops); a 4 h window, a 45 min dwell:
# (150 + 2700) / 14400 of 3000 people.
PLANNED = int(3000 * (150 + 2700) / 14400)


def _flown(sortie: Sortie, reach: int, broadcast_s: float = 600.0) -> None:
    Sortie.objects.filter(pk=sortie.pk).update(status="flown", reach=reach, broadcast_s=broadcast_s)
    sortie.occurrence.status = "flown"
    sortie.occurrence.save(update_fields=["status"])


@pytest.fixture
def world():
    north, south = StationFactory(name="北镇派出所"), StationFactory(name="南镇派出所")
    a = builders.market(name="甲集", station=north)
    b = builders.market(name="乙集", station=south)
    campaign = builders.campaign(scope="chosen", reach_target=10_000)
    campaign.markets.set([a, b])
    other_pilot = builders.pilot("pilot2")
    a1 = builders.sortie(occurrence(campaign, a, 1))
    a2 = builders.sortie(occurrence(campaign, a, 6), pilot=other_pilot)
    a3 = builders.sortie(occurrence(campaign, a, 11))  # planned
    b1 = builders.sortie(occurrence(campaign, b, 3))
    b2 = builders.sortie(occurrence(campaign, b, 8), status="cancelled")
    occurrence(campaign, b, 13)  # a session with no sortie
    _flown(a1, 1000)
    _flown(a2, 500)
    _flown(b1, 800, broadcast_s=300.0)
    b2.occurrence.status = "cancelled"
    b2.occurrence.save(update_fields=["status"])
    return {"campaign": campaign, "a": a, "b": b, "sorties": (a1, a2, a3, b1, b2), "pilot2": other_pilot}


def test_campaign_reach_discounts_repeat_visitors_per_place(world):
    data = selectors.campaign_reach(world["campaign"], today=TODAY)
    s = data["summary"]
    # 甲集: 1000 + 0.4 x 500 = 1200; 乙集: 800. Expected adds 甲集's planned third visit at 0.4.
    assert s["flown_reach"] == 1200 + 800
    assert s["expected_reach"] == int(1000 + 0.4 * (500 + PLANNED)) + 800
    assert (s["sorties_planned"], s["sorties_flown"], s["sorties_cancelled"]) == (1, 3, 1)
    assert s["broadcast_min"] == 25.0 and s["flown_share"] == 0.2
    townships = {t["name"]: t for t in data["townships"]}
    assert townships["北镇派出所"]["flown_reach"] == 1200 and townships["南镇派出所"]["flown_reach"] == 800
    pilots = {p["name"].split(" ")[0]: p["flown_reach"] for p in data["pilots"]}
    assert sorted(pilots.values()) == [int(0.4 * 500), 1000 + 800]
    places = {p["name"]: p for p in data["places"]}
    assert (places["乙集"]["sessions"], places["乙集"]["flown"]) == (2, 1)  # the cancelled session does not count
    assert places["甲集"]["coverage"] == round(2 / 3, 3) and places["甲集"]["level"] == "mid"


def test_the_series_is_cumulative_and_stops_flown_at_today(world):
    data = selectors.campaign_reach(world["campaign"], today=dt.date(2026, 12, 7))
    series = {d["date"]: d for d in data["series"]}
    assert series["2026-12-01"]["flown"] == 1000
    assert series["2026-12-03"]["flown"] == 1800
    assert series["2026-12-06"]["flown"] == 2000
    assert series["2026-12-08"]["flown"] is None
    assert series["2026-12-31"]["expected"] == data["summary"]["expected_reach"]


def test_the_year_sums_campaigns_against_the_bureau_target(world, settings):
    settings.CAMPAIGN_YEAR_TARGET = 4000
    settings.CAMPAIGN_LAST_YEAR_REACH = 3000
    other = builders.campaign(name="防溺水进大集", scope="chosen", playlist=builders.playlist(name="防溺水"))
    other.markets.set([world["a"]])
    _flown(builders.sortie(occurrence(other, world["a"], 16)), 700)  # another campaign: no discount across
    last_year = builders.campaign(
        name="去年", start=dt.date(2025, 6, 1), end=dt.date(2025, 6, 30), playlist=builders.playlist(name="旧")
    )
    data = selectors.year_reach(2026, today=TODAY)
    assert data["flown_reach"] == 2000 + 700 and data["target"] == 4000 and data["last_year"] == 3000
    assert data["flown_share"] == round(2700 / 4000, 4)
    assert [c["name"] for c in data["campaigns"]] == sorted([world["campaign"].name, "防溺水进大集"])
    december = data["months"][11]
    assert december["flown"] == 2700 and december["cumulative_flown"] == 2700
    assert data["months"][0]["flown"] == 0
    assert last_year.name not in json.dumps(data, ensure_ascii=False)


def _strict(text: str):
    def refuse(constant):
        raise AssertionError(f"{constant} in JSON")

    return json.loads(text, parse_constant=refuse)


def test_api_answers_finite_json(client, world):
    Sortie.objects.filter(pk=world["sorties"][0].pk).update(broadcast_s=float("inf"))
    client.force_login(make_user(Role.LEADERSHIP, username="boss"))
    response = client.get(reverse("campaigns_api:reach-campaign", args=[world["campaign"].pk]))
    assert response.status_code == 200
    data = _strict(response.content)
    assert data["summary"]["flown_reach"] == 2000 and len(data["series"]) == 31
    assert {"townships", "pilots", "places", "occurrences", "parameters"} <= set(data)
    year = _strict(client.get(reverse("campaigns_api:reach-year"), {"year": 2026}).content)
    assert year["target"] == 300_000 and year["last_year"] == 200_000
    bad = client.get(reverse("campaigns_api:reach-year"), {"year": "20x6"})
    assert bad.status_code == 400 and "year" in bad.json().get("errors", [{}])[0].get("field", "year")


def test_measure_again_through_the_api_is_for_planners(client, world):
    client.force_login(make_user(Role.DRONE_OPERATOR, username="op"))
    response = client.post(reverse("campaigns_api:reach-measure", args=[world["campaign"].pk]))
    assert response.status_code == 200 and response.json() == {"measured": 0, "changed": 0, "skipped": []}
    client.force_login(make_user(Role.LEADERSHIP, username="boss"))
    assert client.post(reverse("campaigns_api:reach-measure", args=[world["campaign"].pk])).status_code == 403


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_pages_show_the_reach(client, world, language):
    client.cookies["django_language"] = language
    client.force_login(make_user(Role.PUBLICITY_OFFICER, username="pub"))
    pk = world["campaign"].pk
    page = client.get(reverse("campaigns:reach-campaign", args=[pk])).content.decode()
    assert 'id="flown-reach">2000<' in page and "reach-series" in page and "chart.umd.min.js" in page
    assert "北镇派出所" in page and 'id="measure-again"' not in page  # the publicity office only reads
    report = client.get(reverse("campaigns:reach-report", args=[pk])).content.decode()
    assert "data-print" in report and "北镇派出所" in report
    year = client.get(reverse("campaigns:reach-year"), {"year": "2026"}).content.decode()
    assert 'id="year-target">300000<' in year and world["campaign"].name in year
    wrong = client.get(reverse("campaigns:reach-year"), {"year": "abc"}).content.decode()
    assert 'id="year-error"' in wrong
    detail = client.get(reverse("campaigns:campaign-detail", args=[pk])).content.decode()
    assert reverse("campaigns:reach-campaign", args=[pk]) in detail


def test_a_planner_measures_again_from_the_page(client, world):
    client.force_login(make_user(Role.DRONE_OPERATOR, username="op"))
    response = client.post(reverse("campaigns:reach-measure", args=[world["campaign"].pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("campaigns:reach-campaign", args=[world["campaign"].pk])
    assert response.status_code == 200
    assert AuditLogEntry.objects.filter(action="sortie.measure").count() == 0  # nothing flown with a flight


def test_the_xlsx_report_is_escaped_and_audited(client, world):
    Campaign.objects.filter(pk=world["campaign"].pk).update(name='=HYPERLINK("http://x")')
    user = make_user(Role.LEADERSHIP, username="boss")
    client.force_login(user)
    response = client.get(reverse("campaigns:reach-export", args=[world["campaign"].pk]))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content))
    assert len(book.sheetnames) == 4
    summary = book[book.sheetnames[0]]
    cell = summary["B2"]
    assert cell.value == '=HYPERLINK("http://x")' and cell.data_type == "s"
    occurrences = book[book.sheetnames[3]]
    assert occurrences.max_row == 1 + 6
    entry = AuditLogEntry.objects.get(action="export.campaign_reach")
    assert entry.after["outcome"] == "done" and entry.after["rows"] > 0 and entry.actor_id == user.pk


def test_the_overview_shows_the_year_and_todays_sorties(world, settings):
    from django.utils import timezone

    leader = make_user(Role.LEADERSHIP, username="boss")
    now = dt.datetime(2026, 12, 11, 3, 0, tzinfo=dt.UTC)
    section = campaigns_section(user=leader, now=now)
    tiles = {t.key: t for t in section.tiles}
    assert tiles["year_reach"].value == 2000 and "300000" in tiles["year_reach"].note
    assert tiles["sorties_today"].value == 1 and len(section.lines) == 1  # 甲集's planned visit on the 11th
    assert campaigns_section(user=make_user(Role.SCHOOL_STAFF, username="staff"), now=timezone.now()) is None


def test_the_sample_campaign_loads_once(settings, tmp_path):
    from django.utils import timezone

    from campaigns.sample import SAMPLE_CAMPAIGN, load_sample_campaign, load_sample_content

    settings.MEDIA_ROOT = tmp_path / "media"
    for command in ("load_sample_county", "load_sample_airspace", "load_sample_fleet"):
        call_command(command, stdout=io.StringIO())
    load_sample_content()
    last_month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=10)
    first = load_sample_campaign(today=last_month)
    campaign = Campaign.objects.get(name=SAMPLE_CAMPAIGN)
    assert campaign.is_sample and first.campaign_created and first.schedule_note == "", first.schedule_note
    assert first.flights == 3 and first.sorties > 3
    flown = Sortie.objects.filter(occurrence__campaign=campaign, status="flown")
    assert flown.count() == 3 and all(s.broadcast_s > 0 and s.reach > 0 for s in flown)
    assert all(s.flight.outcome_detail == SAMPLE_NOTE for s in flown)
    audit = AuditLogEntry.objects.count()
    second = load_sample_campaign(today=last_month)
    assert not second.campaign_created and second.flights == 0
    assert AuditLogEntry.objects.count() == audit
    assert Sortie.objects.filter(occurrence__campaign=campaign, status="flown").count() == 3


def test_the_home_page_shows_the_campaigns_section(client, world):
    client.cookies["django_language"] = "en"
    client.force_login(make_user(Role.LEADERSHIP, username="boss"))
    page = client.get(reverse("home")).content.decode()
    assert "Publicity campaigns" in page and "Reached this year" in page
    assert reverse("campaigns:reach-year") in page
    data = client.get(reverse("api_dashboard")).json()
    section = next(s for s in data["sections"] if s["key"] == "campaigns")
    assert {t["key"] for t in section["tiles"]} == {"year_reach", "year_expected", "sorties_today"}
