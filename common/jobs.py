"""Background jobs of the web process, as the apps register them; the ASGI lifespan runs them.

An app registers a job in ``AppConfig.ready()``::

    from common.jobs import job_register

    job_register(name="incident escalation", start=escalation_job)

``start`` is called on the server's event loop at lifespan start-up, after the settings are final
(tests change them): it reads its settings and returns the coroutine to run as a task, or ``None`` when
the job is off in this configuration (``INCIDENT_ESCALATE_INTERVAL_S = 0``). An exception from ``start``
fails the start-up, so a misconfigured job stops the server instead of silently not running. A task
that ends with an error is logged and the others keep running; at shut-down every task is cancelled and
awaited. ``config.lifespan.Lifespan`` does this for the site's ASGI application (``config/asgi.py``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

JobStart = Callable[[], Coroutine[Any, Any, None] | None]


@dataclass(frozen=True)
class Job:
    name: str  # the task's name, in logs
    start: JobStart


_jobs: dict[str, Job] = {}


def job_register(*, name: str, start: JobStart) -> Job:
    """Add (or replace, by ``name``) a job; jobs start in registration order (the apps' order)."""
    job = Job(name=name, start=start)
    _jobs[name] = job
    return job


def job_unregister(name: str) -> None:
    _jobs.pop(name, None)


def registered_jobs() -> list[Job]:
    return list(_jobs.values())


class JobRunner:
    """Starts the registered jobs as tasks on the running loop and stops them."""

    def __init__(self, jobs: list[Job] | None = None) -> None:
        self._given = jobs
        self.tasks: list[asyncio.Task] = []

    def start(self) -> None:
        """Start every job that is on. Call from a coroutine on the loop the jobs should run on."""
        loop = asyncio.get_running_loop()
        for job in self._given if self._given is not None else registered_jobs():
            coro = job.start()
            if coro is None:
                continue
            task = loop.create_task(coro, name=job.name)
            task.add_done_callback(_log_failure)
            self.tasks.append(task)

    async def stop(self) -> None:
        tasks, self.tasks = self.tasks, []
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def _log_failure(task: asyncio.Task) -> None:
    if task.cancelled():
        return
    exc = task.exception()
    if exc is not None:
        log.error("background job %r stopped with an error", task.get_name(), exc_info=exc)
