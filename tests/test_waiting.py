"""The suite's one polling helper, synchronous and asynchronous."""

from __future__ import annotations

import itertools

import pytest

from tests.waiting import wait_until, wait_until_async


def test_returns_the_first_truthy_value():
    counter = itertools.count()
    assert wait_until(lambda: next(counter) >= 3 and "done", 5, "three calls", period_s=0) == "done"


def test_a_timeout_names_what_was_awaited():
    with pytest.raises(AssertionError, match="timed out after 0.05 s waiting for the impossible"):
        wait_until(lambda: False, 0.05, "the impossible")


@pytest.mark.asyncio
async def test_the_async_variant_awaits_a_coroutine_condition():
    counter = itertools.count()

    async def ready() -> bool:
        return next(counter) >= 2

    assert await wait_until_async(ready, 5, "two calls", period_s=0) is True
    with pytest.raises(AssertionError, match="waiting for never"):
        await wait_until_async(lambda: 0, 0.05, "never")
