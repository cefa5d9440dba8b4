"""How many generated examples each reliability suite runs.

CI runs a budget that keeps all the suites together within about a minute on a 2-core machine;
``SCOOPWATCH_LONG_SUITES=1`` runs the long variant (10,000 command texts through each path,
more hostile texts and fault scripts). The README's test section gives the figures.
"""

from __future__ import annotations

import os

LONG = os.environ.get("SCOOPWATCH_LONG_SUITES") == "1"


def examples(ci: int, long: int) -> int:
    """``ci`` examples normally, ``long`` with ``SCOOPWATCH_LONG_SUITES=1``."""
    return long if LONG else ci
