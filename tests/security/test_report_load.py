"""Issue 11, finding 1: reports lost on the embedded default while drones were connected.

20 phones send 10 reports each with a photo, at once, through the API, while a bridge writes track
points in its own transactions (as ``drones.bridge.runner`` does, here every 100 ms for three drones).
Every report must be stored exactly once on the first send, with no 500 and no 503, and every track
point written. Runs on the test database: a SQLite file with the embedded default's options, or
PostgreSQL when DATABASE_URL says so (CI runs both).
"""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import close_old_connections, connection
from django.utils import timezone
from rest_framework.test import APIClient

from drones.bridge.runner import _persist
from drones.models import Drone, TrackPoint
from incidents.models import Incident, IncidentPhoto
from tests.incidents.test_report_support import World, jpeg_bytes

CLIENTS = 20
REPORTS_EACH = 10
URL = "/api/incidents/reports/"


@pytest.mark.django_db(transaction=True)
def test_two_hundred_concurrent_reports_with_photos_all_stored_once_while_the_bridge_writes():
    world = World()
    drones = [
        Drone.objects.create(name=f"D{i}", serial=f"S{i}", connection=f"tcp:127.0.0.1:{5760 + i}") for i in range(3)
    ]
    photo = jpeg_bytes((1600, 1200), gps=True)  # a phone photo's work: decode, turn, shrink, re-encode
    occurred_at = (timezone.now() - dt.timedelta(minutes=5)).isoformat()
    barrier = threading.Barrier(CLIENTS + 1)
    stop = threading.Event()
    statuses: list[tuple[str, int]] = []
    failures: list[str] = []
    written = [0]
    lock = threading.Lock()

    def phone(n: int) -> None:
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        client.force_authenticate(world.staff)
        try:
            barrier.wait(timeout=60)
            for i in range(REPORTS_EACH):
                key = f"load-{n:02d}-{i:02d}-key"
                data = {
                    "category": "fight",
                    "severity": "high",
                    "occurred_at": occurred_at,
                    "description": f"Report {i} from phone {n}.",
                    "gate": world.gate.pk,
                    "photos": [SimpleUploadedFile("p.jpg", photo, content_type="image/jpeg")],
                }
                response = client.post(URL, data, format="multipart", HTTP_IDEMPOTENCY_KEY=key)
                with lock:
                    statuses.append((key, response.status_code))
                    if response.status_code != 201:
                        failures.append(f"{key}: {response.status_code} {response.content[:200]!r}")
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            failures.append(f"phone {n}: {exc!r}")
        finally:
            close_old_connections()
            connection.close()

    def bridge() -> None:
        try:
            barrier.wait(timeout=60)
            while not stop.is_set():
                now = dt.datetime.now(tz=dt.UTC)
                rows = [{"drone_id": d.pk, "at": now, "lat": 36.18, "lon": 118.17, "armed": False} for d in drones]
                _persist(rows, [])
                written[0] += len(rows)
                time.sleep(0.1)
        except BaseException as exc:  # noqa: BLE001
            failures.append(f"bridge: {exc!r}")
        finally:
            connection.close()

    threads = [threading.Thread(target=phone, args=(n,)) for n in range(CLIENTS)]
    writer = threading.Thread(target=bridge)
    for thread in [*threads, writer]:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    stop.set()
    writer.join(timeout=60)

    assert not failures, failures[:5]
    assert len(statuses) == CLIENTS * REPORTS_EACH
    keys = list(Incident.objects.values_list("idempotency_key", flat=True))
    assert len(keys) == len(set(keys)) == CLIENTS * REPORTS_EACH
    assert IncidentPhoto.objects.count() == CLIENTS * REPORTS_EACH
    assert TrackPoint.objects.count() == written[0] > 0
