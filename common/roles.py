"""Roles and what each may do.

Roles are Django groups (created by a migration, names = ``Role`` values).
Capabilities say what a role may do; over which records (a school safety staff
member sees only their own school) is one rule, ``campus.scope``, which every
selector uses.
Views declare the capability they need, and the permission matrix test in
``tests/test_permission_matrix.py`` checks every page and endpoint per role.
"""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _


class Role(StrEnum):
    BUREAU_ADMIN = "bureau_admin"
    BRIGADE_SCHEDULER = "brigade_scheduler"
    STATION_OFFICER = "station_officer"
    SCHOOL_STAFF = "school_staff"
    DRONE_OPERATOR = "drone_operator"
    LEADERSHIP = "leadership"
    PUBLICITY_OFFICER = "publicity_officer"


ROLE_LABELS = {
    Role.BUREAU_ADMIN: _("Bureau administrator"),
    Role.BRIGADE_SCHEDULER: _("Patrol brigade scheduler"),
    Role.STATION_OFFICER: _("Station officer"),
    Role.SCHOOL_STAFF: _("School safety staff"),
    Role.DRONE_OPERATOR: _("Drone operator"),
    Role.LEADERSHIP: _("Leadership (read only)"),
    Role.PUBLICITY_OFFICER: _("Publicity office (宣传)"),
}


class Capability(StrEnum):
    VIEW_REGISTRY = "view_registry"  # schools, stations, officers, map (scoped per role)
    EDIT_REGISTRY = "edit_registry"  # create/update schools, stations, officers
    IMPORT_DATA = "import_data"
    ASSIGN_LIAISON = "assign_liaison"  # 一校一警 and 挂包 assignments
    OVERRIDE_JURISDICTION = "override_jurisdiction"
    VIEW_COVERAGE = "view_coverage"
    VIEW_AUDIT = "view_audit"
    VIEW_DRONES = "view_drones"  # fleet, live map, telemetry, flight logs
    MANAGE_FLEET = "manage_fleet"  # add and edit drones, pilots, batteries
    PLAN_MISSIONS = "plan_missions"  # plan, check, import and export drone missions
    COMMAND_DRONES = "command_drones"  # take the control lock and command a drone
    VIEW_DUTY = "view_duty"  # 护学岗 rosters, today's board, statistics (school staff: own school)
    MANAGE_DUTY = "manage_duty"  # calendar, bells, posts, staff, leave; generate, edit, publish rosters
    STAND_DUTY = "stand_duty"  # check in and out of one's own posts, ask for swaps, record guard patrols
    REPORT_INCIDENTS = "report_incidents"  # report incidents for one's own school
    VIEW_INCIDENTS = "view_incidents"  # incident lists and details (school staff: own school)
    HANDLE_INCIDENTS = "handle_incidents"  # acknowledge, attend, resolve, close, comment
    FOLLOW_UP_INCIDENTS = "follow_up_incidents"  # record 回访 (bureau caller), clear rectification items
    ANALYZE_INCIDENTS = "analyze_incidents"  # monthly analysis and exports
    VIEW_DRILLS = "view_drills"  # drills, plans, activities, compliance (school staff: own school)
    RECORD_DRILLS = "record_drills"  # plan and record drills, upload plans (school staff: own school)
    MANAGE_DRILL_RULES = "manage_drill_rules"  # drill types and requirement rules
    RECORD_ACTIVITIES = "record_activities"  # police-school activities and liaison visits
    VIEW_CAMPAIGNS = "view_campaigns"  # publicity campaigns, their schedule, reach and reports
    PLAN_CAMPAIGNS = "plan_campaigns"  # create campaigns, build occurrences, schedule sorties, file applications
    EDIT_CLIPS = "edit_clips"  # upload and edit broadcast clips and playlists, submit clips for approval
    APPROVE_CLIPS = "approve_clips"  # approve or return submitted clips (the publicity office)
    ISSUE_REPORTS = "issue_reports"  # draft, edit and issue the monthly reports; set the units' targets


_ALL = frozenset(Role)
# The publicity office writes and approves broadcast clips and reads the campaigns; it sees nothing of the
# registry, duty, incidents or drills.
_POLICE_AND_SCHOOLS = _ALL - {Role.PUBLICITY_OFFICER}
_READERS = frozenset(
    {Role.BUREAU_ADMIN, Role.BRIGADE_SCHEDULER, Role.STATION_OFFICER, Role.DRONE_OPERATOR, Role.LEADERSHIP}
)

