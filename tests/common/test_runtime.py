"""The long-running processes settle the garbage collector once at start-up (common.runtime): the web
server's lifespan loads its URL patterns first and raises the thresholds; the bridge only freezes."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import asyncio, gc, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
import django
django.setup()
from config.lifespan import Lifespan
from common.runtime import WEB_GC_THRESHOLDS, gc_settle

async def main():
    messages = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    sent = []
    async def receive():
        return messages.pop(0)
    async def send(message):
        sent.append(message["type"])
    await Lifespan(None, jobs=[])({"type": "lifespan"}, receive, send)
    return sent

sent = asyncio.run(main())
import sys
print(sent, gc.get_threshold() == WEB_GC_THRESHOLDS, gc.get_freeze_count() > 50_000,
      "config.urls" in sys.modules, gc_settle() is False)
"""


def test_the_web_lifespan_loads_urls_freezes_and_raises_thresholds_once():
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == (
        "['lifespan.startup.complete', 'lifespan.shutdown.complete'] True True True True"
    )
