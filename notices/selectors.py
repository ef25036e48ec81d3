"""Reads. The one scope rule of notices: a user sees their own, and only their own."""

from __future__ import annotations

from django.db.models import QuerySet

from notices.models import Delivery, Notice


def notices_of(*, user, unread_only: bool = False) -> QuerySet[Notice]:
    """``user``'s notices, newest first (anonymous: none)."""
    if user is None or not user.is_authenticated:
        return Notice.objects.none()
    notices = Notice.objects.filter(user=user)
    if unread_only:
        notices = notices.filter(read_at__isnull=True)
    return notices.order_by("-created_at", "-id")


def notice_unread_count(*, user) -> int:
    return notices_of(user=user, unread_only=True).count()


def notice_get(*, user, notice_id: int) -> Notice | None:
    """One of ``user``'s notices; another user's is None, as if it did not exist."""
    return notices_of(user=user).filter(pk=notice_id).first()


def deliveries_failed() -> QuerySet[Delivery]:
    """Deliveries that gave up (for admins: the Django admin lists them with their last error)."""
    return Delivery.objects.filter(status=Delivery.Status.FAILED).select_related("notice", "notice__user")
