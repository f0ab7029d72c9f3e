from decimal import Decimal

import pytest
from sqlalchemy import select

from dps_portal.core.roles import Role
from dps_portal.documents.models import StoredDocument
from dps_portal.tenders.award import operations, queries
from dps_portal.tenders.models import AwardState, TenderAward, TenderState
from tests.conftest import sign_in
from tests.factories import make_user
from tests.tenders.award.factories import Moderated

ABOVE = ((Decimal("1500.00"), (4, 4, 4)), (Decimal("1400.00"), (3, 3, 3)))


def client_for(app, user):
    client = app.test_client()
    sign_in(client, user)
    return client


def download_status(client, document_id) -> int:
    response = client.get(f"/documents/{document_id}/download")
    response.close()
    return response.status_code


def award_url(tender, verb):
    return f"/tenders/{tender.id}/award/{verb}"


def live(db, tender):
    db.session.expire_all()
    return db.session.scalars(
        select(TenderAward).where(
            TenderAward.tender_id == tender.id, TenderAward.state != AwardState.refused
        )
    ).first()


def test_the_officer_recommends_from_the_tender_page(app, db):
    tender = Moderated(standstill_working_days=2)
    db.session.commit()
    officer = client_for(app, tender.officer)
    page = officer.get(f"/tenders/{tender.tender.id}").get_data(as_text=True)
    assert "Recommend the award" in page
    form = officer.get(award_url(tender.tender, "recommend")).get_data(as_text=True)
    assert "Bid A" in form
    # The threshold the annual value is compared with is the framework's, in pounds.
    assert "approval threshold of £75,000.00" in form
    response = officer.post(award_url(tender.tender, "recommend"), data={"note": ""})
    assert response.status_code == 200
    assert "Enter why you recommend this award" in response.get_data(as_text=True)
    response = officer.post(award_url(tender.tender, "recommend"), data={"note": "Best value"})
    assert response.status_code == 302
    award = live(db, tender.tender)
    assert award.state is AwardState.approved
    page = officer.get(f"/tenders/{tender.tender.id}").get_data(as_text=True)
    assert "Confirm when the standstill ends" in page
    assert "Assessment summary" in page and "Award letter" in page


def test_approval_by_a_second_officer_only(app, db):
    tender = Moderated(ABOVE)
    operations.recommend_award(tender.tender, note="Best", by=tender.officer)
    db.session.commit()
    recommender = client_for(app, tender.officer)
    page = recommender.get(f"/tenders/{tender.tender.id}").get_data(as_text=True)
    assert "another contracts officer must approve or refuse it" in page
    assert "Approve the award" not in page
    response = recommender.post(award_url(tender.tender, "approve"), data={})
    assert response.status_code == 302
    assert live(db, tender.tender).state is AwardState.recommended
    follow = recommender.get(response.headers["Location"]).get_data(as_text=True)
    assert "another contracts officer must approve it" in follow
    assert recommender.get(award_url(tender.tender, "refuse")).status_code == 302

    second = client_for(app, tender.second_officer)
    page = second.get(f"/tenders/{tender.tender.id}").get_data(as_text=True)
    assert "Approve the award" in page and "Refuse the award" in page
    assert second.post(award_url(tender.tender, "approve"), data={}).status_code == 302
    award = live(db, tender.tender)
    assert award.state is AwardState.approved
    assert award.tender.state is TenderState.standstill


def test_refusal_through_the_page(app, db):
    tender = Moderated(ABOVE)
    operations.recommend_award(tender.tender, note="Best", by=tender.officer)
    db.session.commit()
    second = client_for(app, tender.second_officer)
    assert second.get(award_url(tender.tender, "refuse")).status_code == 200
    response = second.post(award_url(tender.tender, "refuse"), data={"reason": ""})
    assert "Enter why the award is refused" in response.get_data(as_text=True)
    response = second.post(award_url(tender.tender, "refuse"), data={"reason": "Staffing"})
    assert response.status_code == 302
    db.session.expire_all()
    assert live(db, tender.tender) is None
    page = second.get(f"/tenders/{tender.tender.id}").get_data(as_text=True)
    assert "was refused" in page and "Staffing" in page


def test_confirm_waits_for_the_standstill(app, db, award_clock):
    from datetime import timedelta

    tender = Moderated(standstill_working_days=2)
    operations.recommend_award(tender.tender, note="Best", by=tender.officer)
    db.session.commit()
    officer = client_for(app, tender.officer)
    response = officer.post(award_url(tender.tender, "confirm"), data={})
    assert response.status_code == 302
    page = officer.get(response.headers["Location"]).get_data(as_text=True)
    assert "The standstill ends on" in page
    assert live(db, tender.tender).state is AwardState.approved
    award_clock.advance(timedelta(days=7))
    officer = client_for(app, tender.officer)
    response = officer.post(award_url(tender.tender, "confirm"), data={})
    assert response.status_code == 302
    assert "/placements/" in response.headers["Location"]
    assert live(db, tender.tender).state is AwardState.confirmed


