"""The list filters the home pages' lines lead to: each keeps only its rows (the home page
tests check the rows against the counts), says so when it has none, ignores a value it does
not know, and shows only the signed-in provider's rows."""

import pytest

from dps_portal.core.roles import Role
from tests.conftest import sign_in
from tests.factories import make_provider, make_user
from tests.main.work_helpers import ids_in, pending_work, provider_with_user
from tests.onboarding.factories import ready_framework

EMPTY = {
    "/offers?show=waiting": "No offer is waiting for your answer.",
    "/placements?show=to_start": "No placement is waiting for you to confirm its start.",
    "/quality/visits?show=to_answer": "No action is waiting for your response.",
    "/returns?show=overdue": "No return is overdue.",
    "/returns?show=to_send": "No return is waiting to be sent.",
    "/organisation/evidence?show=renew": "Nothing has expired or expires within 30 days.",
    "/opportunities?show=to_answer": "No mini-tender here yet.",
    "/opportunities?show=bid_in": "No mini-tender here yet.",
}


@pytest.mark.parametrize("url", list(EMPTY))
def test_an_empty_filter_says_so(client, db, frozen_clock, url):
    ready_framework()
    _provider, user = provider_with_user()
    db.session.commit()
    sign_in(client, user)
    response = client.get(url)
    assert response.status_code == 200
    assert EMPTY[url] in response.get_data(as_text=True)


@pytest.fixture
def two_providers(db, frozen_clock):
    ready_framework()
    officer = make_user(Role.contracts_officer)
    worlds = []
    for name in ("Rosewood Care Ltd", "Other Ltd"):
        provider, user = provider_with_user(provider=make_provider(legal_name=name))
        worlds.append(pending_work(provider, user, officer))
    db.session.commit()
    return worlds


ROWS = {
    "/offers": r'href="/offers/(\d+)"',
    "/placements": r'href="/placements/(\d+)"',
    "/returns": r'data-return="(\d+)"',
    "/organisation/evidence": r'data-evidence="(\d+)"',
    "/opportunities": r'href="/opportunities/(\d+)"',
}
FILTERED = {
    "/offers": "waiting",
    "/placements": "to_start",
    "/returns": "overdue",
    "/organisation/evidence": "renew",
    "/opportunities": "to_answer",
}


@pytest.mark.parametrize("path", list(ROWS))
def test_a_filter_keeps_some_of_the_providers_own_rows_and_an_unknown_one_keeps_all(
    client, two_providers, path
):
    mine, theirs = two_providers
    sign_in(client, theirs.user)
    their_rows = set(ids_in(client.get(path).get_data(as_text=True), ROWS[path]))
    sign_in(client, mine.user)
    every = ids_in(client.get(path).get_data(as_text=True), ROWS[path])
    kept = ids_in(client.get(f"{path}?show={FILTERED[path]}").get_data(as_text=True), ROWS[path])
    unknown = ids_in(client.get(f"{path}?show=everything").get_data(as_text=True), ROWS[path])

    assert kept and set(kept) < set(every)
    assert unknown == every
    if path != "/opportunities":  # both providers are invited to the same tenders
        assert not set(every) & their_rows


def test_the_filter_links_keep_the_filter_and_mark_the_current_one(client, two_providers):
    mine, _theirs = two_providers
    sign_in(client, mine.user)
    html = client.get("/offers?show=waiting").get_data(as_text=True)
    assert "<strong>Waiting for your answer</strong>" in html
    assert 'href="/offers">All</a>' in html
    html = client.get("/returns").get_data(as_text=True)
    assert 'href="/returns?show=overdue">Overdue</a>' in html
    html = client.get("/visits?show=this_week", follow_redirects=False)
    assert html.status_code == 403  # the council's visits list is not a provider's
