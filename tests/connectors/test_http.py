from __future__ import annotations

import pytest
import requests
from urllib3.exceptions import IncompleteRead, ProtocolError

from connectors.http import TRANSIENT_ERRORS, CutShort, LeakyBucket, RetryPolicy, check_json_body


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


def answer(body: bytes, status: int = 200, **headers: str) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = body
    response.headers.update(headers)
    return response


def test_a_whole_json_body_passes() -> None:
    check_json_body(answer(b'{"orders": []}', **{"Content-Length": "14"}))


@pytest.mark.parametrize(
    ("body", "headers", "problem"),
    [
        (b'{"orders": [', {"Content-Length": "14"}, "cut short at 12 of 14 bytes"),
        (b'{"orders": [', {}, "body is not JSON"),
        (b"<html>maintenance</html>", {}, "body is not JSON"),
    ],
)
def test_a_body_cut_short_or_not_json_is_a_transient_failure(
    body: bytes, headers: dict[str, str], problem: str
) -> None:
    with pytest.raises(CutShort, match=problem) as caught:
        check_json_body(answer(body, **headers))
    assert isinstance(caught.value, TRANSIENT_ERRORS)
    assert b"maintenance" not in str(caught.value).encode()  # no body in the message


def test_broken_streams_are_transient() -> None:
    for error in (
        requests.exceptions.ChunkedEncodingError(),
        requests.exceptions.ContentDecodingError(),
        ProtocolError("Connection broken"),
        IncompleteRead(10, 20),
        requests.ConnectionError(),
    ):
        assert isinstance(error, TRANSIENT_ERRORS)
