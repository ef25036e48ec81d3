"""API tokens: create, list, revoke, authenticate; revoked when a password changes or a user is deactivated.

A token is sent as ``Authorization: Token <key>`` (the header DRF's authtoken used, so clients and the
OpenAPI schema's ``tokenAuth`` scheme stay the same). Only the key's SHA-256 is stored; the key is
returned once, by ``api_token_create``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import OperationalError, transaction
from django.db.models import Q, QuerySet
from django.db.models.signals import post_save, pre_save
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from common.audit import audit_record
from common.models import ApiToken

logger = logging.getLogger(__name__)

# A recognisable start makes a pasted key easy to spot (in a log, a chat, a repository) and to search for.
KEY_PREFIX = "sst_"
# Characters of the key shown on the page and in the admin: the marker plus 8 random ones.
VISIBLE_PREFIX_LEN = len(KEY_PREFIX) + 8
# A user with more live tokens than this must revoke one first: tokens are for a few scripts, not per call.
MAX_ACTIVE_TOKENS_PER_USER = 20
# ``last_used_at`` is written at most this often per token, so a busy script does not write on every call.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def key_hash(key: str) -> str:
    """SHA-256 of the key, hex. The key has 256 random bits, so a fast hash is enough (no salt, no stretching)."""
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_list(*, user, active_only: bool = False) -> QuerySet[ApiToken]:
    """The user's tokens, newest first; ``active_only``: neither revoked nor expired."""
    tokens = ApiToken.objects.filter(user=user)
    if active_only:
        tokens = tokens.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())
    return tokens


def _token_after(token: ApiToken) -> dict:
    return {
        "user": token.user_id,
        "name": token.name,
        "prefix": token.prefix,
        "expires_at": token.expires_at,
        "revoked_at": token.revoked_at,
        "revoked_reason": token.revoked_reason,
    }


@transaction.atomic
def api_token_create(
    *, user, name: str, ttl_days: int | None = None, actor, ip_address: str | None = None
) -> tuple[ApiToken, str]:
    """A new token for ``user`` valid ``ttl_days`` (default API_TOKEN_TTL_DAYS); returns it and its key.

    The key is not stored and cannot be shown again. Raises ``ValidationError`` for a blank name, a
    lifetime outside 1..API_TOKEN_MAX_TTL_DAYS days, or too many live tokens.
    """
    ttl_days = settings.API_TOKEN_TTL_DAYS if ttl_days is None else ttl_days
    if not 1 <= ttl_days <= settings.API_TOKEN_MAX_TTL_DAYS:
        raise ValidationError(
            {"ttl_days": _("A token lives between 1 and %(max)d days.") % {"max": settings.API_TOKEN_MAX_TTL_DAYS}}
        )
    # Serialise creations per user so two at once cannot both pass the limit.
    list(get_user_model()._default_manager.select_for_update().filter(pk=user.pk).values_list("pk", flat=True))
    if api_token_list(user=user, active_only=True).count() >= MAX_ACTIVE_TOKENS_PER_USER:
        raise ValidationError(
            _("You already have %(count)d active tokens: revoke one you no longer use first.")
            % {"count": MAX_ACTIVE_TOKENS_PER_USER}
        )
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=name.strip(),
        key_hash=key_hash(key),
        prefix=key[:VISIBLE_PREFIX_LEN],
        expires_at=timezone.now() + dt.timedelta(days=ttl_days),
    )
    token.full_clean()
    token.save()
    audit_record(
        actor=actor,
        action="api_token.create",
        obj=token,
        after={**_token_after(token), "ttl_days": ttl_days},
        ip_address=ip_address,
    )
    return token, key


@transaction.atomic
def api_token_revoke(
    *, token: ApiToken, actor, reason: str = ApiToken.RevokedReason.USER, ip_address: str | None = None
) -> bool:
    """Revoke ``token`` (it stops working at once); False if it was already revoked.

    The caller decides who may revoke which token (the page: only one's own).
    """
    locked = ApiToken.objects.select_for_update().get(pk=token.pk)
    if locked.revoked_at is not None:
        return False
    before = _token_after(locked)
    locked.revoked_at = timezone.now()
    locked.revoked_reason = reason
    locked.save(update_fields=["revoked_at", "revoked_reason"])
    token.revoked_at, token.revoked_reason = locked.revoked_at, locked.revoked_reason
    audit_record(
        actor=actor,
        action="api_token.revoke",
        obj=locked,
        before=before,
        after=_token_after(locked),
        reason=str(ApiToken.RevokedReason(reason).label),
        ip_address=ip_address,
    )
    return True


