"""The SMS / messaging gateway webhook: payload, signature, retries with back-off, giving up."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
from django.utils import timezone

from notices.models import Delivery
from notices.sender import deliveries_send_due, retry_delay_s, webhook_signature
from notices.services import notice_preference_set, notice_send
from tests.factories import OfficerFactory, StationFactory
from tests.notices.channel_servers import Gateway

pytestmark = pytest.mark.django_db

SECRET = "s3cret-for-tests"


@pytest.fixture
def gateway(settings):
    servers: list[Gateway] = []

    def start(statuses: list[int]) -> Gateway:
        server = Gateway(statuses=statuses).start()
        servers.append(server)
        settings.NOTICE_WEBHOOK_URL = server.url
        settings.NOTICE_WEBHOOK_SECRET = SECRET
        settings.NOTICE_SEND_TIMEOUT_S = 2.0
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def webhook_only(test_kind, alice):
    notice_preference_set(user=alice, kind=test_kind, email=False, webhook=True)
    return alice


def make_due() -> None:
    Delivery.objects.filter(status=Delivery.Status.QUEUED).update(next_attempt_at=timezone.now())


def test_posts_signed_json_with_the_users_phone(test_kind, webhook_only, gateway):
    server = gateway([200])
    OfficerFactory(station=StationFactory(), user=webhook_only, phone="13900000042")
    (notice,) = notice_send(
        users=[webhook_only], kind=test_kind, title="Urgent thing", body="Gate 2 at 07:10", urgent=True
    )
    assert deliveries_send_due().sent == 1
    (request,) = server.requests
    headers = {k.lower(): v for k, v in request["headers"].items()}
    expected = hmac.new(SECRET.encode(), request["raw"], hashlib.sha256).hexdigest()
    assert headers["x-signature"] == expected == webhook_signature(SECRET, request["raw"])
    assert abs(int(headers["x-timestamp"]) - timezone.now().timestamp()) < 60
    assert headers["content-type"].startswith("application/json")
    assert request["json"] == {
        "id": notice.pk,
        "kind": test_kind,
        "user": {"id": webhook_only.pk, "username": "alice", "phone": "13900000042"},
        "title": "Urgent thing",
        "body": "Gate 2 at 07:10",
        "url": "",
        "urgent": True,
        "created_at": notice.created_at.isoformat(),
    }


def test_a_user_without_a_phone_is_sent_without_one(test_kind, webhook_only, gateway):
    server = gateway([200])
    notice_send(users=[webhook_only], kind=test_kind, title="No phone")
    deliveries_send_due()
    assert "phone" not in server.requests[0]["json"]["user"]


def test_failure_then_success_retries_with_back_off(test_kind, webhook_only, gateway):
    server = gateway([503, 500, 200])
    (notice,) = notice_send(users=[webhook_only], kind=test_kind, title="Retry me")
    delivery = notice.deliveries.get()
    first = timezone.now()
    assert deliveries_send_due().retrying == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("queued", 1, "webhook: HTTP 503")
    wait_1 = (delivery.next_attempt_at - first).total_seconds()
    make_due()
    second = timezone.now()
    deliveries_send_due()
    delivery.refresh_from_db()
    wait_2 = (delivery.next_attempt_at - second).total_seconds()
    assert delivery.attempts == 2 and wait_2 > wait_1 * 1.5  # exponential: each wait doubles
    make_due()
    assert deliveries_send_due().sent == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 3, "")
    assert len(server.requests) == 3
    # Every attempt carries the same notice; the body (and so its signature) is recomputed each time.
    assert {r["json"]["id"] for r in server.requests} == {notice.pk}


def test_gives_up_after_the_last_attempt_and_shows_it(test_kind, webhook_only, gateway, settings):
    settings.NOTICE_DELIVERY_MAX_ATTEMPTS = 3
    gateway([500])
    (notice,) = notice_send(users=[webhook_only], kind=test_kind, title="Doomed")
    for _ in range(3):
        make_due()
        deliveries_send_due()
    delivery = notice.deliveries.get()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("failed", 3, None)
    make_due()
    assert deliveries_send_due().attempted == 0
    from notices.selectors import deliveries_failed

    assert list(deliveries_failed()) == [delivery]


def test_nothing_is_lost_while_the_gateway_is_down(test_kind, webhook_only, settings):
    settings.NOTICE_WEBHOOK_URL = "http://127.0.0.1:9/down"  # discard port: connection refused
    settings.NOTICE_WEBHOOK_SECRET = SECRET
    (notice,) = notice_send(users=[webhook_only], kind=test_kind, title="Kept")
    assert deliveries_send_due().retrying == 1
    delivery = notice.deliveries.get()
    assert delivery.status == "queued" and "webhook:" in delivery.last_error


def test_back_off_doubles_and_is_capped(settings):
    settings.NOTICE_RETRY_BASE_S = 30.0
    settings.NOTICE_RETRY_MAX_S = 600.0
    assert [retry_delay_s(n) for n in (1, 2, 3, 4, 5, 6)] == [30, 60, 120, 240, 480, 600]


def test_payload_is_compact_utf8_json(test_kind, webhook_only, gateway):
    server = gateway([200])
    notice_send(users=[webhook_only], kind=test_kind, title="一中 门口")
    deliveries_send_due()
    raw = server.requests[0]["raw"]
    assert "一中 门口".encode() in raw and json.loads(raw)["title"] == "一中 门口"
