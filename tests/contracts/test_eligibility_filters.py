"""The eligibility page's filter of the homes past their initial visit: with "not eligible
only", the homes that have lost their eligibility (the officers' home page counts them)."""

import re

from dps_portal.core.roles import Role
from tests.conftest import sign_in
from tests.contracts.factories import admit_home, make_eligible_home, suspend
from tests.factories import make_home, make_user


def test_homes_past_their_visit_and_not_eligible(client, db):
    officer = make_user(Role.contracts_officer)
    eligible = make_eligible_home("MH")
    held_back = make_eligible_home("MH", "LDA")
    suspend(held_back.provider, held_back)
    never_visited = admit_home(make_home(), "MH")
    db.session.commit()
    sign_in(client, officer)

    def homes(query: str) -> set[int]:
        page = client.get(f"/eligibility{query}").get_data(as_text=True)
        return {int(home) for home in re.findall(r'data-home="(\d+)"', page)}

    assert homes("") == {eligible.id, held_back.id, never_visited.id}
    assert homes("?passed_visit_only=y") == {eligible.id, held_back.id}
    assert homes("?not_eligible_only=y") == {held_back.id, never_visited.id}
    assert homes("?not_eligible_only=y&passed_visit_only=y") == {held_back.id}
    page = client.get("/eligibility?not_eligible_only=y&passed_visit_only=y").get_data(as_text=True)
    assert "1 care home, not eligible only, past their initial visit" in page
    assert re.search(r'name="passed_visit_only"[^>]*checked', page)
