"""A home's quarterly return for tests, and answers that can be submitted."""

from datetime import date

from dps_portal.quality.returns.operations import open_return
from dps_portal.quality.returns.return_forms import ensure_return_form
from tests.contracts.factories import admit_home
from tests.factories import make_home
from tests.onboarding.factories import ready_framework

VALID_ANSWERS = {
    "staff_in_post_fte": "24.5",
    "vacancies_fte": "3.5",
    "agency_hours": "120",
    "safeguarding_incidents": "1",
    "safeguarding_actions": "Raised with the local authority; staff retrained.",
    "complaints_received": "2",
    "complaints_upheld": "1",
    "restrictive_practice_total": "4",
    "restrictive_practice_physical": "3",
    "restrictive_practice_chemical": "",
    "restrictive_practice_seclusion": "1",
    "mandatory_training_pct": "96",
    "specialist_training_pct__MH": "88.5",
    "anything_else": "",
}


def make_return(provider=None, *, codes=("MH",), period_start=date(2026, 1, 1)):
    home = admit_home(make_home(provider), *codes)
    return open_return(home, period_start=period_start, form=ensure_return_form(ready_framework()))
