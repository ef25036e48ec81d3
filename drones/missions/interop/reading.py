"""What the ``.plan`` and WPL importers share: the upload read as text within the size limit,
``PlanFileError`` (what cannot be imported, and where), and the mission items decompiled into a
``MissionPlan`` that must compile again."""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from drones.missions.decompile import decompile
from drones.missions.interop.mission_plan import MissionPlan
from drones.missions.items import DecompileError
from drones.missions.route import RouteError
from drones.missions.speaker import SpeakerConfig
from drones.vehicle import MissionItem


class PlanFileError(ValueError):
    """A plan or waypoint file that cannot be imported: ``code``, a message for the operator, and
    ``line`` (1-based, WPL files) when the problem is on one line."""

    def __init__(self, message: str, *, code: str = "invalid", line: int | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.line = line

    def __str__(self) -> str:
        return self.message


def _read_text(data: Any, max_bytes: int | None) -> str:
    """The upload as text: bytes, str or a file object (Django ``UploadedFile``), at most ``max_bytes``
    (default ``settings.UPLOAD_MAX_BYTES``), UTF-8 with or without a byte-order mark."""
    limit = max_bytes if max_bytes is not None else settings.UPLOAD_MAX_BYTES
    if hasattr(data, "read"):
        size = getattr(data, "size", None)
        raw = b"" if size is not None and size > limit else data.read(limit + 1)
        size = size if size is not None and size > limit else len(raw)
    else:
        raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
        size = len(raw)
    if size > limit:
        raise PlanFileError(
            _("The file is %(size)s; files up to %(limit)s are accepted.")
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)},
            code="too_large",
        )
    if isinstance(raw, str):
        return raw
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PlanFileError(
            _("The file is not UTF-8 text (undecodable byte at offset %(offset)d).") % {"offset": exc.start},
            code="encoding",
        ) from None


def _zero_nan(value: float) -> float:
    return 0.0 if math.isnan(value) else value


def _to_plan(
    items: list[MissionItem], home: tuple[float, float, float] | None, speaker: SpeakerConfig, *, line_of=None
) -> MissionPlan:
    """Decompile and check that the route compiles; errors name the item (and its line, through ``line_of``)."""
    try:
        result = decompile(items, speaker=speaker)
    except DecompileError as exc:
        line = line_of(exc.seq) if line_of and exc.seq is not None else None
        message = exc.message if line is None else _("Line %(line)d: %(message)s") % {"line": line, "message": exc}
        raise PlanFileError(message, code=exc.code, line=line) from None
    plan = MissionPlan(result.route, result.takeoff_alt_m, result.speed_mps, home, notes=result.notes, speaker=speaker)
    try:
        plan.items()
    except RouteError as exc:
        raise PlanFileError(
            _("The plan cannot be flown as it is: %(problems)s.") % {"problems": exc}, code="route"
        ) from None
    return plan
