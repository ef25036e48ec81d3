"""The campaign pages: list, form with every error at its field, detail with reach and map, building
occurrences, the occurrence list with its filters and its CSV/XLSX export."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from campaigns.models import Campaign, Occurrence
from campaigns.planning.occurrences import occurrences_build
from common.models import AuditLogEntry
from common.roles import SYSTEM, Role
from tests.campaigns import builders
from tests.factories import SchoolFactory, StationFactory, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def planner(client):
    user = make_user(Role.DRONE_OPERATOR, username="planner")
    client.force_login(user)
    return user


@pytest.fixture
def ready():
    playlist = builders.playlist(builders.clip("不听"), builders.clip("不信", duration_s=45.0), name="反诈两段")
    return {"playlist": playlist, "market": builders.market()}


def form_data(ready, **changes) -> dict:
    data = {
        "name": "反诈宣传进大集",
        "theme": "anti_fraud",
        "start_date": "2026-12-01",
        "end_date": "2026-12-31",
        "playlist": ready["playlist"].pk,
        "reach_target": 30000,
        "market_scope": "chosen",
        "markets": [ready["market"].pk],
        "visit_rule": "every_session",
        "time_of_day": "any",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def built(ready, **fields) -> Campaign:
    campaign = builders.campaign(scope="chosen", playlist=ready["playlist"], **fields)
    campaign.markets.set([ready["market"]])
    occurrences_build(campaign=campaign, actor=SYSTEM)
    return campaign


def test_the_form_shows_what_the_playlist_twice_means(client, planner, ready):
    page = client.get(reverse("campaigns:campaign-new"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "反诈两段 (one loop 2:00, twice 4.0 min)" in page
    assert 'name="visits_per_month"' in page and 'name="market_station"' in page


def test_saving_the_form_creates_the_campaign_and_shows_it(client, planner, ready):
    response = client.post(reverse("campaigns:campaign-new"), form_data(ready))
    campaign = Campaign.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "campaigns:campaign-detail", args=[campaign.pk]
    )
    page = client.get(response["Location"]).content.decode()
    assert "反诈宣传进大集" in page and "王庄大集" in page and "30000" in page


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"end_date": "2026-11-01"}, "end_date", "is before the first day"),
        ({"visit_rule": "per_month"}, "visits_per_month", "how many visits a month"),
        ({"market_scope": "station"}, "market_station", "Choose the station"),
        ({"market_scope": "chosen", "markets": None}, "markets", "at least one market"),
        ({"market_scope": "none", "markets": None}, "market_scope", "A campaign needs a target"),
        ({"min_broadcast_min": "1"}, "min_broadcast_min", "less than one loop"),
        ({"start_date": "31.12.2026"}, "start_date", "valid date"),
        ({"name": ""}, "name", "required"),
    ],
)
def test_each_error_is_shown_at_its_field_and_nothing_is_saved(client, planner, ready, changes, field, words):
    response = client.post(reverse("campaigns:campaign-new"), form_data(ready, **changes), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors and words in " ".join(errors[field]), errors
    page = response.content.decode()
    block = page[page.index(f'id="field-{field}"') :]
    block = block[: block.index("</div>")]
    assert 'class="errorlist"' in block
    assert not Campaign.objects.exists()


def test_a_playlist_not_ready_is_refused_naming_the_clips(client, planner, ready):
    waiting = builders.playlist(builders.clip("新录音", status="submitted"), name="待审")
    response = client.post(reverse("campaigns:campaign-new"), form_data(ready, playlist=waiting.pk))
    message = " ".join(response.context["form"].errors["playlist"])
    assert "待审" in message and "新录音" in message and not Campaign.objects.exists()


def test_the_edit_form_is_filled_in_and_saves(client, planner, ready):
    school = SchoolFactory(name="城关小学")
    campaign = builders.campaign(scope="chosen", playlist=ready["playlist"])
    campaign.markets.set([ready["market"]])
    page = client.get(reverse("campaigns:campaign-edit", args=[campaign.pk])).content.decode()
    assert 'value="反诈宣传进大集"' in page and f'<option value="{ready["market"].pk}" selected>' in page
    response = client.post(
        reverse("campaigns:campaign-edit", args=[campaign.pk]),
        form_data(ready, reach_target=45000, schools=[school.pk], min_broadcast_min="6"),
    )
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert (
        campaign.reach_target == 45000 and campaign.min_broadcast_min == 6 and list(campaign.schools.all()) == [school]
    )
    assert AuditLogEntry.objects.filter(action="campaign.update", object_id=str(campaign.pk)).exists()


def test_build_occurrences_from_the_page_reports_the_counts(client, planner, ready):
    campaign = builders.campaign(scope="chosen", playlist=ready["playlist"])
    campaign.markets.set([ready["market"]])
    response = client.post(
        reverse("campaigns:campaign-build", args=[campaign.pk]), HTTP_ACCEPT_LANGUAGE="en", follow=True
    )
    n = Occurrence.objects.filter(campaign=campaign).count()
    assert n > 4
    assert f"Occurrences built: {n} new, 0 changed, 0 unchanged, 0 removed." in response.content.decode()
    again = client.post(reverse("campaigns:campaign-build", args=[campaign.pk]), HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert f"0 new, 0 changed, {n} unchanged, 0 removed." in again.content.decode()


def test_build_refusal_names_the_markets_without_attendance(client, planner, ready):
    builders.market(name="无人数大集", attendance=None)
    campaign = builders.campaign(scope="all", playlist=ready["playlist"])
    response = client.post(
        reverse("campaigns:campaign-build", args=[campaign.pk]), HTTP_ACCEPT_LANGUAGE="en", follow=True
    )
    page = response.content.decode()
    assert "msg-error" in page and "无人数大集" in page and "no expected attendance" in page
    assert not Occurrence.objects.exists()


def test_the_detail_shows_counts_reach_and_the_map(client, planner, ready):
    school = SchoolFactory(name="城关小学", lat=36.19, lon=118.18)
    campaign = built(ready, reach_target=1000)
    campaign.schools.set([school])
    first = Occurrence.objects.filter(campaign=campaign).first()
    builders.sortie(first)
    Occurrence.objects.filter(pk=first.pk).update(status="scheduled")
    response = client.get(reverse("campaigns:campaign-detail", args=[campaign.pk]), HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    total = Occurrence.objects.filter(campaign=campaign).count()
    assert f'<th class="num" id="occurrence-total">{total}</th>' in page
    assert '<td class="num" data-status="scheduled">1</td>' in page
    one_visit = int(3000 * (240 + 2700) / 18000)
    assert f'<p class="stat" id="expected-reach">{one_visit} <small>/ 1000' in page
    features = response.context["map_features"]["features"]
    assert {f["properties"]["name"] for f in features} == {"王庄大集", "城关小学"}
    assert 'id="campaign-map-features"' in page and "js/campaign_map.js" in page and "<script>" not in page
    assert "the playlist twice (4.0 min)" in page and 'id="build-occurrences"' in page


def test_leadership_reads_but_sees_no_planning_actions(client, ready):
    campaign = built(ready)
    client.force_login(make_user(Role.LEADERSHIP))
    page = client.get(reverse("campaigns:campaign-detail", args=[campaign.pk])).content.decode()
    assert "build-occurrences" not in page and reverse("campaigns:campaign-edit", args=[campaign.pk]) not in page
    assert reverse("campaigns:campaign-new") not in client.get(reverse("campaigns:campaign-list")).content.decode()
    assert client.post(reverse("campaigns:campaign-build", args=[campaign.pk])).status_code == 403
    assert client.post(reverse("campaigns:campaign-new"), form_data(ready, name="x")).status_code == 403


def test_the_list_shows_counts_per_campaign(client, planner, ready):
    campaign = built(ready)
    Occurrence.objects.filter(pk=Occurrence.objects.filter(campaign=campaign).first().pk).update(status="scheduled")
    builders.campaign(
        name="防溺水进校园", playlist=ready["playlist"], start=dt.date(2027, 6, 1), end=dt.date(2027, 7, 1)
    )
    response = client.get(reverse("campaigns:campaign-list"))
    rows = {c.name: c for c in response.context["page"]}
    assert rows["反诈宣传进大集"].n_occurrences == Occurrence.objects.filter(campaign=campaign).count()
    assert rows["反诈宣传进大集"].n_scheduled == 1 and rows["防溺水进校园"].n_occurrences == 0
    assert list(rows) == ["防溺水进校园", "反诈宣传进大集"]  # the latest period first


# --- occurrences ---------------------------------------------------------------------------------------


def test_the_occurrence_list_filters_by_dates_status_and_place(client, planner, ready):
    other = builders.market(name="李村大集", days=(3, 8, 13, 18, 23, 28), attendance=1500)
    campaign = builders.campaign(scope="chosen", playlist=ready["playlist"])
    campaign.markets.set([ready["market"], other])
    occurrences_build(campaign=campaign, actor=SYSTEM)
    url = reverse("campaigns:campaign-occurrences", args=[campaign.pk])
    everything = client.get(url).context["page"].paginator.count
    assert everything == Occurrence.objects.filter(campaign=campaign).count()

    page = client.get(url, {"place": f"market:{other.pk}"}).context["page"]
    assert page.paginator.count and {o.market_id for o in page} == {other.pk}

    page = client.get(url, {"from": "2026-12-10", "to": "2026-12-20"}).context["page"]
    assert {o.date for o in page} <= {dt.date(2026, 12, d) for d in range(10, 21)}
    assert (
        page.paginator.count
        == Occurrence.objects.filter(campaign=campaign, date__range=("2026-12-10", "2026-12-20")).count()
    )

    chosen = Occurrence.objects.filter(campaign=campaign).first()
    Occurrence.objects.filter(pk=chosen.pk).update(status="unschedulable", reason="无喊话器无人机可用")
    response = client.get(url, {"status": "unschedulable"})
    assert [o.pk for o in response.context["page"]] == [chosen.pk]
    assert "无喊话器无人机可用" in response.content.decode()


def test_a_bad_filter_is_named_and_lists_nothing(client, planner, ready):
    campaign = built(ready)
    url = reverse("campaigns:campaign-occurrences", args=[campaign.pk])
    response = client.get(url, {"from": "2026-13-01", "status": "lost"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.context["page"].paginator.count == 0
    errors = " ".join(response.context["filter_errors"])
    assert "from: Give a date as YYYY-MM-DD." in errors and "status: Unknown status “lost”" in errors


def test_the_occurrence_list_is_paginated(client, planner, ready):
    daily = builders.market(name="天天集", days=range(1, 31))
    campaign = builders.campaign(scope="chosen", playlist=ready["playlist"], end=dt.date(2027, 1, 31))
    campaign.markets.set([daily])
    occurrences_build(campaign=campaign, actor=SYSTEM)
    total = Occurrence.objects.filter(campaign=campaign).count()
    assert total > 50
    url = reverse("campaigns:campaign-occurrences", args=[campaign.pk])
    second = client.get(url, {"page": 2})
    assert len(second.context["page"]) == total - 50 and "page=1" in second.content.decode()


def test_the_sortie_is_shown_with_drone_pilot_and_take_off(client, planner, ready):
    campaign = built(ready)
    occurrence = Occurrence.objects.filter(campaign=campaign).first()
    builders.sortie(occurrence)
    page = client.get(reverse("campaigns:campaign-occurrences", args=[campaign.pk])).content.decode()
    assert "宣传一号 · pub-pilot (UAS-PUB-1) · 07:00" in page


def _formula_market_campaign(ready):
    builders.market(name='=HYPERLINK("http://x")', attendance=100)
    campaign = builders.campaign(scope="all", playlist=ready["playlist"])
    occurrences_build(campaign=campaign, actor=SYSTEM)
    Occurrence.objects.filter(campaign=campaign).update(reason="+cmd|' /C calc'!A0")
    return campaign


def test_csv_export_neutralizes_formulas_and_is_audited(client, planner, ready):
    campaign = _formula_market_campaign(ready)
    url = reverse("campaigns:campaign-occurrences", args=[campaign.pk])
    response = client.get(url, {"export": "csv", "status": "open"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 1 + Occurrence.objects.filter(campaign=campaign).count()
    places = {row[4] for row in rows[1:]}
    assert '\'=HYPERLINK("http://x")' in places and "王庄大集" in places
    assert all(row[7] == "'+cmd|' /C calc'!A0" for row in rows[1:])
    entry = AuditLogEntry.objects.get(action="export.campaign_occurrences")
    assert entry.after["outcome"] == "done" and entry.after["format"] == "csv"
    assert entry.after["filters"]["status"] == "open" and entry.after["rows"] == len(rows) - 1


def test_xlsx_export_keeps_formulas_as_text(client, planner, ready):
    campaign = _formula_market_campaign(ready)
    response = client.get(reverse("campaigns:campaign-occurrences", args=[campaign.pk]), {"export": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [c for row in sheet.iter_rows() for c in row if c.value == '=HYPERLINK("http://x")']
    assert cells and all(c.data_type == "s" and c.quotePrefix for c in cells)
    assert AuditLogEntry.objects.filter(action="export.campaign_occurrences", after__format="xlsx").exists()


def test_an_unknown_export_format_is_refused(client, planner, ready):
    campaign = built(ready)
    response = client.get(reverse("campaigns:campaign-occurrences", args=[campaign.pk]), {"export": "pdf"})
    assert response.status_code == 400 and not AuditLogEntry.objects.filter(action__startswith="export.").exists()


def test_exports_need_the_view_capability(client, ready):
    campaign = built(ready)
    client.force_login(make_user(Role.BRIGADE_SCHEDULER))
    url = reverse("campaigns:campaign-occurrences", args=[campaign.pk])
    assert client.get(url, {"export": "csv"}).status_code == 403
    client.force_login(make_user(Role.LEADERSHIP))
    assert client.get(url, {"export": "csv"}).status_code == 200


def test_station_scope_lists_the_stations(client, planner, ready):
    station = StationFactory(name="城关派出所")
    page = client.get(reverse("campaigns:campaign-new")).content.decode()
    assert "城关派出所" in page and json.dumps(station.pk)


def test_scheduling_without_occurrences_says_to_build_them_first(client, planner, ready):
    campaign = builders.campaign(scope="chosen", playlist=ready["playlist"])
    campaign.markets.set([ready["market"]])
    response = client.post(
        reverse("campaigns:campaign-schedule", args=[campaign.pk]), HTTP_ACCEPT_LANGUAGE="en", follow=True
    )
    page = response.content.decode()
    assert "msg-error" in page and "build its occurrences first" in page


def test_a_bad_scheduling_day_is_named(client, planner, ready):
    campaign = built(ready)
    response = client.post(
        reverse("campaigns:campaign-schedule", args=[campaign.pk]),
        {"first": "2026-12-40"},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    assert "First day: give a date as YYYY-MM-DD." in response.content.decode()
    response = client.post(
        reverse("campaigns:campaign-schedule", args=[campaign.pk]),
        {"replan": "1", "reason": ""},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    assert "Say why the campaign is planned again." in response.content.decode()


def test_scheduling_from_the_page_reports_what_was_planned(client, planner, ready):
    from drones.models import Drone

    campaign = built(ready)
    builders.sortie(Occurrence.objects.filter(campaign=campaign).first()).delete()  # a drone and a pilot exist
    Drone.objects.update(home_lat=36.181, home_lon=118.171)
    response = client.post(
        reverse("campaigns:campaign-schedule", args=[campaign.pk]), HTTP_ACCEPT_LANGUAGE="en", follow=True
    )
    page = response.content.decode()
    total = Occurrence.objects.filter(campaign=campaign).count()
    assert f"of {total} occurrences have a sortie" in page, page[page.find("messages") : page.find("messages") + 600]
    assert AuditLogEntry.objects.filter(action="campaign.schedule", object_id=str(campaign.pk)).exists()
    scheduled = Occurrence.objects.filter(campaign=campaign, status="scheduled").count()
    assert scheduled > 0 and f"{scheduled} of {total} occurrences have a sortie" in page
    detail = client.get(reverse("campaigns:campaign-detail", args=[campaign.pk])).context
    assert detail["reach"]["sorties"] == scheduled and detail["reach"]["expected"] > 0


def test_the_menu_links_the_campaigns_for_readers_only(client):
    url = reverse("campaigns:campaign-list")
    client.force_login(make_user(Role.LEADERSHIP))
    assert f'href="{url}"' in client.get(reverse("home")).content.decode()
    client.force_login(make_user(Role.BRIGADE_SCHEDULER))
    assert f'href="{url}"' not in client.get(reverse("home")).content.decode()
