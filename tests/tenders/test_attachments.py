"""Attachments: an officer's documents with a draft placement request, which invitees (and
only they) download once it is published; a provider's documents with its bid, sealed with
it: kept as the bidder's own, refused by the generic download to staff, read by officers
only through the seal once the bids are opened, carried from version to version, and kept
on the page when a bid is refused, late ones included."""

import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from dps_portal.audit.models import AuditEvent
from dps_portal.core import clock
from dps_portal.core.errors import OperationRefused
from dps_portal.core.roles import Role
from dps_portal.documents.models import StoredDocument
from dps_portal.tenders import operations
from dps_portal.tenders.evaluation.operations import open_bids
from dps_portal.tenders.models import BidAttachment, BidVersion, TenderAttachment
from tests.conftest import sign_in
from tests.documents import samples
from tests.factories import make_provider, make_user
from tests.tenders.factories import (
    Market,
    bid_form,
    bid_values,
    invitation_of,
    make_published_tender,
    make_tender,
    sign_in_again,
)

NOW = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)
PLAN = b"%PDF-1.4\nCare and support plan of MH-2026-014\n%%EOF\n"
METHOD = b"%PDF-1.4\nOur staffing method statement\n%%EOF\n"


@pytest.fixture(autouse=True)
def _now(db):
    with clock.frozen(NOW) as frozen:
        yield frozen


def _events(db, action: str) -> list[AuditEvent]:
    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    ).all()


