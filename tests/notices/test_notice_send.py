"""``notice_send``: one notice per user, the channels queued, bad input refused with nothing written."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_noop

from notices.models import Delivery, Notice
from notices.render import notice_as_dict, notice_title
from notices.services import NoticeInvalid, notice_preference_set, notice_send
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_records_one_notice_per_user_and_skips_repeats_and_inactive_users(test_kind, alice, bob):
    gone = UserFactory(username="gone", is_active=False)
    sent = notice_send(users=[alice, bob, alice, gone, None], kind=test_kind, title="Hello", body="Body", url="/x/")
    assert sorted(n.user.username for n in sent) == ["alice", "bob"]
    notice = Notice.objects.get(user=alice)
    assert (notice.kind, notice.title, notice.body, notice.url, notice.read_at) == (
        test_kind,
        "Hello",
        "Body",
        "/x/",
        None,
    )


def test_dedupe_key_sends_a_user_the_same_notice_once(test_kind, alice, bob):
    assert len(notice_send(users=[alice], kind=test_kind, title="Once", dedupe_key="k1")) == 1
    again = notice_send(users=[alice, bob], kind=test_kind, title="Once", dedupe_key="k1")
    assert [n.user for n in again] == [bob]
    assert Notice.objects.filter(user=alice).count() == 1


def test_queues_the_kinds_default_channels(test_kind, alice, mail_on, settings):
    settings.NOTICE_WEBHOOK_URL = "http://127.0.0.1:9/hook"
    (notice,) = notice_send(users=[alice], kind=test_kind, title="Hi")
    channels = {d.channel: d.status for d in notice.deliveries.all()}
    assert channels == {"email": "queued", "webhook": "queued"}


def test_queues_the_users_choice_over_the_defaults(test_kind, alice, mail_on, settings):
    settings.NOTICE_WEBHOOK_URL = "http://127.0.0.1:9/hook"
    notice_preference_set(user=alice, kind=test_kind, email=False, webhook=True)
    (notice,) = notice_send(users=[alice], kind=test_kind, title="Hi")
    assert list(notice.deliveries.values_list("channel", flat=True)) == ["webhook"]


def test_queues_no_email_without_an_address_or_a_mail_server(test_kind, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = ""
    with_address = UserFactory(username="carol", email="carol@example.org")
    (notice,) = notice_send(users=[with_address], kind=test_kind, title="Hi")
    assert not notice.deliveries.exists()  # no mail server, no gateway configured
    settings.EMAIL_HOST = "mail.example.org"
    without = UserFactory(username="dave", email="")
    (notice,) = notice_send(users=[without], kind=test_kind, title="Hi")
    assert not notice.deliveries.exists()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "no_such_kind"}, "Unknown notice kind 'no_such_kind'."),
        ({"title": "  "}, "A notice needs a title."),
        ({"title": "x" * 301}, "A notice title may have at most 300 characters."),
        ({"url": "javascript:alert(1)"}, "A notice link must be a path on this site or an http(s) address."),
        ({"url": "//evil.example.org/"}, "A notice link must be a path on this site or an http(s) address."),
        ({"url": "/" + "a" * 500}, "A notice link may have at most 500 characters."),
        ({"dedupe_key": "k" * 201}, "A de-duplication key may have at most 200 characters."),
        ({"params": {"not an identifier": 1}}, "Notice parameter name 'not an identifier' is not an identifier."),
        ({"params": ["a"]}, "Notice parameters must be a mapping of at most 20 names."),
    ],
)
def test_refuses_bad_input_and_writes_nothing(test_kind, alice, kwargs, message):
    args = {"users": [alice], "kind": test_kind, "title": "Fine", **kwargs}
    with pytest.raises(NoticeInvalid) as error:
        notice_send(**args)
    assert error.value.message == message
    assert not Notice.objects.exists() and not Delivery.objects.exists()


def test_a_rolled_back_sender_leaves_no_notice(test_kind, alice):
    with pytest.raises(RuntimeError), transaction.atomic():
        notice_send(users=[alice], kind=test_kind, title="Never")
        raise RuntimeError("the caller's write failed")
    assert not Notice.objects.exists()


def test_title_is_translated_in_the_readers_language_with_its_params(test_kind, alice):
    title = gettext_noop("Incident %(reference)s at %(school)s was routed to you")
    (notice,) = notice_send(users=[alice], kind=test_kind, title=title, params={"reference": "XA-1", "school": "一中"})
    with translation.override("en"):
        assert notice_title(notice) == "Incident XA-1 at 一中 was routed to you"
    with translation.override("zh-hans"):
        zh = notice_title(notice)
    assert "XA-1" in zh and "一中" in zh and zh != "Incident XA-1 at 一中 was routed to you"
    assert notice_as_dict(notice, language="zh-hans")["title"] == zh


def test_params_that_do_not_fit_the_title_show_it_unfilled_instead_of_failing(test_kind, alice):
    (notice,) = notice_send(users=[alice], kind=test_kind, title="Duty at %(school)s", params={"other": 1})
    assert notice_title(notice) == "Duty at %(school)s"


def test_params_of_other_types_are_stored_as_text(test_kind, alice):
    import datetime as dt

    (notice,) = notice_send(users=[alice], kind=test_kind, title="On %(day)s", params={"day": dt.date(2026, 9, 1)})
    notice.refresh_from_db()
    assert notice.params == {"day": "2026-09-01"} and notice_title(notice) == "On 2026-09-01"


def test_a_concurrent_sender_that_wrote_the_same_deduplicated_notice_first_wins(test_kind, alice, bob, monkeypatch):
    from notices import services

    first = Notice.objects.create(user=alice, kind=test_kind, title="Raced", dedupe_key="race")
    real_filter = Notice.objects.filter

    def filter_missing_the_race(*args, **kwargs):  # the pre-check ran before the other sender committed
        if kwargs.get("dedupe_key") == "race" and "user_id__in" in kwargs:
            return Notice.objects.none()
        return real_filter(*args, **kwargs)

    monkeypatch.setattr(services.Notice.objects, "filter", filter_missing_the_race)
    sent = notice_send(users=[alice, bob], kind=test_kind, title="Raced", dedupe_key="race")
    assert [n.user for n in sent] == [bob]
    assert list(Notice.objects.all().filter(user=alice).values_list("pk", flat=True)) == [first.pk]
