"""``/ws/incidents/``: live incident events for the inbox and detail pages.

Authenticated by the session (config/asgi.py; ``common.websockets`` closes the socket when the
session ends or the role goes). Close codes: 4401 not signed in, 4403 may not view
incidents (or school staff without a school). Each socket joins exactly the groups its user is
entitled to (see ``incidents.notify``): their own user group; their station's duty desk if
they are an active station officer; the brigade group for schedulers, administrators and leadership;
their school's group for school safety staff. Events come with an ``event_id``; a socket in several
groups forwards each event once.
"""

from __future__ import annotations

from collections import deque

from channels.db import database_sync_to_async

from campus.scope import scope_of
from common.roles import Capability, can
from common.websockets import SessionBoundConsumer
from incidents.notify import BRIGADE_GROUP, school_group, station_group, user_group


@database_sync_to_async
def groups_of(user) -> list[str] | None:
    """The groups ``user`` may join, or None if they may not follow incidents at all: those of their scope
    (``campus.scope``): the brigade for the county, their station's desk, their school's."""
    if not can(user, Capability.VIEW_INCIDENTS):
        return None
    scope = scope_of(user)
    groups = [user_group(user.pk)]
    groups += [station_group(station_id) for station_id in sorted(scope.station_ids)]
    if scope.county:
        groups.append(BRIGADE_GROUP)
    groups += [school_group(school_id) for school_id in sorted(scope.school_ids)]
    if len(groups) == 1 and not scope.registry_county:
        return None  # school staff without a school
    return groups


class IncidentConsumer(SessionBoundConsumer):
    capability = Capability.VIEW_INCIDENTS
    joined: list[str]

    async def connect(self) -> None:
        self.joined = []
        self.seen: deque[str] = deque(maxlen=200)
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        groups = await groups_of(user)
        if groups is None:
            await self.close(code=4403)
            return
        for group in groups:
            await self.channel_layer.group_add(group, self.channel_name)
        self.joined = groups
        await self.accept()
        await self.send_json({"type": "subscribed", "groups": len(groups)})

    async def disconnect(self, code) -> None:
        for group in self.joined:
            await self.channel_layer.group_discard(group, self.channel_name)
        self.joined = []

    async def receive_json(self, content, **kwargs) -> None:
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})
            return
        await self.send_json({"type": "error", "detail": "unknown message"})

    async def incident_event(self, message) -> None:
        payload = message["payload"]
        event_id = payload.get("event_id")
        if event_id in self.seen:
            return
        self.seen.append(event_id)
        await self.send_json(payload)