def _upload(client, url: str, data: bytes, name: str, **fields):
    return client.post(
        url,
        data={**fields, "document": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def _download(client, url: str):
    return client.get(url, buffered=True)


# The request's attachments.


@pytest.fixture
def draft(db):
    officer = make_user(Role.contracts_officer, password=None)
    tender = make_tender(officer=officer)
    db.session.commit()
    return tender, officer


def test_an_officer_attaches_documents_to_a_draft_their_type_read_from_the_content(
    client, db, draft
):
    tender, officer = draft
    sign_in(client, officer)
    url = f"/tenders/{tender.id}/attachments"
    assert "No documents attached yet" in client.get(url).get_data(as_text=True)
    # A PDF named as text is kept as the PDF it is.
    response = _upload(client, url, PLAN, "plan.txt", description="Care and support plan")
    assert response.status_code == 302
    attachment = db.session.scalars(select(TenderAttachment)).one()
    document = attachment.document
    assert (document.kind, document.provider_id, document.media_type) == (
        "tender_attachment",
        None,
        "application/pdf",
    )
    assert document.download_filename == "plan.pdf"
    page = client.get(url).get_data(as_text=True)
    assert "Care and support plan" in page and "is attached" in page
    [event] = _events(db, "tender.attachment_added")
    assert event.actor_id == officer.id and event.after["document_id"] == document.id
    # The draft's page lists it, and its officer downloads it.
    assert "Care and support plan" in client.get(f"/tenders/{tender.id}").get_data(as_text=True)
    assert _download(client, f"/documents/{document.id}/download").data == PLAN


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (samples.exe_bytes(), "plan.pdf", "must be a PDF, Word document"),
        (samples.HTML_PAGE, "plan.pdf", "must be a PDF, Word document"),
        (b"", "plan.pdf", "The selected file is empty"),
    ],
)
def test_a_file_that_is_not_a_document_is_refused_and_the_description_kept(
    client, db, draft, data, name, message
):
    tender, officer = draft
    sign_in(client, officer)
    response = _upload(
        client, f"/tenders/{tender.id}/attachments", data, name, description="Risk assessment"
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page and "Risk assessment" in page
    assert db.session.scalars(select(StoredDocument)).all() == []


def test_an_officer_removes_an_attachment_from_a_draft(client, db, draft):
    tender, officer = draft
    attachment = operations.attach_to_tender(
        tender, PLAN, filename="plan.pdf", description="", by=officer
    )
    document_id = attachment.document_id
    db.session.commit()
    sign_in(client, officer)
    response = client.post(f"/tenders/{tender.id}/attachments/{document_id}/remove")
    assert response.status_code == 302
    assert db.session.scalars(select(TenderAttachment)).all() == []
    # The stored document is kept, as every one is; the trail says what was removed.
    assert db.session.get(StoredDocument, document_id) is not None
    [event] = _events(db, "tender.attachment_removed")
    assert event.before["document_id"] == document_id
    # Another tender's document, or none, is not found.
    assert client.post(f"/tenders/{tender.id}/attachments/{document_id}/remove").status_code == 404


def test_a_published_tenders_attachments_cannot_change(client, db):
    Market(providers=1)
    officer = make_user(Role.contracts_officer, password=None)
    tender = make_tender(officer=officer)
    attachment = operations.attach_to_tender(
        tender, PLAN, filename="plan.pdf", description="", by=officer
    )
    operations.publish_tender(tender, by=officer)
    db.session.commit()
    with pytest.raises(OperationRefused, match="only a draft"):
        operations.attach_to_tender(tender, PLAN, filename="x.pdf", description="", by=officer)
    with pytest.raises(OperationRefused, match="only a draft"):
        operations.remove_tender_attachment(tender, attachment, by=officer)
    db.session.rollback()
    sign_in(client, officer)
    response = client.get(f"/tenders/{tender.id}/attachments")
    assert response.status_code == 302
    response = client.post(f"/tenders/{tender.id}/attachments/{attachment.document_id}/remove")
    assert response.status_code == 302
    assert len(db.session.scalars(select(TenderAttachment)).all()) == 1


def test_a_draft_takes_at_most_ten_attachments(db, draft):
    tender, officer = draft
    for number in range(operations.MAX_TENDER_ATTACHMENTS):
        operations.attach_to_tender(
            tender, PLAN + bytes([number]), filename="plan.pdf", description="", by=officer
        )
    with pytest.raises(OperationRefused, match="up to 10 attachments"):
        operations.attach_to_tender(tender, PLAN, filename="plan.pdf", description="", by=officer)


@pytest.fixture
def published(db):
    market = Market(providers=2)
    officer = make_user(Role.contracts_officer, password=None)
    tender = make_tender(officer=officer)
    attachment = operations.attach_to_tender(
        tender, PLAN, filename="plan.pdf", description="Care and support plan", by=officer
    )
    operations.publish_tender(tender, by=officer)
    other = make_published_tender("MH", officer=officer)
    db.session.commit()
    return {
        "tender": tender,
        "other_tender": other,
        "officer": officer,
        "market": market,
        "document_id": attachment.document_id,
    }


def test_invitees_read_and_download_the_requests_attachments(client, db, published):
    tender = published["tender"]
    invitee = published["market"].users[0]
    sign_in(client, invitee)
    page = client.get(f"/opportunities/{tender.id}").get_data(as_text=True)
    url = f"/opportunities/{tender.id}/attachments/{published['document_id']}"
    assert "Care and support plan" in page and url in page
    response = _download(client, url)
    assert response.status_code == 200 and response.data == PLAN
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "plan.pdf" in response.headers["Content-Disposition"]
    [event] = _events(db, "document.downloaded")
    assert event.actor_id == invitee.id
    # The generic download is not theirs: the document is the council's.
    assert _download(client, f"/documents/{published['document_id']}/download").status_code == 404
    # Through another tender it is not found.
    other = published["other_tender"]
    assert (
        _download(
            client, f"/opportunities/{other.id}/attachments/{published['document_id']}"
        ).status_code
        == 404
    )


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("provider not invited", 404),
        ("officer", 403),
        ("administrator", 403),
        ("monitor", 403),
        ("anonymous", 302),
    ],
)
def test_the_requests_attachments_are_for_invitees_only(client, db, published, who, status):
    users = {
        "provider not invited": lambda: make_user(
            Role.provider, provider=make_provider(), password=None
        ),
        "officer": lambda: published["officer"],
        "administrator": lambda: make_user(Role.administrator, password=None),
        "monitor": lambda: make_user(Role.quality_monitor, password=None),
    }
    if who != "anonymous":
        user = users[who]()
        db.session.commit()
        sign_in(client, user)
    url = f"/opportunities/{published['tender'].id}/attachments/{published['document_id']}"
    assert _download(client, url).status_code == status


@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.provider, 403), (Role.quality_monitor, 403), (Role.administrator, 403), (None, 302)],
)
def test_only_officers_change_a_drafts_attachments(client, db, draft, role, status):
    tender, officer = draft
    attachment = operations.attach_to_tender(
        tender, PLAN, filename="plan.pdf", description="", by=officer
    )
    db.session.commit()
    if role is not None:
        user = make_user(role, password=None)
        db.session.commit()
        sign_in(client, user)
    assert client.get(f"/tenders/{tender.id}/attachments").status_code == status
    assert _upload(client, f"/tenders/{tender.id}/attachments", PLAN, "x.pdf").status_code == status
    remove = f"/tenders/{tender.id}/attachments/{attachment.document_id}/remove"
    assert client.post(remove).status_code == status
    assert len(db.session.scalars(select(TenderAttachment)).all()) == 1


