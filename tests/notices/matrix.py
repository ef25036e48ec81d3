"""Permission-matrix rows for the notice pages and endpoints (``tests/test_permission_matrix.py``).

Every signed-in user has notices, whatever their role; each sees only their own: ``notice_admin`` is the
bureau administrator's, so it is 404 to everyone else. All eight codes are given (the publicity office
has notices too).
"""

from __future__ import annotations

from common.roles import Role
from tests.permission_case import Case


def _pk(w):
    return {"pk": w["notice_admin"].pk}


CASES: list = [
    Case("notices:list", "302 200 200 200 200 200 200 200"),
    Case("notices:preferences", "302 200 200 200 200 200 200 200"),
    Case("notices:preferences", "302 302 302 302 302 302 302 302", method="post", data=lambda w: {}),
    Case("notices:read", "302 302 404 404 404 404 404 404", method="post", kwargs=_pk),
    Case("notices:open", "302 302 404 404 404 404 404 404", method="post", kwargs=_pk),
    Case("notices:read-all", "302 302 302 302 302 302 302 302", method="post"),
    Case("notices_api:notice-list", "401 200 200 200 200 200 200 200"),
    Case("notices_api:notice-read", "401 200 404 404 404 404 404 404", method="post", kwargs=_pk),
    Case("notices_api:notice-read-all", "401 200 200 200 200 200 200 200", method="post"),
]


def build(world: dict) -> dict:
    from notices.services import notice_send

    (notice,) = notice_send(users=[world["users"][Role.BUREAU_ADMIN]], kind="incident_routed", title="Matrix notice")
    return {"notice_admin": notice}
