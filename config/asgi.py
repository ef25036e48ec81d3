"""ASGI entry point, served by uvicorn: HTTP through Django, websockets through Channels.

Websocket routes come from each app's ``routing.websocket_urlpatterns``; every
socket is authenticated by the session (``AuthMiddlewareStack``) and must come
from the site's own origin or a configured one (``common.websockets.OriginValidator``:
scheme, host and port).
"""

from __future__ import annotations

import importlib
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402  (needs Django set up first)
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from common.websockets import OriginValidator  # noqa: E402

WEBSOCKET_APPS = ("incidents", "patrol", "drones", "notices")


def websocket_urlpatterns() -> list:
    patterns: list = []
    for app in WEBSOCKET_APPS:
        try:
            module = importlib.import_module(f"{app}.routing")
        except ModuleNotFoundError as exc:
            if exc.name != f"{app}.routing":
                raise
            continue
        patterns.extend(module.websocket_urlpatterns)
    return patterns


from config.lifespan import Lifespan  # noqa: E402

# Lifespan (uvicorn --lifespan on) runs the background jobs the apps registered (common.jobs): incident
# escalation and, when enabled, the embedded telemetry bridge.
application = Lifespan(
    ProtocolTypeRouter(
        {
            "http": django_asgi_app,
            "websocket": OriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns()))),
        }
    )
)