# A bid's attachments.


@pytest.fixture
def bidding(db):
    market = Market(providers=2)
    officer = make_user(Role.contracts_officer, password=None)
    tender = make_published_tender("MH", officer=officer)
    db.session.commit()
    return {
        "tender": tender,
        "officer": officer,
        "home": market.homes[0],
        "user": market.users[0],
        "other_user": market.users[1],
        "other_home": market.homes[1],
    }


def _bid_with_files(client, tender, home, files, **overrides):
    data = bid_form(tender, home, **overrides)
    data["attachments"] = [(io.BytesIO(content), name) for name, content in files]
    return client.post(
        f"/opportunities/{tender.id}/bid", data=data, content_type="multipart/form-data"
    )


def _attached(db, version: BidVersion) -> list[StoredDocument]:
    return db.session.scalars(
        select(StoredDocument)
        .join(BidAttachment, BidAttachment.document_id == StoredDocument.id)
        .where(BidAttachment.bid_version_id == version.id)
        .order_by(BidAttachment.id)
    ).all()


def test_a_provider_attaches_documents_to_its_bid_sealed_as_its_own(client, db, bidding):
    tender, user = bidding["tender"], bidding["user"]
    sign_in(client, user)
    response = _bid_with_files(client, tender, bidding["home"], [("method.pdf", METHOD)])
    assert response.status_code == 302
    version = db.session.scalars(select(BidVersion)).one()
    [document] = _attached(db, version)
    assert (document.kind, document.provider_id) == ("bid_attachment", user.provider_id)
    # The receipt names it with its hash, and the hash of the bid covers it.
    assert '"attachments":[{"name":"method.pdf","sha256":"' in version.canonical_content
    receipt = client.get(response.location).get_data(as_text=True)
    assert "method.pdf" in receipt and document.sha256 in receipt
    # Its own provider reads it through the generic download.
    assert _download(client, f"/documents/{document.id}/download").data == METHOD
    # The trail keeps its hash and size, not its name; the bid's event only a count.
    stored = [e for e in _events(db, "document.stored") if e.subject_id == str(document.id)]
    assert stored and "method.pdf" not in str(stored[0].after)
    [submitted] = _events(db, "bid.submitted")
    assert submitted.after["attachments"] == 1


def test_a_new_version_carries_the_attachments_unless_they_are_unticked(client, db, bidding):
    tender, user, home = bidding["tender"], bidding["user"], bidding["home"]
    sign_in(client, user)
    _bid_with_files(client, tender, home, [("method.pdf", METHOD), ("plan.pdf", PLAN)])
    first = db.session.scalars(select(BidVersion)).one()
    method, plan = _attached(db, first)
    page = client.get(f"/opportunities/{tender.id}/bid").get_data(as_text=True)
    assert f'value="{method.id}" checked' in page and f'value="{plan.id}" checked' in page
    # Both kept, by the boxes the page shows ticked.
    response = client.post(
        f"/opportunities/{tender.id}/bid",
        data=bid_form(tender, home, kept_documents=[str(method.id), str(plan.id)]),
    )
    assert response.status_code == 302
    second = db.session.scalars(select(BidVersion).where(BidVersion.number == 2)).one()
    assert [d.id for d in _attached(db, second)] == [method.id, plan.id]
    # One unticked and a new one added.
    response = _bid_with_files(
        client, tender, home, [("extra.pdf", METHOD + b"2")], kept_documents=[str(plan.id)]
    )
    assert response.status_code == 302
    third = db.session.scalars(select(BidVersion).where(BidVersion.number == 3)).one()
    assert [d.original_filename for d in _attached(db, third)] == ["plan.pdf", "extra.pdf"]
    # Every version keeps what it carried.
    assert [d.id for d in _attached(db, first)] == [method.id, plan.id]


def test_the_operation_carries_the_previous_versions_attachments_when_not_told(db, bidding):
    tender, user, home = bidding["tender"], bidding["user"], bidding["home"]
    invitation = invitation_of(tender, home.provider)
    held = operations.hold_bid_attachment(invitation, METHOD, filename="method.pdf", by=user)
    first = operations.submit_bid(
        invitation, **bid_values(tender, home), by=user, attachment_ids=[held.id]
    )
    second = operations.submit_bid(invitation, **bid_values(tender, home), by=user)
    assert [d.id for d in _attached(db, first)] == [d.id for d in _attached(db, second)]
    third = operations.submit_bid(
        invitation, **bid_values(tender, home), by=user, attachment_ids=[]
    )
    assert _attached(db, third) == []


