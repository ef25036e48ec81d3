"""The ASGI lifespan of the site: runs the background jobs the apps registered (``common.jobs``).

``Lifespan`` wraps the ASGI application. On the server's lifespan start-up it starts every registered
job on the server's own event loop, so the embedded telemetry bridge writes to the in-memory channel
layer and cache the web side reads; on shut-down it cancels them and waits for them. Other scopes pass
straight through. The jobs: incident escalation (incidents), the embedded telemetry bridge (drones).
"""

from __future__ import annotations

from common.jobs import Job, JobRunner


class Lifespan:
    def __init__(self, app, *, jobs: list[Job] | None = None) -> None:
        self.app = app
        self.runner = JobRunner(jobs)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "lifespan":
            return await self.app(scope, receive, send)
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    self.runner.start()
                except Exception as exc:  # noqa: BLE001 - report start-up failure to the server, which exits
                    await self.runner.stop()
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.runner.stop()
                await send({"type": "lifespan.shutdown.complete"})
                return