CAPABILITY_ROLES: dict[Capability, frozenset[Role]] = {
    Capability.VIEW_REGISTRY: _POLICE_AND_SCHOOLS,
    Capability.EDIT_REGISTRY: frozenset({Role.BUREAU_ADMIN, Role.BRIGADE_SCHEDULER}),
    Capability.ISSUE_REPORTS: frozenset({Role.BUREAU_ADMIN, Role.BRIGADE_SCHEDULER}),
    Capability.IMPORT_DATA: frozenset({Role.BUREAU_ADMIN, Role.BRIGADE_SCHEDULER}),
    Capability.ASSIGN_LIAISON: frozenset({Role.BUREAU_ADMIN, Role.BRIGADE_SCHEDULER}),
    Capability.OVERRIDE_JURISDICTION: frozenset({Role.BUREAU_ADMIN}),
    Capability.VIEW_COVERAGE: _READERS - {Role.DRONE_OPERATOR},
    Capability.VIEW_AUDIT: frozenset({Role.BUREAU_ADMIN, Role.LEADERSHIP}),
    Capability.VIEW_DRONES: frozenset({Role.BUREAU_ADMIN, Role.DRONE_OPERATOR, Role.LEADERSHIP}),
    Capability.MANAGE_FLEET: frozenset({Role.BUREAU_ADMIN, Role.DRONE_OPERATOR}),
    Capability.PLAN_MISSIONS: frozenset({Role.BUREAU_ADMIN, Role.DRONE_OPERATOR}),
    Capability.COMMAND_DRONES: frozenset({Role.DRONE_OPERATOR}),
    Capability.VIEW_DUTY: _POLICE_AND_SCHOOLS - {Role.DRONE_OPERATOR},
    Capability.MANAGE_DUTY: frozenset({Role.BUREAU_ADMIN, Role.BRIGADE_SCHEDULER}),
    Capability.REPORT_INCIDENTS: frozenset({Role.BUREAU_ADMIN, Role.SCHOOL_STAFF}),
    Capability.VIEW_INCIDENTS: _POLICE_AND_SCHOOLS - {Role.DRONE_OPERATOR},
    Capability.HANDLE_INCIDENTS: frozenset({Role.BUREAU_ADMIN, Role.BRIGADE_SCHEDULER, Role.STATION_OFFICER}),
    Capability.FOLLOW_UP_INCIDENTS: frozenset({Role.BUREAU_ADMIN, Role.BRIGADE_SCHEDULER, Role.SCHOOL_STAFF}),
    Capability.ANALYZE_INCIDENTS: frozenset(
        {Role.BUREAU_ADMIN, Role.BRIGADE_SCHEDULER, Role.STATION_OFFICER, Role.LEADERSHIP}
    ),
    Capability.VIEW_DRILLS: _POLICE_AND_SCHOOLS - {Role.DRONE_OPERATOR},
    Capability.RECORD_DRILLS: frozenset({Role.BUREAU_ADMIN, Role.BRIGADE_SCHEDULER, Role.SCHOOL_STAFF}),
    Capability.MANAGE_DRILL_RULES: frozenset({Role.BUREAU_ADMIN}),
    Capability.RECORD_ACTIVITIES: frozenset({Role.BUREAU_ADMIN, Role.BRIGADE_SCHEDULER, Role.STATION_OFFICER}),
    Capability.VIEW_CAMPAIGNS: frozenset(
        {Role.BUREAU_ADMIN, Role.DRONE_OPERATOR, Role.LEADERSHIP, Role.PUBLICITY_OFFICER}
    ),
    Capability.PLAN_CAMPAIGNS: frozenset({Role.BUREAU_ADMIN, Role.DRONE_OPERATOR}),
    Capability.EDIT_CLIPS: frozenset({Role.BUREAU_ADMIN, Role.DRONE_OPERATOR, Role.PUBLICITY_OFFICER}),
    Capability.APPROVE_CLIPS: frozenset({Role.BUREAU_ADMIN, Role.PUBLICITY_OFFICER}),
    Capability.STAND_DUTY: frozenset(
        {Role.BUREAU_ADMIN, Role.BRIGADE_SCHEDULER, Role.STATION_OFFICER, Role.SCHOOL_STAFF}
    ),
}


class SystemActor:
    """Who management commands and the system itself act as.

    Trusted like a bureau administrator (a command needs a shell on the
    server), never stored as a user: the audit log records it as "system".
    """

    is_authenticated = True
    is_active = True
    is_superuser = True
    is_staff = False
    pk = None
    id = None

    def get_username(self) -> str:
        return "system"

    def __str__(self) -> str:
        return "system"


SYSTEM = SystemActor()


def roles_of(user) -> frozenset[Role]:
    """The user's roles; a superuser counts as bureau admin. Cached on the user object."""
    if isinstance(user, SystemActor):
        return frozenset({Role.BUREAU_ADMIN})
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, "_role_cache", None)
    if cached is not None:
        return cached
    names = set(user.groups.values_list("name", flat=True))
    roles = {role for role in Role if role.value in names}
    if user.is_superuser:
        roles.add(Role.BUREAU_ADMIN)
    result = frozenset(roles)
    user._role_cache = result
    return result


def has_role(user, *roles: Role) -> bool:
    return bool(roles_of(user) & set(roles))


def can(user, capability: Capability) -> bool:
    return bool(roles_of(user) & CAPABILITY_ROLES[capability])


def capabilities_of(user) -> frozenset[Capability]:
    mine = roles_of(user)
    return frozenset(cap for cap, roles in CAPABILITY_ROLES.items() if mine & roles)
