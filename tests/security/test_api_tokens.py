"""API tokens (common.ApiToken, common.tokens): they expire, are revoked with the password or the account,
are stored only as hashes, and their owner sees and revokes them on the API tokens page.

Issue 11, item 9: a token kept working after a password change, and never expired.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import json

import pytest
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.contrib.auth.hashers import MD5PasswordHasher, PBKDF2PasswordHasher, make_password
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from common.models import ApiToken, AuditLogEntry
from common.roles import Role
from common.tokens import MAX_ACTIVE_TOKENS_PER_USER, api_token_create
from tests.factories import UserFactory, make_user

pytestmark = pytest.mark.django_db


class FastPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    """A hasher a stored MD5 hash gets upgraded to on login, cheap enough for a test."""

    iterations = 1000


@pytest.fixture
def user(db):
    return UserFactory(username="scripter", password="old-pass-1", roles=[Role.BRIGADE_SCHEDULER])


def new_key(user, **kwargs) -> str:
    return api_token_create(user=user, name=kwargs.pop("name", "script"), actor=user, **kwargs)[1]


def api(key: str, **extra):
    return Client().get(reverse("api_me"), HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT_LANGUAGE="en", **extra)


def test_a_token_authenticates_with_the_token_header(user):
    response = api(new_key(user))
    assert response.status_code == 200 and response.json()["username"] == "scripter"


def test_an_unknown_token_gets_401_with_the_token_challenge(user):
    response = api("sst_not-a-real-key")
    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Token")
    assert response.json()["detail"] == "Invalid token."


def test_the_key_is_stored_only_as_a_hash_with_a_short_prefix(user):
    token, key = api_token_create(user=user, name="script", actor=user)
    assert key.startswith("sst_") and len(key) >= 40
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert token.prefix == key[:12] and len(token.prefix) < len(key) // 3
    row = ApiToken.objects.filter(pk=token.pk).values().get()
    assert all(key not in str(value) for value in row.values())
    logged = json.dumps(list(AuditLogEntry.objects.values("before", "after", "object_repr", "reason")), default=str)
    assert key not in logged


def test_a_token_expires_after_its_lifetime(user, settings):
    settings.API_TOKEN_TTL_DAYS = 7
    token, key = api_token_create(user=user, name="script", actor=user)
    expected = timezone.now() + dt.timedelta(days=7)
    assert abs(token.expires_at - expected) < dt.timedelta(seconds=5)
    assert api(key).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = api(key)
    assert response.status_code == 401 and response.json()["detail"].startswith("This token expired on ")


def test_the_lifetime_is_chosen_per_token_within_the_maximum(user, settings):
    settings.API_TOKEN_MAX_TTL_DAYS = 90
    token, _ = api_token_create(user=user, name="short", ttl_days=1, actor=user)
    assert token.expires_at - token.created_at < dt.timedelta(days=1, seconds=5)
    with pytest.raises(ValidationError) as err:
        api_token_create(user=user, name="long", ttl_days=91, actor=user)
    assert "between 1 and 90 days" in str(err.value)
    assert ApiToken.objects.filter(user=user).count() == 1


def test_revoked_on_a_password_change_through_the_form(user):
    key = new_key(user)
    form = PasswordChangeForm(
        user, {"old_password": "old-pass-1", "new_password1": "Ne3w-pass!", "new_password2": "Ne3w-pass!"}
    )
    assert form.is_valid(), form.errors
    form.save()
    response = api(key)
    assert response.status_code == 401 and "password changed" in response.json()["detail"]
    assert ApiToken.objects.get().revoked_reason == ApiToken.RevokedReason.PASSWORD_CHANGED


def test_revoked_when_an_administrator_sets_the_password(user):
    key = new_key(user)
    form = SetPasswordForm(user, {"new_password1": "Ne3w-pass!", "new_password2": "Ne3w-pass!"})
    assert form.is_valid(), form.errors
    form.save()
    assert api(key).status_code == 401


def test_revoked_on_set_password_and_save(user):
    key, other_user_key = new_key(user), new_key(make_user(Role.LEADERSHIP))
    user.set_password("whatever-new-1")
    user.save()
    assert api(key).status_code == 401
    assert api(other_user_key).status_code == 200
    entry = AuditLogEntry.objects.get(action="api_token.revoke")
    assert entry.actor_name == "system" and entry.reason == "password changed"


def test_revoked_on_a_password_set_through_the_admin(user):
    key = new_key(user)
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    url = reverse("admin:auth_user_password_change", args=[user.pk])
    response = client.post(url, {"password1": "Ne3w-pass!", "password2": "Ne3w-pass!", "usable_password": "true"})
    assert response.status_code == 302, response.content
    assert api(key).status_code == 401


def test_a_password_rehash_on_login_does_not_revoke(user, settings):
    """Django re-hashes an unchanged password when the preferred hasher changes: not a password change."""
    settings.PASSWORD_HASHERS = [
        f"{__name__}.FastPBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    user.password = make_password("old-pass-1", hasher=MD5PasswordHasher())
    user.save()
    key = new_key(user)
    client = Client()
    response = client.post(reverse("login"), {"username": "scripter", "password": "old-pass-1"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("pbkdf2_sha256$1000$")  # re-hashed ...
    assert api(key).status_code == 200  # ... and the token still works


def test_revoked_when_the_user_is_deactivated(user):
    key = new_key(user)
    user.is_active = False
    user.save()
    token = ApiToken.objects.get()
    assert token.revoked_reason == ApiToken.RevokedReason.DEACTIVATED
    user.is_active = True
    user.save()
    assert api(key).status_code == 401  # reactivation does not bring old tokens back


def test_saving_the_user_otherwise_keeps_the_tokens(user):
    key = new_key(user)
    user.first_name = "Li"
    user.save()
    user.save(update_fields=["last_login"])
    assert api(key).status_code == 200


def test_logging_out_of_the_site_keeps_a_scripts_token(user):
    """Tokens are for scripts, independent of the browser session: revoke them on the page."""
    key = new_key(user)
    client = Client()
    client.force_login(user)
    client.post(reverse("logout"))
    assert api(key).status_code == 200


def test_last_used_is_recorded_at_most_once_a_minute(user):
    token, key = api_token_create(user=user, name="script", actor=user)
    assert token.last_used_at is None
    api(key)
    first = ApiToken.objects.get().last_used_at
    assert first is not None
    api(key)
    assert ApiToken.objects.get().last_used_at == first
    ApiToken.objects.update(last_used_at=first - dt.timedelta(minutes=2))
    api(key)
    assert ApiToken.objects.get().last_used_at > first


def test_the_page_creates_a_token_shows_the_key_once_and_audits(user):
    client = Client()
    client.force_login(user)
    response = client.post(reverse("api_token"), {"name": "roster export", "ttl_days": 7}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 201
    assert response["Cache-Control"].startswith("max-age=0") and "no-store" in response["Cache-Control"]
    key = response.context["created_key"]
    assert key in response.content.decode() and "shown only this once" in response.content.decode()
    token = ApiToken.objects.get()
    assert token.name == "roster export" and token.user == user
    entry = AuditLogEntry.objects.get(action="api_token.create")
    assert entry.actor == user and entry.object_id == str(token.pk) and entry.after["prefix"] == token.prefix
    assert entry.after["ttl_days"] == 7
    again = client.get(reverse("api_token"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert key not in again and token.prefix in again and "roster export" in again
    assert api(key).status_code == 200


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "ttl_days": 30}, "This field is required."),
        ({"name": "x", "ttl_days": 5000}, "Select a valid choice."),
    ],
)
def test_the_page_refuses_bad_input_and_writes_nothing(user, data, message):
    client = Client()
    client.force_login(user)
    response = client.post(reverse("api_token"), data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and message in response.content.decode()
    assert not ApiToken.objects.exists() and not AuditLogEntry.objects.exists()


def test_the_page_refuses_more_than_the_maximum_of_live_tokens(user):
    for n in range(MAX_ACTIVE_TOKENS_PER_USER):
        api_token_create(user=user, name=f"t{n}", actor=user)
    client = Client()
    client.force_login(user)
    response = client.post(reverse("api_token"), {"name": "one more", "ttl_days": 30}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and "revoke one you no longer use first" in response.content.decode()
    assert ApiToken.objects.count() == MAX_ACTIVE_TOKENS_PER_USER


def test_the_page_revokes_a_token_and_audits_it(user):
    token, key = api_token_create(user=user, name="script", actor=user)
    kept = new_key(user, name="other")
    client = Client()
    client.force_login(user)
    response = client.post(reverse("api_token_revoke", args=[token.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("api_token")
    assert api(key).status_code == 401 and "revoked" in api(key).json()["detail"]
    assert api(kept).status_code == 200
    entry = AuditLogEntry.objects.get(action="api_token.revoke")
    assert entry.actor == user and entry.object_id == str(token.pk) and entry.after["revoked_reason"] == "user"
    page = client.get(reverse("api_token"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "revoked" in page and "revoked by its owner" in page


def test_a_user_cannot_revoke_someone_elses_token(user):
    token, key = api_token_create(user=user, name="script", actor=user)
    intruder = Client()
    intruder.force_login(make_user(Role.LEADERSHIP))
    assert intruder.post(reverse("api_token_revoke", args=[token.pk])).status_code == 404
    assert api(key).status_code == 200
    assert intruder.get(reverse("api_token")).content.decode().count(token.prefix) == 0


def test_revoke_all_from_the_page(user):
    keys = [new_key(user, name=f"t{n}") for n in range(3)]
    client = Client()
    client.force_login(user)
    assert client.get(reverse("api_token_revoke", args=[1])).status_code == 405  # POST only
    response = client.post(reverse("api_tokens_revoke_all"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    assert all(api(key).status_code == 401 for key in keys)
    assert AuditLogEntry.objects.filter(action="api_token.revoke").count() == 3


def test_the_page_is_translated(user):
    new_key(user)
    client = Client()
    client.force_login(user)
    chinese = client.get(reverse("api_token")).content.decode()
    assert "API 令牌" in chinese and "有效" in chinese and "吊销" in chinese
    english = client.get(reverse("api_token"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "API tokens" in english and "Revoke all my tokens" in english


def test_the_admin_revokes_tokens_audited(user):
    token, key = api_token_create(user=user, name="script", actor=user)
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    changelist = reverse("admin:common_apitoken_changelist")
    assert token.prefix in client.get(changelist).content.decode()
    client.post(changelist, {"action": "revoke_selected", "_selected_action": [token.pk]})
    assert api(key).status_code == 401
    entry = AuditLogEntry.objects.get(action="api_token.revoke")
    assert entry.actor == admin and entry.after["revoked_reason"] == "admin"


def test_the_schema_still_documents_the_token_header(user):
    client = Client()
    client.force_login(user)
    schema = client.get(reverse("api_schema"), HTTP_ACCEPT="application/json").json()
    scheme = schema["components"]["securitySchemes"]["tokenAuth"]
    assert scheme["type"] == "apiKey" and scheme["in"] == "header" and scheme["name"] == "Authorization"


@pytest.mark.django_db(transaction=True)  # SQLite's schema editor cannot run inside a transaction
def test_the_migration_drops_the_old_plain_text_tokens(user):
    """Legacy DRF tokens (plain-text keys, no expiry) are dropped, not carried over; the drop is audited."""
    migration = importlib.import_module("common.migrations.0004_api_tokens")
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created timestamp, user_id integer)")
        cursor.execute("INSERT INTO authtoken_token VALUES ('0123456789abcdef', NULL, %s)", [user.pk])
    from django.apps import apps

    with connection.schema_editor() as editor:
        migration.drop_legacy_tokens(apps, editor)
    assert "authtoken_token" not in connection.introspection.table_names()
    entry = AuditLogEntry.objects.get(action="api_token.legacy_drop")
    assert entry.object_repr == "1 legacy API token(s)"
