"""Shared test settings: hypothesis profiles (`ci` by default, `fuzz` by hand), and the loopback
guard: no test may connect a socket outside loopback (tests/loopback.py)."""

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

from tests.loopback import Guard, guarded

settings.register_profile(
    "ci", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "fuzz", max_examples=10_000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
# mutation: a quick pass per mutant (mutmut runs the covering tests once per mutant, ~2,500 times)
settings.register_profile(
    "mutation", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(autouse=True)
def loopback_only() -> Iterator[Guard]:
    """Every test: a connection outside loopback raises, and fails the test at teardown even if
    the code under test swallowed the error. A test that makes one on purpose takes it back with
    `loopback_only.acknowledge()`."""
    with guarded() as guard:
        yield guard
    problem = guard.report()
    if problem is not None:
        pytest.fail(problem, pytrace=False)
