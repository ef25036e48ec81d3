"""The bell, ``/notices/`` (list, unread filter, mark read, mark all read, open) and the preferences page."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from common.models import AuditLogEntry
from notices.models import Notice, NoticePreference
from notices.services import notice_send

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_of():
    def make(user, language="en"):
        client = Client(HTTP_ACCEPT_LANGUAGE=language)
        client.force_login(user)
        return client

    return make


def send(kind, user, title="Hello", **kwargs):
    return notice_send(users=[user], kind=kind, title=title, **kwargs)[0]


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(reverse("notices:list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_bell_shows_the_unread_count_on_every_page(test_kind, alice, client_of):
    send(test_kind, alice)
    send(test_kind, alice)
    html = client_of(alice).get(reverse("notices:list")).content.decode()
    assert 'id="notice-bell"' in html and 'data-count="2"' in html
    assert "js/notices.js" in html and "css/notices.css" in html


def test_list_shows_only_my_notices_and_filters_unread(test_kind, alice, bob, client_of):
    mine = send(test_kind, alice, "Mine unread")
    read = send(test_kind, alice, "Mine read")
    read.read_at = read.created_at
    read.save()
    send(test_kind, bob, "Bob's secret")
    page = client_of(alice).get(reverse("notices:list")).content.decode()
    assert "Mine unread" in page and "Mine read" in page and "Bob&#x27;s secret" not in page
    unread = client_of(alice).get(reverse("notices:list") + "?unread=1").content.decode()
    assert "Mine unread" in unread and "Mine read" not in unread
    assert f'data-notice="{mine.pk}"' in unread


def test_list_is_in_the_readers_language(test_kind, alice, client_of):
    send(
        test_kind,
        alice,
        "Incident %(reference)s at %(school)s was routed to you",
        params={"reference": "XA-9", "school": "S1"},
    )
    zh = client_of(alice, "zh-hans").get(reverse("notices:list")).content.decode()
    assert "XA-9" in zh and "Incident XA-9" not in zh
    en = client_of(alice).get(reverse("notices:list")).content.decode()
    assert "Incident XA-9 at S1 was routed to you" in en


def test_mark_read_and_mark_all_read(test_kind, alice, client_of):
    one, two, three = (send(test_kind, alice, f"N{i}") for i in range(3))
    client = client_of(alice)
    response = client.post(reverse("notices:read", args=[one.pk]))
    assert response.status_code == 302
    one.refresh_from_db()
    assert one.read_at is not None
    client.post(reverse("notices:read-all"))
    assert not Notice.objects.filter(user=alice, read_at__isnull=True).exists()


def test_mark_read_of_another_users_notice_is_404_and_changes_nothing(test_kind, alice, bob, client_of):
    theirs = send(test_kind, bob)
    assert client_of(alice).post(reverse("notices:read", args=[theirs.pk])).status_code == 404
    assert client_of(alice).post(reverse("notices:open", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_read_needs_post(test_kind, alice, client_of):
    notice = send(test_kind, alice)
    assert client_of(alice).get(reverse("notices:read", args=[notice.pk])).status_code == 405


def test_open_marks_read_and_follows_the_link(test_kind, alice, client_of):
    notice = send(test_kind, alice, url="/incidents/handle/1/")
    response = client_of(alice).post(reverse("notices:open", args=[notice.pk]))
    assert response.status_code == 302 and response["Location"] == "/incidents/handle/1/"
    notice.refresh_from_db()
    assert notice.read_at is not None


def test_open_does_not_follow_a_link_to_another_site(test_kind, alice, client_of):
    notice = send(test_kind, alice, url="https://elsewhere.example.org/")
    response = client_of(alice).post(reverse("notices:open", args=[notice.pk]))
    assert response["Location"] == reverse("notices:list")


def test_mark_all_read_does_not_redirect_off_site(test_kind, alice, client_of):
    response = client_of(alice).post(reverse("notices:read-all"), {"next": "https://evil.example.org/"})
    assert response["Location"] == reverse("notices:list")


def test_preferences_page_shows_defaults_and_saves_a_choice_audited(test_kind, alice, client_of):
    client = client_of(alice)
    page = client.get(reverse("notices:preferences")).content.decode()
    assert f'name="{test_kind}.email" value="1" checked' in page
    response = client.post(reverse("notices:preferences"), {f"{test_kind}.webhook": "1"})
    assert response.status_code == 302
    pref = NoticePreference.objects.get(user=alice, kind=test_kind)
    assert (pref.email, pref.webhook) == (False, True)
    entry = AuditLogEntry.objects.get(action="notices.preferences_change")
    assert entry.before[test_kind] == ["email", "webhook"] and entry.after[test_kind] == ["webhook"]
    # Every other registered kind is saved too: with nothing ticked, no outbound channel.
    assert NoticePreference.objects.get(user=alice, kind="incident_routed").email is False


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("no_such_kind.email", "Unknown notice kind &#x27;no_such_kind&#x27;."),
        ("{kind}.fax", "Unknown channel &#x27;fax&#x27;."),
    ],
)
def test_preferences_refuse_an_unknown_kind_or_channel_and_save_nothing(test_kind, alice, client_of, field, message):
    response = client_of(alice).post(reverse("notices:preferences"), {field.format(kind=test_kind): "1"})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not NoticePreference.objects.exists()
    assert not AuditLogEntry.objects.filter(action="notices.preferences_change").exists()


def test_failed_delivery_is_shown_to_its_user(test_kind, alice, client_of, mail_on):
    notice = send(test_kind, alice, "Lost?")
    notice.deliveries.filter(channel="email").update(status="failed", last_error="smtp down")
    page = client_of(alice).get(reverse("notices:list")).content.decode()
    assert "E-mail: Failed" in page and 'title="smtp down"' in page
