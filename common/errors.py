"""Domain errors: a stable machine code plus a human message (and optional details).

Services raise these; pages show ``message``, the API returns ``as_dict()``.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    code = "error"
    http_status = 400

    def __init__(self, message: str, *, code: str | None = None, details: list[Any] | None = None):
        super().__init__(message)
        self.message = str(message)
        if code is not None:
            self.code = code
        self.details = details or []

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "detail": self.message}
        if self.details:
            body["errors"] = self.details
        return body

    def __str__(self) -> str:
        return self.message


class NotAllowed(DomainError):
    """The actor may not do this to this object (role or school scope)."""

    code = "not_allowed"
    http_status = 403


class Conflict(DomainError):
    code = "conflict"
    http_status = 409
