"""The import kinds, registered by the apps that own their records.

The framework (reading, checking columns, converting datums, previewing and
applying in one transaction) knows no kind itself: each app registers its
kinds in ``AppConfig.ready()`` with ``kind_register`` (campus: the registry's
schools, gates, stations, jurisdictions, zones, departments, officers and
liaisons; drones: airspace zones and markets). ``KINDS`` maps a kind's key to
its ``ImportKind``, in registration order.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from imports.kind import ImportContext, ImportKind

KINDS: dict[str, ImportKind] = {}


def kind_register(kind: ImportKind) -> None:
    """Make ``kind`` importable; registering the same key twice is an error unless it is the same class."""
    key = str(kind.kind)
    existing = KINDS.get(key)
    if existing is not None and type(existing) is not type(kind):
        raise ValueError(f"import kind {key!r} is already registered by {type(existing).__qualname__}")
    KINDS[key] = kind


def kind_choices() -> list[tuple[str, str]]:
    """(key, label) of every registered kind, for forms and serializers built after start-up."""
    return [(key, spec.label) for key, spec in KINDS.items()]


class _KindKeys(Sequence[str]):
    """The registered keys, read when iterated: for schema declarations made at import time."""

    def __getitem__(self, index):
        return list(KINDS)[index]

    def __len__(self) -> int:
        return len(KINDS)

    def __iter__(self) -> Iterator[str]:
        return iter(list(KINDS))


KIND_KEYS: Sequence[str] = _KindKeys()

__all__ = ["KINDS", "KIND_KEYS", "ImportContext", "ImportKind", "kind_choices", "kind_register"]
