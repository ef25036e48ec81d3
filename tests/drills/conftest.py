from __future__ import annotations

import pytest
from django.test import Client


@pytest.fixture
def client() -> Client:
    """The test client asking for English pages, so tests can read the messages they check."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")
