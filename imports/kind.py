"""What every import kind shares: the context it runs in, its plan, and comparing records by key.

A kind validates a whole ``Sheet`` into a ``Plan`` (problems plus one
``RowAction`` per record) without writing, then ``write`` performs the plan
with bulk queries. Records are matched to the database by their key (code,
badge number, school and gate name), so importing a file twice never
duplicates anything: the second time every record is "unchanged".
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import shapely
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext as _
from shapely import geometry as shp

from common.geo import Crs
from common.roles import SYSTEM, Capability
from imports.columns import Checker, Column, Sheet
from imports.readers import FileFormat, Table
from imports.report import Action, Problem, RowAction

# A value meaning "leave the stored value alone" (a point feature says nothing about an outline).
KEEP = object()

# Float fields compare equal within this. For coordinates, 1e-6 degrees is about 0.1 m: a
# spreadsheet with six decimals, or a GCJ-02 round trip, must not count as the school moving.
_FLOAT_TOLERANCE = 1e-6
_BATCH = 500


@dataclass(frozen=True)
class ImportContext:
    """The declared datum and who imports.

    ``user`` is recorded (uploaded by, audit, assigned by); ``system`` marks a
    management command run, which skips capability checks and may override
    jurisdiction rules like a bureau administrator.
    """

    crs: Crs
    user: Any = None
    system: bool = False
    is_sample: bool = False

    @property
    def rules_actor(self):
        return SYSTEM if self.system else self.user


@dataclass
class Plan:
    problems: list[Problem]
    rows: list[RowAction]
    notes: dict[str, int] = field(default_factory=dict)
    payload: Any = None

    @property
    def has_errors(self) -> bool:
        return any(p.is_error for p in self.problems)


class ImportKind(ABC):
    """One kind of record imported from one file."""

    # The kind's key and label: a member of the owning app's ``models.TextChoices`` of import kinds.
    kind: ClassVar[models.TextChoices]
    formats: ClassVar[frozenset[FileFormat]]
    columns: ClassVar[tuple[Column, ...]]
    # Who may import this kind (web and API users; management commands run as the system).
    capability: ClassVar[Capability] = Capability.IMPORT_DATA

    @property
    def label(self) -> str:
        return self.kind.label

    def denied_message(self) -> str:
        return _("You may not import registry data.")

    def columns_for(self, table: Table) -> tuple[Column, ...]:
        """The columns for this file (geo files take positions from their geometry)."""
        return self.columns

    @abstractmethod
    def validate(self, sheet: Sheet, checker: Checker, ctx: ImportContext) -> Plan:
        """Check every record and decide its action; write nothing that outlives a rollback."""

    @abstractmethod
    def write(self, plan: Plan, ctx: ImportContext) -> dict[str, int]:
        """Perform a plan without errors; return notes worth reporting (e.g. schools re-resolved)."""


# --- comparing and writing records by key ------------------------------------------------------


@dataclass
class Diff:
    """Per record: the action, the existing primary key and the fields that would change."""

    actions: list[Action]
    ids: list[int | None]
    changed: list[tuple[str, ...]]

    def indexes(self, action: Action) -> list[int]:
        return [i for i, a in enumerate(self.actions) if a is action]

    def row_actions(self, rows: np.ndarray, keys: Sequence[str]) -> list[RowAction]:
        return [
            RowAction(int(row), str(key), action, tuple(_display(f) for f in changed))
            for row, key, action, changed in zip(rows, keys, self.actions, self.changed, strict=True)
        ]


def _display(field_name: str) -> str:
    return field_name[:-3] if field_name.endswith("_id") else field_name


def _same(field_name: str, new: Any, old: Any, *, floats: set[str], geometries: set[str]) -> bool:
    if field_name in floats:
        if new is None or old is None:
            return new is None and old is None
        return abs(float(new) - float(old)) <= _FLOAT_TOLERANCE
    if field_name in geometries:
        if not new or not old:
            return not new and not old
        return shapely.equals_exact(shp.shape(new), shp.shape(old), tolerance=_FLOAT_TOLERANCE)
    return new == old


def diff_records(
    keys: Sequence[Hashable],
    values: dict[str, Sequence[Any]],
    existing: dict[Hashable, dict[str, Any]],
    valid: np.ndarray,
    *,
    floats: Sequence[str] = (),
    geometries: Sequence[str] = (),
) -> Diff:
    """Compare each valid record's ``values`` with the stored row of the same key (``existing[key]``).

    ``KEEP`` in ``values`` is replaced, in place, by the stored value (or None
    for a new record), so writing never touches it.
    """
    float_set, geometry_set = set(floats), set(geometries)
    actions: list[Action] = []
    ids: list[int | None] = []
    changed: list[tuple[str, ...]] = []
    names = list(values)
    columns = [values[name] for name in names]
    for index, key in enumerate(keys):
        if not valid[index]:
            actions.append(Action.INVALID)
            ids.append(None)
            changed.append(())
            continue
        old = existing.get(key)
        for column, name in zip(columns, names, strict=True):
            if column[index] is KEEP:
                column[index] = None if old is None else old[name]
        if old is None:
            actions.append(Action.CREATE)
            ids.append(None)
            changed.append(())
            continue
        differs = tuple(
            name
            for name, column in zip(names, columns, strict=True)
            if not _same(name, column[index], old[name], floats=float_set, geometries=geometry_set)
        )
        actions.append(Action.UPDATE if differs else Action.UNCHANGED)
        ids.append(old["id"])
        changed.append(differs)
    return Diff(actions, ids, changed)


def write_records(
    model: type[models.Model], diff: Diff, values: dict[str, Sequence[Any]], *, extra: dict[str, Any] | None = None
) -> list[models.Model]:
    """Bulk-create the new records and bulk-update the changed fields of the others.

    Returns the created instances (with primary keys, in record order). ``extra``
    holds constant field values for created records (e.g. ``is_sample``).
    """
    names = list(values)
    extra = extra or {}
    created = [model(**{name: values[name][i] for name in names}, **extra) for i in diff.indexes(Action.CREATE)]
    model.objects.bulk_create(created, batch_size=_BATCH)
    updates = diff.indexes(Action.UPDATE)
    if updates:
        fields = sorted({name for i in updates for name in diff.changed[i]})
        objects = [model(pk=diff.ids[i], **{name: values[name][i] for name in fields}) for i in updates]
        model.objects.bulk_update(objects, fields, batch_size=_BATCH)
    return created


def sample_values(model: type[models.Model], ctx: ImportContext, count: int) -> dict[str, list[bool]]:
    """``is_sample`` to compare and write when the batch marks its records as sample data."""
    if ctx.is_sample and any(f.name == "is_sample" for f in model._meta.concrete_fields):
        return {"is_sample": [True] * count}
    return {}


def max_length(model: type[models.Model], name: str) -> int | None:
    """The model field's ``max_length``, so a long cell is reported instead of failing in the database."""
    return model._meta.get_field(name).max_length


def max_value(model: type[models.Model], name: str) -> int | None:
    """The upper bound of the field's ``MaxValueValidator``, if it has one."""
    limits = [v.limit_value for v in model._meta.get_field(name).validators if isinstance(v, MaxValueValidator)]
    return min(limits) if limits else None
