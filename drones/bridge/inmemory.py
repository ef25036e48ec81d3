"""The in-memory channel layer of the embedded set-up, without the costs that grow with the viewers.

Channels' ``InMemoryChannelLayer`` walks every channel's queue and every group member to drop
expired messages on *each* ``send``, ``receive`` and ``group_send``, and ``group_send`` makes
one task per member. With the embedded bridge broadcasting to 100 viewers 20 times a second,
that is ~2,800 walks over ~300 entries a second, about a sixth of the web process's CPU.
Here the walk runs at most once a second (messages expire after 60 s; noticing a second
later changes nothing) and ``group_send`` puts the message straight into each member's queue
(``send`` never waits, so the tasks bought nothing). Everything else, including the copy of
each message per receiver and the silent drop on a full channel, is channels' own.
"""

from __future__ import annotations

import time

from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer as _ChannelsInMemoryChannelLayer

CLEAN_INTERVAL_S = 1.0


class InMemoryChannelLayer(_ChannelsInMemoryChannelLayer):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._next_clean = 0.0

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now >= self._next_clean:
            self._next_clean = now + CLEAN_INTERVAL_S
            super()._clean_expired()

    async def group_send(self, group, message):
        assert isinstance(message, dict), "Message is not a dict"
        self.require_valid_group_name(group)
        self._clean_expired()
        for channel in list(self.groups.get(group, ())):
            try:
                await self.send(channel, message)
            except ChannelFull:
                pass  # as channels does: a full channel loses the message (clients see the seq gap)
