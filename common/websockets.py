"""What every websocket shares: the origin check, frame decoding and a socket bound to its session.

``OriginValidator`` (config/asgi.py) admits a socket only from the site's own origin (scheme, host
and port equal to the request's, the host in ``ALLOWED_HOSTS``) or one listed in
``CSRF_TRUSTED_ORIGINS`` / ``WEBSOCKET_ALLOWED_ORIGINS``.

``SessionBoundConsumer`` is the base of every consumer. It decodes client frames itself: a binary,
malformed, too large or too deeply nested frame closes the socket with an RFC 6455 code and one log
line. A socket lives only as long as its session and its role: it re-checks both before each client
message, every ``WEBSOCKET_SESSION_RECHECK_S`` seconds, and when told to (a role granted or removed,
the user saved); logging out closes the session's sockets at once (``session_sockets_close``).

Close codes: 1003 binary frame, 1007 invalid or too deeply nested JSON, 1009 frame too large,
4401 the session ended, 4403 the role may no longer do this.
"""

from __future__ import annotations

import asyncio
import json
import logging
from importlib import import_module
from typing import Any
from urllib.parse import urlsplit

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.http.request import split_domain_port, validate_host
from django.utils.crypto import constant_time_compare

from common.publish import channel_publish, publish_after_commit
from common.roles import Capability, can

logger = logging.getLogger(__name__)

CLOSE_UNSUPPORTED = 1003
CLOSE_INVALID = 1007
CLOSE_TOO_BIG = 1009
CLOSE_SIGNED_OUT = 4401
CLOSE_FORBIDDEN = 4403

MAX_FRAME_CHARS = 64 * 1024  # client messages are small commands (resync, subscribe, ping)
MAX_DEPTH = 16

SESSION_CLOSE = "session.close"
SESSION_RECHECK = "session.recheck"


def session_group(session_key: str) -> str:
    return f"ws-session.{session_key}"


def user_group(user_id: int) -> str:
    return f"ws-user.{user_id}"


# --- Origin ---------------------------------------------------------------------------------------


