from __future__ import annotations

import pytest

from notices.kinds import notice_kind_register, notice_kind_unregister
from tests.factories import UserFactory

TEST_KIND = "test_notice"


@pytest.fixture
def test_kind():
    """A kind of notice with e-mail and webhook on by default, for these tests only."""
    notice_kind_register(TEST_KIND, "Test notice", default_channels=("email", "webhook"))
    yield TEST_KIND
    notice_kind_unregister(TEST_KIND)


@pytest.fixture
def mail_on(settings):
    """E-mail reachable: pytest-django's in-memory backend (a test may point SMTP at its own server)."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def alice(db):
    return UserFactory(username="alice", email="alice@example.org")


@pytest.fixture
def bob(db):
    return UserFactory(username="bob", email="bob@example.org")
