"""Login throttling (django-axes, common.login_throttle): per account and per address, with a cool-off.

Issue 11, item 9: 100 wrong passwords followed by the right one logged in.
"""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from common.models import AuditLogEntry
from common.roles import Role
from tests.factories import UserFactory, make_user

pytestmark = pytest.mark.django_db

PASSWORD = "right-pass-1"


@pytest.fixture
def victim(db):
    return UserFactory(username="victim", password=PASSWORD, roles=[Role.BRIGADE_SCHEDULER])


def log_in(client: Client, username: str, password: str, ip: str = "10.0.0.1", **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip, **extra)


def signed_in(client: Client) -> bool:
    return client.get(reverse("home")).status_code == 200


def test_100_wrong_passwords_from_many_addresses_lock_the_account(victim):
    for n in range(100):
        log_in(Client(), "victim", f"guess-{n}", ip=f"10.1.{n // 200}.{n % 200 + 1}")
    client = Client()
    response = log_in(client, "victim", PASSWORD, ip="10.9.9.9")
    assert response.status_code == 429
    assert not signed_in(client)
    # A locked account does not lock anyone else using that address.
    UserFactory(username="colleague", password=PASSWORD)
    colleague = Client()
    assert log_in(colleague, "colleague", PASSWORD, ip="10.9.9.9").status_code == 302
    assert signed_in(colleague)


def test_100_wrong_passwords_from_one_address_lock_the_address(victim):
    for n in range(100):
        log_in(Client(), f"someone-{n}", "guess", ip="10.0.0.66")
    client = Client()
    assert log_in(client, "victim", PASSWORD, ip="10.0.0.66").status_code == 429
    assert not signed_in(client)
    # The account itself is not locked: from another address the right password works.
    other = Client()
    assert log_in(other, "victim", PASSWORD, ip="10.0.0.67").status_code == 302
    assert signed_in(other)


def test_below_the_limit_the_right_password_still_works(victim, settings):
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        assert log_in(Client(), "victim", f"guess-{n}").status_code == 200
    client = Client()
    assert log_in(client, "victim", PASSWORD).status_code == 302
    assert signed_in(client)


def _lock(username: str = "victim", ip: str = "10.0.0.1") -> None:
    for n in range(django_settings.AXES_FAILURE_LIMIT):
        log_in(Client(), username, f"guess-{n}", ip=ip)


def test_the_lockout_ends_after_the_cool_off(victim, settings):
    settings.AXES_COOLOFF_TIME = 0.5  # hours
    _lock()
    assert log_in(Client(), "victim", PASSWORD).status_code == 429
    # 29 minutes later (the failure while locked restarted the cool-off): still locked.
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - dt.timedelta(minutes=29))
    assert log_in(Client(), "victim", PASSWORD).status_code == 429
    # 31 minutes after the last failure: the right password works again.
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - dt.timedelta(minutes=31))
    client = Client()
    assert log_in(client, "victim", PASSWORD).status_code == 302
    assert signed_in(client)


def test_the_locked_out_user_sees_when_to_try_again_in_chinese_and_english(victim):
    _lock()
    chinese = log_in(Client(), "victim", PASSWORD)
    assert chinese.status_code == 429 and int(chinese["Retry-After"]) == 15 * 60
    page = chinese.content.decode()
    assert 'id="login-locked"' in page and "登录失败次数过多" in page and "15 分钟" in page
    assert 'name="password"' in page  # still the login page, not a bare 403
    english = log_in(Client(), "victim", PASSWORD, HTTP_ACCEPT_LANGUAGE="en")
    text = english.content.decode()
    assert english.status_code == 429 and "Too many failed log-ins" in text and "in about 15 minutes" in text


