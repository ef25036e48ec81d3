"""Writes: sending notices, marking them read, choosing channels.

Other apps call ``notice_send`` (keyword-only) from their services, inside their transaction: the
in-app notice is written with it (and rolls back with it); the live push and the outbound channels
start only after commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.errors import DomainError
from common.publish import run_after_commit
from notices.kinds import CHANNEL_EMAIL, CHANNEL_WEBHOOK, notice_kind
from notices.models import Delivery, Notice, NoticePreference

if TYPE_CHECKING:
    from django.contrib.auth.models import User

TITLE_MAX_CHARS = 300
URL_MAX_CHARS = 500
DEDUPE_KEY_MAX_CHARS = 200
PARAM_VALUE_MAX_CHARS = 1000
PARAMS_MAX = 20


class NoticeInvalid(DomainError):
    code = "notice_invalid"


def user_group(user_id: int) -> str:
    """The channel-layer group of one user's notice sockets."""
    return f"notices.user.{user_id}"


def _check_params(params: Mapping[str, Any] | None) -> dict[str, Any]:
    if params is None:
        return {}
    if not isinstance(params, Mapping) or len(params) > PARAMS_MAX:
        raise NoticeInvalid(_("Notice parameters must be a mapping of at most %(n)s names.") % {"n": PARAMS_MAX})
    clean: dict[str, Any] = {}
    for name, value in params.items():
        if not isinstance(name, str) or not name.isidentifier():
            raise NoticeInvalid(_("Notice parameter name %(name)r is not an identifier.") % {"name": name})
        if value is not None and not isinstance(value, str | int | float | bool):
            value = str(value)  # a date, a Decimal, a lazy string: stored as its text
        if isinstance(value, str) and len(value) > PARAM_VALUE_MAX_CHARS:
            value = value[: PARAM_VALUE_MAX_CHARS - 1] + "…"
        clean[name] = value
    return clean


def _check_url(url: str) -> str:
    url = (url or "").strip()
    if not url:
        return ""
    if len(url) > URL_MAX_CHARS:
        raise NoticeInvalid(_("A notice link may have at most %(n)s characters.") % {"n": URL_MAX_CHARS})
    # Only a path on this site or an http(s) address: a notice must never carry a javascript: link.
    if not (url.startswith("/") and not url.startswith("//")) and not url.startswith(("https://", "http://")):
        raise NoticeInvalid(_("A notice link must be a path on this site or an http(s) address."))
    return url


def notice_channels(user: User, kind: str, preferences: Mapping[tuple[int, str], NoticePreference] | None = None):
    """The outbound channels ``user`` gets for ``kind``: their preference, else the kind's defaults."""
    preference = (
        preferences.get((user.pk, kind))
        if preferences is not None
        else NoticePreference.objects.filter(user=user, kind=kind).first()
    )
    if preference is not None:
        chosen = {CHANNEL_EMAIL} if preference.email else set()
        if preference.webhook:
            chosen.add(CHANNEL_WEBHOOK)
        return chosen
    registered = notice_kind(kind)
    return set(registered.default_channels) if registered else set()


def _channel_reachable(user: User, channel: str) -> bool:
    if channel == CHANNEL_EMAIL:
        # Like drill reminders: e-mail goes out only when a mail server (or a non-SMTP backend) is configured.
        smtp = settings.EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend"
        return bool(user.email) and (not smtp or bool(settings.EMAIL_HOST))
    if channel == CHANNEL_WEBHOOK:
        return bool(getattr(settings, "NOTICE_WEBHOOK_URL", ""))
    return False


