"""The contract gate shown: the provider's own home page, the provider page officers and
monitors read, and the market's eligibility page with its filters."""

import re
from datetime import UTC, date, datetime

import pytest

from dps_portal.contracts.models import SuspensionState
from dps_portal.core import clock
from dps_portal.core.roles import Role
from tests.conftest import sign_in
from tests.contracts.factories import (
    accept_terms,
    admit_home,
    category,
    make_eligible_home,
    make_visit,
    publish_terms,
    suspend,
)
from tests.factories import make_home, make_user


@pytest.fixture(autouse=True)
def _today(db):
    with clock.frozen(datetime(2026, 3, 4, 12, 0, tzinfo=UTC)):
        yield


def _placements(html: str) -> str:
    """The page from its Placements heading on."""
    start = html.index('id="placements"')
    return html[start:]


def _page(client, user, url: str) -> str:
    sign_in(client, user)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


# The provider's own home page.


def test_an_admitted_home_without_visit_or_terms_shows_each_reason(client, db):
    publish_terms()
    home = admit_home(make_home(name="Ashgrove House"), "MH")
    user = make_user(Role.provider, provider=home.provider)
    db.session.commit()

    html = _placements(_page(client, user, f"/homes/{home.id}"))

    assert "Placements" in html
    assert "Ashgrove House cannot receive new placements." in html
    assert "Not eligible" in html
    assert "No satisfactory initial quality-monitoring visit" in html
    assert "Terms and conditions v1 not accepted" in html
    # What to do, in plain words, once per reason.
    assert "A council quality monitor visits each newly admitted home" in html
    assert "Your authorised signatory must accept the current terms and conditions" in html
    assert "Eligible</strong>" not in html


def test_an_eligible_home_shows_eligible(client, db):
    home = make_eligible_home("MH")
    user = make_user(Role.provider, provider=home.provider)
    db.session.commit()

    html = _placements(_page(client, user, f"/homes/{home.id}"))

    assert "Mental Health" in html
    assert re.search(r"govuk-tag--green\">\s*Eligible", html)
    assert "Not eligible" not in html
    assert "can receive new placements in every category" in html
    assert "What you can do" not in html


def test_a_suspended_home_shows_the_suspension_and_its_reason(client, db):
    home = make_eligible_home("MH")
    suspend(home.provider, home, reason="Safeguarding concern")
    user = make_user(Role.provider, provider=home.provider)
    framework = category("MH").framework
    framework.contracts_team_name = "Placements team"
    framework.contact_email = "placements@testshire.gov.uk"
    framework.contact_phone = "01234 567890"
    db.session.commit()

    html = _placements(_page(client, user, f"/homes/{home.id}"))

    assert "Not eligible" in html
    assert "Suspended: Safeguarding concern" in html
    assert "Existing placements continue" in html
    # Who to contact, and how: the council's details, not a team without a name.
    assert (
        "Contact the Placements team at placements@testshire.gov.uk or 01234 567890 about "
        "what needs to change." in html
    )
    assert "cannot receive new placements yet" not in html


def _homes_row(html: str, home) -> str:
    """One home's row of the provider's homes list."""
    start = html.index(f'data-home="{home.id}"')
    return html[start : html.index("</tr>", start)]


def test_the_homes_list_shows_each_homes_eligibility_per_admitted_category(client, db):
    eligible = make_eligible_home("MH", "LDA")
    provider = eligible.provider
    suspended = make_eligible_home("MH", "LDA", provider=provider)
    suspend(provider, suspended, reason="Safeguarding concern")
    waiting = admit_home(make_home(provider, name="Waiting House"), "MH")
    not_put_forward = make_home(provider, name="Not Forward House")
    user = make_user(Role.provider, provider=provider)
    db.session.commit()

    html = _page(client, user, "/homes")

    row = _homes_row(html, eligible)
    assert row.count("Eligible</strong>") == 2 and "Not eligible" not in row
    assert 'data-category="MH"' in row and 'data-category="LDA"' in row
    assert "Mental Health" in row
    row = _homes_row(html, suspended)
    assert row.count("Not eligible") == 2
    assert (
        f'<a class="govuk-link" href="/homes/{suspended.id}#placements">Suspended: '
        "Safeguarding concern</a>" in row
    )
    # The first reason, and how many more the home page lists.
    row = _homes_row(html, waiting)
    assert "No satisfactory initial quality-monitoring visit</a>" in row
    assert re.search(
        r"Home not put forward for Learning Disabilities[^<]*, and 1 more reason</a>", row
    )
    row = _homes_row(html, not_put_forward)
    assert row.count("Not eligible") == 2
    assert "Home not put forward for Mental Health" in row


