"""The award after the real evaluation operations: the family refuses the top-ranked home,
accepts the second; a second officer approves; the report and summaries say so."""

from sqlalchemy import select

from dps_portal.core.roles import Role
from dps_portal.documents.models import StoredDocument
from dps_portal.tenders import scoring
from dps_portal.tenders.award import operations, queries
from dps_portal.tenders.evaluation import operations as evaluation_operations
from dps_portal.tenders.models import AwardState, TenderState
from tests.factories import make_user
from tests.tenders.award.test_documents import text_of
from tests.tenders.evaluation.factories import evaluated_tender, evaluations_in_bid_order


def test_the_family_chooses_the_second_ranked_home(db):
    officer = make_user(Role.contracts_officer)
    approver = make_user(Role.contracts_officer)
    tender = evaluated_tender(("1900.00", "2100.00", "2300.00"), (4, 4, 3), officer=officer)
    results = scoring.results_for(tender)
    first, second = results.ranked[0], results.ranked[1]
    evaluations = {e.id: e for e in evaluations_in_bid_order(tender)}
    evaluation_operations.record_person_choice(
        tender,
        evaluations[first.evaluation_id],
        is_accepted=False,
        reason="Too far from family",
        by=officer,
    )
    evaluation_operations.record_person_choice(
        tender, evaluations[second.evaluation_id], is_accepted=True, reason="", by=officer
    )
    award = operations.recommend_award(tender, note="The family's choice", by=officer)
    assert award.bid_evaluation_id == second.evaluation_id
    assert award.needs_approval
    operations.approve_award(award, by=approver)
    placement = operations.confirm_award(award, by=officer)
    assert award.state is AwardState.confirmed and tender.state is TenderState.awarded
    assert placement.provider_id == evaluations[second.evaluation_id].bid.provider_id

    report = db.session.scalars(
        select(StoredDocument).where(StoredDocument.kind == queries.REPORT)
    ).one()
    text = text_of(report)
    assert "refused" in text and "Too far from family" in text
    for result in results.bids:
        assert str(result.total_score) in text
    # The refused first-ranked bidder's summary: ranked 1, not chosen, the winner's scores.
    first_provider = evaluations[first.evaluation_id].bid.provider_id
    summary = db.session.scalars(
        select(StoredDocument).where(
            StoredDocument.kind == queries.SUMMARY, StoredDocument.provider_id == first_provider
        )
    ).one()
    text = text_of(summary)
    assert "1 of 3 ranked bids" in text and "Not chosen" in text
    assert str(second.total_score) in text
    assert "chose it under their right to choose" in text
