"""The backoff helpers: exact steps, jitter within client-go's bounds, and the callers on them."""

from __future__ import annotations

import math
import random
from itertools import islice

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rawkube.client._conflict import backoff_delays
from rawkube.core._backoff import exponential, exponential_at, jitter
from rawkube.runtime.leaderelection import JITTER_FACTOR, jittered

# The largest float random.random can return: the top of the jitter.
HIGHEST = math.nextafter(1.0, 0.0)


def first(steps, count: int) -> list[float]:
    return list(islice(steps, count))


class TestJitter:
    def test_adds_nothing_when_the_draw_is_zero(self):
        assert jitter(2.0, 1.2, lambda: 0.0) == 2.0

    def test_adds_the_drawn_share_of_factor_times_the_duration(self):
        assert jitter(2.0, 1.0, lambda: 0.5) == 3.0
        assert jitter(0.8, 1.0, lambda: 0.25) == 0.8 * 1.25

    def test_stays_below_factor_times_the_duration_more(self):
        assert 2.0 < jitter(2.0, 1.2, lambda: HIGHEST) <= 2.0 * (1 + 1.2)

    def test_a_zero_factor_adds_nothing_whatever_the_draw(self):
        assert jitter(0.01, 0.0, lambda: HIGHEST) == 0.01

    @given(
        duration=st.floats(0.0, 1e6),
        factor=st.floats(0.0, 10.0),
        draw=st.floats(0.0, 1.0, exclude_max=True),
    )
    def test_lies_between_the_duration_and_factor_more(self, duration, factor, draw):
        assert duration <= jitter(duration, factor, lambda: draw) <= duration * (1 + factor)

    def test_without_a_source_draws_from_random_random_at_each_call(self, monkeypatch):
        monkeypatch.setattr(random, "random", lambda: 0.5)
        assert jitter(4.0, 0.5) == 5.0


class TestExponential:
    def test_client_go_reflector_steps_double_from_0_8_to_the_30_s_cap(self):
        steps = first(exponential(0.8, 2.0, 30.0), 9)
        assert steps == [0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 30.0, 30.0, 30.0]

    def test_each_step_multiplies_the_last_one_again(self):
        a = 0.01
        assert first(exponential(a, 1.5), 4) == [a, a * 1.5, a * 1.5 * 1.5, a * 1.5 * 1.5 * 1.5]

    def test_a_factor_of_one_repeats_the_delay(self):
        assert first(exponential(0.01, 1.0), 4) == [0.01] * 4

    def test_the_first_step_is_not_capped_as_in_client_go(self):
        assert first(exponential(5.0, 2.0, 3.0), 3) == [5.0, 3.0, 3.0]

    def test_without_a_cap_it_grows_to_infinity_without_raising(self):
        assert first(exponential(1e300, 1e10), 3) == [1e300, math.inf, math.inf]


class TestExponentialAt:
    def test_client_go_per_item_steps_double_from_5_ms_to_1000_s(self):
        waits = [exponential_at(0.005, 2.0, n, 1000.0) for n in range(20)]
        assert waits[:4] == [0.005, 0.01, 0.02, 0.04]
        assert waits[17:] == [655.36, 1000.0, 1000.0]

    def test_the_first_wait_is_capped_too(self):
        assert exponential_at(5.0, 2.0, 0, 3.0) == 3.0

    @pytest.mark.parametrize("failures", [1000, 1023, 1024, 10**9])
    def test_from_1000_failures_on_the_answer_is_the_cap(self, failures):
        assert exponential_at(0.005, 2.0, failures, 1000.0) == 1000.0
        assert exponential_at(0.0, 2.0, failures, 7.0) == 7.0

    def test_a_power_that_overflows_gives_the_cap(self):
        assert exponential_at(1.0, 3.0, 700, 60.0) == 60.0

    @given(initial=st.floats(1e-6, 10.0), failures=st.integers(0, 200), cap=st.floats(10.0, 1e4))
    def test_with_a_factor_of_2_it_agrees_with_the_stepping_form(self, initial, failures, cap):
        stepped = first(exponential(initial, 2.0, cap), failures + 1)[-1]
        assert exponential_at(initial, 2.0, failures, cap) == stepped


class TestCallers:
    def test_retry_on_conflict_waits_are_jittered_steps(self, monkeypatch):
        monkeypatch.setattr(random, "random", lambda: 0.5)
        assert backoff_delays(4, 1.0, 2.0, 0.1) == [1.05, 2.1, 4.2]
        assert backoff_delays(1, 1.0, 2.0, 0.1) == []

    def test_leader_election_jitter_is_client_go_jitter_factor(self):
        assert jittered(2.0, lambda: 0.5) == jitter(2.0, JITTER_FACTOR, lambda: 0.5) == 3.2
