"""The one limiter all vendors share, as pure logic (arrival times are given, nothing sleeps)."""

from __future__ import annotations

import pytest

from vendor_sandbox import Limiter, LimitRules


def test_in_flight_and_interval_per_key() -> None:
    limiter = Limiter(LimitRules(max_in_flight=1, min_interval=1.0))
    accepted, release = limiter.acquire("t1", 0.0)
    assert accepted is None
    assert limiter.acquire("t1", 5.0)[0] == "in_flight"
    assert limiter.acquire("t2", 0.1)[0] is None  # another key
    release()
    release()  # idempotent: frees one slot once
    assert limiter.acquire("t1", 0.5)[0] == "interval"
    assert limiter.acquire("t1", 1.0)[0] is None


def test_sliding_windows_all_apply_and_refusals_do_not_count() -> None:
    limiter = Limiter(LimitRules(windows=((2, 1.0), (3, 10.0))))
    assert [limiter.acquire("a", t)[0] for t in (0.0, 0.2, 0.4)] == [None, None, "window"]
    assert limiter.acquire("a", 1.0)[0] is None  # 0.0 left the 1 s window; the refusal at 0.4 never counted
    assert limiter.acquire("a", 2.5)[0] == "window"  # the 10 s window is full
    assert limiter.acquire("a", 10.0)[0] is None


def test_concurrency_without_an_interval_rule_ignores_arrival_order() -> None:
    limiter = Limiter(LimitRules(windows=((5, 1.0),)))
    assert limiter.acquire("ip", 2.0)[0] is None
    assert limiter.acquire("ip", 1.9)[0] is None  # a thread that arrived earlier but acquires later


def test_disabled_admits_everything() -> None:
    limiter = Limiter(LimitRules(max_in_flight=1, min_interval=1.0, windows=((1, 1.0),)), enabled=False)
    assert all(limiter.acquire("k", 0.0)[0] is None for _ in range(5))


@pytest.mark.parametrize(
    "rules", [{"max_in_flight": 0}, {"min_interval": -1}, {"windows": ((0, 1.0),)}, {"windows": ((1, 0.0),)}]
)
def test_rules_are_checked(rules) -> None:
    with pytest.raises(ValueError):
        LimitRules(**rules)