@pytest.mark.parametrize("role", [Role.provider, Role.quality_monitor, Role.administrator])
def test_only_officers_act_on_an_award(app, db, role):
    tender = Moderated()
    user = make_user(role) if role is not Role.provider else tender.user(0)
    db.session.commit()
    client = client_for(app, user)
    for verb, method in [
        ("recommend", "get"),
        ("recommend", "post"),
        ("approve", "post"),
        ("refuse", "get"),
        ("refuse", "post"),
        ("confirm", "post"),
    ]:
        response = getattr(client, method)(award_url(tender.tender, verb), data={"note": "x"})
        assert response.status_code == 403, (verb, method)
    assert live(db, tender.tender) is None


def test_anonymous_is_sent_to_sign_in(app, db):
    tender = Moderated()
    db.session.commit()
    response = app.test_client().post(award_url(tender.tender, "recommend"), data={"note": "x"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/sign-in")


def test_an_award_on_a_tender_that_is_not_there(app, db):
    tender = Moderated()
    db.session.commit()
    officer = client_for(app, tender.officer)
    assert officer.get("/tenders/999999/award/recommend").status_code == 404


def _told(db):
    tender = Moderated(extra_invitees=1)
    operations.recommend_award(tender.tender, note="Best", by=tender.officer)
    db.session.commit()
    return tender


def _documents(db, provider_id):
    return db.session.scalars(
        select(StoredDocument).where(StoredDocument.provider_id == provider_id)
    ).all()


def test_each_bidder_sees_its_own_documents_only(app, db):
    tender = _told(db)
    winner, loser, non_bidder = (client_for(app, tender.user(i)) for i in range(3))
    winner_docs = {d.kind: d for d in _documents(db, tender.provider(0).id)}
    loser_docs = {d.kind: d for d in _documents(db, tender.provider(1).id)}
    assert set(winner_docs) == {queries.SUMMARY, queries.LETTER}
    assert set(loser_docs) == {queries.SUMMARY}

    page = winner.get(f"/opportunities/{tender.tender.id}").get_data(as_text=True)
    assert "Your bid is chosen" in page
    for doc in winner_docs.values():
        assert f"/documents/{doc.id}/download" in page
    assert f"/documents/{loser_docs[queries.SUMMARY].id}/download" not in page

    page = loser.get(f"/opportunities/{tender.tender.id}").get_data(as_text=True)
    assert "Your bid was not chosen" in page
    assert f"/documents/{loser_docs[queries.SUMMARY].id}/download" in page
    for doc in winner_docs.values():
        assert f"/documents/{doc.id}/download" not in page
    assert tender.provider(0).legal_name not in page

    page = non_bidder.get(f"/opportunities/{tender.tender.id}").get_data(as_text=True)
    assert "decided the award" in page
    assert "/download" not in page

    # Downloads: its own, yes; another's, not found.
    assert download_status(loser, loser_docs[queries.SUMMARY].id) == 200
    for doc in winner_docs.values():
        assert download_status(loser, doc.id) == 404
        assert download_status(non_bidder, doc.id) == 404
    assert download_status(winner, loser_docs[queries.SUMMARY].id) == 404
    officer = client_for(app, tender.officer)
    assert download_status(officer, loser_docs[queries.SUMMARY].id) == 200


def test_nothing_shows_before_the_bidders_are_told(app, db):
    tender = Moderated(ABOVE)
    operations.recommend_award(tender.tender, note="Best", by=tender.officer)
    db.session.commit()
    page = client_for(app, tender.user(0)).get(f"/opportunities/{tender.tender.id}")
    assert "award-outcome" not in page.get_data(as_text=True)


def test_the_evaluation_report_is_for_staff_only(app, db):
    tender = _told(db)
    operations.confirm_award(
        db.session.get(TenderAward, live(db, tender.tender).id), by=tender.officer
    )
    db.session.commit()
    report = db.session.scalars(
        select(StoredDocument).where(StoredDocument.kind == queries.REPORT)
    ).one()
    assert report.provider_id is None
    for index in range(3):
        client = client_for(app, tender.user(index))
        assert download_status(client, report.id) == 404
    assert download_status(client_for(app, tender.officer), report.id) == 200
    page = (
        client_for(app, tender.officer).get(f"/tenders/{tender.tender.id}").get_data(as_text=True)
    )
    assert "Evaluation report" in page and "PL-" in page


def test_invitees_read_closed_then_awarded_never_the_councils_inner_steps(app, db):
    from tests.onboarding.helpers import page_text

    moderated = Moderated()
    db.session.commit()
    client = client_for(app, moderated.user(1))
    url = f"/opportunities/{moderated.tender.id}"
    text = page_text(client.get(url))
    assert "Closed" in text and "Moderated" not in text
    operations.recommend_award(moderated.tender, note="Best", by=moderated.officer)
    db.session.commit()
    text = page_text(client.get(url))
    assert "Awarded" in text and "standstill" not in text.split("Your response")[0].lower()
    # Officers read the council's own step.
    officer = client_for(app, moderated.officer)
    assert "Bidders told, standstill" in page_text(officer.get(f"/tenders/{moderated.tender.id}"))
