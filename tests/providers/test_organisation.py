"""The organisation profile: who may see and change it, validation, uniqueness, audit."""

import pytest

from dps_portal.audit.actions import AuditAction
from dps_portal.core.roles import STAFF_ROLES
from tests.conftest import sign_in
from tests.factories import make_framework, make_provider, make_user
from tests.providers.factories import (
    COMPLETE_ORGANISATION,
    audit_events,
    make_complete_provider,
    make_provider_user,
)

FORM = {"legal_name": "Peakland Care Ltd", "trading_name": "", **COMPLETE_ORGANISATION}


def test_the_profile_shows_the_users_own_organisation_and_its_users(client, db):
    mine = make_complete_provider(legal_name="Peakland Care Ltd")
    theirs = make_complete_provider(legal_name="Highmoor Specialist Ltd", postcode="DE4 3AG")
    user = make_provider_user(mine, full_name="Priya Provider")
    make_provider_user(mine, manages=False, full_name="Colin Colleague")
    make_provider_user(theirs, full_name="Other Person")
    db.session.commit()
    sign_in(client, user)
    page = client.get("/organisation").get_data(as_text=True)
    assert "Peakland Care Ltd" in page
    assert mine.companies_house_number in page
    assert "Priya Provider" in page and "Colin Colleague" in page
    assert "Highmoor" not in page and "Other Person" not in page and "DE4 3AG" not in page
    assert "Before you can apply" not in page
    assert 'href="/organisation/edit#postcode"' in page
    assert 'href="/organisation/colleagues/invite"' in page


def test_the_profile_lists_what_is_missing_before_applying(client, db):
    user = make_provider_user(make_provider(legal_name="New Care Ltd"))
    db.session.commit()
    sign_in(client, user)
    page = client.get("/organisation").get_data(as_text=True)
    assert "Before you can apply" in page
    assert (
        'href="/organisation/edit#companies_house_number">Enter the Companies House number' in page
    )


def test_a_manager_changes_the_details_and_they_are_stored_normalised(client, db):
    user = make_provider_user(make_provider(legal_name="Peakland Care Ltd"))
    db.session.commit()
    sign_in(client, user)
    assert client.get("/organisation/edit").status_code == 200
    form = {
        **FORM,
        "companies_house_number": "sc 123456",
        "postcode": "s40 4aa",
        "cqc_provider_id": " 1-102643096 ",
    }
    response = client.post("/organisation/edit", data=form)
    assert response.headers["Location"] == "/organisation"
    provider = user.provider
    db.session.refresh(provider)
    assert provider.companies_house_number == "SC123456"
    assert provider.postcode == "S40 4AA"
    assert provider.cqc_provider_id == "1-102643096"
    assert provider.signatory_role == "Director"
    page = client.get("/organisation").get_data(as_text=True)
    assert "Your organisation’s details have been saved." in page


def test_the_change_is_audited_with_only_the_changed_fields(client, db):
    provider = make_complete_provider(legal_name="Peakland Care Ltd", town="Chesterfield")
    user = make_provider_user(provider)
    db.session.commit()
    sign_in(client, user)
    unchanged = {field: getattr(provider, field) or "" for field in FORM}
    client.post("/organisation/edit", data={**unchanged, "town": "Matlock"})
    [event] = audit_events(AuditAction.provider_updated)
    assert event.actor_id == user.id
    assert (event.subject_type, event.subject_id) == ("provider_organisation", str(provider.id))
    assert event.before == {"town": "Chesterfield"}
    assert event.after == {"town": "Matlock"}
    # Saving again without a change records nothing new.
    client.post("/organisation/edit", data={**unchanged, "town": "Matlock"})
    assert len(audit_events(AuditAction.provider_updated)) == 1


