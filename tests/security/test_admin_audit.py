"""Issue 11, finding 8: granting and removing a role in the admin left no audit entry."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from common.models import AuditLogEntry
from common.roles import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    boss = UserFactory(username="root_admin", is_staff=True, is_superuser=True, roles=[Role.BUREAU_ADMIN])
    client.force_login(boss)
    return client


def change_form(user, **changes) -> dict:
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on" if user.is_active else "",
        "is_staff": "on" if user.is_staff else "",
        "is_superuser": "on" if user.is_superuser else "",
        "groups": [g.pk for g in user.groups.all()],
        "user_permissions": [],
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def test_granting_and_removing_a_role_is_audited(admin_client):
    officer = UserFactory(username="probe", roles=[])
    url = reverse("admin:auth_user_change", args=[officer.pk])
    scheduler = Group.objects.get(name=Role.BRIGADE_SCHEDULER)
    response = admin_client.post(url, change_form(officer, groups=[scheduler.pk]))
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = AuditLogEntry.objects.get(action="user.roles")
    assert entry.actor.username == "root_admin" and entry.object_id == str(officer.pk)
    assert entry.before == {"roles": []} and entry.after["granted"] == [Role.BRIGADE_SCHEDULER]

    officer.refresh_from_db()
    admin_client.post(url, change_form(officer, groups=[], is_active=""))
    removed = AuditLogEntry.objects.filter(action="user.roles").latest("pk")
    assert removed.after["removed"] == [Role.BRIGADE_SCHEDULER]
    deactivated = AuditLogEntry.objects.get(action="user.update")
    assert deactivated.before == {"is_active": True} and deactivated.after == {"is_active": False}


def test_an_unchanged_save_writes_no_role_entry(admin_client):
    user = UserFactory(username="same", roles=[Role.STATION_OFFICER])
    admin_client.post(reverse("admin:auth_user_change", args=[user.pk]), change_form(user))
    assert not AuditLogEntry.objects.filter(action__in=["user.roles", "user.update"]).exists()


def test_creating_deleting_and_setting_a_password_are_audited(admin_client):
    response = admin_client.post(
        reverse("admin:auth_user_add"),
        {"username": "newbie", "password1": "a-long-Passphrase-2026", "password2": "a-long-Passphrase-2026",
         "usable_password": "true"},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    created = AuditLogEntry.objects.get(action="user.create")
    assert created.after["username"] == "newbie"
    user = type(created.actor).objects.get(username="newbie")
    response = admin_client.post(
        reverse("admin:auth_user_password_change", args=[user.pk]),
        {"password1": "another-Passphrase-2026", "password2": "another-Passphrase-2026"},
    )
    assert response.status_code == 302
    assert AuditLogEntry.objects.filter(action="user.password_set", object_id=str(user.pk)).count() == 1
    admin_client.post(reverse("admin:auth_user_delete", args=[user.pk]), {"post": "yes"})
    deleted = AuditLogEntry.objects.get(action="user.delete")
    assert deleted.before["username"] == "newbie" and deleted.actor.username == "root_admin"
