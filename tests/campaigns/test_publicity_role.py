"""The publicity office (宣传): writes and approves broadcast clips, reads campaigns, sees nothing else."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from campus.scope import Scope
from common.roles import CAPABILITY_ROLES, Capability, Role, can
from common.sample_users import SAMPLE_USERS
from tests.factories import make_user

pytestmark = pytest.mark.django_db

PUBLICITY_CAPABILITIES = {
    Capability.VIEW_CAMPAIGNS,
    Capability.EDIT_CLIPS,
    Capability.APPROVE_CLIPS,
}


def test_the_role_has_a_group_from_the_migrations_and_a_sample_login():
    assert Group.objects.filter(name=Role.PUBLICITY_OFFICER.value).exists()
    assert SAMPLE_USERS[Role.PUBLICITY_OFFICER] == "sample_publicity"


def test_it_may_write_approve_and_read_campaigns_and_nothing_else():
    user = make_user(Role.PUBLICITY_OFFICER)
    allowed = {cap for cap in Capability if can(user, cap)}
    assert allowed == PUBLICITY_CAPABILITIES
    assert {cap for cap, roles in CAPABILITY_ROLES.items() if Role.PUBLICITY_OFFICER in roles} == allowed


def test_its_scope_holds_no_school():
    scope = Scope.of(make_user(Role.PUBLICITY_OFFICER))
    assert not scope.registry_county and scope.empty and not scope.sees_school(1)


def test_planning_and_flying_stay_with_the_drone_operators():
    pilot, publicity = make_user(Role.DRONE_OPERATOR), make_user(Role.PUBLICITY_OFFICER)
    for capability in (Capability.PLAN_CAMPAIGNS, Capability.COMMAND_DRONES, Capability.PLAN_MISSIONS):
        assert can(pilot, capability) and not can(publicity, capability)
    assert can(publicity, Capability.APPROVE_CLIPS) and not can(pilot, Capability.APPROVE_CLIPS)
