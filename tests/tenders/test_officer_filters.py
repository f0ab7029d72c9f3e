"""The officers' list of mini-tenders filtered by where each one is: the states the officers'
home page counts (being evaluated, moderated, waiting for approval, in standstill)."""

import re

import pytest

from dps_portal.core import clock
from dps_portal.core.roles import Role
from dps_portal.tenders.models import TenderState
from tests.conftest import sign_in
from tests.factories import make_user
from tests.main.test_officer_home import NOW, add_tender


@pytest.mark.parametrize(
    ("show", "states"),
    [
        ("evaluating", {TenderState.opened, TenderState.evaluating}),
        ("moderated", {TenderState.moderated}),
        ("approval", {TenderState.recommended}),
        ("standstill", {TenderState.standstill}),
    ],
)
def test_each_state_filter_shows_exactly_its_tenders(client, db, show, states):
    with clock.frozen(NOW):
        officer = make_user(Role.contracts_officer)
        tenders = {state: add_tender(officer, state) for state in TenderState}
        db.session.commit()
        sign_in(client, officer)
        page = client.get(f"/tenders?show={show}").get_data(as_text=True)

    shown = set(re.findall(r'href="/tenders/(\d+)"', page))
    assert shown == {str(tenders[state].id) for state in states}
    assert f"{len(states)} tender" in page
    assert re.search(r"<strong>[^<]+</strong></li>", page)
