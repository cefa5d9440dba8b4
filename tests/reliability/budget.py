"""How many generated examples each reliability suite runs.

CI runs a budget that keeps all the suites together within about a minute on a 2-core machine;
``SCOOPWATCH_LONG_SUITES=1`` runs the long variant (10,000 command texts through each path,
more hostile texts and fault scripts). The README's test section gives the figures.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

LONG = os.environ.get("SCOOPWATCH_LONG_SUITES") == "1"


def examples(ci: int, long: int) -> int:
    """``ci`` examples normally, ``long`` with ``SCOOPWATCH_LONG_SUITES=1``."""
    return long if LONG else ci


def suite_settings(runs: int, *, checks: list[HealthCheck]) -> settings:
    """Hypothesis settings for a suite's test: ``runs`` examples, no deadline (a platform
    round trip varies with the machine's load), the given health checks off. CI draws the
    same examples every run (``derandomize``), so a red CI always names a real regression and
    replays as it failed; the long variant draws new ones every time, to find what CI misses."""
    return settings(max_examples=runs, deadline=None, suppress_health_check=checks,
                    derandomize=not LONG)
