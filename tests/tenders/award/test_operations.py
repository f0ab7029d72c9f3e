from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from dps_portal.audit.actions import AuditAction
from dps_portal.audit.models import AuditEvent
from dps_portal.core import clock
from dps_portal.core.roles import Role
from dps_portal.documents.models import StoredDocument
from dps_portal.notifications.models import Notification, OutboxEmail
from dps_portal.placements.models import Placement, PlacementRoute, PlacementState
from dps_portal.tenders.award import operations, queries
from dps_portal.tenders.award.operations import AwardRefused
from dps_portal.tenders.models import AwardState, TenderAward, TenderState
from tests.factories import make_user
from tests.tenders.award.factories import Moderated

# 1,500 a week is 78,000 a year: above the 75,000 threshold. 1,000 is 52,000: within it.
ABOVE = ((Decimal("1500.00"), (4, 4, 4)), (Decimal("1400.00"), (3, 3, 3)))


def events(action):
    return list(select_all(select(AuditEvent).where(AuditEvent.action == action.value)))


def select_all(query):
    from dps_portal.extensions import db

    return db.session.scalars(query).all()


def test_within_the_threshold_the_award_is_approved_and_the_bidders_told_at_once(db):
    tender = Moderated()
    award = operations.recommend_award(tender.tender, note="Best value", by=tender.officer)
    assert award.state is AwardState.approved
    assert not award.needs_approval
    assert award.weekly_cost == Decimal("1000.00")
    assert award.annual_value == Decimal("52000.00")
    assert award.bid_evaluation_id == tender.evaluations[0].id
    assert award.approved_by_id is None
    assert tender.tender.state is TenderState.standstill
    assert tender.tender.bidders_told_at == clock.now()
    assert tender.tender.standstill_ends_on == clock.today_uk()
    summaries = select_all(select(StoredDocument).where(StoredDocument.kind == queries.SUMMARY))
    assert sorted(d.provider_id for d in summaries) == sorted(
        [tender.provider(0).id, tender.provider(1).id]
    )
    letters = select_all(select(StoredDocument).where(StoredDocument.kind == queries.LETTER))
    assert [d.provider_id for d in letters] == [tender.provider(0).id]
    assert len(events(AuditAction.tender_bidders_told)) == 1


def test_the_threshold_either_side(db):
    at = Moderated()
    at.tender.category.framework.award_approval_threshold = Decimal("52000")
    award = operations.recommend_award(at.tender, note="On the line", by=at.officer)
    assert not award.needs_approval  # 52,000 is not above 52,000

    above = Moderated()
    above.tender.category.framework.award_approval_threshold = Decimal("51999.99")
    award = operations.recommend_award(above.tender, note="A penny over", by=above.officer)
    assert award.needs_approval
    assert award.state is AwardState.recommended
    assert above.tender.state is TenderState.recommended
    assert above.tender.bidders_told_at is None


def test_above_the_threshold_another_officer_approves_and_the_bidders_are_told(db):
    tender = Moderated(ABOVE)
    award = operations.recommend_award(tender.tender, note="Best", by=tender.officer)
    assert award.needs_approval and award.annual_value == Decimal("78000.00")
    assert select_all(select(StoredDocument)) == []
    operations.approve_award(award, by=tender.second_officer)
    assert award.state is AwardState.approved
    assert award.approved_by_id == tender.second_officer.id
    assert tender.tender.state is TenderState.standstill
    assert (
        len(select_all(select(StoredDocument).where(StoredDocument.kind == queries.SUMMARY))) == 2
    )


def test_the_recommender_cannot_approve(db):
    tender = Moderated(ABOVE)
    award = operations.recommend_award(tender.tender, note="Best", by=tender.officer)
    with pytest.raises(AwardRefused, match="another contracts officer must approve"):
        operations.approve_award(award, by=tender.officer)
    with pytest.raises(AwardRefused, match="another contracts officer"):
        operations.refuse_award(award, reason="No", by=tender.officer)
    assert award.state is AwardState.recommended


