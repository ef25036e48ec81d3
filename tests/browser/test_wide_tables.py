"""Pages whose tables are wider than a phone: the import history, the audit log, the incident inbox, the roster
home and the duty statistics keep the page itself at the window's width (the table scrolls in its box) at
390 px and 1280 px, in Chinese and English."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from campus.models import Term
from common.audit import audit_record
from common.roles import Role
from imports.models import ImportBatch
from tests.browser.pages import fits, squeezed_cells
from tests.factories import SchoolFactory, make_user
from tests.incidents.factories import IncidentFactory

PASSWORD = "wide-tables-2026"


@pytest.fixture
def world(transactional_db):
    admin = make_user(Role.BUREAU_ADMIN, username="wideadmin")
    admin.set_password(PASSWORD)
    admin.save()
    school = SchoolFactory(name="城关镇第一实验小学（北校区）")
    Term.objects.create(school_year="2026-2027", name="秋季学期", start_date=dt.date(2026, 9, 1),
                        end_date=dt.date(2027, 1, 22))  # fmt: skip
    IncidentFactory(school=school, created_at=timezone.now() - dt.timedelta(hours=2))
    ImportBatch.objects.create(
        kind="schools", crs="wgs84", filename="县教育局学校名录二〇二六年秋季学期.csv", sha256="0" * 64, size_bytes=3,
        content=b"a,b",
    )  # fmt: skip
    audit_record(
        actor=admin, action="campus.school.update", obj=school, reason="学校更名：按县教育局通知调整校区名称",
        before={"name": "城关一小"}, after={"name": school.name},
    )  # fmt: skip
    return admin


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_wide_tables_scroll_in_their_box_not_the_page(signed_in, live_url, world, language):
    for width in (390, 1280):
        page = signed_in("wideadmin", PASSWORD, width, language)
        for path in ("/campus/imports/", "/audit/", "/incidents/handle/", "/patrol/roster/", "/patrol/duty/stats/"):
            page.goto(f"{live_url}{path}")
            assert page.locator(".table-scroll table").count() >= 1, path
            assert fits(page), f"{path} scrolls sideways at {width} px ({language})"
            assert squeezed_cells(page) == [], f"{path} at {width} px ({language})"
            assert not page.refusals, (path, page.refusals)


def test_the_drone_tables_scroll_in_their_box_on_a_phone(signed_in, live_url, world):
    from drones.models import Airspace, Mission
    from tests.browser.test_flight_page import _flight
    from tests.factories import square

    flight = _flight(world)
    Mission.objects.filter(pk=flight.mission_id).update(
        name="反诈宣传进大集（样例） · 白马泉大集（样例） · 2026-12-31 集市走廊"
    )
    Airspace.objects.create(
        name="县人民医院直升机停机坪禁飞区（样例）", kind=Airspace.Kind.NO_FLY, geometry=square(36.19, 118.18, 0.002)
    )
    for language in ("zh-hans", "en"):
        page = signed_in("wideadmin", PASSWORD, 390, language)
        for path in ("/drones/missions/", "/drones/flights/", "/drones/", "/drones/airspace/"):
            page.goto(f"{live_url}{path}")
            assert page.locator(".table-scroll table").count() >= 1, path
            assert fits(page), f"{path} scrolls sideways at 390 px"
            assert squeezed_cells(page) == [], f"{path} ({language}): cells a character wide"
            assert not page.refusals, (path, page.refusals)
