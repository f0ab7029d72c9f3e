"""Accepting the terms: only the authorised signatory, with password and confirmation; the
Provider Agreement PDF; and what acceptance does to the contract gate."""

import io
from datetime import date, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from dps_portal.accounts.models import LoginFailure, User
from dps_portal.audit.actions import AuditAction
from dps_portal.audit.models import AuditEvent
from dps_portal.contracts.eligibility import Barrier, eligibility
from dps_portal.contracts.models import TermsAcceptance
from dps_portal.contracts.terms import operations
from dps_portal.core.errors import OperationRefused
from dps_portal.documents.storage import read_document
from dps_portal.notifications.models import Notification
from tests.conftest import sign_in
from tests.contracts.factories import accept_terms, category, make_eligible_home, publish_terms
from tests.contracts.terms.factories import make_signing_provider, officer
from tests.factories import DEFAULT_PASSWORD
from tests.providers.factories import make_provider_user

SIGNING = {
    "signatory_name": "Samantha Signer",
    "signatory_role": "Managing Director",
    "confirm": "y",
    "password": DEFAULT_PASSWORD,
}


def _acceptances(db) -> list[TermsAcceptance]:
    return list(db.session.scalars(select(TermsAcceptance)))


def _pdf_text(document) -> str:
    reader = PdfReader(io.BytesIO(read_document(document)))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


@pytest.fixture
def signing(client, db, frozen_clock):
    """v1 in effect; a provider with its signatory signed in."""
    terms = publish_terms(effective_on=date(2026, 1, 1), accept_by=date(2026, 1, 1))
    provider, home, signatory = make_signing_provider(legal_name="Rosewood Care Ltd")
    db.session.commit()
    sign_in(client, signatory)
    return terms, provider, home, signatory


def test_the_signatory_accepts_and_the_provider_agreement_is_kept(client, db, signing):
    terms, provider, home, signatory = signing
    colleague = make_provider_user(provider, manages=False)
    contracts_officer = officer()
    db.session.commit()

    page = client.get(f"/contract/{terms.id}/accept").get_data(as_text=True)
    assert "I confirm I am authorised to sign for Rosewood Care Ltd and accept these terms" in page
    assert "1. The provider shall deliver care" in page
    assert 'value="Sam Signer"' in page  # the name is offered, to be corrected

    response = client.post(f"/contract/{terms.id}/accept", data=SIGNING)
    assert response.status_code == 302
    assert response.headers["Location"] == "/contract"

    [acceptance] = _acceptances(db)
    assert acceptance.provider_id == provider.id
    assert acceptance.accepted_by_id == signatory.id
    assert acceptance.signatory_name == "Samantha Signer"
    assert acceptance.signatory_role == "Managing Director"
    assert acceptance.ip_address == "127.0.0.1"
    document = acceptance.agreement_document
    assert document.kind == "provider_agreement"
    assert document.provider_id == provider.id

    text = _pdf_text(document)
    for expected in (
        "Provider Agreement",
        "Rosewood Care Ltd",
        provider.companies_house_number,
        "1 Market Place",
        "Rosewood House",
        home.cqc_location_id,
        "Mental Health",
        "Learning Disabilities",
        "£1,250.00",
        "£1,375.50",
        "Version 1: Terms and conditions, version 1",
        "1. The provider shall deliver care",
        "Samantha Signer",
        "Managing Director",
        "3 March 2026 at 10:00am (GMT)",
        "127.0.0.1",
    ):
        assert expected in text, expected
    assert "Enhanced" not in text  # not admitted to it

    [event] = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == AuditAction.terms_accepted)
    ).all()
    assert event.after["ip_address"] == "127.0.0.1"
    assert event.after["agreement_document_id"] == document.id
    told = {n.user_id for n in db.session.scalars(select(Notification))}
    assert {signatory.id, colleague.id, contracts_officer.id} <= told

    page = client.get("/contract").get_data(as_text=True)
    assert "Accepted" in page and "Samantha Signer" in page
    assert f"/documents/{document.id}/download" in page


def test_the_agreement_downloads_for_its_provider_and_not_for_another(client, db, signing):
    terms, _provider, _home, _signatory = signing
    client.post(f"/contract/{terms.id}/accept", data=SIGNING)
    [acceptance] = _acceptances(db)
    url = f"/documents/{acceptance.agreement_document_id}/download"

    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    response.close()

    other = make_provider_user()
    db.session.commit()
    sign_in(client, other)
    response = client.get(url)
    assert response.status_code == 404
    response.close()


