"""Template context for the base layout: the user's roles, capabilities and navigation.

The menu is what the apps registered (``common.nav``). A group the user sees only one link of shows
as that link.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from common.nav import is_visible, nav_menu
from common.roles import ROLE_LABELS, capabilities_of, roles_of


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "user_caps": frozenset(), "user_role_labels": []}
    caps = capabilities_of(user)
    path = request.path
    items, groups = [], []
    for group, entries in nav_menu():
        visible = [
            {"url": reverse(entry.url_name), "label": entry.label, "name": entry.url_name}
            for entry in entries
            if is_visible(entry, user=user, caps=caps)
        ]
        items += visible
        if group is None or len(visible) == 1:
            groups += [{"label": None, "items": [item]} for item in visible]
        elif visible:
            active = any(item["url"] != "/" and path.startswith(item["url"]) for item in visible)
            groups.append({"label": group.label, "items": visible, "active": active})
    return {
        "nav_items": items,
        "nav_groups": groups,
        "user_caps": {c.value for c in caps},
        "user_role_labels": [ROLE_LABELS[r] for r in sorted(roles_of(user))],
        "sample_data_notice": getattr(settings, "SHOW_SAMPLE_NOTICE", True),
    }
