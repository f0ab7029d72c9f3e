"""The vacancy board's stale vacancies on their own (?stale=only): the officers' home page
links to them."""

import re
from datetime import timedelta

from dps_portal.core import clock
from dps_portal.core.roles import Role
from tests.awards.helpers import add_vacancy
from tests.conftest import sign_in
from tests.factories import make_home, make_user


def test_only_the_stale_vacancies_with_beds_free(client, db):
    officer = make_user(Role.contracts_officer)
    now = clock.now()
    add_vacancy(make_home(name="Stale Home"), 2, confirmed_at=now - timedelta(days=8))
    add_vacancy(make_home(name="Fresh Home"), 1, confirmed_at=now - timedelta(days=1))
    add_vacancy(make_home(name="Full Home"), 0, confirmed_at=now - timedelta(days=8))
    db.session.commit()
    sign_in(client, officer)

    def names(query: str) -> set[str]:
        page = client.get(f"/vacancies{query}").get_data(as_text=True)
        return set(re.findall(r"(\w+ Home)<br>", page))

    assert names("") == {"Fresh Home"}
    assert names("?stale=yes") == {"Fresh Home", "Stale Home"}
    assert names("?stale=only") == {"Stale Home"}
    page = client.get("/vacancies?stale=only").get_data(as_text=True)
    assert "1 stale vacancy" in page
    assert "Showing stale vacancies only" in page