def test_a_bid_cannot_carry_anyone_elses_document(db, bidding):
    tender, user, home = bidding["tender"], bidding["user"], bidding["home"]
    invitation = invitation_of(tender, home.provider)
    other_invitation = invitation_of(tender, bidding["other_home"].provider)
    theirs = operations.hold_bid_attachment(
        other_invitation, METHOD, filename="theirs.pdf", by=bidding["other_user"]
    )
    own_other_kind = samples.store_sample(user.provider, by=user, data=PLAN)
    for document in (theirs, own_other_kind):
        with pytest.raises(OperationRefused, match="attach the file again"):
            operations.submit_bid(
                invitation, **bid_values(tender, home), by=user, attachment_ids=[document.id]
            )
    with pytest.raises(OperationRefused, match="invited provider"):
        operations.hold_bid_attachment(
            invitation, METHOD, filename="x.pdf", by=bidding["other_user"]
        )
    # A document another bid carries cannot be moved to this one.
    operations.submit_bid(
        other_invitation,
        **bid_values(tender, bidding["other_home"]),
        by=bidding["other_user"],
        attachment_ids=[theirs.id],
    )
    with pytest.raises(OperationRefused, match="attach the file again"):
        operations.submit_bid(
            invitation, **bid_values(tender, home), by=user, attachment_ids=[theirs.id]
        )


def test_a_posted_id_of_someone_elses_document_is_left_out(client, db, bidding):
    tender, user, home = bidding["tender"], bidding["user"], bidding["home"]
    theirs = operations.hold_bid_attachment(
        invitation_of(tender, bidding["other_home"].provider),
        METHOD,
        filename="theirs.pdf",
        by=bidding["other_user"],
    )
    db.session.commit()
    sign_in(client, user)
    response = client.post(
        f"/opportunities/{tender.id}/bid",
        data=bid_form(tender, home, kept_documents=[str(theirs.id), "junk", "99999999"]),
    )
    assert response.status_code in (200, 302)
    assert db.session.scalars(select(BidAttachment)).all() == []


