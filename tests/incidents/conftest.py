from __future__ import annotations

import pytest


@pytest.fixture
def client(english_client):
    """These tests read English page text (see ``english_client`` in tests/conftest.py)."""
    return english_client
