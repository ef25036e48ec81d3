"""The OpenAPI schema is complete and valid, and the docs page renders from it."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse


def test_schema_generates_without_warnings(tmp_path):
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    for path in ("/api/campus/schools/", "/api/campus/liaisons/", "/api/campus/coverage/", "/api/audit/"):
        assert path in text


@pytest.mark.django_db
def test_docs_page_is_served_to_signed_in_users(client, scheduler):
    client.force_login(scheduler)
    response = client.get(reverse("api_docs"))
    assert response.status_code == 200
    assert b"swagger-ui" in response.content
    schema = client.get(reverse("api_schema"), HTTP_ACCEPT="application/json")
    assert schema.status_code == 200 and schema.json()["info"]["title"] == "SchoolSafe API"
