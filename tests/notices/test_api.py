"""``/api/notices/``: the caller's own notices; marking read; bad input."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from notices.models import Notice
from notices.services import notice_send

pytestmark = pytest.mark.django_db


def api(user):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


def test_anonymous_is_refused():
    assert APIClient().get("/api/notices/").status_code in (401, 403)


def test_lists_only_my_notices_with_the_unread_count(test_kind, alice, bob):
    notice_send(users=[alice, bob], kind=test_kind, title="Both")
    notice_send(users=[bob], kind=test_kind, title="Bob only")
    data = api(alice).get("/api/notices/").json()
    assert data["count"] == 1 and data["unread"] == 1
    assert data["results"][0]["title"] == "Both" and data["results"][0]["read"] is False


def test_unread_filter_and_bad_value(test_kind, alice):
    (read, _unread) = notice_send(users=[alice], kind=test_kind, title="A") + notice_send(
        users=[alice], kind=test_kind, title="B"
    )
    api(alice).post(f"/api/notices/{read.pk}/read/")
    assert [n["title"] for n in api(alice).get("/api/notices/?unread=1").json()["results"]] == ["B"]
    response = api(alice).get("/api/notices/?unread=maybe")
    assert response.status_code == 400


def test_mark_read_own_and_not_anothers(test_kind, alice, bob):
    (mine,) = notice_send(users=[alice], kind=test_kind, title="Mine")
    (theirs,) = notice_send(users=[bob], kind=test_kind, title="Theirs")
    response = api(alice).post(f"/api/notices/{mine.pk}/read/")
    assert response.status_code == 200 and response.json()["read"] is True
    assert api(alice).post(f"/api/notices/{theirs.pk}/read/").status_code == 404
    assert api(alice).post("/api/notices/999999/read/").status_code == 404
    assert Notice.objects.get(pk=theirs.pk).read_at is None


def test_read_all_marks_only_mine(test_kind, alice, bob):
    notice_send(users=[alice, bob], kind=test_kind, title="Both")
    assert api(alice).post("/api/notices/read-all/").json()["marked"] == 1
    assert Notice.objects.filter(user=bob, read_at__isnull=True).count() == 1
