"""Template context for the base layout: the user's roles, capabilities and navigation."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from common.roles import ROLE_LABELS, Capability, Role, capabilities_of, roles_of


def _can_import(user) -> bool:
    from campus.imports.services import importable_kinds

    return bool(importable_kinds(user))


def _is_school_staff(user) -> bool:
    return Role.SCHOOL_STAFF in roles_of(user)


# Menu groups in order: (group label or None for top-level links, [(url name, label, capability needed
# or a predicate on the user)]). A group the user sees only one entry of shows as that link.
NAV_GROUPS = [
    (None, [("home", _("Overview"), None), ("campus:map", _("Map"), Capability.VIEW_REGISTRY)]),
    (
        _("Schools and liaisons"),
        [
            ("campus:school_list", _("Schools"), Capability.VIEW_REGISTRY),
            ("campus:station_list", _("Stations"), Capability.VIEW_COVERAGE),
            ("campus:officer_list", _("Officers"), Capability.VIEW_COVERAGE),
            ("campus:coverage", _("Coverage"), Capability.VIEW_COVERAGE),
            ("campus:import_list", _("Imports"), _can_import),
        ],
    ),
    (
        _("Gate duty"),
        [
            ("patrol:duty-today", _("Today's duties"), Capability.STAND_DUTY),
            ("patrol:duty-board", _("Duty board"), Capability.VIEW_DUTY),
            ("patrol:roster-home", _("Duty rosters"), Capability.VIEW_DUTY),
            ("patrol:duty-stats", _("Duty statistics"), Capability.VIEW_DUTY),
            ("patrol:schedule-home", _("Duty setup"), Capability.MANAGE_DUTY),
        ],
    ),
    (
        _("Incidents"),
        [
            ("incidents:report-new", _("Report an incident"), Capability.REPORT_INCIDENTS),
            ("incidents:report-mine", _("My school's reports"), _is_school_staff),
            ("incidents:handle-inbox", _("Incident inbox"), Capability.ANALYZE_INCIDENTS),  # handlers, leadership
            ("incidents:handle-follow-ups", _("Follow-ups"), Capability.FOLLOW_UP_INCIDENTS),
            ("incidents:handle-rectifications", _("Rectification items"), Capability.ANALYZE_INCIDENTS),
            ("incidents:analysis-month", _("Incident analysis"), Capability.ANALYZE_INCIDENTS),
        ],
    ),
    (
        _("Drills"),
        [
            ("drills:drill-board", _("Drill compliance"), Capability.VIEW_DRILLS),
            ("drills:plan-list", _("Emergency plans"), Capability.VIEW_DRILLS),
            ("drills:activity-list", _("Police-school activities"), Capability.VIEW_DRILLS),
        ],
    ),
    (
        _("Drones"),
        [
            ("drones:live_map", _("Drone map"), Capability.VIEW_DRONES),
            ("drones:fleet_list", _("Drones"), Capability.VIEW_DRONES),
            ("drones:mission_list", _("Missions"), Capability.VIEW_DRONES),
            ("drones:airspace_list", _("Airspace"), Capability.VIEW_DRONES),
        ],
    ),
    (None, [("audit_log", _("Audit log"), Capability.VIEW_AUDIT)]),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "user_caps": frozenset(), "user_role_labels": []}
    caps = capabilities_of(user)
    path = request.path
    items, groups = [], []
    for group_label, entries in NAV_GROUPS:
        visible = [
            {"url": reverse(url_name), "label": label, "name": url_name}
            for url_name, label, cap in entries
            if cap is None or (cap(user) if callable(cap) else cap in caps)
        ]
        items += visible
        if group_label is None or len(visible) == 1:
            groups += [{"label": None, "items": [item]} for item in visible]
        elif visible:
            active = any(item["url"] != "/" and path.startswith(item["url"]) for item in visible)
            groups.append({"label": group_label, "items": visible, "active": active})
    return {
        "nav_items": items,
        "nav_groups": groups,
        "user_caps": {c.value for c in caps},
        "user_role_labels": [ROLE_LABELS[r] for r in sorted(roles_of(user))],
        "sample_data_notice": getattr(settings, "SHOW_SAMPLE_NOTICE", True),
    }