def test_a_script_posting_to_the_login_gets_json(victim):
    _lock()
    response = log_in(Client(), "victim", PASSWORD, HTTP_ACCEPT="application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "login_locked" and body["retry_after_s"] == 15 * 60 and "Try again after" in body["detail"]


def test_the_admin_login_is_throttled_too(victim):
    admin = UserFactory(username="boss", password=PASSWORD, is_staff=True, is_superuser=True)
    for n in range(django_settings.AXES_FAILURE_LIMIT):
        Client().post(
            reverse("admin:login"), {"username": admin.username, "password": f"x{n}"}, REMOTE_ADDR=f"10.3.0.{n}"
        )
    response = Client().post(reverse("admin:login"), {"username": "boss", "password": PASSWORD}, REMOTE_ADDR="10.4.0.1")
    assert response.status_code == 429


def test_a_client_chosen_forwarded_for_header_is_not_trusted_by_default(victim):
    for n in range(100):
        log_in(Client(), f"someone-{n}", "guess", ip="10.0.0.66", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert log_in(Client(), "victim", PASSWORD, ip="10.0.0.66", HTTP_X_FORWARDED_FOR="192.0.2.200").status_code == 429


def test_behind_a_proxy_the_configured_header_names_the_client(victim, settings):
    settings.TRUSTED_CLIENT_IP_HEADER = "X-Real-IP"
    _lock(username="nobody", ip="10.0.0.5")  # the proxy's own address carries no one else's failures
    for n in range(100):
        log_in(Client(), f"someone-{n}", "guess", ip="10.0.0.5", HTTP_X_REAL_IP="198.51.100.7")
    # The attacker's address is locked ...
    assert log_in(Client(), "victim", PASSWORD, ip="10.0.0.5", HTTP_X_REAL_IP="198.51.100.7").status_code == 429
    # ... another client behind the same proxy is not.
    assert log_in(Client(), "victim", PASSWORD, ip="10.0.0.5", HTTP_X_REAL_IP="198.51.100.8").status_code == 302
    assert AccessAttempt.objects.filter(ip_address="198.51.100.7").exists()


def test_a_lockout_is_audited_once_and_an_admin_unlock_with_the_admin(victim):
    for n in range(30):
        log_in(Client(), "victim", f"guess-{n}", ip="10.0.0.9")
    lockouts = AuditLogEntry.objects.filter(action="login.lockout")
    assert lockouts.count() == 1
    entry = lockouts.get()
    assert entry.object_repr == "victim" and entry.object_id == str(victim.pk) and entry.ip_address == "10.0.0.9"
    assert entry.actor is None and entry.actor_name == "system"

    admin = make_user(Role.BUREAU_ADMIN, username="admin1")
    admin.is_staff = admin.is_superuser = True
    admin.save()
    staff = Client()
    staff.force_login(admin)
    changelist = reverse("admin:axes_accessattempt_changelist")
    assert "victim" in staff.get(changelist).content.decode()  # admins see lockouts
    ids = list(AccessAttempt.objects.values_list("pk", flat=True))
    response = staff.post(changelist, {"action": "delete_selected", "_selected_action": ids, "post": "yes"})
    assert response.status_code == 302 and not AccessAttempt.objects.exists()
    unlock = AuditLogEntry.objects.get(action="login.unlock")
    assert unlock.actor == admin and unlock.object_repr == "victim" and unlock.before["failures"] == 30
    client = Client()
    assert log_in(client, "victim", PASSWORD, ip="10.0.0.9").status_code == 302


def test_the_end_of_a_cool_off_is_audited_as_an_unlock(victim):
    _lock()
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - dt.timedelta(hours=1))
    assert log_in(Client(), "victim", PASSWORD, HTTP_ACCEPT_LANGUAGE="en").status_code == 302
    unlock = AuditLogEntry.objects.get(action="login.unlock")
    assert unlock.actor_name == "system" and unlock.reason == "cool-off ended"


def test_no_api_endpoint_takes_a_password():
    """The API authenticates by token or session only: there is no password to guess through it."""
    classes = django_settings.REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"]
    assert classes == ["common.tokens.ApiTokenAuthentication", "rest_framework.authentication.SessionAuthentication"]


def test_the_admin_cleans_up_expired_attempts(victim):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    staff = Client()
    staff.force_login(admin)  # before the cool-off ends: any login clears expired attempts itself
    _lock()
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - dt.timedelta(hours=1))
    changelist = reverse("admin:axes_accessattempt_changelist")
    ids = list(AccessAttempt.objects.values_list("pk", flat=True))
    response = staff.post(
        changelist,
        {"action": "cleanup_expired_attempts", "_selected_action": ids, "index": "0"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 302 and not AccessAttempt.objects.exists()
    unlock = AuditLogEntry.objects.get(action="login.unlock")
    assert unlock.actor == admin and unlock.reason == "cool-off ended"
