"""The rows data migrations write survive a transactional test's flush (tests/conftest.py writes them again),
so a file of ordinary tests that a pytest-xdist worker runs after a transactional one still finds them."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from common.roles import Role
from drills.models import DrillRule, DrillType
from patrol.models import WindowRule


@pytest.mark.django_db(transaction=True)
def test_a_flush_leaves_the_role_groups_default_drills_and_duty_windows():
    call_command("flush", verbosity=0, interactive=False)
    assert set(Group.objects.values_list("name", flat=True)) >= {role.value for role in Role}
    assert DrillType.objects.filter(builtin=True).count() == 6 and DrillRule.objects.exists()
    assert WindowRule.objects.filter(school=None).count() == 4
