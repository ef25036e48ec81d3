"""The audit log page: readable actions, local times, filters, pages and the audited CSV/XLSX export (issue 15)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from unittest import mock
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from common.audit import action_label, audit_record
from common.models import AuditLogEntry
from common.roles import Role
from tests.factories import make_user

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
URL = "/audit/"


def _entry_at(moment: dt.datetime, **fields) -> AuditLogEntry:
    """An entry stamped at ``moment`` (the log refuses updates, so the clock is set before it is written)."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        return audit_record(**{"actor": None, "action": "thing.change", **fields})


@pytest.fixture
def admin(db):
    return make_user(Role.BUREAU_ADMIN, username="auditor")


@pytest.fixture
def client(english_client, admin):
    english_client.force_login(admin)
    return english_client


@pytest.fixture
def checkin(admin):
    moment = dt.datetime(2026, 3, 2, 4, 31, tzinfo=dt.UTC)  # 12:31 in Beijing
    return _entry_at(
        moment,
        actor=admin,
        action="duty.checkin",
        object_type="patrol.duty",
        object_id=7,
        object_repr="Gate 1 · 2026-03-02",
        after={"checked_in_at": moment.isoformat(), "note": '=HYPERLINK("http://x")'},
    )


def test_actions_read_as_translated_labels_with_the_code_beside(client, checkin):
    page = client.get(URL).content.decode()
    assert "Gate duty check-in" in page and "<code>duty.checkin</code>" in page


def test_action_label_composes_kind_and_verb_and_keeps_unknown_codes():
    assert action_label("school.update") == "School: changed"
    assert action_label("export.roster") == "Export: roster"
    assert action_label("mystery.thing") == "mystery.thing"


def test_label_is_chinese_on_a_chinese_page(admin, checkin):
    from django.test import Client

    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(admin)
    page = client.get(URL).content.decode()
    assert "护学岗签到" in page


def test_times_are_local_in_the_list_and_in_the_snapshot(client, checkin):
    page = client.get(URL).content.decode()
    assert "2026-03-02 12:31:00" in page
    assert "04:31" not in page


def test_filters_by_local_date_range(client, admin):
    # 23:30 UTC on 1 March is 07:30 on 2 March in Beijing: it belongs to 2 March.
    _entry_at(dt.datetime(2026, 3, 1, 23, 30, tzinfo=dt.UTC), object_repr="early-on-the-2nd")
    _entry_at(dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC), object_repr="on-the-1st")
    page = client.get(URL, {"date_from": "2026-03-02", "date_to": "2026-03-02"}).content.decode()
    assert "early-on-the-2nd" in page and "on-the-1st" not in page


def test_filters_by_person_kind_and_object(client, admin, checkin):
    other = make_user(Role.BUREAU_ADMIN, username="someone_else")
    audit_record(actor=other, action="duty_staff.update", object_type="patrol.dutystaff", object_id=1,
                 object_repr="Staff list")  # fmt: skip
    audit_record(actor=admin, action="school.update", object_type="campus.school", object_id=3,
                 object_repr="First Primary")  # fmt: skip
    assert "Staff list" not in client.get(URL, {"actor": "auditor"}).content.decode()
    by_kind = client.get(URL, {"kind": "duty"}).content.decode()
    assert "Gate 1" in by_kind and "Staff list" not in by_kind and "First Primary" not in by_kind
    by_object = client.get(URL, {"object_text": "primary"}).content.decode()
    assert "First Primary" in by_object and "Gate 1" not in by_object
    by_id = client.get(URL, {"object_type": "campus.school", "object_id": "3"}).content.decode()
    assert "First Primary" in by_id and "Gate 1" not in by_id


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"date_from": "2026-13-01"}, "Enter a valid date."),
        ({"date_from": "2026-03-05", "date_to": "2026-03-01"}, "The start date is after the end date."),
        ({"kind": "nonsense"}, "Select a valid choice."),
    ],
)
def test_bad_filters_say_what_is_wrong_and_show_nothing(client, checkin, params, message):
    response = client.get(URL, params)
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page and "Gate 1" not in page


def test_pages_of_fifty(client):
    for n in range(55):
        audit_record(actor=None, action="thing.change", object_repr=f"item-{n:02d}")
    first = client.get(URL).content.decode()
    second = client.get(URL, {"page": 2}).content.decode()
    assert "item-54" in first and "item-00" not in first
    assert "item-00" in second and "Page 2 of 2" in second
    assert "item-54" in client.get(URL, {"page": "nonsense"}).content.decode()


def test_csv_export_is_filtered_local_escaped_and_audited(client, admin, checkin):
    audit_record(actor=None, action="school.update", object_repr="Not a duty")
    response = client.get(URL, {"kind": "duty", "export": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response).decode("utf-8-sig"))))
    assert len(rows) == 2
    header, row = rows
    assert row[header.index("Time")] == "2026-03-02 12:31:00"
    assert row[header.index("Action")] == "Gate duty check-in"
    assert row[header.index("Action code")] == "duty.checkin"
    assert "12:31" in row[header.index("After")]
    export = AuditLogEntry.objects.filter(action="export.audit_log").get()
    assert export.actor_name == "auditor"
    assert export.after["format"] == "csv" and export.after["rows"] == 1 and export.after["outcome"] == "done"
    assert export.after["filters"] == {"kind": "duty"}


def test_csv_export_neutralises_formula_cells(client, admin):
    audit_record(actor=admin, action="thing.change", object_repr="=1+1", reason="@SUM(A1)")
    response = client.get(URL, {"export": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(response).decode("utf-8-sig"))))
    header, row = rows[0], rows[1]
    assert row[header.index("Object")] == "'=1+1"
    assert row[header.index("Reason")] == "'@SUM(A1)"


def test_xlsx_export_keeps_formulas_as_text_and_is_audited(client, checkin):
    response = client.get(URL, {"export": "xlsx"})
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response)))
    sheet = book.active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    header = values[0]
    row = values[1]
    assert row[header.index("Time")] == "2026-03-02 12:31:00"
    assert row[header.index("Action")] == "Gate duty check-in"
    after = sheet.cell(row=2, column=header.index("After") + 1)
    assert after.data_type == "s"
    assert AuditLogEntry.objects.filter(action="export.audit_log", after__format="xlsx").count() == 1


def test_unknown_export_format_is_refused(client):
    response = client.get(URL, {"export": "pdf"})
    assert response.status_code == 400
    assert "must be “csv” or “xlsx”" in response.content.decode()
    assert not AuditLogEntry.objects.filter(action="export.audit_log").exists()


def test_export_with_bad_filters_is_refused_with_the_reason(client):
    response = client.get(URL, {"export": "csv", "date_to": "yesterday"})
    assert response.status_code == 400
    assert "Enter a valid date." in response.content.decode()


@pytest.mark.parametrize("role", [Role.STATION_OFFICER, Role.SCHOOL_STAFF, Role.BRIGADE_SCHEDULER])
def test_who_may_read_the_log_is_unchanged(english_client, checkin, role):
    english_client.force_login(make_user(role, username=f"no_{role.value}"))
    for params in ({}, {"export": "csv"}):
        assert english_client.get(URL, params).status_code == 403
    assert not AuditLogEntry.objects.filter(action="export.audit_log").exists()


def test_leadership_may_read_and_export(english_client, checkin):
    english_client.force_login(make_user(Role.LEADERSHIP, username="leader"))
    assert english_client.get(URL).status_code == 200
    assert english_client.get(URL, {"export": "csv"}).status_code == 200