def test_errors_are_shown_and_keep_what_was_typed(client, db):
    user = make_provider_user(make_provider(legal_name="Peakland Care Ltd"))
    db.session.commit()
    sign_in(client, user)
    form = {
        **FORM,
        "legal_name": "",
        "companies_house_number": "ABC1234",
        "cqc_provider_id": "2-12345",
        "postcode": "QQ1 1QQ",
        "email": "not-an-email",
        "phone": "call me",
        "signatory_name": "Sam Typed",
    }
    response = client.post("/organisation/edit", data=form)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "There is a problem" in page
    assert "<title>Error:" in page
    for message in [
        "Enter the organisation’s legal name",
        "Enter a Companies House number in the correct format",
        "Enter a CQC provider ID in the correct format, like 1-123456789",
        "Enter a real postcode, like S40 4AA",
        "Enter the contact’s email address in the correct format",
        "Enter a telephone number",
    ]:
        assert page.count(message) == 2, message  # in the summary and by the field
    for typed in [
        'value="ABC1234"',
        'value="2-12345"',
        'value="QQ1 1QQ"',
        'value="call me"',
        'value="Sam Typed"',
    ]:
        assert typed in page
    db.session.refresh(user.provider)
    assert user.provider.legal_name == "Peakland Care Ltd"
    assert user.provider.companies_house_number is None
    assert audit_events(AuditAction.provider_updated) == []


def test_details_can_be_saved_a_few_at_a_time(client, db):
    """Only the legal name is needed to save; blank identifiers stay NULL, so two
    organisations without one do not collide on the unique constraint."""
    make_provider(legal_name="Someone Else Ltd")
    user = make_provider_user(make_provider(legal_name="Peakland Care Ltd"))
    db.session.commit()
    sign_in(client, user)
    response = client.post(
        "/organisation/edit", data={"legal_name": "Peakland Care Ltd", "town": "Buxton"}
    )
    assert response.status_code == 302
    db.session.refresh(user.provider)
    assert user.provider.town == "Buxton"
    assert user.provider.companies_house_number is None
    assert user.provider.cqc_provider_id is None


@pytest.mark.parametrize(
    ("field", "typed", "words"),
    [
        ("companies_house_number", "07654321", "Companies House number"),
        ("cqc_provider_id", "1-999888777", "CQC provider ID"),
    ],
)
def test_an_identifier_another_organisation_has_is_refused(client, db, field, typed, words):
    make_framework(contact_email="contracts@testshire.gov.uk")
    make_provider(legal_name="First Care Ltd", **{field: typed})
    user = make_provider_user(make_provider(legal_name="Peakland Care Ltd"))
    db.session.commit()
    sign_in(client, user)
    response = client.post("/organisation/edit", data={**FORM, field: typed})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f"Another organisation in the portal has this {words}" in page
    assert "contact the Contracts team at contracts@testshire.gov.uk" in page
    assert f'value="{typed}"' in page
    db.session.refresh(user.provider)
    assert getattr(user.provider, field) is None
    assert user.provider.town == ""


def test_a_user_who_does_not_manage_the_organisation_cannot_change_it(client, db):
    provider = make_provider(legal_name="Peakland Care Ltd")
    user = make_provider_user(provider, manages=False)
    db.session.commit()
    sign_in(client, user)
    page = client.get("/organisation").get_data(as_text=True)
    assert "/organisation/edit" not in page
    assert "/organisation/colleagues/invite" not in page
    assert client.get("/organisation/edit").status_code == 403
    assert (
        client.post("/organisation/edit", data={**FORM, "legal_name": "Hijack"}).status_code == 403
    )
    db.session.refresh(provider)
    assert provider.legal_name == "Peakland Care Ltd"


def test_each_provider_changes_only_its_own_organisation(client, db):
    mine = make_provider(legal_name="Peakland Care Ltd")
    theirs = make_provider(legal_name="Highmoor Specialist Ltd")
    user = make_provider_user(mine)
    db.session.commit()
    sign_in(client, user)
    edit_page = client.get("/organisation/edit").get_data(as_text=True)
    assert 'value="Peakland Care Ltd"' in edit_page and "Highmoor" not in edit_page
    client.post("/organisation/edit", data={**FORM, "legal_name": "Renamed Ltd"})
    db.session.refresh(mine)
    db.session.refresh(theirs)
    assert mine.legal_name == "Renamed Ltd"
    assert theirs.legal_name == "Highmoor Specialist Ltd"


@pytest.mark.parametrize("path", ["/organisation", "/organisation/edit"])
def test_anonymous_people_are_sent_to_sign_in(client, db, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/sign-in")


@pytest.mark.parametrize("role", sorted(STAFF_ROLES))
@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/organisation"), ("GET", "/organisation/edit"), ("POST", "/organisation/edit")],
)
def test_staff_have_no_organisation_profile(client, db, role, method, path):
    staff = make_user(role)
    db.session.commit()
    sign_in(client, staff)
    assert client.open(path, method=method, data=FORM).status_code == 403
