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
    Role.PUBLICITY_OFFICER,
]
ROLE_IDS = ["anonymous", "admin", "scheduler", "officer", "staff", "pilot", "leader", "publicity"]


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
        """One status per role. A row outside the campaigns may leave out the publicity officer's (the last):
        the office has no capability there, so it gets 403, except on the pages every signed-in user has
        (``ANY_USER_URLS``), where it gets what leadership (the other read-only role) gets."""
        codes = [int(c) for c in self.expected.split()]
        if len(codes) == len(ROLES) - 1:
            assert not self.name.startswith(CAMPAIGN_NAMESPACES), f"{self.name}: give the publicity officer's code"
            any_user = self.name in ANY_USER_URLS or self.name.endswith(":root")  # an API's index of links
            codes.append(codes[ROLES.index(Role.LEADERSHIP)] if any_user else 403)
        assert len(codes) == len(ROLES), self.name
        return codes


CAMPAIGN_NAMESPACES = ("campaigns:", "campaigns_api:")
# Pages and endpoints of every signed-in user, whatever their role: the overview, their account and tokens.
ANY_USER_URLS = frozenset(
    {"home", "login", "logout", "api_token", "api_token_revoke", "api_tokens_revoke_all", "set_language"}
    | {"api_me", "api_dashboard", "api_root", "api_schema", "api_docs", "api_redoc"}
    # A duty calendar feed is opened by its secret token, whoever holds it (calendar apps send no login).
    | {"patrol:roster-calendar"}
)
