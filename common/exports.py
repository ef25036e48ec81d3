"""Downloads (XLSX reports, mission files, flight logs): how every export runs, is limited and is audited.

Why this exists. A sync Django view under ASGI runs in asgiref's thread-sensitive executor, next to
the other sync views' work, and nothing stops it when the client leaves: a slow export kept running
long after its reader had gone and slowed every other page. So an export view only parses its
parameters and checks permissions, then returns an ``Export`` (what to build, and what to audit),
and ``export_view`` runs it:

1. **A per-process limit.** At most ``EXPORT_MAX_CONCURRENT`` builds run at once in one process; one
   more is answered at once with 503, a ``Retry-After`` of ``EXPORT_RETRY_AFTER_S`` seconds and a
   translated message (JSON under ``/api/``), and audited as ``refused``.
2. **Off the shared thread.** The build runs with ``sync_to_async(thread_sensitive=False)`` in a
   worker thread with its own database connection, closed when the build ends. (When the request's
   connection is inside a transaction, as under pytest-django's per-test transaction, another
   connection could not see its rows, so the build then runs on the request's thread instead.)
3. **Cancelled with its client.** ``export_view`` is an async view, so Django 5.x's ASGI handler
   cancels it with ``asyncio.CancelledError`` when the client disconnects (``ASGIHandler.handle``
   runs ``listen_for_disconnect`` beside the view and cancels the view's task; asgiref carries the
   cancellation through sync middleware). A worker thread cannot be interrupted, so the view sets
   the build's ``ExportToken`` and the builder, which counts its rows on the token, raises
   ``ExportCancelled`` at the next batch of ``EXPORT_BATCH_ROWS`` rows: a fraction of a second.
4. **One audit entry per attempt**, whatever its outcome: ``audit_export`` writes ``export.<kind>``
   with who, the format, the filters, the rows written and the outcome (``done``, ``refused``,
   ``cancelled``, ``failed``), in autocommit after the build, where no rollback can take it away.
   A request refused at the door (no role for the page: 403, or not logged in) never reaches the
   export and is not audited, as a drone command refused by the API's role check is not either
   (``drones.api.DroneCommandApi``); refusals from the export's own checks are.

The whole file is built before the first byte is sent (write-only workbooks, so linear in its rows):
it can then still fail with a proper error page, which a stream already under way cannot. A small
file is sent in one response; a large one (past ``common.xlsx.XLSX_IN_MEMORY_MAX_BYTES``) is built
in a temporary file and streamed from it with ``FileResponse``, so memory stays flat whatever the size.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterable, Iterator
from functools import wraps
from typing import Any, BinaryIO, TypeVar

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connection, connections
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from common.audit import audit_record
from common.xlsx import XLSX_CONTENT_TYPE

T = TypeVar("T")

OUTCOMES = ("done", "refused", "cancelled", "failed")


class ExportCancelled(Exception):
    """The export's client has gone: the build stops where it is."""


class ExportToken:
    """Shared by the request (which cancels it) and the build (which counts rows on it and stops).

    ``count()`` after each row written; every ``batch_rows`` rows it checks for cancellation.
    ``checked(iterable)`` does the same for source rows that write nothing by themselves (records
    summed into totals).
    """

    def __init__(self, *, batch_rows: int | None = None) -> None:
        self.batch_rows = max(1, batch_rows or settings.EXPORT_BATCH_ROWS)
        self.rows = 0
        self._seen = 0
        self._cancelled = threading.Event()

    def cancel(self) -> None:
        self._cancelled.set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def check(self) -> None:
        """Raise ``ExportCancelled`` if the export was cancelled."""
        if self._cancelled.is_set():
            raise ExportCancelled

    def _tick(self) -> None:
        self._seen += 1
        if self._seen % self.batch_rows == 0:
            self.check()

    def count(self, rows: int = 1) -> None:
        """``rows`` more rows written."""
        for _row in range(rows):
            self.rows += 1
            self._tick()

    def checked(self, iterable: Iterable[T]) -> Iterator[T]:
        """The items of ``iterable``, checking for cancellation every batch (not counted as rows)."""
        self.check()
        for item in iterable:
            yield item
            self._tick()


class Export(HttpResponse):
    """What an export view returns: the build to run and what the audit entry records.

    ``build(token)`` returns the file's content (bytes or str) and counts its rows on ``token``.
    ``params``: the filters as the reader chose them (JSON-safe). ``obj``: the record exported, if one.
    It is an ``HttpResponse`` only so DRF actions may return it; ``export_view`` replaces it. Served
    without that decorator it is an error, never an empty download.
    """

    def __init__(
        self,
        *,
        kind: str,
        fmt: str,
        build: Callable[[ExportToken], bytes | str],
        filename: str,
        content_type: str = XLSX_CONTENT_TYPE,
        params: dict[str, Any] | None = None,
        obj=None,
    ) -> None:
        super().__init__("This export was not run.", status=500, content_type="text/plain; charset=utf-8")
        self.kind = kind
        self.fmt = fmt
        self.build = build
        self.filename = filename
        self.export_content_type = content_type
        self.params = dict(params or {})
        self.obj = obj
        self.user = None
        self.ip_address: str | None = None
        self.same_thread = False


