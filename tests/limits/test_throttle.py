"""The sign-in failure throttle keeps its behaviour with bounded memory."""

from __future__ import annotations

from atlas.identity.throttle import FailureThrottle


def test_checking_keys_stores_nothing() -> None:
    throttle = FailureThrottle(max_failures=3, window_seconds=60)
    for n in range(1000):
        assert throttle.retry_after(f"guess-{n}@example.com", "203.0.113.9") == 0
    assert len(throttle) == 0


def test_a_key_is_blocked_after_its_failures_until_reset() -> None:
    throttle = FailureThrottle(max_failures=2, window_seconds=60)
    throttle.record_failure("a", "ip")
    assert throttle.retry_after("a") == 0
    throttle.record_failure("a")
    assert 59 <= throttle.retry_after("a") <= 60
    assert throttle.retry_after("b", "ip") == 0
    throttle.reset("a")
    assert throttle.retry_after("a") == 0


def test_at_most_max_keys_are_kept_and_the_newest_survive() -> None:
    throttle = FailureThrottle(max_failures=1, window_seconds=60, max_keys=100)
    for n in range(1000):
        throttle.record_failure(f"flood-{n}")
    assert len(throttle) <= 100
    assert throttle.retry_after("flood-999") > 0
