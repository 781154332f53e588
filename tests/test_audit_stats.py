"""Wilson score interval and median: known values and properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vetgate.audit.stats import median, wilson_interval


@pytest.mark.parametrize(
    ("successes", "trials", "low", "high"),
    [
        # Reference values (statsmodels proportion_confint(method="wilson"), R binom::binom.wilson).
        (3, 40, 0.0258, 0.1986),
        (9, 40, 0.1232, 0.3750),  # the SPEC example: 9 of 40, [0.12, 0.38]
        (5, 10, 0.2366, 0.7634),
        (0, 10, 0.0, 0.2775),
        (10, 10, 0.7225, 1.0),
        (1, 1, 0.2065, 1.0),
        (50, 1000, 0.0381, 0.0653),
    ],
)
def test_wilson_known_values(successes: int, trials: int, low: float, high: float) -> None:
    result = wilson_interval(successes, trials)
    assert result is not None
    assert result[0] == pytest.approx(low, abs=5e-5)
    assert result[1] == pytest.approx(high, abs=5e-5)


def test_wilson_no_trials_is_none() -> None:
    assert wilson_interval(0, 0) is None


@pytest.mark.parametrize(("successes", "trials"), [(-1, 3), (4, 3), (0, -1)])
def test_wilson_rejects_impossible_counts(successes: int, trials: int) -> None:
    with pytest.raises(ValueError, match="successes <= trials"):
        wilson_interval(successes, trials)


@given(st.integers(min_value=1, max_value=100_000).flatmap(
    lambda n: st.tuples(st.integers(min_value=0, max_value=n), st.just(n))))
def test_wilson_contains_the_estimate_and_stays_in_unit_interval(pair: tuple[int, int]) -> None:
    successes, trials = pair
    result = wilson_interval(successes, trials)
    assert result is not None
    low, high = result
    assert 0.0 <= low <= successes / trials <= high <= 1.0
    assert low < high


@given(st.integers(min_value=1, max_value=5000).flatmap(
    lambda n: st.tuples(st.integers(min_value=0, max_value=n), st.just(n))))
def test_wilson_is_symmetric_in_successes_and_failures(pair: tuple[int, int]) -> None:
    successes, trials = pair
    low, high = wilson_interval(successes, trials) or (0.0, 0.0)
    mirror_low, mirror_high = wilson_interval(trials - successes, trials) or (0.0, 0.0)
    assert low == pytest.approx(1 - mirror_high, abs=1e-12)
    assert high == pytest.approx(1 - mirror_low, abs=1e-12)


def test_median() -> None:
    assert median([]) is None
    assert median([5.0]) == 5.0
    assert median([3.0, 1.0, 2.0]) == 2.0
    assert median([4.0, 1.0, 3.0, 2.0]) == 2.5