def test_the_homes_list_of_a_provider_not_admitted_says_what_comes_first(client, db):
    publish_terms()
    home = make_home(name="Ashgrove House")
    user = make_user(Role.provider, provider=home.provider)
    db.session.commit()

    html = _page(client, user, "/homes")

    assert "Ashgrove House" in html
    assert "once your organisation is admitted to a category" in html
    assert "New placements" not in html
    assert "Not eligible" not in html


@pytest.mark.parametrize(
    "make",
    [
        lambda home: suspend(home.provider, home, ends_on=date(2026, 3, 3)),
        lambda home: suspend(home.provider, home, state=SuspensionState.lifted),
        lambda home: suspend(home.provider, home, state=SuspensionState.recommended),
        lambda home: suspend(home.provider, home, state=SuspensionState.declined),
    ],
    ids=["ended", "lifted", "only recommended", "declined"],
)
def test_a_suspension_not_in_force_no_longer_counts(client, db, make):
    home = make_eligible_home("MH")
    make(home)
    user = make_user(Role.provider, provider=home.provider)
    db.session.commit()

    html = _placements(_page(client, user, f"/homes/{home.id}"))

    assert "Suspended:" not in html
    assert "Not eligible" not in html


def test_terms_to_accept_again_show_as_a_warning(client, db):
    home = make_eligible_home("MH")
    publish_terms(effective_on=date(2026, 3, 1), accept_by=date(2026, 4, 30))
    user = make_user(Role.provider, provider=home.provider)
    db.session.commit()

    html = _placements(_page(client, user, f"/homes/{home.id}"))

    assert "govuk-warning-text" in html
    assert "Terms and conditions v2 not accepted: accept them by 30 April 2026" in html
    assert "Not eligible" not in html


def test_another_providers_home_is_not_found(client, db):
    home = make_eligible_home("MH")
    stranger = make_user(Role.provider)
    db.session.commit()
    sign_in(client, stranger)

    assert client.get(f"/homes/{home.id}").status_code == 404


# The provider page for officers and monitors.


def test_the_provider_page_shows_each_homes_eligibility_and_officers_can_suspend(client, db):
    eligible = make_eligible_home("MH")
    waiting = admit_home(make_home(eligible.provider, name="Birch Lodge"), "MH")
    suspend(eligible.provider, state=SuspensionState.recommended, reason="Leadership")
    officer = make_user(Role.contracts_officer)
    monitor = make_user(Role.quality_monitor)
    db.session.commit()
    url = f"/providers/{eligible.provider_id}"

    html = _placements(_page(client, officer, url))

    assert eligible.name in html and "Birch Lodge" in html
    assert "Eligible" in html
    assert "No satisfactory initial quality-monitoring visit" in html
    assert f"/suspensions/new?provider_id={eligible.provider_id}&amp;home_id={waiting.id}" in html
    assert "Suspend this provider" in html
    assert "Waiting for an officer: the whole provider" in html

    html = _placements(_page(client, monitor, url))
    assert "No satisfactory initial quality-monitoring visit" in html
    assert "Suspend this home" not in html
    assert "Suspend this provider" not in html


# The market's eligibility page.


@pytest.fixture
def market(db):
    eligible = make_eligible_home("MH", "LDA")
    eligible.name = "Alder House"
    admit_home(make_home(name="Beech House"), "MH")
    suspended = make_eligible_home("MH")
    suspended.name = "Cedar House"
    suspend(suspended.provider, suspended, reason="Fire safety")
    # Not admitted anywhere: not on the page.
    make_home(name="Damson House")
    officer = make_user(Role.contracts_officer)
    db.session.commit()
    return officer


def _rows(html: str) -> list[str]:
    return re.findall(
        r'<tr class="govuk-table__row" data-home="\d+" data-category="(\w+)">\s*'
        r'<th scope="row" class="govuk-table__header">([^<]+)</th>',
        html,
    )


def test_the_eligibility_page_lists_every_admitted_home_and_category(client, market):
    html = _page(client, market, "/eligibility")

    assert sorted(_rows(html)) == sorted(
        [
            ("MH", "Alder House"),
            ("LDA", "Alder House"),
            ("MH", "Beech House"),
            ("MH", "Cedar House"),
        ]
    )
    assert 'data-count="pairs">4<' in html
    assert 'data-count="eligible">2<' in html
    assert 'data-count="not-eligible">2<' in html
    assert "Suspended: Fire safety" in html
    assert "Damson House" not in html


