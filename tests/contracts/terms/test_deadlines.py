"""By when a provider must accept the terms, as its pages and messages say it: a version's
accept-by date ends the grace an earlier acceptance gives, so a provider that has accepted
no version is given no date (its homes wait for its acceptance); and the signatory's role is
filled in from what the portal knows."""

from datetime import date

import pytest
from sqlalchemy import select

from dps_portal.contracts.terms.queries import accept_by_for
from dps_portal.contracts.terms.tasks import remind_terms_to_accept
from dps_portal.notifications.models import Notification
from tests.conftest import sign_in
from tests.contracts.factories import accept_terms, publish_terms
from tests.contracts.terms.factories import make_signing_provider
from tests.onboarding.helpers import page_text
from tests.providers.factories import make_provider_user


@pytest.fixture
def new_provider(client, db, frozen_clock):
    """v1 in effect since 2024 with an accept-by date long past; a provider that has
    accepted nothing, its signatory signed in."""
    terms = publish_terms(effective_on=date(2024, 4, 1), accept_by=date(2024, 4, 1))
    provider, _home, signatory = make_signing_provider(legal_name="Rosewood Care Ltd")
    db.session.commit()
    sign_in(client, signatory)
    return terms, provider, signatory


def _html(response) -> str:
    return " ".join(response.get_data(as_text=True).split())


@pytest.mark.parametrize(
    ("accepted", "expected"),
    [
        (set(), None),  # none accepted: no date, the homes wait
        ({1}, date(2026, 3, 31)),  # an earlier version: its grace ends then
        ({2}, None),  # this one: nothing to do
        ({1, 2}, None),
    ],
)
def test_the_accept_by_date_binds_only_providers_that_accepted_another_version(
    db, accepted, expected
):
    publish_terms(effective_on=date(2026, 1, 1))
    v2 = publish_terms(effective_on=date(2026, 3, 1), accept_by=date(2026, 3, 31))
    assert accept_by_for(v2, accepted) == expected


def test_a_new_provider_is_given_no_past_deadline(client, new_provider):
    terms, _provider, _signatory = new_provider

    page = page_text(client.get("/contract"))
    assert "Accept by" not in page
    assert "1 April 2024" in page  # the effective date, still shown
    assert page.count("1 April 2024") == 1
    assert (
        "There is no deadline, but your homes cannot receive placements until your "
        "organisation accepts them." in page
    )

    page = page_text(client.get(f"/contract/{terms.id}/accept"))
    assert "must be accepted by" not in page
    assert "They took effect on 1 April 2024. Your homes can receive placements only once" in page


def test_a_provider_in_its_grace_is_given_the_date(client, db, new_provider):
    v1, provider, _signatory = new_provider
    accept_terms(provider, v1)
    v2 = publish_terms(effective_on=date(2026, 3, 1), accept_by=date(2026, 3, 31))
    db.session.commit()

    page = page_text(client.get("/contract"))
    assert "Accept by 31 March 2026" in page
    assert "There is no deadline" not in page

    page = page_text(client.get(f"/contract/{v2.id}/accept"))
    assert "They took effect on 1 March 2026 and must be accepted by 31 March 2026." in page


def test_a_provider_past_its_grace_sees_the_date_it_missed(client, db, new_provider):
    v1, provider, _signatory = new_provider
    accept_terms(provider, v1)
    publish_terms(effective_on=date(2026, 2, 1), accept_by=date(2026, 2, 28))
    db.session.commit()

    page = page_text(client.get("/contract"))
    assert "Accept by 28 February 2026" in page
    assert "(they had to be accepted by 28 February 2026)" in page
    assert "There is no deadline" not in page


def test_accepted_terms_show_no_date_to_meet(client, db, new_provider):
    v1, provider, _signatory = new_provider
    accept_terms(provider, v1)
    db.session.commit()

    page = page_text(client.get("/contract"))
    assert "Accepted" in page
    assert "Accept by" not in page


