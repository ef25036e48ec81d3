"""Database set-up for ``benchmarks.telemetry`` (its own process: Django is configured once per process).

    DATABASE_URL=... python -m benchmarks.telemetry_db --vehicles vehicles.json

Migrates the (fresh, benchmark-only) database ``DATABASE_URL`` names, creates one drone per
simulated vehicle and one drone operator, signs the operator in, and prints
``{"cookie": "sessionid=...", "drone_ids": [...]}`` (drone ids in vehicle order).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    if len(sys.argv) == 1:  # ``python -m benchmarks`` runs every module: this one is a part of benchmarks.telemetry
        print("(a helper of benchmarks.telemetry: run python -m benchmarks.telemetry)")
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vehicles", required=True, help="JSON list of {connection}")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client

    from common.roles import Role
    from drones.models import Drone

    vehicles = json.loads(Path(args.vehicles).read_text())
    drones = Drone.objects.bulk_create(
        [
            Drone(name=f"BENCH-{i:03d}", serial=f"BENCH-{i:03d}", connection=v["connection"], system_id=1)
            for i, v in enumerate(vehicles)
        ]
    )
    user = get_user_model().objects.create_user("bench_viewer", password=None)
    user.groups.add(Group.objects.get_or_create(name=Role.DRONE_OPERATOR.value)[0])
    client = Client()
    client.force_login(user)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    print(json.dumps({"cookie": cookie, "drone_ids": [d.id for d in drones]}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
