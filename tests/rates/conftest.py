from datetime import UTC, datetime

import pytest

from dps_portal.core import clock


@pytest.fixture(autouse=True)
def rates_clock(db):
    """Monday 1 March 2027, 10:00 UTC: the tests move it (an uplift from 1 April 2027)."""
    with clock.frozen(datetime(2027, 3, 1, 10, 0, tzinfo=UTC)) as frozen:
        yield frozen
