"""``/ws/notices/``: the signed-in user's new notices and unread count, live.

Any signed-in user may follow their own notices (they need no role): the socket closes when the
session ends (4401), as every socket does (``common.websockets``). The socket joins only its user's
group (``notices.services.user_group``). Messages to the client:

- ``{"type": "unread", "count": n}`` on connect and whenever the count changes;
- ``{"type": "notice", "notice": {...}}`` for each new notice (``notices.render.notice_as_dict``),
  translated into the socket's language (``?lang=en``, else the language cookie, else the site's).
"""

from __future__ import annotations

from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from django.conf import settings

from common.roles import Capability
from common.websockets import CLOSE_FORBIDDEN, CLOSE_SIGNED_OUT, SessionBoundConsumer, session_close_code
from notices.render import notice_as_dict
from notices.selectors import notice_unread_count, notices_of
from notices.services import user_group


def socket_language(scope: dict) -> str:
    """``?lang=`` if it is a site language, else the language cookie's, else the site default."""
    codes = {code for code, _name in settings.LANGUAGES}
    query = parse_qs((scope.get("query_string") or b"").decode("latin1"))
    for candidate in (
        (query.get("lang") or [""])[0],
        (scope.get("cookies") or {}).get(settings.LANGUAGE_COOKIE_NAME, ""),
    ):
        if candidate and candidate.lower() in codes:
            return candidate.lower()
    return settings.LANGUAGE_CODE


def _close_code(user_id: int, session_key: str | None) -> int | None:
    code = session_close_code(user_id=user_id, session_key=session_key, capability=Capability.VIEW_REGISTRY)
    # Notices are the user's own whatever their roles: only a signed-out session closes the socket.
    return None if code == CLOSE_FORBIDDEN else code


@database_sync_to_async
def _unread(user) -> int:
    return notice_unread_count(user=user)


@database_sync_to_async
def _as_dicts(user, notice_ids: list[int], language: str) -> list[dict]:
    notices = notices_of(user=user).filter(pk__in=notice_ids).order_by("created_at", "id")
    return [notice_as_dict(n, language=language) for n in notices]


class NoticeConsumer(SessionBoundConsumer):
    capability = Capability.VIEW_REGISTRY  # not required: see session_valid

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_SIGNED_OUT)
            return
        self.language = socket_language(self.scope)
        self.groups = [user_group(user.pk)]
        await self.channel_layer.group_add(self.groups[0], self.channel_name)
        await self.accept()
        await self.send_unread()

    async def session_valid(self) -> bool:
        if self._closing:
            return False
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            code = CLOSE_SIGNED_OUT
        else:
            code = await database_sync_to_async(_close_code)(user.pk, self._session_key)
        if code is None:
            return True
        await self.close(code=code)
        return False

    async def send_unread(self) -> None:
        await self.send_json({"type": "unread", "count": await _unread(self.scope["user"])})

    async def receive_json(self, content, **kwargs) -> None:
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})
            return
        await self.send_json({"type": "error", "detail": "unknown message"})

    async def notice_created(self, message) -> None:
        ids = [i for i in message.get("notice_ids", []) if isinstance(i, int)]
        for notice in await _as_dicts(self.scope["user"], ids, self.language):
            await self.send_json({"type": "notice", "notice": notice})
        await self.send_unread()

    async def notice_count(self, message) -> None:
        await self.send_unread()
