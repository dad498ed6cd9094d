from __future__ import annotations

import pytest

from connectors.http import LeakyBucket, RetryPolicy


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_the_bucket_bursts_then_paces_at_the_leak_rate() -> None:
    fake = FakeTime()
    bucket = LeakyBucket(headroom=1, clock=fake.clock, sleep=fake.sleep)
    bucket.observe(used=1, capacity=40)  # the first answer says 1/40: leak 2/s
    for _ in range(38):
        assert bucket.acquire() == 0  # the burst: up to capacity minus headroom
    waits = [bucket.acquire() for _ in range(10)]
    assert waits == pytest.approx([0.5] * 10)  # then one call per 1/2 s
    assert fake.now == pytest.approx(105.0)


def test_the_header_corrects_the_estimate() -> None:
    fake = FakeTime()
    bucket = LeakyBucket(clock=fake.clock, sleep=fake.sleep)
    bucket.observe(used=39, capacity=40)  # someone else used the bucket
    assert bucket.acquire() == pytest.approx(0.5)
    bucket.observe(used=0, capacity=40)
    assert bucket.acquire() == 0


def test_a_fixed_rate_overrides_the_inferred_one() -> None:
    fake = FakeTime()
    bucket = LeakyBucket(leak_per_second=40, clock=fake.clock, sleep=fake.sleep)
    bucket.observe(used=39, capacity=40)
    assert bucket.acquire() == pytest.approx(1 / 40)


def test_backoff_grows_with_jitter_and_a_cap() -> None:
    policy = RetryPolicy(base_seconds=1, cap_seconds=8)
    for attempt, ceiling in [(1, 1), (2, 2), (3, 4), (4, 8), (9, 8)]:
        delays = [policy.backoff(attempt) for _ in range(50)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(set(delays)) > 1
