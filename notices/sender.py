"""Sending queued deliveries: e-mail through Django's mail backend, and a signed webhook to the SMS /
police-messaging gateway.

Nothing is lost while a channel is down: a delivery stays ``queued`` and is retried with exponential
back-off (``NOTICE_RETRY_BASE_S`` doubled per attempt, at most ``NOTICE_RETRY_MAX_S``) until it is sent
or ``NOTICE_DELIVERY_MAX_ATTEMPTS`` attempts have failed; then it is ``failed``, with its last error,
and listed to the user on their notices page and to admins in the admin.

Several senders may run at once (each web process's job, a cron ``notices_deliver``): each claims a
delivery by moving its ``next_attempt_at`` forward with a conditional UPDATE before sending it, so one
delivery is attempted by one sender at a time on either database.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import json
import logging
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from channels.db import database_sync_to_async
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone, translation

from notices.kinds import CHANNEL_EMAIL, CHANNEL_WEBHOOK
from notices.models import Delivery, Notice
from notices.render import notice_body, notice_title

logger = logging.getLogger(__name__)

CLAIM_LEASE_S = 120  # a sender that dies mid-send leaves the delivery due again after this
ERROR_MAX_CHARS = 1000


class DeliveryError(Exception):
    """One attempt failed; the message is kept as the delivery's ``last_error``."""


@dataclass
class DeliveryPass:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def attempted(self) -> int:
        return self.sent + self.retrying + self.failed


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def retry_delay_s(attempts: int) -> float:
    """Seconds to wait after the ``attempts``-th failed attempt (1, 2, ...): base × 2^(attempts−1), capped."""
    base = float(_setting("NOTICE_RETRY_BASE_S", 30.0))
    cap = float(_setting("NOTICE_RETRY_MAX_S", 3600.0))
    return min(cap, base * (2 ** max(0, attempts - 1)))


def _site_link(url: str) -> str:
    if url.startswith("/"):
        return _setting("NOTICE_SITE_URL", "").rstrip("/") + url
    return url


def _user_phone(user) -> str:
    """The phone of the user's profile (``NOTICE_PHONE_PROFILES``: reverse accessors such as ``officer``)."""
    for accessor in _setting("NOTICE_PHONE_PROFILES", ("officer", "school_staff")):
        try:
            profile = getattr(user, accessor, None)
        except Exception:  # noqa: BLE001 - RelatedObjectDoesNotExist: this user has no such profile
            profile = None
        phone = getattr(profile, "phone", "") if profile is not None else ""
        if phone:
            return phone
    return getattr(user, "phone", "") or ""


def _texts(notice: Notice) -> tuple[str, str]:
    """Title and body in the outbound language (``NOTICE_LANGUAGE``, default the site's)."""
    with translation.override(_setting("NOTICE_LANGUAGE", settings.LANGUAGE_CODE)):
        return notice_title(notice), notice_body(notice)


def email_send(notice: Notice) -> None:
    """Send the notice to its user's e-mail address; raises ``DeliveryError``."""
    address = notice.user.email
    if not address:
        raise DeliveryError("the user has no e-mail address")
    title, body = _texts(notice)
    prefix = _setting("NOTICE_EMAIL_SUBJECT_PREFIX", "")
    text = body
    if notice.url:
        text = f"{text}\n\n{_site_link(notice.url)}" if text else _site_link(notice.url)
    message = EmailMessage(
        subject=f"{prefix}{title}".replace("\n", " ")[:250],
        body=text or title,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[address],
        headers={"X-Priority": "1"} if notice.urgent else None,
        connection=get_connection(fail_silently=False, timeout=_setting("NOTICE_SEND_TIMEOUT_S", 10.0)),
    )
    try:
        sent = message.send(fail_silently=False)
    except Exception as error:  # noqa: BLE001 - any SMTP/socket error is a failed attempt, retried later
        raise DeliveryError(f"e-mail: {type(error).__name__}: {error}") from error
    if sent != 1:
        raise DeliveryError("e-mail: the mail backend accepted no message")


def webhook_payload(notice: Notice) -> dict[str, Any]:
    title, body = _texts(notice)
    user = notice.user
    person: dict[str, Any] = {"id": user.pk, "username": user.get_username()}
    phone = _user_phone(user)
    if phone:
        person["phone"] = phone
    return {
        "id": notice.pk,
        "kind": notice.kind,
        "user": person,
        "title": title,
        "body": body,
        "url": _site_link(notice.url) if notice.url else "",
        "urgent": notice.urgent,
        "created_at": notice.created_at.isoformat(),
    }


def webhook_signature(secret: str, raw_body: bytes) -> str:
    """Hex HMAC-SHA256 of the raw request body: the gateway recomputes it to trust the request."""
    return hmac.new(secret.encode(), raw_body, hashlib.sha256).hexdigest()


