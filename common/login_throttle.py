"""Login throttling (django-axes): the client address, the lockout response, and the audit of lockouts.

The settings are in config/settings/base.py (``# --- login throttling and API tokens ---``): axes counts
failed logins per account and per address and refuses logins past ``AXES_FAILURE_LIMIT`` until the
cool-off has passed. This module plugs the project into it.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import ipaddress
import math
from collections.abc import Iterator

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Sum
from django.db.models.signals import post_delete
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from common.audit import audit_record


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: from ``TRUSTED_CLIENT_IP_HEADER`` when set (the right-most address of a
    list, the one the nearest proxy added), else ``REMOTE_ADDR``.

    A missing or malformed header falls back to ``REMOTE_ADDR`` (the proxy): such requests share one
    counter rather than letting a client name its own address.
    """
    header = settings.TRUSTED_CLIENT_IP_HEADER
    if header:
        raw = request.META.get("HTTP_" + header.upper().replace("-", "_"), "")
        candidate = raw.rsplit(",", 1)[-1].strip()
        with contextlib.suppress(ValueError):
            return str(ipaddress.ip_address(candidate))
    return request.META.get("REMOTE_ADDR")


def _cool_off(request: HttpRequest | None = None) -> dt.timedelta:
    return get_cool_off(request) or dt.timedelta(0)


def _wants_json(request: HttpRequest) -> bool:
    accept = request.META.get("HTTP_ACCEPT", "")
    return (
        request.path.startswith("/api/")
        or request.META.get("HTTP_X_REQUESTED_WITH") == "XMLHttpRequest"
        or ("application/json" in accept and "text/html" not in accept)
    )


def lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """429 with when to try again: the login page with a message, or JSON for API clients.

    A failure while locked out restarts the cool-off (axes' default), so the lockout ends one
    cool-off after this attempt.
    """
    cool_off = _cool_off(request)
    attempt_time = getattr(request, "axes_attempt_time", None) or timezone.now()
    retry_at = timezone.localtime(attempt_time + cool_off)
    seconds = max(1, math.ceil(cool_off.total_seconds()))
    minutes = max(1, math.ceil(seconds / 60))
    message = _(
        "Too many failed log-ins for this account or from this address. Try again after %(time)s "
        "(in about %(minutes)d minutes), or ask an administrator to unlock it."
    ) % {"time": date_format(retry_at, "Y-m-d H:i"), "minutes": minutes}
    if _wants_json(request):
        response = JsonResponse(
            {"code": "login_locked", "detail": message, "retry_at": retry_at.isoformat(), "retry_after_s": seconds},
            status=429,
        )
    else:
        context = {
            "form": AuthenticationForm(request, initial={"username": request.POST.get("username", "")}),
            "locked_out": True,
            "lockout_message": message,
            "next": request.POST.get("next", request.GET.get("next", "")),
        }
        response = render(request, "registration/login.html", context, status=429)
    response["Retry-After"] = str(seconds)
    return response


# --- audit ------------------------------------------------------------------------------------------

# Who is clearing lockouts in this context (the admin sets it); None: the system (axes_reset, clean-up).
_unlocking_actor: contextvars.ContextVar = contextvars.ContextVar("unlocking_actor", default=None)


@contextlib.contextmanager
def unlocking_as(actor) -> Iterator[None]:
    """Audit the access attempts deleted inside this block as cleared by ``actor``."""
    token = _unlocking_actor.set(actor)
    try:
        yield
    finally:
        _unlocking_actor.reset(token)


def _recent_failures(since: dt.datetime, **lookup) -> int:
    attempts = AccessAttempt.objects.filter(attempt_time__gte=since, **lookup)
    return attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0


def _user_of(username: str | None):
    if not username:
        return None
    user_model = get_user_model()
    return user_model._default_manager.filter(**{user_model.USERNAME_FIELD: username}).first()


def on_user_locked_out(sender, request=None, username=None, ip_address=None, **kwargs) -> None:
    """Audit a lockout when an account's or an address's failures reach the limit.

    axes signals every refused attempt while locked out; only the one that reaches the limit is a new
    lockout (the failed attempts themselves are in axes' access attempts).
    """
    limit = settings.AXES_FAILURE_LIMIT
    if not isinstance(limit, int):
        return
    since = getattr(request, "axes_attempt_time", None) or timezone.now()
    since -= _cool_off(request)
    locked = []
    if username and _recent_failures(since, username=username) == limit:
        locked.append(_("account"))
    if ip_address and _recent_failures(since, ip_address=ip_address) == limit:
        locked.append(_("address"))
    if not locked:
        return
    user = _user_of(username)
    audit_record(
        actor=None,
        action="login.lockout",
        object_type="auth.user",
        object_id=user.pk if user else "",
        object_repr=username or "",
        after={"username": username, "ip_address": ip_address, "locked": locked, "failure_limit": limit},
        reason=_("%(limit)d failed log-ins; locked: %(what)s") % {"limit": limit, "what": ", ".join(locked)},
        ip_address=ip_address,
    )


def on_access_attempt_deleted(sender, instance: AccessAttempt, **kwargs) -> None:
    """Audit a cleared lockout: an attempt record deleted by an administrator (admin, ``axes_reset``),
    or a locked-out record removed after its cool-off. Expired records below the limit are housekeeping."""
    limit = settings.AXES_FAILURE_LIMIT
    expired = instance.attempt_time <= timezone.now() - _cool_off()
    was_locked = isinstance(limit, int) and instance.failures_since_start >= limit
    if expired and not was_locked:
        return
    actor = _unlocking_actor.get()
    user = _user_of(instance.username)
    audit_record(
        actor=actor,
        action="login.unlock",
        object_type="auth.user",
        object_id=user.pk if user else "",
        object_repr=instance.username or "",
        before={
            "username": instance.username,
            "ip_address": instance.ip_address,
            "failures": instance.failures_since_start,
            "last_failure_at": instance.attempt_time,
        },
        reason=_("cool-off ended") if expired else _("failed log-ins cleared by an administrator"),
        ip_address=instance.ip_address,
    )


def connect_receivers() -> None:
    """Called by ``CommonConfig.ready``."""
    user_locked_out.connect(on_user_locked_out, dispatch_uid="common_audit_login_lockout")
    post_delete.connect(on_access_attempt_deleted, sender=AccessAttempt, dispatch_uid="common_audit_login_unlock")
