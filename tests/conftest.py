"""Shared test settings: hypothesis profiles (`ci` by default, `fuzz` by hand)."""

import os

from hypothesis import HealthCheck, settings

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