def webhook_send(notice: Notice) -> None:
    """POST the notice to ``NOTICE_WEBHOOK_URL``, signed with ``NOTICE_WEBHOOK_SECRET``; raises ``DeliveryError``.

    Headers: ``X-Signature`` (hex HMAC-SHA256 of the body), ``X-Timestamp`` (Unix seconds, sending
    time). Any 2xx answer is success; anything else, or no answer, is a failed attempt.
    """
    url = _setting("NOTICE_WEBHOOK_URL", "")
    secret = _setting("NOTICE_WEBHOOK_SECRET", "")
    if not url or not secret:
        raise DeliveryError("webhook: NOTICE_WEBHOOK_URL and NOTICE_WEBHOOK_SECRET are not both set")
    raw = json.dumps(webhook_payload(notice), ensure_ascii=False, separators=(",", ":")).encode()
    request = urllib.request.Request(  # noqa: S310 - the URL is a setting checked to be http(s)
        url,
        data=raw,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "X-Signature": webhook_signature(secret, raw),
            "X-Timestamp": str(int(timezone.now().timestamp())),
            "User-Agent": "schoolsafe-notices/1",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=_setting("NOTICE_SEND_TIMEOUT_S", 10.0)) as response:  # noqa: S310
            status = response.status
    except urllib.error.HTTPError as error:
        raise DeliveryError(f"webhook: HTTP {error.code}") from error
    except (OSError, ValueError) as error:
        raise DeliveryError(f"webhook: {type(error).__name__}: {error}") from error
    if not 200 <= status < 300:
        raise DeliveryError(f"webhook: HTTP {status}")


SENDERS = {CHANNEL_EMAIL: email_send, CHANNEL_WEBHOOK: webhook_send}


def _claim(delivery: Delivery, now: dt.datetime) -> bool:
    claimed = Delivery.objects.filter(
        pk=delivery.pk, status=Delivery.Status.QUEUED, next_attempt_at=delivery.next_attempt_at
    ).update(next_attempt_at=now + dt.timedelta(seconds=CLAIM_LEASE_S))
    return claimed == 1


def delivery_attempt(delivery: Delivery) -> str:
    """Try one queued delivery once and record the outcome; returns its new status. Never raises."""
    now = timezone.now()
    if not _claim(delivery, now):
        return "skipped"  # another sender has it, or it changed since it was listed
    notice = Notice.objects.select_related("user").get(pk=delivery.notice_id)
    error: str | None = None
    try:
        SENDERS[delivery.channel](notice)
    except DeliveryError as failure:
        error = str(failure)
    except Exception as failure:  # noqa: BLE001 - a bug in one delivery must not stop the others
        logger.exception("notice delivery %s failed unexpectedly", delivery.pk)
        error = f"{type(failure).__name__}: {failure}"
    attempts = delivery.attempts + 1
    with transaction.atomic():
        if error is None:
            fields = {"status": Delivery.Status.SENT, "sent_at": timezone.now(), "last_error": ""}
            fields |= {"next_attempt_at": None}
        elif attempts >= int(_setting("NOTICE_DELIVERY_MAX_ATTEMPTS", 6)):
            fields = {"status": Delivery.Status.FAILED, "next_attempt_at": None, "last_error": error[:ERROR_MAX_CHARS]}
            logger.error("notice delivery %s (%s) failed for good: %s", delivery.pk, delivery.channel, error)
        else:
            due = timezone.now() + dt.timedelta(seconds=retry_delay_s(attempts))
            fields = {"next_attempt_at": due, "last_error": error[:ERROR_MAX_CHARS]}
            logger.warning("notice delivery %s (%s) will retry: %s", delivery.pk, delivery.channel, error)
        Delivery.objects.filter(pk=delivery.pk).update(attempts=attempts, **fields)
    return str(fields.get("status", Delivery.Status.QUEUED))


def deliveries_send_due(*, limit: int = 200) -> DeliveryPass:
    """One pass: attempt every queued delivery that is due (oldest first, at most ``limit``)."""
    result = DeliveryPass()
    due = list(
        Delivery.objects.filter(status=Delivery.Status.QUEUED, next_attempt_at__lte=timezone.now()).order_by(
            "next_attempt_at", "id"
        )[:limit]
    )
    for delivery in due:
        status = delivery_attempt(delivery)
        if status == Delivery.Status.SENT:
            result.sent += 1
        elif status == Delivery.Status.FAILED:
            result.failed += 1
        elif status == Delivery.Status.QUEUED:
            result.retrying += 1
    return result


# --- The background job ---------------------------------------------------------------------------

_wake_lock = threading.Lock()
_wake: tuple[asyncio.AbstractEventLoop, asyncio.Event] | None = None


def sender_wake() -> None:
    """Tell this process's running sender job that deliveries were queued (no-op without one)."""
    with _wake_lock:
        wake = _wake
    if wake is None:
        return
    loop, event = wake
    try:
        loop.call_soon_threadsafe(event.set)
    except RuntimeError:
        pass  # the loop has closed: the server is shutting down


async def deliver_loop(interval_s: float) -> None:
    global _wake
    event = asyncio.Event()
    with _wake_lock:
        _wake = (asyncio.get_running_loop(), event)
    # Off the thread Django's sync views share: an SMTP server or gateway that hangs must not stall pages.
    run = database_sync_to_async(deliveries_send_due, thread_sensitive=False)
    try:
        while True:
            try:
                await run()
            except Exception:  # noqa: BLE001 - a database hiccup must not end the job; next pass retries
                logger.exception("notice delivery pass failed")
            event.clear()
            try:
                await asyncio.wait_for(event.wait(), timeout=interval_s)
            except TimeoutError:
                pass
    finally:
        with _wake_lock:
            _wake = None


def deliver_job():
    """The notices app's background job (``NoticesConfig.ready()``); ``NOTICE_DELIVER_INTERVAL_S = 0`` turns it off."""
    interval_s = float(_setting("NOTICE_DELIVER_INTERVAL_S", 15.0))
    if interval_s <= 0:
        return None
    return deliver_loop(interval_s)