@transaction.atomic
def api_tokens_revoke_all(
    *, user, actor, reason: str = ApiToken.RevokedReason.USER, ip_address: str | None = None
) -> int:
    """Revoke every token of ``user`` not yet revoked or expired; how many were."""
    revoked = 0
    for token in api_token_list(user=user, active_only=True).select_for_update():
        revoked += api_token_revoke(token=token, actor=actor, reason=reason, ip_address=ip_address)
    return revoked


class ApiTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>`` checked against ``common.ApiToken``: unknown, revoked or expired is 401.

    A subclass of DRF's class for its header parsing and so drf-spectacular documents it as ``tokenAuth``.
    """

    keyword = "Token"

    def authenticate_credentials(self, key: str):
        token = ApiToken.objects.select_related("user").filter(key_hash=key_hash(key)).first()
        if token is None:
            raise AuthenticationFailed(_("Invalid token."), code="token_invalid")
        now = timezone.now()
        if token.revoked_at is not None:
            raise AuthenticationFailed(
                _("This token was revoked on %(date)s (%(reason)s). Create a new one on the API tokens page.")
                % {"date": _when(token.revoked_at), "reason": token.get_revoked_reason_display()},
                code="token_revoked",
            )
        if token.is_expired(now):
            raise AuthenticationFailed(
                _("This token expired on %(date)s. Create a new one on the API tokens page.")
                % {"date": _when(token.expires_at)},
                code="token_expired",
            )
        if not token.user.is_active:
            raise AuthenticationFailed(_("User inactive or deleted."), code="user_inactive")
        _touch(token, now)
        return token.user, token


def _when(moment: dt.datetime) -> str:
    return date_format(timezone.localtime(moment), "Y-m-d H:i")


def _touch(token: ApiToken, now: dt.datetime) -> None:
    """Record the use, at most once per LAST_USED_RESOLUTION; a busy database must not fail the request."""
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_RESOLUTION:
        return
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION)
    try:
        ApiToken.objects.filter(stale, pk=token.pk).update(last_used_at=now)
    except OperationalError:
        logger.warning("could not record the use of API token %s", token.pk, exc_info=True)
    token.last_used_at = now


# --- revocation when the password changes or the user is deactivated ------------------------------


def _revoke_reason(sender, instance, update_fields) -> str | None:
    fields = set(update_fields) if update_fields is not None else None
    if instance.pk is None or (fields is not None and not fields & {"password", "is_active"}):
        return None
    old = sender._default_manager.filter(pk=instance.pk).values("password", "is_active").first()
    if old is None:
        return None
    if old["is_active"] and not instance.is_active:
        return ApiToken.RevokedReason.DEACTIVATED
    # Django re-hashes an unchanged password on login when its hasher's parameters change; it saves
    # only the password and clears ``_password`` to say so (AbstractBaseUser.check_password).
    rehash = fields == {"password"} and getattr(instance, "_password", None) is None
    if old["password"] != instance.password and not rehash:
        return ApiToken.RevokedReason.PASSWORD_CHANGED
    return None


def on_user_pre_save(sender, instance, raw=False, update_fields=None, **kwargs) -> None:
    """Note whether this save changes the password or deactivates the user (any path: form, admin,
    ``set_password`` + ``save``). ``QuerySet.update`` and ``bulk_update`` send no signals."""
    instance._api_token_revoke_reason = None if raw else _revoke_reason(sender, instance, update_fields)


def on_user_post_save(sender, instance, created=False, raw=False, **kwargs) -> None:
    """Revoke the user's tokens in the same transaction as the save that made them stale."""
    reason = getattr(instance, "_api_token_revoke_reason", None)
    if reason is None or created or raw:
        return
    instance._api_token_revoke_reason = None
    api_tokens_revoke_all(user=instance, actor=None, reason=reason)


def connect_receivers() -> None:
    """Called by ``CommonConfig.ready``."""
    pre_save.connect(on_user_pre_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="common_api_token_pre_save")
    post_save.connect(on_user_post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="common_api_token_post_save")
