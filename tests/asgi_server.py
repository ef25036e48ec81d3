"""Run the project's ASGI application under uvicorn in a background thread, for tests.

Browser tests (and later websocket tests) talk to the same server stack as
production. The tests using it need ``transactional_db`` so the server's
database connections see the test's committed data.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def run_asgi_server(app=None, *, lifespan: str = "off", timeout_s: float = 15.0) -> Iterator[str]:
    """Start uvicorn on a free port; yield its base URL; stop it on exit.

    ``lifespan="on"`` runs the application's start-up, i.e. the embedded telemetry bridge.
    """
    if app is None:
        from config.asgi import application as app
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan=lifespan, ws="auto")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout_s
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"uvicorn did not start on port {port}")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=timeout_s)
        # The server's loop is gone. A channels_redis layer it used may still hold a receive lock bound
        # to that loop (a websocket consumer stopped mid-receive); later tests in other loops would then
        # fail with "bound to a different event loop". They get a fresh layer instead.
        from channels.layers import channel_layers

        channel_layers.backends.clear()