class _Slots:
    """How many exports this process is building; a thread-safe counter, never waited on."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.running = 0

    def acquire(self) -> bool:
        with self._lock:
            if self.running >= settings.EXPORT_MAX_CONCURRENT:
                return False
            self.running += 1
            return True

    def release(self) -> None:
        with self._lock:
            self.running = max(0, self.running - 1)


SLOTS = _Slots()


def audit_export(
    *,
    user,
    kind: str,
    fmt: str,
    params: dict[str, Any],
    rows: int,
    outcome: str,
    obj=None,
    filename: str = "",
    error: str = "",
    ip_address: str | None = None,
):
    """The one audit entry of an export attempt: ``export.<kind>`` with who, what, how many rows, outcome.

    Call outside any transaction that may roll back (``run_export`` does).
    """
    after: dict[str, Any] = {"kind": kind, "format": fmt, "filters": params, "rows": rows, "outcome": outcome}
    if error:
        after["error"] = error
    return audit_record(
        actor=user,
        action=f"export.{kind}"[:64],
        obj=obj,
        object_type="" if obj is not None else "export",
        object_repr="" if obj is not None else filename,
        after=after,
        ip_address=ip_address,
    )


def build_export(export: Export, token: ExportToken) -> bytes | BinaryIO:
    """Run ``export``'s build with ``token`` (raises ``ExportCancelled`` once the token is cancelled).

    The content is bytes, or for a large file an open file at its start (``common.xlsx.XlsxBook``).
    """
    token.check()
    content = export.build(token)
    try:
        token.check()  # finished just as the client left: nobody will read it
    except ExportCancelled:
        if hasattr(content, "close"):
            content.close()
        raise
    return content.encode("utf-8") if isinstance(content, str) else content


class ExportFileResponse(FileResponse):
    """A ``FileResponse`` an ASGI server reads block by block.

    Django's ASGI handler reads a response through ``__aiter__``; for a synchronous iterator, such as
    a plain ``FileResponse``'s, that reads the whole file into a list first. Here each block is read
    in a worker thread as the client takes it, so memory holds one block, not the file.
    """

    block_size = 64 * 1024

    async def __aiter__(self):
        blocks = iter(self.streaming_content)
        read = sync_to_async(next, thread_sensitive=False)
        while (block := await read(blocks, None)) is not None:
            yield block


def export_response(content: bytes | BinaryIO, export: Export) -> HttpResponse:
    """The download: bytes in one response, a file streamed from disk in blocks (and closed after)."""
    if isinstance(content, bytes | bytearray):
        response: HttpResponse = HttpResponse(content, content_type=export.export_content_type)
    else:
        response = ExportFileResponse(content, content_type=export.export_content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response


def _runner(func: Callable[..., T], *, same_thread: bool) -> Callable[..., Any]:
    """``func`` as a coroutine function: in a worker thread with its own connection, closed after."""
    if same_thread:
        return sync_to_async(func)

    def in_worker(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        finally:
            connections.close_all()

    return sync_to_async(in_worker, thread_sensitive=False)


def _audit(export: Export, *, rows: int, outcome: str, error: str = "") -> None:
    audit_export(
        user=export.user,
        kind=export.kind,
        fmt=export.fmt,
        params=export.params,
        rows=rows,
        outcome=outcome,
        obj=export.obj,
        filename=export.filename,
        error=error,
        ip_address=export.ip_address,
    )


def busy_response(request: HttpRequest) -> HttpResponse:
    """503 with ``Retry-After``: too many exports are running in this process."""
    seconds = settings.EXPORT_RETRY_AFTER_S
    message = _("Too many exports are being prepared right now. Please try again in %(seconds)s seconds.") % {
        "seconds": seconds
    }
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"code": "exports_busy", "detail": message}, status=503)
    else:
        response = HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(seconds)
    return response


async def run_export(request: HttpRequest, export: Export) -> HttpResponse:
    """Build ``export`` within the limit, cancel it with its client, audit it; the download or a 503."""
    audit = _runner(_audit, same_thread=export.same_thread)
    if not SLOTS.acquire():
        await audit(export, rows=0, outcome="refused", error="busy")
        return busy_response(request)
    token = ExportToken()
    try:
        content = await _runner(build_export, same_thread=export.same_thread)(export, token)
    except asyncio.CancelledError:
        token.cancel()  # the worker stops at its next batch
        await audit(export, rows=token.rows, outcome="cancelled")
        raise
    except ExportCancelled:
        await audit(export, rows=token.rows, outcome="cancelled")
        return HttpResponse(_("The export was cancelled."), status=503, content_type="text/plain; charset=utf-8")
    except Exception as exc:
        await audit(export, rows=token.rows, outcome="failed", error=type(exc).__name__)
        raise
    finally:
        SLOTS.release()
    await audit(export, rows=token.rows, outcome="done")
    return export_response(content, export)


def export_view(view: Callable[..., HttpResponse]) -> Callable[..., Any]:
    """Make a sync view that may return an ``Export`` an async view that runs it (``run_export``).

    The sync view (its decorators, parsing, permission checks, page rendering) runs as Django would
    run it; anything it returns other than an ``Export`` is returned unchanged.
    """

    def prepare(request, *args, **kwargs) -> HttpResponse:
        result = view(request, *args, **kwargs)
        if isinstance(result, Export):
            result.user = request.user if request.user.is_authenticated else None
            result.ip_address = request.META.get("REMOTE_ADDR")
            result.same_thread = connection.in_atomic_block
        return result

    @wraps(view)
    async def wrapper(request, *args, **kwargs):
        result = await sync_to_async(prepare)(request, *args, **kwargs)
        if isinstance(result, Export):
            return await run_export(request, result)
        return result

    return wrapper
