"""The e-mail channel against a real SMTP server (aiosmtpd): sent, and nothing lost while it is down."""

from __future__ import annotations

import datetime as dt

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from notices.models import Delivery
from notices.sender import deliveries_send_due, retry_delay_s
from notices.services import notice_send
from tests.notices.channel_servers import SmtpInbox, free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp_settings(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()
    settings.DEFAULT_FROM_EMAIL = "schoolsafe@example.org"
    settings.NOTICE_SEND_TIMEOUT_S = 2.0
    settings.NOTICE_RETRY_BASE_S = 30.0
    settings.NOTICE_SITE_URL = "https://schoolsafe.example.org"
    return settings


def smtp_server(port: int) -> tuple[Controller, SmtpInbox]:
    inbox = SmtpInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, inbox


def make_due() -> None:
    Delivery.objects.filter(status=Delivery.Status.QUEUED).update(next_attempt_at=timezone.now())


def test_email_reaches_the_users_address_through_smtp(test_kind, alice, smtp_settings):
    controller, inbox = smtp_server(smtp_settings.EMAIL_PORT)
    try:
        (notice,) = notice_send(
            users=[alice], kind=test_kind, title="Duty moved", body="See the roster.", url="/patrol/"
        )
        result = deliveries_send_due()
    finally:
        controller.stop()
    assert result.sent == 1
    (message,) = inbox.messages
    assert message["to"] == ["alice@example.org"] and message["from"] == "schoolsafe@example.org"
    assert "Subject: Duty moved" in message["data"]
    assert "See the roster." in message["data"] and "https://schoolsafe.example.org/patrol/" in message["data"]
    delivery = notice.deliveries.get(channel="email")
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 1, "")


def test_nothing_is_lost_while_the_mail_server_is_down(test_kind, alice, smtp_settings):
    (notice,) = notice_send(users=[alice], kind=test_kind, title="While down")
    before = timezone.now()
    result = deliveries_send_due()  # nobody listens on EMAIL_PORT yet
    assert (result.sent, result.retrying) == (0, 1)
    delivery = notice.deliveries.get(channel="email")
    assert delivery.status == "queued" and delivery.attempts == 1 and "e-mail" in delivery.last_error
    assert delivery.next_attempt_at >= before + dt.timedelta(seconds=retry_delay_s(1) - 1)
    assert deliveries_send_due().attempted == 0  # not due yet: the back-off holds
    controller, inbox = smtp_server(smtp_settings.EMAIL_PORT)
    try:
        make_due()
        assert deliveries_send_due().sent == 1
    finally:
        controller.stop()
    assert len(inbox.messages) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", 2)
