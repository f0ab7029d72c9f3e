from datetime import UTC, datetime

import pytest

from dps_portal.core import clock


@pytest.fixture(autouse=True)
def award_clock(db):
    """Tuesday 3 March 2026, 10:00 UTC: the tests move it; the factory moves the deadline."""
    with clock.frozen(datetime(2026, 3, 3, 10, 0, tzinfo=UTC)) as frozen:
        yield frozen
