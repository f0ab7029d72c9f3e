"""The provider home page's "Before you apply" checklist."""

from tests.conftest import sign_in
from tests.factories import make_home, make_provider
from tests.providers.factories import (
    make_complete_home,
    make_complete_provider,
    make_provider_user,
)


def test_a_new_provider_is_told_what_to_give_with_links(client, db, framework):
    user = make_provider_user(make_provider(legal_name="New Care Ltd"))
    db.session.commit()
    sign_in(client, user)
    page = client.get("/provider").get_data(as_text=True)
    assert "Before you apply" in page
    assert (
        '<a class="govuk-link" href="/organisation/edit#companies_house_number">'
        "Enter the Companies House number</a>" in page
    )
    assert 'href="/homes/add">Add at least one care home</a>' in page
    assert 'href="/homes/add"' in page


def test_each_homes_gaps_link_to_its_form(client, db, framework):
    provider = make_complete_provider()
    home = make_home(provider, name="Ashgate Lodge")
    user = make_provider_user(provider)
    db.session.commit()
    sign_in(client, user)
    page = client.get("/provider").get_data(as_text=True)
    assert "Enter the Companies House number" not in page
    assert "Add at least one care home" not in page
    link = f'href="/homes/{home.id}/edit#district_id">'
    assert f"{link}Ashgate Lodge: Select the district the home is in</a>" in page
    assert f'href="/homes/{home.id}">Ashgate Lodge</a>' in page


def test_a_user_who_cannot_manage_is_told_to_ask_a_colleague(client, db, framework):
    user = make_provider_user(make_provider(), manages=False)
    db.session.commit()
    sign_in(client, user)
    page = client.get("/provider").get_data(as_text=True)
    assert "Enter the Companies House number" in page
    assert "/organisation/edit" not in page
    assert "Ask a colleague who manages your organisation" in page


def test_a_ready_provider_is_told_so(client, db, framework):
    provider = make_complete_provider()
    make_complete_home(provider, framework)
    user = make_provider_user(provider)
    db.session.commit()
    sign_in(client, user)
    page = client.get("/provider").get_data(as_text=True)
    assert "have all the details an application needs" in page
    assert "/organisation/edit#" not in page
