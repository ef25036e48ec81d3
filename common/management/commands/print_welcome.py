"""Print the address and one sample login per role (used by ``make run``)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from common.roles import ROLE_LABELS, Role
from common.sample_users import SAMPLE_PASSWORD, SAMPLE_USERS


class Command(BaseCommand):
    help = "Print the URL to open and the sample logins."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")

    def handle(self, *args, host: str, port: str, **options):
        User = get_user_model()
        url = f"http://{host}:{port}/"
        lines = [
            "",
            "=" * 64,
            f"  Open {url}",
            "",
            "  Sample logins (fictitious sample data), password: " + SAMPLE_PASSWORD,
        ]
        for role in Role:
            username = SAMPLE_USERS[role]
            if User.objects.filter(username=username).exists():
                lines.append(f"    {username:<18} {ROLE_LABELS[role]}")
        lines += [
            "",
            f"  Live drone map: {url}drones/map/ (log in as sample_pilot to fly)",
            "",
            "  Stop with Ctrl+C.",
            "=" * 64,
            "",
        ]
        self.stdout.write("\n".join(str(line) for line in lines))
