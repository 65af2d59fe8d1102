"""Rate limiters: client-go's schedules, on a fake clock, with forget and requeue counts."""

from __future__ import annotations

import threading

import pytest

from rawkube.core._clock import FakeClock
from rawkube.runtime.ratelimit import (
    BucketRateLimiter,
    ItemExponentialFailureRateLimiter,
    ItemFastSlowRateLimiter,
    MaxOfRateLimiter,
    RateLimiter,
    default_controller_rate_limiter,
    default_item_based_rate_limiter,
    max_of,
)


def schedule(limiter: RateLimiter[str], item: str, count: int) -> list[float]:
    return [limiter.when(item) for _ in range(count)]


class TestExponential:
    def test_doubles_from_5ms_by_default(self):
        assert schedule(ItemExponentialFailureRateLimiter(), "a", 5) == pytest.approx(
            [0.005, 0.010, 0.020, 0.040, 0.080]
        )

    def test_is_capped_at_max_delay(self):
        limiter = ItemExponentialFailureRateLimiter(0.001, 0.004)
        assert schedule(limiter, "a", 5) == pytest.approx([0.001, 0.002, 0.004, 0.004, 0.004])

    def test_default_cap_is_1000_seconds(self):
        limiter = ItemExponentialFailureRateLimiter()
        delays = schedule(limiter, "a", 30)
        assert delays[17] == pytest.approx(0.005 * 2**17)  # 655 s: still doubling
        assert delays[18:] == [1000.0] * 12

    def test_many_failures_do_not_overflow(self):
        limiter = ItemExponentialFailureRateLimiter(0.005, 60.0)
        assert schedule(limiter, "a", 2000)[-1] == 60.0

    def test_counts_each_item_apart(self):
        limiter = ItemExponentialFailureRateLimiter()
        limiter.when("a")
        limiter.when("a")
        assert limiter.when("b") == pytest.approx(0.005)
        assert (limiter.num_requeues("a"), limiter.num_requeues("b")) == (2, 1)

    def test_num_requeues_counts_and_forget_resets(self):
        limiter = ItemExponentialFailureRateLimiter()
        assert limiter.num_requeues("a") == 0
        schedule(limiter, "a", 3)
        assert limiter.num_requeues("a") == 3
        limiter.forget("a")
        assert limiter.num_requeues("a") == 0
        assert limiter.when("a") == pytest.approx(0.005)

    def test_forgetting_an_unknown_item_is_harmless(self):
        ItemExponentialFailureRateLimiter().forget("never-seen")

    def test_is_thread_safe(self):
        limiter = ItemExponentialFailureRateLimiter()
        threads = [threading.Thread(target=schedule, args=(limiter, "a", 1000)) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert limiter.num_requeues("a") == 4000

    def test_rejects_negative_delays(self):
        with pytest.raises(ValueError, match="negative"):
            ItemExponentialFailureRateLimiter(-1.0, 10.0)


class TestFastSlow:
    def test_switches_to_slow_after_max_fast_attempts(self):
        limiter = ItemFastSlowRateLimiter(0.005, 10.0, 3)
        assert schedule(limiter, "a", 5) == [0.005, 0.005, 0.005, 10.0, 10.0]

    def test_num_requeues_counts_and_forget_resets(self):
        limiter = ItemFastSlowRateLimiter(0.005, 10.0, 1)
        schedule(limiter, "a", 4)
        assert limiter.num_requeues("a") == 4
        limiter.forget("a")
        assert limiter.num_requeues("a") == 0
        assert limiter.when("a") == 0.005

    def test_counts_each_item_apart(self):
        limiter = ItemFastSlowRateLimiter(0.005, 10.0, 1)
        assert (limiter.when("a"), limiter.when("a"), limiter.when("b")) == (0.005, 10.0, 0.005)


class TestBucket:
    def test_burst_goes_at_once_then_waits_are_spaced_by_one_over_qps(self):
        limiter = BucketRateLimiter(10.0, 100, clock=FakeClock())
        assert schedule(limiter, "a", 100) == [0.0] * 100
        assert schedule(limiter, "a", 3) == pytest.approx([0.1, 0.2, 0.3])

    def test_tokens_come_back_at_qps(self):
        clock = FakeClock()
        limiter = BucketRateLimiter(10.0, 5, clock=clock)
        schedule(limiter, "a", 7)  # 5 from the burst, 2 in debt
        clock.advance(0.5)  # 5 tokens: 2 pay the debt, 3 to spend
        assert schedule(limiter, "a", 5) == pytest.approx([0.0, 0.0, 0.0, 0.1, 0.2])

    def test_saves_no_more_than_burst(self):
        clock = FakeClock()
        limiter = BucketRateLimiter(10.0, 3, clock=clock)
        clock.advance(1000.0)
        assert schedule(limiter, "a", 4) == pytest.approx([0.0, 0.0, 0.0, 0.1])

    def test_is_shared_by_all_items_and_counts_nothing(self):
        limiter = BucketRateLimiter(1.0, 1, clock=FakeClock())
        assert (limiter.when("a"), limiter.when("b")) == (0.0, 1.0)
        limiter.forget("b")
        assert limiter.num_requeues("b") == 0
        assert limiter.when("c") == 2.0

    def test_client_go_default_is_10_qps_burst_100(self):
        limiter = BucketRateLimiter(clock=FakeClock())
        assert (limiter.qps, limiter.burst) == (10.0, 100)

    @pytest.mark.parametrize(("qps", "burst"), [(0.0, 1), (-1.0, 1), (1.0, 0)])
    def test_rejects_an_empty_bucket(self, qps, burst):
        with pytest.raises(ValueError, match="qps"):
            BucketRateLimiter(qps, burst)


class TestMaxOf:
    def test_answers_the_longest_wait(self):
        limiter = max_of(
            ItemFastSlowRateLimiter(0.5, 2.0, 2), ItemExponentialFailureRateLimiter(0.1, 100.0)
        )
        # fast-slow: 0.5 0.5 2 2 2; exponential: 0.1 0.2 0.4 0.8 1.6 3.2
        assert schedule(limiter, "a", 6) == pytest.approx([0.5, 0.5, 2.0, 2.0, 2.0, 3.2])

    def test_num_requeues_is_the_highest_and_forget_reaches_every_limiter(self):
        fast_slow = ItemFastSlowRateLimiter(0.5, 2.0, 2)
        exponential = ItemExponentialFailureRateLimiter()
        limiter = MaxOfRateLimiter(fast_slow, exponential)
        schedule(limiter, "a", 3)
        exponential.when("a")
        assert limiter.num_requeues("a") == 4
        limiter.forget("a")
        assert (fast_slow.num_requeues("a"), exponential.num_requeues("a")) == (0, 0)

    def test_needs_a_limiter(self):
        with pytest.raises(ValueError, match="at least one"):
            max_of()


class TestDefaults:
    def test_controller_default_is_exponential_per_item_under_an_overall_bucket(self):
        limiter = default_controller_rate_limiter(clock=FakeClock())
        assert schedule(limiter, "a", 3) == pytest.approx([0.005, 0.010, 0.020])
        # 3 tokens spent; 97 more distinct items still fit in the burst of 100...
        assert [limiter.when(f"item-{n}") for n in range(97)] == pytest.approx([0.005] * 97)
        # ...then the bucket, 10 qps, outweighs a first failure's 5 ms.
        assert limiter.when("late") == pytest.approx(0.1)
        assert limiter.num_requeues("a") == 3

    def test_controller_default_caps_an_item_at_1000_seconds(self):
        limiter = default_controller_rate_limiter(clock=FakeClock())
        assert schedule(limiter, "a", 40)[-1] == 1000.0

    def test_item_based_default_starts_at_1ms(self):
        assert schedule(default_item_based_rate_limiter(), "a", 3) == pytest.approx(
            [0.001, 0.002, 0.004]
        )