def test_a_wrong_file_is_refused_on_the_bid_and_what_was_typed_kept(client, db, bidding):
    tender = bidding["tender"]
    sign_in(client, bidding["user"])
    response = _bid_with_files(
        client,
        tender,
        bidding["home"],
        [("prices.pdf", samples.exe_bytes())],
        weekly_core_fee="1,777.77",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "prices.pdf must be a PDF, Word document" in page
    assert "1,777.77" in page
    assert db.session.scalars(select(BidVersion)).all() == []
    assert db.session.scalars(select(StoredDocument)).all() == []


def test_a_form_error_keeps_the_files_chosen_so_they_are_not_uploaded_again(client, db, bidding):
    tender, user, home = bidding["tender"], bidding["user"], bidding["home"]
    sign_in(client, user)
    question = tender.questions[0]
    response = _bid_with_files(
        client, tender, home, [("method.pdf", METHOD)], **{f"answer_{question.id}": ""}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Answer question 1" in page
    held = db.session.scalars(select(StoredDocument)).one()
    assert (held.kind, held.provider_id) == ("bid_attachment", user.provider_id)
    assert f'value="{held.id}" checked' in page and "method.pdf" in page
    # Sent again as the page holds it, without the file: the bid carries it.
    response = client.post(
        f"/opportunities/{tender.id}/bid",
        data=bid_form(tender, home, kept_documents=[str(held.id)]),
    )
    assert response.status_code == 302
    version = db.session.scalars(select(BidVersion)).one()
    assert [d.id for d in _attached(db, version)] == [held.id]


def test_a_late_bid_keeps_everything_typed_and_the_files_chosen(client, db, bidding, _now):
    tender, user, home = bidding["tender"], bidding["user"], bidding["home"]
    sign_in(client, user)
    client.get(f"/opportunities/{tender.id}/bid")
    _now.set(tender.closes_at + timedelta(seconds=1))
    sign_in_again(client, user)
    response = _bid_with_files(
        client, tender, home, [("method.pdf", METHOD)], weekly_core_fee="1,777.77"
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "The deadline was 6 March 2026 at 5:00pm (GMT): bids can no longer be submitted" in page
    assert "1,777.77" in page
    assert db.session.scalars(select(BidVersion)).all() == []
    # The file is kept, the provider's own and sealed, and stays on the page.
    held = db.session.scalars(select(StoredDocument)).one()
    assert (held.kind, held.provider_id) == ("bid_attachment", user.provider_id)
    assert f'value="{held.id}" checked' in page and "method.pdf" in page
    assert _download(client, f"/documents/{held.id}/download").data == METHOD


# The seal on a bid's attachments.


@pytest.fixture
def sealed_attachment(db, bidding):
    tender, user, home = bidding["tender"], bidding["user"], bidding["home"]
    invitation = invitation_of(tender, home.provider)
    held = operations.hold_bid_attachment(invitation, METHOD, filename="method.pdf", by=user)
    operations.submit_bid(invitation, **bid_values(tender, home), by=user, attachment_ids=[held.id])
    db.session.commit()
    return held


def _staff(db, officer) -> dict:
    people = {
        "officer": officer,
        "administrator": make_user(Role.administrator, password=None),
        "monitor": make_user(Role.quality_monitor, password=None),
    }
    db.session.commit()
    return people


def test_staff_cannot_download_a_bids_attachment_through_the_generic_download(
    client, db, bidding, sealed_attachment, _now
):
    url = f"/documents/{sealed_attachment.id}/download"
    for user in [*_staff(db, bidding["officer"]).values(), bidding["other_user"]]:
        sign_in(client, user)
        assert _download(client, url).status_code == 404, user.role
    # Not even after the deadline and the opening: officers read it through the seal.
    _now.set(bidding["tender"].closes_at + timedelta(minutes=1))
    open_bids(bidding["tender"], by=bidding["officer"])
    db.session.commit()
    sign_in_again(client, bidding["officer"])
    assert _download(client, url).status_code == 404


def test_officers_download_a_bids_attachment_only_once_the_bids_are_opened(
    client, db, bidding, sealed_attachment, _now
):
    tender, officer = bidding["tender"], bidding["officer"]
    url = f"/tenders/{tender.id}/bid-attachments/{sealed_attachment.id}"
    sign_in(client, officer)
    assert _download(client, url).status_code == 404
    # Past the deadline, the bids not yet opened: still sealed.
    _now.set(tender.closes_at + timedelta(minutes=1))
    sign_in_again(client, officer)
    assert _download(client, url).status_code == 404
    open_bids(tender, by=officer)
    db.session.commit()
    response = _download(client, url)
    assert response.status_code == 200 and response.data == METHOD
    # Through another tender it is not found.
    other = make_published_tender("MH", officer=officer)
    db.session.commit()
    assert (
        _download(client, f"/tenders/{other.id}/bid-attachments/{sealed_attachment.id}").status_code
        == 404
    )


@pytest.mark.parametrize("who", ["administrator", "monitor", "provider", "anonymous"])
def test_only_officers_reach_the_sealed_route(client, db, bidding, sealed_attachment, _now, who):
    tender = bidding["tender"]
    _now.set(tender.closes_at + timedelta(minutes=1))
    open_bids(tender, by=bidding["officer"])
    db.session.commit()
    if who == "provider":
        sign_in(client, bidding["user"])  # its own provider, even: the officers' route
    elif who != "anonymous":
        sign_in(client, _staff(db, bidding["officer"])[who])
    response = _download(client, f"/tenders/{tender.id}/bid-attachments/{sealed_attachment.id}")
    assert response.status_code == (302 if who == "anonymous" else 403)


def test_the_compliance_page_lists_the_bids_documents_once_opened(
    client, db, bidding, sealed_attachment, _now
):
    from dps_portal.tenders.models import BidEvaluation
    from tests.onboarding.helpers import page_text

    tender, officer = bidding["tender"], bidding["officer"]
    _now.set(tender.closes_at + timedelta(minutes=1))
    open_bids(tender, by=officer)
    db.session.commit()
    evaluation = db.session.scalars(select(BidEvaluation)).one()
    sign_in_again(client, officer)
    response = client.get(f"/tenders/{tender.id}/evaluation/compliance/record?bid={evaluation.id}")
    assert "method" in page_text(response)
    assert f"/tenders/{tender.id}/bid-attachments/{sealed_attachment.id}" in response.get_data(
        as_text=True
    )
