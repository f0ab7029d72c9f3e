"""Sealed until the deadline: no page, download, notification, email or audit event shows a
bid's prices, answers or attachments (their content or their names) to anyone but its own
provider. Every GET route of the portal is
asked, by every role (an officer, an administrator, a monitor, another invited provider and
a provider that was not invited), with the ids of every record there is."""

import json
from datetime import UTC, datetime

import pytest
from flask import current_app
from sqlalchemy import select
from werkzeug.exceptions import Forbidden

from dps_portal.accounts.models import User
from dps_portal.audit.models import AuditEvent
from dps_portal.core import clock
from dps_portal.core.roles import Role
from dps_portal.documents.operations import record_download
from dps_portal.extensions import db as _db
from dps_portal.notifications.models import Notification, OutboxEmail
from dps_portal.tenders import operations, queries
from dps_portal.tenders.models import Bid, BidVersion, TenderClarification
from tests.conftest import sign_in
from tests.factories import make_user
from tests.tenders.factories import Market, bid_values, invitation_of, make_published_tender

NOW = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)
SECRET_ANSWER = "Zanzibar-secret-method"
# What the sealed bid's attached file holds, and its name.
SECRET_FILE = "Kilimanjaro-staffing-rota"
SECRET_NAME = "Serengeti-prices"
# The sealed bid's prices, as any page, email or trail could spell them.
SECRETS = (
    SECRET_ANSWER,
    "1987.65",
    "1,987.65",
    "2202.65",
    "2,202.65",
    "21.50",
    SECRET_FILE,
    SECRET_NAME,
)


@pytest.fixture(autouse=True)
def _now(db):
    with clock.frozen(NOW) as frozen:
        yield frozen


@pytest.fixture
def sealed(db):
    market = Market(providers=3)
    officer = make_user(Role.contracts_officer, password=None)
    tender = make_published_tender("MH", officer=officer)
    sealed_home, other_home = market.homes[0], market.homes[1]
    answers = {q.id: f"{SECRET_ANSWER} for question {q.position}" for q in tender.questions}
    owner = market.users[0]
    invitation = invitation_of(tender, sealed_home.provider)
    attached = operations.hold_bid_attachment(
        invitation,
        f"%PDF-1.4\n{SECRET_FILE}\n%%EOF\n".encode(),
        filename=f"{SECRET_NAME}.pdf",
        by=owner,
    )
    operations.submit_bid(
        invitation,
        **bid_values(tender, sealed_home, weekly_core_fee="1987.65", answers=answers),
        by=owner,
        attachment_ids=[attached.id],
    )
    # Its own provider reads it (the trail records the read, without the name).
    record_download(attached, by=owner)
    # A second version (carrying the attachment), and the other provider's own bid.
    operations.submit_bid(
        invitation,
        **bid_values(tender, sealed_home, weekly_core_fee="1987.65", answers=answers),
        by=owner,
    )
    other_invitation = invitation_of(tender, other_home.provider)
    operations.submit_bid(
        other_invitation,
        **bid_values(tender, other_home, weekly_core_fee="1500", extra_hourly_rate="18"),
        by=market.users[1],
    )
    question = operations.ask_clarification(invitation, question="Is a garden needed?", by=owner)
    operations.answer_clarification(question, answer="Yes.", is_public=True, by=officer)
    operations.record_viewed(invitation, by=owner)
    people = {
        "officer": officer,
        "administrator": make_user(Role.administrator, password=None),
        "monitor": make_user(Role.quality_monitor, password=None),
        "other invited provider": market.users[1],
        "provider not invited": make_user(Role.provider, password=None),
    }
    db.session.commit()
    return {
        "tender": tender,
        "owner": owner,
        "people": people,
        "invitation": invitation,
        "attached": attached,
    }


def _ids() -> dict[str, list]:
    """Every id a route might take, from the records there are."""
    from dps_portal.documents.models import StoredDocument
    from dps_portal.providers.models import CareHome, ProviderOrganisation

    def ids(model):
        return list(_db.session.scalars(select(model.id)))

    return {
        "tender_id": ids(__import__("dps_portal.tenders.models", fromlist=["Tender"]).Tender),
        "version_id": ids(BidVersion),
        "clarification_id": ids(TenderClarification),
        "event_id": ids(AuditEvent),
        "email_id": ids(OutboxEmail),
        "provider_id": ids(ProviderOrganisation),
        "home_id": ids(CareHome),
        "user_id": ids(User),
        "document_id": ids(StoredDocument),
    }


def _urls() -> list[str]:
    """Every GET route, once for each id its arguments can take (others get 1)."""
    from itertools import product

    ids = _ids()
    urls = []
    adapter = current_app.url_map.bind("localhost")
    for rule in current_app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        names = sorted(rule.arguments)
        choices = [ids.get(name) or [1] for name in names]
        for values in product(*choices):
            try:
                urls.append(adapter.build(rule.endpoint, dict(zip(names, values, strict=True))))
            except Exception:  # an argument that is not a number (a token, a section key)
                break
    return urls