def test_a_user_who_does_not_manage_the_organisation_cannot_accept(client, db, signing):
    terms, provider, _home, _signatory = signing
    clerk = make_provider_user(provider, manages=False)
    db.session.commit()
    sign_in(client, clerk)

    page = client.get(f"/contract/{terms.id}/accept").get_data(as_text=True)
    assert "Only your organisation’s authorised signatory can accept the terms" in page
    assert "Sam Signer" in page  # who can
    assert 'name="password"' not in page
    assert client.post(f"/contract/{terms.id}/accept", data=SIGNING).status_code == 403
    assert _acceptances(db) == []
    with pytest.raises(OperationRefused, match="manages"):
        operations.accept_terms(
            provider, terms, by=clerk, signatory_name="Clerk", signatory_role="", ip_address=""
        )


def test_another_organisation_cannot_accept_for_this_one(client, db, signing):
    terms, provider, _home, _signatory = signing
    other = make_provider_user(full_name="Olga Other")
    db.session.commit()
    sign_in(client, other)
    # The page acts for the signed-in user's own organisation only.
    client.post(f"/contract/{terms.id}/accept", data=SIGNING)
    assert [a.provider_id for a in _acceptances(db)] == [other.provider_id]
    with pytest.raises(OperationRefused, match="Only a user of the organisation"):
        operations.accept_terms(
            provider, terms, by=other, signatory_name="Olga", signatory_role="", ip_address=""
        )
    assert [a.provider_id for a in _acceptances(db)] == [other.provider_id]


def test_a_wrong_password_is_refused_and_the_other_answers_kept(client, db, signing):
    terms, *_ = signing
    response = client.post(
        f"/contract/{terms.id}/accept", data={**SIGNING, "password": "not my password"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "The password is not right" in page
    assert 'value="Samantha Signer"' in page
    assert 'value="Managing Director"' in page
    assert "not my password" not in page
    assert _acceptances(db) == []


def test_wrong_passwords_on_the_terms_count_towards_the_sign_in_lockout(
    client, db, signing, frozen_clock
):
    terms, _provider, _home, signatory = signing
    wrong = {**SIGNING, "password": "not my password"}
    # Nine wrong while signing and one at the sign-in form make ten: the account locks.
    for _ in range(9):
        frozen_clock.advance(timedelta(seconds=20))
        page = client.post(f"/contract/{terms.id}/accept", data=wrong).get_data(as_text=True)
        assert "The password is not right" in page
    other_browser = client.application.test_client()
    other_browser.post(
        "/account/sign-in", data={"email": signatory.email, "password": "not my password"}
    )
    db.session.expire_all()
    assert db.session.get(User, signatory.id).is_locked()

    # While locked, the right password signs nothing, and the person is told why.
    response = client.post(f"/contract/{terms.id}/accept", data=SIGNING)
    assert response.status_code == 200
    assert "Your account is locked after too many wrong passwords" in response.get_data(
        as_text=True
    )
    assert _acceptances(db) == []
    refused = other_browser.post(
        "/account/sign-in", data={"email": signatory.email, "password": DEFAULT_PASSWORD}
    )
    assert refused.status_code == 200, "the right password must not sign in while locked"

    failures = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == AuditAction.sign_in_failed.value)
    ).all()
    assert [e.after.get("asked_for") for e in failures].count(
        "accepting terms and conditions"
    ) == 10

    # Once the lock has passed, the right password signs.
    frozen_clock.advance(timedelta(minutes=15, seconds=1))
    assert client.post(f"/contract/{terms.id}/accept", data=SIGNING).status_code == 302
    assert len(_acceptances(db)) == 1


def test_ten_wrong_passwords_on_the_terms_alone_lock_the_account(client, db, signing, frozen_clock):
    terms, _provider, _home, signatory = signing
    for _ in range(10):
        frozen_clock.advance(timedelta(seconds=20))
        client.post(f"/contract/{terms.id}/accept", data={**SIGNING, "password": "guess"})
    db.session.expire_all()
    assert db.session.get(User, signatory.id).is_locked()
    assert db.session.scalar(select(func.count(LoginFailure.id))) == 10


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("confirm", "Confirm that you are authorised to sign for your organisation"),
        ("signatory_name", "Enter your full name"),
        ("signatory_role", "Enter your role or job title"),
        ("password", "Enter your password"),
    ],
)
def test_each_part_of_the_signature_is_required(client, db, signing, missing, message):
    terms, *_ = signing
    data = {key: value for key, value in SIGNING.items() if key != missing}
    response = client.post(f"/contract/{terms.id}/accept", data=data)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert _acceptances(db) == []