def _header(scope: dict, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return value.decode("latin1")
    return None


def _allowed_hosts() -> list[str]:
    hosts = list(settings.ALLOWED_HOSTS)
    if settings.DEBUG and not hosts:
        hosts = [".localhost", "127.0.0.1", "[::1]"]  # what Django's own HTTP host check allows
    return hosts


def _normalise(origin: str) -> str | None:
    """``scheme://host[:port]`` in lower case with the scheme's default port dropped, or None."""
    try:
        parts = urlsplit(origin.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    if port is not None and port != {"http": 80, "https": 443}[parts.scheme]:
        host = f"{host}:{port}"
    return f"{parts.scheme}://{host}".lower()


def origin_allowed(scope: dict) -> bool:
    """Whether the socket's ``Origin`` is the site's own or one configured; the rule of Django's CSRF check."""
    origin = _normalise(_header(scope, b"origin") or "")
    if origin is None:
        return False
    configured = [*settings.CSRF_TRUSTED_ORIGINS, *getattr(settings, "WEBSOCKET_ALLOWED_ORIGINS", [])]
    for allowed in configured:
        if "://*." in allowed:  # https://*.example.org: any subdomain, same scheme, as CSRF allows
            scheme, _, domain = allowed.partition("://*.")
            parsed = urlsplit(origin)
            if parsed.scheme == scheme.lower() and validate_host(parsed.netloc, [f".{domain.lower()}"]):
                return True
        elif _normalise(allowed) == origin:
            return True
    host = _header(scope, b"host") or ""
    domain, _port = split_domain_port(host)
    if not domain or not validate_host(domain, _allowed_hosts()):
        return False  # a same-origin page on a host we do not serve (DNS rebinding) is not ours
    scheme = "https" if scope.get("scheme") in ("wss", "https") else "http"
    return _normalise(f"{scheme}://{host}") == origin


class OriginValidator:
    """ASGI middleware refusing websockets whose origin ``origin_allowed`` does not accept."""

    def __init__(self, application) -> None:
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket" and not origin_allowed(scope):
            denier = WebsocketDenier()
            return await denier(scope, receive, send)
        return await self.application(scope, receive, send)


# --- Sessions -------------------------------------------------------------------------------------


def _session_user_id(session_key: str) -> tuple[str | None, str | None] | None:
    """(user id, auth hash) a stored session is signed in with, or None when the session is gone."""
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    if not store.exists(session_key):
        return None
    data = store.load()
    return data.get(SESSION_KEY), data.get(HASH_SESSION_KEY)


def session_close_code(*, user_id: int, session_key: str | None, capability: Capability) -> int | None:
    """The close code for a socket of ``user_id`` on ``session_key``, or None while it may stay open.

    ``session_key`` None means the socket was opened without a session (a test scope): only the
    user is checked.
    """
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return CLOSE_SIGNED_OUT
    if session_key is not None:
        stored = _session_user_id(session_key)
        if stored is None or str(stored[0]) != str(user_id):
            return CLOSE_SIGNED_OUT
        hashes = [user.get_session_auth_hash()] + [
            user._get_session_auth_hash(secret=secret) for secret in settings.SECRET_KEY_FALLBACKS
        ]
        if not stored[1] or not any(constant_time_compare(stored[1], h) for h in hashes):
            return CLOSE_SIGNED_OUT  # the password changed since
    if not can(user, capability):
        return CLOSE_FORBIDDEN
    return None


def session_sockets_close(session_key: str) -> None:
    """Close every socket opened on this session (at logout).

    A full or broken layer must not fail the logout: it is logged, and the periodic re-check remains.
    """
    channel_publish(session_group(session_key), {"type": SESSION_CLOSE, "code": CLOSE_SIGNED_OUT})


def user_sockets_recheck(user_id: int) -> None:
    """Make every socket of this user re-check its session and role (roles changed, user saved)."""
    channel_publish(user_group(user_id), {"type": SESSION_RECHECK})


def on_user_logged_out(sender, request=None, user=None, **kwargs) -> None:
    session = getattr(request, "session", None)
    if session is not None and session.session_key:
        session_sockets_close(session.session_key)


def on_user_roles_changed(sender, instance, action, reverse, pk_set=None, **kwargs) -> None:
    """``m2m_changed`` of ``User.groups``: roles are groups, so any change re-checks the sockets."""
    if action == "pre_clear" and reverse:
        instance._ws_cleared_user_ids = list(instance.user_set.values_list("pk", flat=True))
        return
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if not reverse:
        user_ids = [instance.pk]
    elif action == "post_clear":
        user_ids = getattr(instance, "_ws_cleared_user_ids", [])
    else:
        user_ids = list(pk_set or ())
    for user_id in user_ids:
        publish_after_commit(user_group(user_id), {"type": SESSION_RECHECK})


def on_user_saved(sender, instance, created=False, **kwargs) -> None:
    """Deactivated or new password: the user's sockets re-check (after commit, so they see it)."""
    if created or (kwargs.get("update_fields") and set(kwargs["update_fields"]) == {"last_login"}):
        return  # a login: nothing a socket depends on changed
    publish_after_commit(user_group(instance.pk), {"type": SESSION_RECHECK})


# --- Frames ---------------------------------------------------------------------------------------


def _too_deep(value: Any, limit: int) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


class SessionBoundConsumer(AsyncJsonWebsocketConsumer):
    """A JSON consumer whose socket closes when its session ends or its role no longer allows ``capability``.

    Subclasses set ``capability`` and accept as usual; ``accept`` joins the session's and the user's
    control groups and starts the periodic re-check.
    """

    capability: Capability
    _recheck_task: asyncio.Task | None = None
    _closing: bool = False

    @property
    def _session_key(self) -> str | None:
        session = self.scope.get("session")
        return getattr(session, "session_key", None) if session is not None else None

    async def accept(self, subprotocol=None, headers=None) -> None:
        user = self.scope["user"]
        control = [user_group(user.pk)]
        if self._session_key:
            control.append(session_group(self._session_key))
        for group in control:
            await self.channel_layer.group_add(group, self.channel_name)
        self.groups = [*(self.groups or []), *control]  # websocket_disconnect leaves them
        await super().accept(subprotocol=subprotocol, headers=headers)
        interval = getattr(settings, "WEBSOCKET_SESSION_RECHECK_S", 60)
        if interval:
            self._recheck_task = asyncio.create_task(self._recheck_every(interval))

    async def _recheck_every(self, interval: float) -> None:
        while not self._closing:
            await asyncio.sleep(interval)
            try:
                await self.session_valid()
            except Exception:  # a database hiccup must not end the re-checks of this socket
                logger.exception("websocket %s: session re-check failed", self.scope.get("path"))

    async def close(self, code=None, reason=None) -> None:
        self._closing = True
        await super().close(code=code, reason=reason)
        self._stop_recheck()

    async def websocket_disconnect(self, message) -> None:
        self._closing = True
        self._stop_recheck()
        await super().websocket_disconnect(message)

    def _stop_recheck(self) -> None:
        task = self._recheck_task
        if task is not None and task is not asyncio.current_task():
            task.cancel()
        self._recheck_task = None

    async def session_valid(self) -> bool:
        """Whether the session and role still stand; closes the socket with 4401/4403 when not."""
        if self._closing:
            return False
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            code = CLOSE_SIGNED_OUT
        else:
            code = await database_sync_to_async(session_close_code)(
                user_id=user.pk, session_key=self._session_key, capability=self.capability
            )
        if code is None:
            return True
        await self.close(code=code)
        return False

    async def reject(self, code: int, reason: str) -> None:
        user = self.scope.get("user")
        logger.warning(
            "websocket %s closed with %s: %s (user %s)",
            self.scope.get("path"),
            code,
            reason,
            getattr(user, "pk", None),
        )
        await self.close(code=code)

    async def receive(self, text_data=None, bytes_data=None, **kwargs) -> None:
        if self._closing:
            return
        if text_data is None:
            await self.reject(CLOSE_UNSUPPORTED, "binary frame")
            return
        if len(text_data) > MAX_FRAME_CHARS:
            await self.reject(CLOSE_TOO_BIG, f"frame of {len(text_data)} characters")
            return
        try:
            content = json.loads(text_data)
        except (ValueError, RecursionError) as exc:
            await self.reject(CLOSE_INVALID, f"invalid JSON ({type(exc).__name__})")
            return
        if _too_deep(content, MAX_DEPTH):
            await self.reject(CLOSE_INVALID, f"JSON nested deeper than {MAX_DEPTH}")
            return
        if not await self.session_valid():
            return
        await self.receive_json(content, **kwargs)

    # Control events sent to the session's and the user's groups.
    async def session_close(self, message) -> None:
        await self.close(code=message.get("code", CLOSE_SIGNED_OUT))

    async def session_recheck(self, message) -> None:
        await self.session_valid()
