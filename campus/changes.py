"""Registry changes other apps must react to in the same transaction, without campus importing them.

An app registers a hook in its ``AppConfig.ready()``::

    from campus.changes import change_hook_register

    change_hook_register("officer_moved", duty_breaks_officer_moved)

Campus services call ``change_announce(kind, ...)`` inside their transaction, so whatever a hook writes
commits or rolls back with the change. A hook returns ``ChangeNote``s (or nothing): what the change
did elsewhere, for the change's page and API answer ("3 published duties now need cover").

Kinds and their keyword arguments:

- ``officer_moved``: ``officer``, ``old_station`` (a ``Station`` or None), ``actor``
- ``officer_deactivated``: ``officer``, ``actor``
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.contrib import messages

KINDS = ("officer_moved", "officer_deactivated")


@dataclass(frozen=True)
class ChangeNote:
    """What a change did elsewhere: a line for the user (may hold a link: safe HTML) and a count."""

    text: str
    count: int = 0
    url: str = ""


_hooks: dict[str, list[Callable[..., Iterable[ChangeNote] | None]]] = defaultdict(list)


def change_hook_register(kind: str, hook: Callable[..., Iterable[ChangeNote] | None]) -> None:
    """Call ``hook(**kwargs)`` on every ``change_announce(kind, **kwargs)`` (once, however often registered)."""
    if kind not in KINDS:
        raise ValueError(f"change kind {kind!r}: use one of {KINDS}")
    if hook not in _hooks[kind]:
        _hooks[kind].append(hook)


def change_hook_unregister(kind: str, hook: Callable) -> None:
    if hook in _hooks.get(kind, []):
        _hooks[kind].remove(hook)


def change_announce(kind: str, **kwargs) -> list[ChangeNote]:
    """Run the hooks of ``kind`` (inside the caller's transaction); their notes, in registration order."""
    if kind not in KINDS:
        raise ValueError(f"change kind {kind!r}: use one of {KINDS}")
    notes: list[ChangeNote] = []
    for hook in list(_hooks.get(kind, [])):
        notes.extend(hook(**kwargs) or ())
    return notes


def change_notes_show(request, obj) -> None:
    """Add the notes a service left on ``obj`` (``obj.change_notes``) to the page's messages."""
    for note in getattr(obj, "change_notes", None) or ():
        messages.warning(request, note.text)


def with_change_notes(request, action: Callable):
    """``action`` (for ``common.forms.run_service``) that also shows the notes its result carries, once it
    succeeded: ``run_service(request, with_change_notes(request, lambda: leave_create(...)), ...)``."""

    def run():
        result = action()
        change_notes_show(request, result)
        return result

    return run