@pytest.mark.parametrize(("has_accepted_v1", "dated"), [(True, True), (False, False)])
def test_the_next_version_is_dated_only_for_a_provider_that_accepted_one(
    client, db, new_provider, has_accepted_v1, dated
):
    v1, provider, _signatory = new_provider
    if has_accepted_v1:
        accept_terms(provider, v1)
    publish_terms(effective_on=date(2026, 6, 1), accept_by=date(2026, 7, 1))
    db.session.commit()

    page = page_text(client.get("/contract"))
    assert "Coming next: v2" in page
    assert "take effect on 1 June 2026" in page
    assert ("must be accepted by 1 July 2026" in page) is dated


# The signatory's role.


def _role_field(client, terms) -> tuple[str, str]:
    page = _html(client.get(f"/contract/{terms.id}/accept"))
    start = page.index('name="signatory_role"')
    tag = page[page.rindex("<input", 0, start) : page.index(">", start)]
    hint_start = page.find('id="signatory_role-hint"')
    if hint_start == -1:
        return tag, ""
    return tag, page[page.index(">", hint_start) + 1 : page.index("</div>", hint_start)].strip()


def test_the_named_signatory_finds_their_role_filled_in(client, new_provider):
    terms, _provider, _signatory = new_provider  # Sam Signer, named in the organisation
    tag, hint = _role_field(client, terms)
    assert 'value="Director"' in tag
    assert hint == ""


def test_another_manager_is_told_whose_role_was_filled_in(client, db, new_provider):
    terms, provider, _signatory = new_provider
    colleague = make_provider_user(provider, full_name="Kim Other", email="kim@example.org")
    db.session.commit()
    sign_in(client, colleague)

    tag, hint = _role_field(client, terms)
    assert 'value="Director"' in tag
    assert hint == (
        "Filled in from your organisation’s details, which name Sam Signer (Director) as its "
        "authorised signatory. Change it if your role is different."
    )


def test_a_user_who_signed_before_finds_the_role_they_gave(client, db, new_provider):
    v1, provider, signatory = new_provider
    earlier = accept_terms(provider, v1, by=signatory)
    earlier.signatory_role = "Operations director"
    v2 = publish_terms(effective_on=date(2026, 3, 1), accept_by=date(2026, 3, 31))
    db.session.commit()

    tag, hint = _role_field(client, v2)
    assert 'value="Operations director"' in tag
    assert hint == ""


# What providers are told.


def test_publishing_tells_a_provider_that_accepted_none_without_a_date(db, frozen_clock):
    from dps_portal.contracts.terms import operations
    from tests.contracts.terms.factories import officer
    from tests.onboarding.factories import ready_framework

    v1 = publish_terms(effective_on=date(2026, 1, 1))
    bound, _home, bound_signatory = make_signing_provider()
    accept_terms(bound, v1, by=bound_signatory)
    _fresh, _home, fresh_signatory = make_signing_provider()
    operations.publish_terms(
        ready_framework(),
        title="Version two",
        summary="Clause 4.",
        body="1. Care.",
        effective_on=date(2026, 4, 1),
        accept_by=date(2026, 4, 30),
        by=officer(),
    )

    titles = {n.user_id: (n.title, n.body) for n in db.session.scalars(select(Notification))}
    title, body = titles[bound_signatory.id]
    assert title == "New terms and conditions v2: accept them by 30 April 2026"
    title, body = titles[fresh_signatory.id]
    assert title == "New terms and conditions v2: accept them so your homes can receive placements"
    assert "30 April 2026" not in body
    assert "Your homes cannot receive new placements until" in body


def test_the_reminder_to_a_provider_that_accepted_none_gives_no_date(db, frozen_clock):
    from datetime import UTC, datetime

    publish_terms(effective_on=date(2026, 1, 1), accept_by=date(2026, 1, 31))
    _provider, _home, signatory = make_signing_provider()

    assert remind_terms_to_accept(datetime(2026, 3, 3, 8, 10, tzinfo=UTC)) == {
        "due_soon": 0,
        "overdue": 1,
    }
    [note] = db.session.scalars(select(Notification)).all()
    assert note.user_id == signatory.id
    assert note.title == "Accept terms and conditions v1 so your homes can receive placements"
    assert "31 January 2026" not in note.body
