"""The sample logins, one per role, created by ``load_sample_county`` (fictitious sample data)."""

from __future__ import annotations

from common.roles import Role

SAMPLE_PASSWORD = "sample-pass-2026"

SAMPLE_USERS = {
    Role.BUREAU_ADMIN: "sample_admin",
    Role.BRIGADE_SCHEDULER: "sample_scheduler",
    Role.STATION_OFFICER: "sample_officer",
    Role.SCHOOL_STAFF: "sample_staff",
    Role.DRONE_OPERATOR: "sample_pilot",
    Role.LEADERSHIP: "sample_leader",
    Role.PUBLICITY_OFFICER: "sample_publicity",
}
