"""The register sends as many statements on a small county as on one ten times larger, and no
more than 30, whatever the search, filter and order: its rows eager-loaded, the gate asked once
for the page's homes, its counts aggregates."""

import itertools

import pytest

from dps_portal.contracts.models import SuspensionState
from dps_portal.core.roles import Role
from dps_portal.onboarding.models import ApplicationState, CategoryDecision
from dps_portal.register.queries import PER_PAGE
from tests.conftest import sign_in
from tests.contracts.factories import admit_home, make_eligible_home, make_visit, suspend
from tests.factories import make_home, make_provider, make_user
from tests.onboarding.factories import ready_framework
from tests.query_counts import statements_of
from tests.register.world import add_application, district

MOST = 30
_numbers = itertools.count(1)

PAGES = [
    "/register",
    "/register?status=admitted&sort=homes_most",
    "/register?postcode=S40&sort=admitted_newest",
    "/register?name=care&category={mh}&status=suspended&sort=name_desc",
    "/register?district={chesterfield}&cqc_id=1-",
]


def grow(count: int) -> None:
    """`count` providers of each standing, each with homes in several categories and states."""
    for _ in range(count):
        number = next(_numbers)
        admitted = make_provider(legal_name=f"Admitted {number} Care Ltd", postcode="S40 1AA")
        home = make_eligible_home("MH", "LDA", provider=admitted)
        home.postcode, home.district_id = "S40 2BB", district("Chesterfield").id
        admit_home(make_home(admitted), "MH")
        make_home(admitted)
        make_visit(home)
        add_application(admitted, ApplicationState.decided, ENH=CategoryDecision.rejected)
        pending = make_provider(legal_name=f"Pending {number} Care Ltd")
        make_home(pending, postcode="S41 1AA")
        add_application(pending, LDA=CategoryDecision.pending, MH=CategoryDecision.pending)
        suspended = make_provider(legal_name=f"Suspended {number} Care Ltd")
        suspended_home = make_eligible_home("MH", provider=suspended)
        suspend(suspended, suspended_home)
        suspend(suspended, state=SuspensionState.recommended)
        make_provider(legal_name=f"New {number} Ltd")


@pytest.mark.parametrize("role", [Role.contracts_officer, Role.quality_monitor])
def test_the_register_is_flat(client, db, role):
    framework = ready_framework()
    values = {
        "mh": next(c.id for c in framework.categories if c.code == "MH"),
        "chesterfield": district("Chesterfield").id,
    }
    urls = [url.format(**values) for url in PAGES]
    sign_in(client, make_user(role))
    grow(2)
    db.session.commit()
    before = {url: statements_of(client, url)[0] for url in urls}
    grow(18)
    db.session.commit()
    after = {url: statements_of(client, url)[0] for url in urls}
    assert before == after
    assert max(after.values()) <= MOST, after
    # The larger county fills a page: 80 providers, a page of them shown.
    html = statements_of(client, "/register")[1]
    assert html.count("data-provider=") == PER_PAGE
