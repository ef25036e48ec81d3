"""The ASGI lifespan of the site: runs the background jobs the apps registered (``common.jobs``).

``Lifespan`` wraps the ASGI application. On the server's lifespan start-up it starts every registered
job on the server's own event loop, so the embedded telemetry bridge writes to the in-memory channel
layer and cache the web side reads; on shut-down it cancels them and waits for them. Other scopes pass
straight through. The jobs: incident escalation (incidents), the embedded telemetry bridge (drones).

At start-up, before the jobs, the process loads its URL patterns and settles the garbage collector
(``settle_web_process``). Shut-down is bounded: a job that has not ended ``shutdown_timeout_s`` after it
was cancelled is logged by name and left behind, so one Ctrl+C always ends the server (a second one is
never needed to get past a stuck job).
"""

from __future__ import annotations

import asyncio
import logging

from common.jobs import Job, JobRunner

log = logging.getLogger(__name__)

SHUTDOWN_TIMEOUT_S = 10.0


def settle_web_process() -> None:
    """Load the URL patterns (and with them every view module) now rather than on the first request, then
    freeze what is loaded and raise the collector's thresholds (``common.runtime``): before the jobs start,
    so the embedded bridge's own settling finds it done."""
    from django.urls import get_resolver

    from common.runtime import WEB_GC_THRESHOLDS, gc_settle

    get_resolver().url_patterns  # noqa: B018 - imports the URLconf
    gc_settle(thresholds=WEB_GC_THRESHOLDS)


class Lifespan:
    def __init__(self, app, *, jobs: list[Job] | None = None, shutdown_timeout_s: float = SHUTDOWN_TIMEOUT_S) -> None:
        self.app = app
        self.runner = JobRunner(jobs)
        self.shutdown_timeout_s = shutdown_timeout_s

    async def stop_jobs(self) -> None:
        """Cancel the jobs and wait for them, at most ``shutdown_timeout_s``."""
        tasks = list(self.runner.tasks)
        try:
            await asyncio.wait_for(asyncio.shield(self.runner.stop()), self.shutdown_timeout_s)
        except TimeoutError:
            stuck = ", ".join(t.get_name() for t in tasks if not t.done())
            log.error("background job(s) %s still running %.0f s after cancelling: shutting down without them",
                      stuck, self.shutdown_timeout_s)  # fmt: skip

    async def __call__(self, scope, receive, send):
        if scope["type"] != "lifespan":
            return await self.app(scope, receive, send)
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                settle_web_process()
                try:
                    self.runner.start()
                except Exception as exc:  # noqa: BLE001 - report start-up failure to the server, which exits
                    await self.stop_jobs()
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.stop_jobs()
                await send({"type": "lifespan.shutdown.complete"})
                return
