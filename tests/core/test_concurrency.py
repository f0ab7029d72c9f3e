"""Two simultaneous requests for one change, on SQLite as on PostgreSQL: exactly one succeeds
and the other is told why, never a 500 and never the change made twice (issue 10, item 4)."""

from datetime import date

import pytest
from sqlalchemy import func, select

from dps_portal.audit.models import AuditEvent
from dps_portal.contracts import operations as contracts
from dps_portal.contracts.models import Suspension, SuspensionState, TermsAcceptance
from dps_portal.contracts.terms import operations as terms_operations
from dps_portal.core.roles import Role
from dps_portal.documents.models import StoredDocument
from dps_portal.notifications.models import Notification
from dps_portal.onboarding.review import queries as review_queries
from tests.concurrency import at_once, pausing
from tests.conftest import sign_in
from tests.contracts.factories import make_eligible_home, publish_terms
from tests.contracts.terms.factories import make_signing_provider
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.onboarding.review.factories import (
    carried_inputs,
    decision_data,
    make_received_application,
    review_every_section,
)
from tests.providers.factories import make_provider_user


def _as(user):
    return lambda client: sign_in(client, user)


def _events(db, action: str) -> int:
    return db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
    )


def test_two_officers_lifting_one_suspension_at_once_lift_it_once(app, db, monkeypatch):
    home = make_eligible_home("MH")
    first = make_user(Role.contracts_officer, full_name="First Officer")
    second = make_user(Role.contracts_officer, full_name="Second Officer")
    make_user(Role.provider, provider=home.provider)
    suspension = contracts.suspend(home.provider, home, reason="Safeguarding", by=first)
    db.session.commit()
    url = f"/suspensions/{suspension.id}/lift"
    monkeypatch.setattr(contracts, "_required", pausing(contracts._required))

    pages = at_once(
        app,
        [(_as(first), url, {"reason": "Resolved"}), (_as(second), url, {"reason": "Also"})],
    )

    assert [page.status_code for page in pages] == [200, 200], pages
    texts = [page.get_data(as_text=True) for page in pages]
    assert sum("The suspension is lifted. The provider has been told." in t for t in texts) == 1
    assert any(
        "Someone else has already acted on this suspension" in text
        or "This suspension is lifted on" in text
        for text in texts
    ), [t[t.find("<main") : t.find("</main>")] for t in texts]
    db.session.expire_all()
    assert db.session.get(Suspension, suspension.id).state is SuspensionState.lifted
    assert _events(db, "suspension.lifted") == 1
    told = db.session.scalars(
        select(Notification.user_id).where(Notification.title.like("Suspension lifted%"))
    ).all()
    assert told and len(told) == len(set(told))


def test_two_officers_confirming_one_decision_at_once_decide_it_once(
    app, client, db, monkeypatch, framework, frozen_clock
):
    application = make_received_application()
    first = make_user(Role.contracts_officer, full_name="Ann Officer")
    second = make_user(Role.contracts_officer, full_name="Bob Officer")
    review_every_section(application, first)
    db.session.commit()
    url = f"/review/applications/{application.id}/decision"
    sign_in(client, first)
    checked = client.post(url, data=decision_data(application, MH="admit", LDA="admit"))
    assert "Check your decision" in checked.get_data(as_text=True)
    confirmation = carried_inputs(checked)
    monkeypatch.setattr(review_queries, "review_state", pausing(review_queries.review_state))

    pages = at_once(
        app,
        [
            (_as(first), f"{url}/confirm", confirmation),
            (_as(second), f"{url}/confirm", confirmation),
        ],
    )

    assert [page.status_code for page in pages] == [200, 200], pages
    texts = [page.get_data(as_text=True) for page in pages]
    assert sum("Your decisions have been recorded" in text for text in texts) == 1
    assert (
        sum(
            f"Application {application.reference} was already decided by" in text
            or "is not waiting for a decision" in text
            for text in texts
        )
        == 1
    ), texts
    assert _events(db, "application.decided") == 1
    notices = select(func.count()).where(StoredDocument.kind == "decision_notice")
    assert db.session.scalar(notices) == 1


def test_two_signatories_accepting_at_once_accept_once(app, db, monkeypatch, frozen_clock):
    terms = publish_terms(effective_on=date(2026, 1, 1), accept_by=date(2026, 1, 1))
    provider, _home, signatory = make_signing_provider(legal_name="Rosewood Care Ltd")
    other = make_provider_user(provider, full_name="Other Signer")
    db.session.commit()
    url = f"/contract/{terms.id}/accept"
    signing = {
        "signatory_role": "Director",
        "confirm": "y",
        "password": DEFAULT_PASSWORD,
    }
    monkeypatch.setattr(
        terms_operations.queries,
        "acceptance_of",
        pausing(terms_operations.queries.acceptance_of),
    )

    pages = at_once(
        app,
        [
            (_as(signatory), url, {**signing, "signatory_name": "Sam Signer"}),
            (_as(other), url, {**signing, "signatory_name": "Other Signer"}),
        ],
    )

    assert [page.status_code for page in pages] == [200, 200], pages
    texts = [page.get_data(as_text=True) for page in pages]
    refused = [text for text in texts if "has already accepted" in text]
    assert len(refused) == 1, texts
    assert db.session.scalar(select(func.count()).select_from(TermsAcceptance)) == 1
    assert _events(db, "terms.accepted") == 1


@pytest.fixture(autouse=True)
def _no_leftover_lock(db):
    """A test that failed half-way must not leave the next one waiting for a lock."""
    yield
    db.session.rollback()


def test_a_unique_row_raced_to_gets_a_message_not_an_error_page(
    client, db, monkeypatch, frozen_clock
):
    """Had the lock missed the race, the database's unique constraint refuses the second
    acceptance: the person is told, and nothing of the second request is kept."""
    terms = publish_terms(effective_on=date(2026, 1, 1), accept_by=date(2026, 1, 1))
    _provider, _home, signatory = make_signing_provider(legal_name="Rosewood Care Ltd")
    db.session.commit()
    sign_in(client, signatory)
    url = f"/contract/{terms.id}/accept"
    signing = {"signatory_name": "Sam Signer", "signatory_role": "Director", "confirm": "y"}
    assert client.post(url, data={**signing, "password": DEFAULT_PASSWORD}).status_code == 302
    events_before = _events(db, "terms.accepted")
    # The check that would have seen the first acceptance misses it, as in a race.
    monkeypatch.setattr(terms_operations.queries, "acceptance_of", lambda *_args: None)

    page = client.post(url, data={**signing, "password": DEFAULT_PASSWORD}, follow_redirects=True)

    assert page.status_code == 200
    assert "someone else made the same change at the same moment" in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(TermsAcceptance)) == 1
    assert _events(db, "terms.accepted") == events_before
