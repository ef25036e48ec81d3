"""CSRF on forms, token authentication for the API, login and logout."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from campus.models import LiaisonAssignment
from common.models import ApiToken
from common.tokens import api_token_create
from tests.factories import OfficerFactory

pytestmark = pytest.mark.django_db


def test_post_without_csrf_token_is_rejected_and_changes_nothing(school, officer, scheduler):
    client = Client(enforce_csrf_checks=True)
    client.force_login(scheduler)
    response = client.post(reverse("campus:school_liaison_assign", args=[school.pk]), {"officer": officer.pk})
    assert response.status_code == 403
    assert not LiaisonAssignment.objects.exists()


def test_post_with_csrf_token_works(school, officer, scheduler):
    client = Client(enforce_csrf_checks=True)
    client.force_login(scheduler)
    page = client.get(reverse("campus:school_detail", args=[school.pk]))
    token = page.cookies["csrftoken"].value
    response = client.post(
        reverse("campus:school_liaison_assign", args=[school.pk]), {"officer": officer.pk, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    assert LiaisonAssignment.objects.get().officer == officer


def test_api_accepts_token_and_session_but_not_anonymous(scheduler, school):
    url = reverse("campus_api:school-list")
    anonymous = Client().get(url)
    assert anonymous.status_code == 401 and anonymous["WWW-Authenticate"].startswith("Token")
    _, key = api_token_create(user=scheduler, name="script", actor=scheduler)
    by_token = Client().get(url, HTTP_AUTHORIZATION=f"Token {key}")
    assert by_token.status_code == 200 and by_token.json()["count"] == 1
    assert Client().get(url, HTTP_AUTHORIZATION="Token not-a-token").status_code == 401


def test_token_api_write_needs_no_csrf(scheduler, school, officer):
    _, key = api_token_create(user=scheduler, name="script", actor=scheduler)
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        reverse("campus_api:liaison-list"),
        {"school": school.pk, "officer": officer.pk},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {key}",
    )
    assert response.status_code == 201, response.content


def test_api_token_page_creates_a_token_and_shows_its_key_once(client, scheduler):
    client.force_login(scheduler)
    created = client.post(reverse("api_token"), {"name": "script", "ttl_days": 30})
    assert created.status_code == 201
    token = ApiToken.objects.get(user=scheduler)
    key = created.context["created_key"]
    assert key.startswith(token.prefix) and key in created.content.decode()
    assert key not in client.get(reverse("api_token")).content.decode()


def test_login_and_logout(client, scheduler):
    scheduler.set_password("s3cret-pass")
    scheduler.save()
    response = client.post(reverse("login"), {"username": scheduler.username, "password": "s3cret-pass"})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200
    client.post(reverse("logout"))
    assert client.get(reverse("home")).status_code == 302


def test_school_staff_api_sees_only_own_school(client, staff_user, school):
    OfficerFactory()
    from tests.factories import SchoolFactory

    SchoolFactory()
    client.force_login(staff_user)
    data = client.get(reverse("campus_api:school-list")).json()
    assert [s["id"] for s in data["results"]] == [school.pk]
    assert client.get(reverse("campus_api:map_layers")).json()["schools"]["features"][0]["properties"]["id"] == (
        school.pk
    )
    assert len(client.get(reverse("campus_api:map_layers")).json()["schools"]["features"]) == 1
