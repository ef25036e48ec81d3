"""The audit log's filters and download links, and the school import preview's record columns, in Chromium at a
phone's (390 px) and a desktop's (1280 px) width, in Chinese and English (issue 15)."""

from __future__ import annotations

import pytest

from common.audit import audit_record
from common.roles import Role
from imports import services
from tests.browser.pages import fits
from tests.factories import StationFactory, make_user, square

PASSWORD = "audit-preview-2026"


@pytest.fixture
def world(transactional_db):
    admin = make_user(Role.BUREAU_ADMIN, username="auditpreview")
    admin.set_password(PASSWORD)
    admin.save()
    StationFactory(code="ST01", name="城关派出所", jurisdiction=square(36.18, 118.17, 0.2))
    audit_record(actor=admin, action="duty.checkin", object_type="patrol.duty", object_id=1,
                 object_repr="城关镇第一实验小学（北校区）· 北门")  # fmt: skip
    content = (
        "code,name,level,area,lat,lon\r\nS001,城关镇第一实验小学（北校区）,primary,urban,36.18,118.17\r\n".encode()
    )
    batch = services.import_batch_preview(kind="schools", crs="wgs84", filename="schools.csv", content=content,
                                          actor=admin)  # fmt: skip
    return batch


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_audit_log_and_import_preview_fit_a_phone_and_a_desktop(signed_in, live_url, world, language):
    for width in (390, 1280):
        page = signed_in("auditpreview", PASSWORD, width, language)
        page.goto(f"{live_url}/audit/?kind=duty")
        assert page.locator("table.grid tbody tr").count() == 1
        assert page.locator("a[href*='export=csv']").count() == 1
        assert page.locator("a[href*='export=xlsx']").count() == 1
        assert fits(page), f"/audit/ scrolls sideways at {width} px ({language})"
        page.goto(f"{live_url}/campus/imports/{world.pk}/")
        assert "36.180000, 118.170000" in page.content()
        assert "城关派出所" in page.content()
        assert fits(page), f"import preview scrolls sideways at {width} px ({language})"
        assert not page.refusals, page.refusals
