"""The request and expected status codes of one permission-matrix row (``tests/test_permission_matrix.py``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from common.roles import Role

ROLES: list[Role | None] = [
    None,
    Role.BUREAU_ADMIN,
    Role.BRIGADE_SCHEDULER,
    Role.STATION_OFFICER,
    Role.SCHOOL_STAFF,
    Role.DRONE_OPERATOR,
    Role.LEADERSHIP,
]
ROLE_IDS = ["anonymous", "admin", "scheduler", "officer", "staff", "pilot", "leader"]


@dataclass
class Case:
    name: str
    expected: str  # one status per role, in ROLES order
    method: str = "get"
    kwargs: Any = None  # callable(world) -> dict of URL kwargs
    data: Any = None  # callable(world) -> request body
    json: bool = False
    label: str = ""
    extra: dict = field(default_factory=dict)

    def codes(self) -> list[int]:
        codes = [int(c) for c in self.expected.split()]
        assert len(codes) == len(ROLES), self.name
        return codes
