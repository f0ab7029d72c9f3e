"""The officers' list of direct awards filtered to those with an offer waiting for an answer
and to those with none (never offered, declined or the window passed): the next home to offer."""

import re

from dps_portal.awards.models import DirectAwardState
from dps_portal.core import clock
from dps_portal.core.roles import Role
from tests.conftest import sign_in
from tests.factories import make_user
from tests.main.test_officer_home import NOW, add_direct_award
from tests.onboarding.factories import ready_framework


def test_the_filters_show_the_awards_waiting_and_those_to_offer(client, db):
    with clock.frozen(NOW):
        ready_framework()
        officer = make_user(Role.contracts_officer)
        waiting = add_direct_award(officer, offer="waiting")
        to_offer = {
            add_direct_award(officer),
            add_direct_award(officer, offer="declined"),
            add_direct_award(officer, offer="window passed"),
        }
        placed = add_direct_award(officer, state=DirectAwardState.placed)
        db.session.commit()
        sign_in(client, officer)

        def shown(query: str) -> set[str]:
            page = client.get(f"/direct-awards{query}").get_data(as_text=True)
            return set(re.findall(r'href="/direct-awards/(\d+)"', page))

        assert shown("?show=waiting") == {str(waiting.id)}
        assert shown("?show=to_offer") == {str(award.id) for award in to_offer}
        assert str(placed.id) in shown("")
        assert shown("?show=unknown") == shown("")
        page = client.get("/direct-awards?show=waiting").get_data(as_text=True)
    assert "<strong>Offer waiting for an answer</strong>" in page
    assert 'href="/direct-awards?show=to_offer"' in page