def test_the_database_refuses_an_approver_who_recommended(db):
    tender = Moderated(ABOVE)
    award = operations.recommend_award(tender.tender, note="Best", by=tender.officer)
    award.approved_by_id = tender.officer.id
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_one_live_award_a_tender(db):
    tender = Moderated(ABOVE)
    award = operations.recommend_award(tender.tender, note="Best", by=tender.officer)
    db.session.add(
        TenderAward(
            tender_id=tender.tender.id,
            bid_evaluation_id=award.bid_evaluation_id,
            state=AwardState.recommended,
            weekly_cost=award.weekly_cost,
            annual_value=award.annual_value,
            needs_approval=True,
            recommended_by_id=tender.second_officer.id,
        )
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_refusal_sends_the_tender_back_to_moderation_and_a_new_award_can_follow(db):
    tender = Moderated(ABOVE)
    moderated_at = tender.tender.moderated_at
    award = operations.recommend_award(tender.tender, note="Best", by=tender.officer)
    with pytest.raises(AwardRefused, match="Enter why"):
        operations.refuse_award(award, reason="  ", by=tender.second_officer)
    operations.refuse_award(award, reason="Check the home's staffing", by=tender.second_officer)
    assert award.state is AwardState.refused and award.refused_at is not None
    assert tender.tender.state is TenderState.moderated
    assert tender.tender.moderated_at == moderated_at
    told = select_all(select(Notification).where(Notification.user_id == tender.officer.id))
    assert any("refused" in n.title for n in told)
    again = operations.recommend_award(tender.tender, note="Checked", by=tender.officer)
    assert again.state is AwardState.recommended
    with pytest.raises(AwardRefused, match="refused"):
        operations.approve_award(award, by=tender.second_officer)


def test_recommend_refusals(db):
    tender = Moderated()
    monitor = make_user(Role.quality_monitor)
    with pytest.raises(AwardRefused, match="Only a contracts officer"):
        operations.recommend_award(tender.tender, note="x", by=monitor)
    with pytest.raises(AwardRefused, match="Enter why"):
        operations.recommend_award(tender.tender, note=" ", by=tender.officer)
    operations.recommend_award(tender.tender, note="x", by=tender.officer)
    with pytest.raises(AwardRefused, match="only a moderated tender"):
        operations.recommend_award(tender.tender, note="again", by=tender.officer)


def test_no_accepted_choice_no_recommendation(db):
    from dps_portal.tenders.models import PersonChoice

    tender = Moderated()
    db.session.execute(
        PersonChoice.__table__.delete().where(PersonChoice.tender_id == tender.tender.id)
    )
    with pytest.raises(AwardRefused, match="person accepts"):
        operations.recommend_award(tender.tender, note="x", by=tender.officer)


def test_an_abnormally_low_bid_must_have_been_checked(db):
    # Median of 1,000, 1,000 and 500 is 1,000; 70% is 700: the 500 bid is flagged.
    bids = (
        (Decimal("1000.00"), (3, 3, 3)),
        (Decimal("1000.00"), (3, 3, 3)),
        (Decimal("500.00"), (4, 4, 4)),
    )
    tender = Moderated(bids, chosen=2)
    low = tender.evaluations[2]
    with pytest.raises(AwardRefused, match="abnormally low"):
        operations.recommend_award(tender.tender, note="x", by=tender.officer)
    low.low_price_explanation = "Staffing costs verified with the provider."
    low.low_price_checked_at = clock.now()
    low.low_price_checked_by_id = tender.officer.id
    award = operations.recommend_award(tender.tender, note="x", by=tender.officer)
    assert award.bid_evaluation_id == low.id


def test_standstill_of_zero_days_confirms_at_once(db):
    tender = Moderated(standstill_working_days=0)
    award = operations.recommend_award(tender.tender, note="Best", by=tender.officer)
    assert tender.tender.standstill_ends_on == clock.today_uk()
    assert queries.confirmable_from(tender.tender) == clock.today_uk()
    placement = operations.confirm_award(award, by=tender.officer)
    assert award.state is AwardState.confirmed
    assert tender.tender.state is TenderState.awarded
    assert placement.state is PlacementState.awarded


def test_two_working_days_across_the_easter_bank_holidays(db, award_clock):
    # Thursday 2 April 2026; Good Friday 3 April and Easter Monday 6 April are bank holidays.
    award_clock.set(datetime(2026, 3, 31, 9, 0, tzinfo=UTC))
    tender = Moderated(standstill_working_days=2)
    award_clock.set(datetime(2026, 4, 2, 10, 0, tzinfo=UTC))
    award = operations.recommend_award(tender.tender, note="Best", by=tender.officer)
    assert tender.tender.standstill_ends_on == date(2026, 4, 8)
    assert queries.confirmable_from(tender.tender) == date(2026, 4, 9)
    # The last day of the standstill: refused, with the dates.
    award_clock.set(datetime(2026, 4, 8, 16, 0, tzinfo=UTC))
    with pytest.raises(AwardRefused, match=r"ends on 8 April 2026.*from 9 April 2026"):
        operations.confirm_award(award, by=tender.officer)
    assert award.state is AwardState.approved
    # 9 April, just after midnight in the UK (BST: 23:00 UTC on the 8th).
    award_clock.set(datetime(2026, 4, 8, 23, 0, tzinfo=UTC))
    placement = operations.confirm_award(award, by=tender.officer)
    assert placement.state is PlacementState.awarded


def test_confirm_needs_an_approved_award(db):
    tender = Moderated(ABOVE)
    award = operations.recommend_award(tender.tender, note="Best", by=tender.officer)
    with pytest.raises(AwardRefused, match="waiting for approval"):
        operations.confirm_award(award, by=tender.second_officer)


def test_the_placement_is_made_from_the_counting_bid(db):
    tender = Moderated(chosen=1)
    award = operations.recommend_award(tender.tender, note="Family choice", by=tender.officer)
    placement = operations.confirm_award(award, by=tender.officer)
    version = tender.versions[1]
    assert placement.reference == f"PL-{clock.today_uk().year}-0001"
    assert placement.route is PlacementRoute.mini_tender
    assert placement.tender_id == tender.tender.id
    assert placement.person_reference == tender.tender.person_reference
    assert placement.category_id == tender.tender.category_id
    assert placement.setting_id == tender.tender.setting_id
    assert placement.provider_id == tender.provider(1).id
    assert placement.care_home_id == version.care_home_id
    assert placement.bid_version_id == version.id
    assert placement.weekly_core_fee == Decimal("900.00")
    assert placement.weekly_cost == Decimal("900.00")
    assert placement.planned_start_on == max(
        tender.tender.required_start_on, version.available_from
    )
    [cost] = placement.costs
    assert cost.weekly_cost == Decimal("900.00")
    assert cost.effective_from == placement.planned_start_on
    agreement = select_all(select(StoredDocument).where(StoredDocument.kind == queries.AGREEMENT))
    assert [d.provider_id for d in agreement] == [tender.provider(1).id]
    report = select_all(select(StoredDocument).where(StoredDocument.kind == queries.REPORT))
    assert [d.provider_id for d in report] == [None]
    assert len(events(AuditAction.placement_created)) == 1
    assert any(
        "confirm the start" in n.title
        for n in select_all(select(Notification).where(Notification.user_id == tender.user(1).id))
    )


def test_the_next_placement_reference_counts_the_year(db):
    first = Moderated()
    operations.confirm_award(
        operations.recommend_award(first.tender, note="x", by=first.officer), by=first.officer
    )
    second = Moderated()
    placement = operations.confirm_award(
        operations.recommend_award(second.tender, note="x", by=second.officer),
        by=second.officer,
    )
    assert placement.reference == f"PL-{clock.today_uk().year}-0002"
    assert db.session.scalar(select(Placement.id).where(Placement.reference.like("PL-%-0001")))


def test_messages_carry_no_price_and_non_bidders_are_told(db):
    tender = Moderated(extra_invitees=1)
    operations.recommend_award(tender.tender, note="x", by=tender.officer)
    emails = select_all(select(OutboxEmail))
    for email in emails:
        for price in ("£1,000", "£900", "1000.00", "900.00"):
            assert price not in email.body_text
        assert tender.provider(0).legal_name not in email.body_text
    non_bidder = tender.user(2)
    told = select_all(select(Notification).where(Notification.user_id == non_bidder.id))
    assert any("awarded" in n.title for n in told)
    loser = select_all(select(Notification).where(Notification.user_id == tender.user(1).id))
    assert any("outcome" in n.title for n in loser)
    winner = select_all(select(Notification).where(Notification.user_id == tender.user(0).id))
    assert any("chosen" in n.title for n in winner)


def test_time_moves_forward_only_with_the_clock(db, award_clock):
    tender = Moderated(standstill_working_days=1)
    award = operations.recommend_award(tender.tender, note="x", by=tender.officer)
    with pytest.raises(AwardRefused):
        operations.confirm_award(award, by=tender.officer)
    award_clock.advance(timedelta(days=5))
    assert operations.confirm_award(award, by=tender.officer) is not None