@pytest.mark.parametrize(
    "who",
    ["officer", "administrator", "monitor", "other invited provider", "provider not invited"],
)
def test_no_route_shows_a_sealed_bid_to_anyone_but_its_provider(client, sealed, who):
    user = sealed["people"][who]
    sign_in(client, user)
    urls = _urls()
    assert any("/opportunities/" in url for url in urls)
    read = 0
    for url in urls:
        response = client.get(url, buffered=True)  # closes a sent file, as a server does
        body = response.data.decode("utf-8", errors="replace")  # PDFs and CSVs too
        for secret in SECRETS:
            assert secret not in body, (who, url, secret)
        read += response.status_code == 200
        sign_in(client, user)  # a route that signs out (or expires) is followed by the rest
    assert read >= 5, (who, read)


def test_the_same_walk_finds_the_bid_for_its_own_provider(client, sealed):
    """The check above can fail: its own provider's walk finds the prices and answers."""
    sign_in(client, sealed["owner"])
    found = set()
    for url in _urls():
        body = client.get(url, buffered=True).data.decode("utf-8", errors="replace")
        found |= {secret for secret in SECRETS if secret in body}
        sign_in(client, sealed["owner"])
    assert {SECRET_ANSWER, "1,987.65", "2,202.65", SECRET_FILE, SECRET_NAME} <= found


def test_its_own_provider_sees_its_bid(client, sealed):
    sign_in(client, sealed["owner"])
    page = client.get(f"/opportunities/{sealed['tender'].id}").get_data(as_text=True)
    assert "£1,987.65" in page and "£2,202.65" in page


def test_officers_see_counts_only(client, sealed):
    sign_in(client, sealed["people"]["officer"])
    page = client.get(f"/tenders/{sealed['tender'].id}").get_data(as_text=True)
    counts = page.split('id="response-counts"', 1)[1].split("</dl>", 1)[0]
    assert "Invited" in counts and ">3<" in counts.replace(" ", "").replace("\n", "")
    assert "Bids submitted" in counts
    listing = client.get("/tenders").get_data(as_text=True)
    assert "3 invited, 1 viewed, 0 declined, 2 bids" in listing


def test_the_door_to_bid_content_refuses_everyone_else(sealed, db):
    bid = db.session.scalars(select(Bid).where(Bid.invitation_id == sealed["invitation"].id)).one()
    assert len(queries.sealed_versions(bid, sealed["owner"])) == 2
    attached = queries.sealed_attachments(bid, sealed["owner"])
    assert [[d.id for d in documents] for documents in attached.values()] == [
        [sealed["attached"].id]
    ] * 2
    for user in sealed["people"].values():
        with pytest.raises(Forbidden):
            queries.sealed_versions(bid, user)
        with pytest.raises(Forbidden):
            queries.sealed_attachments(bid, user)


@pytest.mark.parametrize(
    "who",
    ["officer", "administrator", "monitor", "other invited provider", "provider not invited"],
)
def test_a_sealed_attachment_is_refused_by_every_download_route(client, sealed, who):
    """The walk above asks every route; these are the ones that could send the file."""
    sign_in(client, sealed["people"][who])
    document_id, tender_id = sealed["attached"].id, sealed["tender"].id
    for url in [
        f"/documents/{document_id}/download",
        f"/tenders/{tender_id}/bid-attachments/{document_id}",
        f"/opportunities/{tender_id}/attachments/{document_id}",
    ]:
        response = client.get(url, buffered=True)
        assert response.status_code in (403, 404), (who, url)
        assert SECRET_FILE not in response.get_data(as_text=True)


def test_no_notification_email_or_audit_event_holds_a_price_or_an_answer(sealed, db):
    texts = (
        [f"{n.title} {n.body}" for n in db.session.scalars(select(Notification))]
        + [
            f"{e.subject} {e.body_text} {e.body_html or ''}"
            for e in db.session.scalars(select(OutboxEmail))
        ]
        + [json.dumps([e.before, e.after]) for e in db.session.scalars(select(AuditEvent))]
    )
    assert texts
    for text in texts:
        for secret in SECRETS:
            assert secret not in text


def test_a_provider_reaches_only_its_own_receipts(client, sealed, db):
    versions = db.session.scalars(select(BidVersion).order_by(BidVersion.id)).all()
    other = sealed["people"]["other invited provider"]
    own_version = versions[0]
    sign_in(client, other)
    tender_id = sealed["tender"].id
    assert client.get(f"/opportunities/{tender_id}/receipts/{own_version.id}").status_code == 404
    assert (
        client.get(f"/opportunities/{tender_id}/receipts/{own_version.id}/content").status_code
        == 404
    )
    sign_in(client, sealed["owner"])
    assert client.get(f"/opportunities/{tender_id}/receipts/{own_version.id}").status_code == 200