@transaction.atomic
def notice_send(
    *,
    users: Iterable[User],
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    urgent: bool = False,
    dedupe_key: str = "",
    params: Mapping[str, Any] | None = None,
) -> list[Notice]:
    """Record one notice per user (in-app) and queue its other channels after commit.

    ``title`` and ``body`` are message ids: pass ``gettext_noop("Duty at %(school)s changed")`` with
    ``params={"school": ...}``; they are translated when shown, in the reader's language. ``kind`` must
    be registered (``notices.kinds.notice_kind_register``). Inactive users and repeated users are
    skipped; with a ``dedupe_key``, so is a user who already has a notice of this kind with that key.
    Returns the notices written. Raises ``NoticeInvalid`` on a bad argument, writing nothing.
    """
    if notice_kind(kind) is None:
        raise NoticeInvalid(_("Unknown notice kind %(kind)r.") % {"kind": kind}, code="notice_kind_unknown")
    title = str(title or "").strip()
    if not title:
        raise NoticeInvalid(_("A notice needs a title."))
    if len(title) > TITLE_MAX_CHARS:
        raise NoticeInvalid(_("A notice title may have at most %(n)s characters.") % {"n": TITLE_MAX_CHARS})
    if len(dedupe_key) > DEDUPE_KEY_MAX_CHARS:
        raise NoticeInvalid(_("A de-duplication key may have at most %(n)s characters.") % {"n": DEDUPE_KEY_MAX_CHARS})
    url = _check_url(url)
    clean_params = _check_params(params)

    recipients: dict[int, User] = {}
    for user in users:
        if user is not None and user.pk is not None and user.is_active:
            recipients.setdefault(user.pk, user)
    if dedupe_key and recipients:
        already = Notice.objects.filter(user_id__in=recipients, kind=kind, dedupe_key=dedupe_key)
        for user_id in already.values_list("user_id", flat=True):
            recipients.pop(user_id, None)
    if not recipients:
        return []

    preferences = {(p.user_id, p.kind): p for p in NoticePreference.objects.filter(user_id__in=recipients, kind=kind)}
    now = timezone.now()
    notices: list[Notice] = []
    deliveries: list[Delivery] = []
    for user in recipients.values():
        notice = Notice(
            user=user,
            kind=kind,
            title=title,
            body=str(body or ""),
            params=clean_params,
            url=url,
            urgent=bool(urgent),
            dedupe_key=dedupe_key,
        )
        try:
            # A savepoint: a concurrent sender that wrote the same de-duplicated notice first wins, and
            # the caller's transaction goes on.
            with transaction.atomic():
                notice.full_clean()
                notice.save()
        except (ValidationError, IntegrityError):
            if not dedupe_key or not Notice.objects.filter(user=user, kind=kind, dedupe_key=dedupe_key).exists():
                raise
            continue
        notices.append(notice)
        for channel in sorted(notice_channels(user, kind, preferences)):
            if _channel_reachable(user, channel):
                deliveries.append(Delivery(notice=notice, channel=channel, next_attempt_at=now))
    Delivery.objects.bulk_create(deliveries)

    by_user: dict[int, list[int]] = {}
    for notice in notices:
        by_user.setdefault(notice.user_id, []).append(notice.pk)
    run_after_commit(lambda: _publish_created(by_user), what="notice.created")
    if deliveries:
        run_after_commit(_wake_sender, what="notice delivery wake-up")
    return notices


def _publish_created(by_user: Mapping[int, list[int]]) -> None:
    from common.publish import channel_publish

    for user_id, notice_ids in by_user.items():
        channel_publish(user_group(user_id), {"type": "notice.created", "notice_ids": notice_ids})


def _publish_count(user_id: int) -> None:
    from common.publish import channel_publish

    channel_publish(user_group(user_id), {"type": "notice.count"})


def _wake_sender() -> None:
    from notices.sender import sender_wake

    sender_wake()


@transaction.atomic
def notice_mark_read(*, user: User, notice_id: int) -> Notice:
    """Mark one of ``user``'s notices read (already read: unchanged). Another user's notice is not found."""
    notice = Notice.objects.select_for_update().filter(pk=notice_id, user=user).first()
    if notice is None:
        raise NoticeInvalid(_("No such notice."), code="not_found")
    if notice.read_at is None:
        notice.read_at = timezone.now()
        notice.save(update_fields=["read_at"])
        run_after_commit(lambda: _publish_count(user.pk), what="notice.count")
    return notice


@transaction.atomic
def notices_mark_all_read(*, user: User) -> int:
    """Mark every unread notice of ``user`` read; returns how many were unread."""
    count = Notice.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
    if count:
        run_after_commit(lambda: _publish_count(user.pk), what="notice.count")
    return count


@transaction.atomic
def notice_preference_set(*, user: User, kind: str, email: bool, webhook: bool) -> NoticePreference:
    """Choose the outbound channels ``user`` gets for ``kind`` (in-app is always on)."""
    if notice_kind(kind) is None:
        raise NoticeInvalid(_("Unknown notice kind %(kind)r.") % {"kind": kind}, code="notice_kind_unknown")
    preference, _created = NoticePreference.objects.update_or_create(
        user=user, kind=kind, defaults={"email": bool(email), "webhook": bool(webhook)}
    )
    return preference


@transaction.atomic
def notice_preferences_save(
    *, user: User, choices: Mapping[str, Iterable[str]], ip_address: str | None = None
) -> dict[str, list[str]]:
    """Save ``user``'s outbound channels for every registered kind at once (a kind left out: none); audited.

    ``choices`` maps kind codes to channels (``email``, ``webhook``). An unknown kind or channel raises
    ``NoticeInvalid`` and nothing is saved. Returns the channels now chosen per kind.
    """
    from common.audit import audit_record
    from notices.kinds import OUTBOUND_CHANNELS, notice_kinds

    codes = [kind.code for kind in notice_kinds()]
    for code, channels in choices.items():
        if code not in codes:
            raise NoticeInvalid(_("Unknown notice kind %(kind)r.") % {"kind": code}, code="notice_kind_unknown")
        for channel in channels:
            if channel not in OUTBOUND_CHANNELS:
                raise NoticeInvalid(_("Unknown channel %(channel)r.") % {"channel": channel})
    before = {code: sorted(notice_channels(user, code)) for code in codes}
    after = {code: sorted(set(choices.get(code, ()))) for code in codes}
    for code in codes:
        notice_preference_set(
            user=user, kind=code, email=CHANNEL_EMAIL in after[code], webhook=CHANNEL_WEBHOOK in after[code]
        )
    if before != after:
        audit_record(
            actor=user,
            action="notices.preferences_change",
            obj=user,
            before=before,
            after=after,
            ip_address=ip_address,
        )
    return after
