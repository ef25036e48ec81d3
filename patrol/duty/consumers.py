"""``/ws/patrol/board/``: live updates of today's duty board.

Authenticated by the session (config/asgi.py; ``common.websockets`` closes the socket when the
session ends or the role goes). Close codes: 4401 not signed in, 4403 the role may
not see duties (or a school staff account without a school). School safety staff follow only their
school's group; everyone else follows the county group, or one station's after
``{"type": "subscribe", "station": <id or null>}``. The page loads the snapshot over HTTP
(``/api/patrol/board/``) on load and after every reconnect; events carry whole board rows.
"""

from __future__ import annotations

from channels.db import database_sync_to_async

from campus.scope import scope_of
from common.roles import Capability, can
from common.websockets import SessionBoundConsumer
from patrol.duty.events import COUNTY_GROUP, school_group, station_group


@database_sync_to_async
def _scope_of(user) -> tuple[bool, int | None, bool]:
    """(may view duties, the staff member's school, is school staff only)."""
    if not can(user, Capability.VIEW_DUTY):
        return False, None, False
    scope = scope_of(user)
    staff_only = not scope.registry_county
    return True, scope.school_id if staff_only else None, staff_only


@database_sync_to_async
def _station_exists(station_id: int) -> bool:
    from campus.models import Station

    return Station.objects.filter(pk=station_id).exists()


class BoardConsumer(SessionBoundConsumer):
    capability = Capability.VIEW_DUTY
    group: str | None = None
    school_only: bool = False

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        allowed, school_id, staff_only = await _scope_of(user)
        if not allowed or (staff_only and school_id is None):
            await self.close(code=4403)
            return
        self.school_only = staff_only
        await self.accept()
        await self._join(school_group(school_id) if staff_only else COUNTY_GROUP)
        await self.send_json({"type": "subscribed", "group": "school" if staff_only else "county", "station": None})

    async def _join(self, group: str) -> None:
        if self.group == group:
            return
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)
        await self.channel_layer.group_add(group, self.channel_name)
        self.group = group

    async def disconnect(self, code) -> None:
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)
            self.group = None

    async def receive_json(self, content, **kwargs) -> None:
        if not isinstance(content, dict) or content.get("type") != "subscribe":
            await self.send_json({"type": "error", "detail": "unknown message"})
            return
        if self.school_only:
            # School staff stay on their school whatever they ask for.
            await self.send_json({"type": "subscribed", "group": "school", "station": None})
            return
        station = content.get("station")
        if station in (None, ""):
            await self._join(COUNTY_GROUP)
            await self.send_json({"type": "subscribed", "group": "county", "station": None})
            return
        try:
            station_id = int(station)
        except (TypeError, ValueError):
            station_id = None
        if station_id is None or not await _station_exists(station_id):
            await self.send_json({"type": "error", "detail": f"unknown station {station!r}"})
            return
        await self._join(station_group(station_id))
        await self.send_json({"type": "subscribed", "group": "station", "station": station_id})

    async def board_update(self, message) -> None:
        await self.send_json(message["payload"])
