"""Hypothesis profiles: ``ci`` (derandomized, 200 examples per property) and ``dev`` (fast).

Select one with ``pytest --hypothesis-profile=ci``; ``.ci/run`` and the README use ``ci``.
"""

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=200,
    derandomize=True,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=30, deadline=None)
settings.load_profile("dev")