def test_the_eligibility_page_filters_by_category(client, db, market):
    lda = category("LDA")
    db.session.commit()

    html = _page(client, market, f"/eligibility?category={lda.id}")

    assert _rows(html) == [("LDA", "Alder House")]
    assert 'data-count="pairs">1<' in html


def test_the_eligibility_page_shows_not_eligible_only(client, market):
    html = _page(client, market, "/eligibility?not_eligible_only=y")

    assert sorted(_rows(html)) == [("MH", "Beech House"), ("MH", "Cedar House")]
    # The counts are of everything, before this filter.
    assert 'data-count="pairs">4<' in html
    assert "Show every home and category" in html


def test_monitors_see_the_eligibility_page_and_providers_do_not(client, db, market):
    monitor = make_user(Role.quality_monitor)
    provider_user = make_user(Role.provider)
    admin = make_user(Role.administrator)
    db.session.commit()

    assert "Beech House" in _page(client, monitor, "/eligibility")
    for user in (provider_user, admin):
        sign_in(client, user)
        assert client.get("/eligibility").status_code == 403


def test_the_navigation_offers_eligibility_to_officers_and_monitors(client, db, market):
    html = _page(client, market, "/officer")
    assert 'href="/eligibility"' in html
    monitor = make_user(Role.quality_monitor)
    db.session.commit()
    assert 'href="/eligibility"' in _page(client, monitor, "/quality")


def test_an_accepted_then_current_terms_provider_is_eligible_on_the_page(client, db):
    # Built step by step rather than by make_eligible_home: the gate opens on the page.
    terms = publish_terms()
    home = admit_home(make_home(name="Elm Court"), "MH")
    accept_terms(home.provider, terms)
    make_visit(home)
    officer = make_user(Role.contracts_officer)
    db.session.commit()

    html = _page(client, officer, "/eligibility")

    assert _rows(html) == [("MH", "Elm Court")]
    assert 'data-count="eligible">1<' in html


def test_the_eligibility_page_counts_each_reason(client, market):
    html = _page(client, market, "/eligibility")

    # Beech House has no visit and no terms accepted; Cedar House is suspended.
    counted = dict(re.findall(r'data-barrier-count="(\w+)">.*?>(\d+)<', html, re.S))
    assert counted == {"no_initial_visit": "1", "terms_not_accepted": "1", "home_suspended": "1"}


def test_the_counts_are_the_rule_s_answers_for_every_home_and_category(db):
    """The page counts in SQL; what it counts is what the gate answers, home by home."""
    from dps_portal.contracts.eligibility import eligibility_of
    from dps_portal.contracts.queries import admitted_homes_and_categories, eligibility_counts
    from tests.contracts.test_eligibility_sets import _county

    _county(2)
    # Terms that some accepted and others must still accept by a date passed.
    publish_terms(effective_on=date(2026, 1, 1), accept_by=date(2026, 3, 1))
    db.session.commit()
    pairs = admitted_homes_and_categories()
    answers = eligibility_of(pairs, date(2026, 3, 4))

    counts, by_category, by_barrier = eligibility_counts(today=date(2026, 3, 4))

    assert counts.pairs == len(pairs) > 20
    assert counts.eligible == sum(1 for answer in answers if answer.is_eligible)
    expected = {}
    for answer in answers:
        for barrier in answer.barriers:
            expected[barrier] = expected.get(barrier, 0) + 1
    assert dict(by_barrier) == expected
    assert len(expected) >= 8
    assert sum(each.pairs for _category, each in by_category) == counts.pairs


def test_not_eligible_only_is_filtered_and_paged_in_the_database(client, db):
    eligible = make_eligible_home("MH")
    eligible.name = "Aardvark House"
    waiting = [admit_home(make_home(name=f"Waiting {number:02d}"), "MH") for number in range(55)]
    officer = make_user(Role.contracts_officer)
    db.session.commit()
    sign_in(client, officer)

    first = client.get("/eligibility?not_eligible_only=y").get_data(as_text=True)
    second = client.get("/eligibility?not_eligible_only=y&page=2").get_data(as_text=True)

    shown = _rows(first) + _rows(second)
    assert len(_rows(first)) == 50 and len(_rows(second)) == 5
    assert sorted(name for _code, name in shown) == sorted(home.name for home in waiting)
    assert "55 care homes, not eligible only: page 1 of 2" in first
    assert 'data-count="pairs">56<' in second and 'data-count="eligible">1<' in second
