"""The one publish-after-commit path: sent after commit only, and never fails a committed write."""

from __future__ import annotations

import logging

import pytest
from channels.exceptions import ChannelFull
from django.contrib.auth import get_user_model
from django.db import transaction

from common.publish import channel_publish, publish_after_commit, run_after_commit


class FakeLayer:
    """A channel layer that records what it is sent, or raises ``error`` on every ``group_send``."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict]] = []
        self.error: BaseException | None = None

    async def group_send(self, group: str, message: dict) -> None:
        if self.error is not None:
            raise self.error
        self.sent.append((group, message))


@pytest.fixture
def layer(monkeypatch) -> FakeLayer:
    fake = FakeLayer()
    monkeypatch.setattr("common.publish.get_channel_layer", lambda: fake)
    return fake


def _publish_logs(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "common.publish"]


@pytest.mark.django_db(transaction=True)
def test_a_message_is_sent_only_after_the_transaction_commits(layer):
    with transaction.atomic():
        publish_after_commit(["a", "b"], {"type": "x.update", "n": 1})
        assert layer.sent == []
    assert layer.sent == [("a", {"type": "x.update", "n": 1}), ("b", {"type": "x.update", "n": 1})]


@pytest.mark.django_db(transaction=True)
def test_nothing_is_sent_when_the_transaction_rolls_back(layer):
    with pytest.raises(RuntimeError), transaction.atomic():
        publish_after_commit("a", {"type": "x.update"})
        raise RuntimeError("the write failed")
    assert layer.sent == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "error", [ChannelFull(), ConnectionError("Redis is down"), RuntimeError("anything else")], ids=type
)
def test_a_failing_layer_never_fails_the_committed_write_and_is_logged_once(layer, error, caplog):
    layer.error = error
    with transaction.atomic():
        get_user_model().objects.create(username="committed")
        publish_after_commit(["a", "b", "c"], {"type": "x.update"})
    assert get_user_model().objects.filter(username="committed").exists()
    logs = _publish_logs(caplog)
    assert len(logs) == 1 and "x.update" in logs[0].getMessage() and "a, b, c" in logs[0].getMessage()


def test_publishing_now_reports_failure_instead_of_raising(layer, caplog):
    layer.error = ChannelFull()
    assert channel_publish("a", {"type": "x.update"}) is False
    layer.error = None
    assert channel_publish("a", {"type": "x.update"}) is True
    assert len(_publish_logs(caplog)) == 1


def test_without_a_channel_layer_nothing_is_sent_and_nothing_fails(monkeypatch, caplog):
    monkeypatch.setattr("common.publish.get_channel_layer", lambda: None)
    assert channel_publish("a", {"type": "x.update"}) is True
    assert _publish_logs(caplog) == []


@pytest.mark.django_db(transaction=True)
def test_an_event_built_after_commit_that_fails_is_logged_and_swallowed(layer, caplog):
    def build_and_send() -> None:
        raise LookupError("the row is gone")

    with transaction.atomic():
        run_after_commit(build_and_send, what="board row of shift 7")
    logs = _publish_logs(caplog)
    assert len(logs) == 1 and "board row of shift 7" in logs[0].getMessage()
