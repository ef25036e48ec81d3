from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from campus.models import School
from common.roles import Role
from drills.compliance import compliance_board
from drills.dashboard import MAX_LINES, drills_section
from drills.models import Drill, DrillRule
from drills.plans.services import plan_board
from tests.drills.conftest import plan_version
from tests.drills.factories import (
    CorrectiveActionFactory,
    DrillFactory,
    EmergencyPlanFactory,
)
from tests.factories import SchoolFactory, make_user

pytestmark = pytest.mark.django_db

# Thursday 20 November 2025, in the autumn term of the fixtures: October is over, November ends in 10 days.
NOW = dt.datetime(2025, 11, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
TODAY = dt.date(2025, 11, 20)


def _tiles(section) -> dict:
    return {tile.key: tile for tile in section.tiles}


def test_no_section_without_the_drills_capability(db):
    assert drills_section(user=make_user(Role.DRONE_OPERATOR, username="pilot"), now=NOW) is None
    assert drills_section(user=make_user(None, username="nobody"), now=NOW) is None


def test_bureau_admin_sees_the_county(county, term):
    section = drills_section(user=county["admin"], now=NOW)
    assert section.key == "drills" and section.title == "Drills and emergency plans"
    tiles = _tiles(section)
    assert tiles["schools_behind"].value == 1
    assert tiles["schools_behind"].note == "2 drills overdue"
    assert tiles["drills_due_soon"].label == "Drills due within 14 days"
    assert tiles["drills_due_soon"].value == 2 and tiles["drills_due_soon"].note == "at 2 schools"
    assert tiles["actions_overdue"].value == 1
    assert tiles["plan_reviews_overdue"].value == 2
    assert tiles["plan_reviews_overdue"].note == "1 due within 14 days"
    assert tiles["plans_missing"].value == 1
    board = reverse("drills:drill-board") + f"?term={term.pk}"
    assert tiles["schools_behind"].url == board and tiles["actions_overdue"].url == board
    assert tiles["plan_reviews_overdue"].url == reverse("drills:plan-list") + "?status=overdue"
    assert tiles["plans_missing"].url == reverse("drills:plan-list") + "?status=missing"


def test_counts_agree_with_the_compliance_board_and_the_plan_list(county, term):
    tiles = _tiles(drills_section(user=county["admin"], now=NOW))
    board = compliance_board(term=term, today=TODAY, schools=School.objects.filter(active=True))
    assert tiles["schools_behind"].value == sum(1 for s in board.schools if s.totals.overdue)
    assert tiles["actions_overdue"].value == board.county.actions_overdue
    plans = plan_board(user=county["admin"], today=TODAY)
    assert tiles["plan_reviews_overdue"].value == len(plans.overdue)
    assert tiles["plans_missing"].value == len(plans.missing)


def test_station_officer_sees_the_county_like_the_drill_pages(county):
    tiles = _tiles(drills_section(user=county["liaison_user"], now=NOW))
    assert tiles["schools_behind"].value == 1 and tiles["actions_overdue"].value == 1
    assert tiles["plans_missing"].value == 1


def test_school_staff_see_only_their_own_school(county):
    tiles = _tiles(drills_section(user=county["staff"], now=NOW))
    assert tiles["schools_behind"].value == 0 and tiles["schools_behind"].note == ""  # no "0 drills overdue"
    assert tiles["drills_due_soon"].value == 1 and tiles["drills_due_soon"].note == "at 1 school"
    assert tiles["actions_overdue"].value == 0
    assert tiles["plan_reviews_overdue"].value == 1
    assert tiles["plans_missing"].value == 0


def test_staff_without_a_school_count_nothing(county):
    staff = make_user(Role.SCHOOL_STAFF, username="unlinked")
    section = drills_section(user=staff, now=NOW)
    assert all(tile.value == 0 for tile in section.tiles)
    assert section.lines == []


def test_levels_warn_when_behind_and_alert_for_missing_plans(county):
    tiles = _tiles(drills_section(user=county["admin"], now=NOW))
    assert {key: tile.level for key, tile in tiles.items()} == {
        "schools_behind": "warn",
        "drills_due_soon": "warn",
        "actions_overdue": "warn",
        "plan_reviews_overdue": "warn",
        "plans_missing": "alert",
    }


def test_zero_is_ok(setup, term, only_rules):
    tiles = _tiles(drills_section(user=setup["admin"], now=NOW))
    assert {tile.value for tile in tiles.values()} == {0}
    assert {tile.level for tile in tiles.values()} == {"ok"}


def test_due_soon_follows_the_reminder_setting(setup, term, fire, only_rules, settings):
    DrillRule.objects.create(drill_type=fire, period="term", count=1)  # the term ends on 16 January
    assert _tiles(drills_section(user=setup["admin"], now=NOW))["drills_due_soon"].value == 0
    settings.DRILL_REMINDER_DAYS = 60
    tiles = _tiles(drills_section(user=setup["admin"], now=NOW))
    assert tiles["drills_due_soon"].value == 2 and tiles["drills_due_soon"].label == "Drills due within 60 days"


def test_police_drill_without_officers_stays_overdue(setup, term, violence, only_rules):
    DrillRule.objects.create(drill_type=violence, period="month", count=1, police_required=True)
    for day in (dt.date(2025, 9, 10), dt.date(2025, 10, 10)):
        DrillFactory(school=setup["school"], drill_type=violence, date=day)
    tiles = _tiles(drills_section(user=setup["staff"], now=NOW))
    assert tiles["schools_behind"].value == 1 and tiles["schools_behind"].note == "2 drills overdue"


def test_without_a_term_only_the_plan_tiles_show(setup, fire, only_rules):
    DrillRule.objects.create(drill_type=fire, period="month", count=1)
    tiles = _tiles(drills_section(user=setup["admin"], now=NOW))
    assert set(tiles) == {"plan_reviews_overdue", "plans_missing"}
    assert tiles["plans_missing"].value == 2


def test_lines_are_the_next_planned_drills_in_scope(county, fire, violence):
    alpha, beta = county["school"], county["other"]

    def planned(school, day, drill_type=fire, **kwargs):
        return DrillFactory(
            school=school, drill_type=drill_type, status=Drill.Status.PLANNED, date=None, planned_date=day, **kwargs
        )

    later = planned(alpha, dt.date(2025, 12, 3))
    police = planned(alpha, dt.date(2025, 11, 24), violence, police_required=True)
    today = planned(beta, TODAY)
    planned(beta, dt.date(2025, 11, 19))  # yesterday: no longer next
    DrillFactory(school=beta, drill_type=fire, status=Drill.Status.CANCELLED, date=None,
                 planned_date=dt.date(2025, 11, 21))  # fmt: skip

    section = drills_section(user=county["admin"], now=NOW)
    assert section.lines_title == "Next planned drills"
    assert [(line.at, line.text) for line in section.lines] == [
        (TODAY, f"Beta school · {fire.name}"),
        (dt.date(2025, 11, 24), f"Alpha school · {violence.name} · police take part"),
        (dt.date(2025, 12, 3), f"Alpha school · {fire.name}"),
    ]
    assert [line.url for line in section.lines] == [
        reverse("drills:drill-detail", args=[d.pk]) for d in (today, police, later)
    ]
    own = drills_section(user=county["staff"], now=NOW)
    assert [line.at for line in own.lines] == [dt.date(2025, 11, 24), dt.date(2025, 12, 3)]


def test_lines_are_capped(setup, term, fire):
    for offset in range(MAX_LINES + 2):
        DrillFactory(school=setup["school"], drill_type=fire, status=Drill.Status.PLANNED, date=None,
                     planned_date=TODAY + dt.timedelta(days=offset))  # fmt: skip
    lines = drills_section(user=setup["admin"], now=NOW).lines
    assert len(lines) == MAX_LINES and lines[0].at == TODAY


@pytest.mark.parametrize("who", ["admin", "staff", "liaison_user"])
def test_every_tile_and_line_url_opens(client, county, fire, who):
    DrillFactory(school=county["school"], drill_type=fire, status=Drill.Status.PLANNED, date=None,
                 planned_date=dt.date(2025, 11, 27))  # fmt: skip
    user = county[who]
    section = drills_section(user=user, now=NOW)
    client.force_login(user)
    urls = [section.url] + [tile.url for tile in section.tiles] + [line.url for line in section.lines]
    assert len(section.lines) == 1
    for url in urls:
        assert client.get(url).status_code == 200, url


def test_query_count_does_not_grow_with_the_data(county, fire, violence, django_assert_max_num_queries):
    for n in range(6):
        school = SchoolFactory(name=f"Extra {n}")
        DrillFactory(school=school, drill_type=fire, date=dt.date(2025, 9, 15))
        DrillFactory(school=school, drill_type=fire, status=Drill.Status.PLANNED, date=None,
                     planned_date=dt.date(2025, 11, 25))  # fmt: skip
        CorrectiveActionFactory(drill__school=school, due_date=dt.date(2025, 10, 1))
        plan_version(EmergencyPlanFactory(school=school, scenario=violence), review_due=dt.date(2025, 10, 1))
        fire_plan = EmergencyPlanFactory(school=school, scenario=fire)
        plan_version(fire_plan, review_due=dt.date(2025, 10, 1))
        plan_version(fire_plan, review_due=dt.date(2026, 10, 1), version=2)  # the current version: not overdue
    admin = make_user(Role.BUREAU_ADMIN, username="fresh_admin")  # roles not cached yet
    staff = type(county["staff"]).objects.get(pk=county["staff"].pk)  # nor the staff member's school
    # 11: the schools' registration dates (drills.selectors.school_registered_on) are one more query.
    with django_assert_max_num_queries(11):
        section = drills_section(user=admin, now=NOW)
    with django_assert_max_num_queries(11):
        drills_section(user=staff, now=NOW)
    tiles = _tiles(section)
    assert tiles["schools_behind"].value == 7 and tiles["actions_overdue"].value == 7
    assert tiles["plan_reviews_overdue"].value == 2 + 6
    assert len(section.lines) == 6