def test_accepting_again_is_refused_politely(client, db, signing):
    terms, provider, _home, signatory = signing
    assert client.post(f"/contract/{terms.id}/accept", data=SIGNING).status_code == 302
    response = client.post(f"/contract/{terms.id}/accept", data=SIGNING, follow_redirects=True)
    assert "Rosewood Care Ltd has already accepted terms and conditions v1" in response.get_data(
        as_text=True
    )
    assert len(_acceptances(db)) == 1
    with pytest.raises(OperationRefused, match="already accepted"):
        operations.accept_terms(
            provider, terms, by=signatory, signatory_name="S", signatory_role="", ip_address=""
        )


def test_a_version_not_yet_in_effect_can_be_accepted_early(client, db, signing):
    _v1, _provider, _home, _signatory = signing
    v2 = publish_terms(effective_on=date(2026, 6, 1), accept_by=date(2026, 7, 1))
    db.session.commit()
    page = client.get("/contract").get_data(as_text=True)
    assert "Coming next: v2" in page
    assert "1 June 2026" in page
    assert client.post(f"/contract/{v2.id}/accept", data=SIGNING).status_code == 302
    assert [a.terms_version.version for a in _acceptances(db)] == [2]


def test_a_version_of_no_framework_in_use_is_not_found(client, db, signing):
    assert client.get("/contract/999999/accept").status_code == 404


def test_the_contract_page_warns_within_the_grace_period(client, db, signing):
    v1, provider, _home, _signatory = signing
    accept_terms(provider, v1)
    publish_terms(effective_on=date(2026, 3, 1), accept_by=date(2026, 3, 31))
    db.session.commit()
    page = client.get("/contract").get_data(as_text=True)
    assert "Current terms and conditions: v2" in page
    assert "Not accepted" in page
    assert "accept them by 31 March 2026" in page
    home = client.get("/provider").get_data(as_text=True)
    assert "Read and accept terms and conditions v2" in home


def test_the_dashboard_alert_goes_once_the_terms_are_accepted(client, db, signing):
    terms, *_ = signing
    page = client.get("/provider").get_data(as_text=True)
    assert "Read and accept terms and conditions v1" in page
    client.post(f"/contract/{terms.id}/accept", data=SIGNING)
    assert "Read and accept terms and conditions" not in client.get("/provider").get_data(
        as_text=True
    )


# The contract gate.


def test_a_new_version_past_its_accept_by_date_makes_non_accepting_providers_ineligible(
    db, frozen_clock
):
    home = make_eligible_home("MH")
    mental_health = category("MH")
    today = date(2026, 3, 3)
    assert eligibility(home, mental_health, today).is_eligible

    v2 = publish_terms(effective_on=date(2026, 2, 1), accept_by=date(2026, 3, 20))
    within_grace = eligibility(home, mental_health, today)
    assert within_grace.is_eligible
    assert within_grace.warnings == [
        "Terms and conditions v2 not accepted: accept them by 20 March 2026"
    ]

    past = eligibility(home, mental_health, date(2026, 3, 21))
    assert past.barriers == {Barrier.terms_not_accepted}

    signatory = make_provider_user(home.provider)
    operations.accept_terms(
        home.provider,
        v2,
        by=signatory,
        signatory_name="Sam Signer",
        signatory_role="Director",
        ip_address="203.0.113.9",
    )
    assert eligibility(home, mental_health, date(2026, 3, 21)).is_eligible


def test_a_replaced_version_is_not_offered_for_acceptance(client, db, signing):
    v1, *_ = signing
    publish_terms(effective_on=date(2026, 2, 1), accept_by=date(2026, 3, 31))
    db.session.commit()
    response = client.post(f"/contract/{v1.id}/accept", data=SIGNING, follow_redirects=True)
    assert "Terms and conditions v1 have been replaced: accept terms and conditions v2" in (
        response.get_data(as_text=True)
    )
    assert _acceptances(db) == []
