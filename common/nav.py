"""The site's navigation, as the apps register it: menu groups and the links in them.

``common`` knows no app's pages: each app registers its groups and links in ``AppConfig.ready()``::

    from common.nav import nav_entry_register, nav_group_register

    nav_group_register(key="duty", label=_("Gate duty"), order=200)
    nav_entry_register("patrol:duty-board", _("Duty board"), group="duty", order=20, visible=Capability.VIEW_DUTY)

The menu is one sequence sorted by ``order``: top-level links (``group=None``) and groups side by side,
and within a group its links by their own ``order``. Equal orders keep registration order. A link shows
when ``visible`` is ``None`` (everyone signed in), a capability the user has, or a predicate on the user
that returns true. Registering a URL name (or a group key) again replaces the earlier entry, so a
repeated ``ready()`` never doubles the menu.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from common.roles import Capability

Visible = Capability | Callable[..., bool] | None


@dataclass(frozen=True)
class NavGroup:
    key: str  # e.g. "duty"; links name it in ``group``
    label: str  # shown as the menu's summary (a lazy translation)
    order: int


@dataclass(frozen=True)
class NavEntry:
    url_name: str  # reversed without arguments, e.g. "patrol:duty-board"
    label: str
    order: int
    group: str | None = None  # a registered group's key; None for a top-level link
    visible: Visible = None


_groups: dict[str, NavGroup] = {}
_entries: dict[str, NavEntry] = {}


def nav_group_register(*, key: str, label: str, order: int) -> NavGroup:
    group = NavGroup(key=key, label=label, order=order)
    _groups[key] = group
    return group


def nav_entry_register(
    url_name: str, label: str, *, order: int, group: str | None = None, visible: Visible = None
) -> NavEntry:
    entry = NavEntry(url_name=url_name, label=label, order=order, group=group, visible=visible)
    _entries.pop(url_name, None)  # re-registered: it moves to the end among equal orders
    _entries[url_name] = entry
    return entry


def nav_unregister(url_name: str) -> None:
    """Drop a link (tests register temporary ones)."""
    _entries.pop(url_name, None)


def nav_group_unregister(key: str) -> None:
    _groups.pop(key, None)


def nav_menu() -> list[tuple[NavGroup | None, list[NavEntry]]]:
    """The menu in order: ``(group, its links)`` per group and ``(None, [link])`` per top-level link.

    A link naming a group nobody registered is a programming error, raised here so it shows at once.
    """
    unknown = sorted({e.group for e in _entries.values() if e.group is not None and e.group not in _groups})
    if unknown:
        raise LookupError(f"navigation links name unregistered groups: {', '.join(unknown)}")
    items: list[tuple[int, NavGroup | None, list[NavEntry]]] = []
    for entry in _entries.values():
        if entry.group is None:
            items.append((entry.order, None, [entry]))
    for group in _groups.values():
        links = sorted((e for e in _entries.values() if e.group == group.key), key=lambda e: e.order)
        if links:
            items.append((group.order, group, links))
    items.sort(key=lambda item: item[0])  # stable: equal orders keep registration order
    return [(group, links) for _order, group, links in items]


def is_visible(entry: NavEntry, *, user, caps) -> bool:
    if entry.visible is None:
        return True
    if isinstance(entry.visible, Capability):
        return entry.visible in caps
    return bool(entry.visible(user))
