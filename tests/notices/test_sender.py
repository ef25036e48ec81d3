"""The sender: the background job's switch, the cron command (one pass, audited), one sender per delivery."""

from __future__ import annotations

import asyncio
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from common.models import AuditLogEntry
from notices.models import Delivery
from notices.sender import deliver_job, deliver_loop, delivery_attempt
from notices.services import notice_send

pytestmark = pytest.mark.django_db


def test_job_is_off_when_the_interval_is_zero(settings):
    settings.NOTICE_DELIVER_INTERVAL_S = 0
    assert deliver_job() is None


def test_job_is_registered_and_on_by_default(settings):
    from common.jobs import registered_jobs

    assert "notice delivery" in [job.name for job in registered_jobs()]
    settings.NOTICE_DELIVER_INTERVAL_S = 5
    coroutine = deliver_job()
    assert coroutine is not None
    coroutine.close()


def test_command_sends_one_pass_and_audits_it(test_kind, alice, mail_on):
    notice_send(users=[alice, alice], kind=test_kind, title="By cron")
    out = StringIO()
    call_command("notices_deliver", stdout=out)
    assert out.getvalue().strip() == "sent 1, retrying 0, failed 0"
    assert [m.to for m in mail.outbox] == [["alice@example.org"]]
    entry = AuditLogEntry.objects.get(action="notices.deliver")
    assert entry.actor_name == "system" and entry.after == {"sent": 1, "retrying": 0, "failed": 0}


def test_command_with_nothing_due_writes_no_audit_entry():
    call_command("notices_deliver", stdout=StringIO())
    assert not AuditLogEntry.objects.filter(action="notices.deliver").exists()


def test_command_refuses_a_limit_below_one():
    with pytest.raises(CommandError, match="--limit must be at least 1"):
        call_command("notices_deliver", "--limit", "0", stdout=StringIO())


def test_a_delivery_claimed_by_another_sender_is_not_sent_twice(test_kind, alice, mail_on):
    notice_send(users=[alice], kind=test_kind, title="Once")
    listed = Delivery.objects.get(channel="email")  # as two senders both listed it
    assert delivery_attempt(listed) == "sent"
    assert delivery_attempt(listed) == "skipped"
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_running_job_sends_queued_deliveries(test_kind, alice, mail_on):
    notice_send(users=[alice], kind=test_kind, title="By the job")

    async def run_once():
        task = asyncio.create_task(deliver_loop(3600))
        for _ in range(100):
            await asyncio.sleep(0.05)
            if mail.outbox:
                break
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    asyncio.run(run_once())
    assert [m.subject for m in mail.outbox] == ["By the job"]
