"""Evaluating a closed mini-tender: each operation's rules and refusals, and the whole of it
through the database (bids, opening, blind scoring, moderation) giving the expected ranking."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from dps_portal.audit.models import AuditEvent
from dps_portal.core import clock
from dps_portal.core.errors import OperationRefused
from dps_portal.core.roles import Role
from dps_portal.notifications.models import Notification
from dps_portal.tenders import operations as tender_operations
from dps_portal.tenders import scoring
from dps_portal.tenders.evaluation import operations, queries
from dps_portal.tenders.models import (
    BidEvaluation,
    BidVersion,
    PersonChoice,
    Tender,
    TenderState,
)
from tests.factories import make_user
from tests.tenders.evaluation.factories import (
    accept_ranked,
    closed_tender,
    evaluated_tender,
    evaluations_in_bid_order,
)
from tests.tenders.factories import Market, bid_values, invitation_of, make_published_tender

NOW = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _now(db):
    with clock.frozen(NOW) as frozen:
        yield frozen


@pytest.fixture
def officer(db):
    return make_user(Role.contracts_officer)


def _events(db, action: str) -> list[AuditEvent]:
    """The events of `action` in the order they were recorded (no order is no order)."""
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )


# Opening.


def test_bids_open_only_after_the_deadline(db, officer):
    market = Market(providers=1)
    tender = make_published_tender("MH", officer=officer)
    tender_operations.submit_bid(
        invitation_of(tender, market.homes[0].provider),
        **bid_values(tender, market.homes[0]),
        by=market.users[0],
    )
    with pytest.raises(OperationRefused, match="after the deadline"):
        operations.open_bids(tender, by=officer)
    assert tender.state is TenderState.published and tender.opened_at is None


def test_opening_labels_each_counted_bid_with_its_latest_version(db, officer, _now):
    market = Market(providers=4)
    tender = make_published_tender("MH", officer=officer)
    for home, user in zip(market.homes, market.users, strict=True):
        tender_operations.submit_bid(
            invitation_of(tender, home.provider), **bid_values(tender, home), by=user
        )
    # The first bidder submits again: its second version counts. The last withdraws.
    second = tender_operations.submit_bid(
        invitation_of(tender, market.homes[0].provider),
        **bid_values(tender, market.homes[0], weekly_core_fee=Decimal("1700.00")),
        by=market.users[0],
    )
    tender_operations.withdraw_bid(
        invitation_of(tender, market.homes[3].provider), by=market.users[3]
    )
    _now.set(tender.closes_at + timedelta(minutes=5))
    assert operations.open_bids(tender, by=officer) == 3
    assert tender.state is TenderState.opened
    assert tender.opened_at == tender.closes_at + timedelta(minutes=5)
    assert tender.opened_by_id == officer.id
    evaluations = db.session.scalars(select(BidEvaluation)).all()
    assert sorted(e.blind_label for e in evaluations) == ["Bid A", "Bid B", "Bid C"]
    first = next(e for e in evaluations if e.bid_id == second.bid_id)
    assert first.bid_version_id == second.id
    assert all(e.is_compliant is None for e in evaluations)
    (event,) = _events(db, "tender.bids_opened")
    assert event.after["bids"] == 3
    # Once only.
    with pytest.raises(OperationRefused, match="only a closed tender's bids"):
        operations.open_bids(tender, by=officer)


def test_blind_labels_are_drawn_at_random(db, officer, monkeypatch):
    """The labels follow the shuffled order, not the order the bids came in."""
    tender, _market = closed_tender(("1000", "1100", "1200"))
    monkeypatch.setattr(
        operations.secrets.SystemRandom, "shuffle", lambda self, rows: rows.reverse()
    )
    operations.open_bids(tender, by=officer)
    labels = [e.blind_label for e in evaluations_in_bid_order(tender)]
    assert labels == ["Bid C", "Bid B", "Bid A"]


def test_labels_go_on_after_z():
    assert operations.blind_label(0) == "Bid A"
    assert operations.blind_label(25) == "Bid Z"
    assert operations.blind_label(26) == "Bid AA"
    assert operations.blind_label(27) == "Bid AB"


def test_only_officers_open_bids(db):
    tender, market = closed_tender(("1000",))
    for user in (make_user(Role.administrator), market.users[0]):
        with pytest.raises(OperationRefused, match="contracts officer"):
            operations.open_bids(tender, by=user)


# Compliance and starting the evaluation.


def test_compliance_needs_a_reason_to_fail_and_may_change_until_evaluation(db, officer):
    tender = evaluated_tender(("1000", "1100"), officer=officer, until=TenderState.opened)
    first, second = evaluations_in_bid_order(tender)
    with pytest.raises(OperationRefused, match="Enter why the bid is not compliant"):
        operations.record_compliance(first, is_compliant=False, reason="  ", by=officer)
    operations.record_compliance(
        first, is_compliant=False, reason="No fire safety plan.", by=officer
    )
    assert first.is_compliant is False and first.compliance_at == NOW
    operations.record_compliance(first, is_compliant=True, reason="", by=officer)
    assert first.is_compliant is True
    events = _events(db, "bid.compliance_recorded")
    assert events[-1].before["is_compliant"] is False and events[-1].after["is_compliant"] is True
    operations.start_evaluation(tender, by=officer)
    with pytest.raises(OperationRefused, match="between opening the bids and starting"):
        operations.record_compliance(second, is_compliant=False, reason="Late.", by=officer)


def test_a_failure_is_suggested_above_the_maximum_weekly_price(db, officer):
    tender = evaluated_tender(("1000", "1500"), officer=officer, until=TenderState.published)
    operations.open_bids(tender, by=officer)
    tender.max_weekly_price = Decimal("1200.00")
    bids = {bid.total_weekly_cost: bid for bid in queries.named_bids(tender)}
    is_compliant, reason = queries.suggested_compliance(bids[Decimal("1500.00")])
    assert is_compliant is False
    assert reason == "The total weekly cost is above the maximum weekly price the council set."
    assert queries.suggested_compliance(bids[Decimal("1000.00")]) == (None, "")


def test_evaluation_starts_with_every_bid_checked_and_one_compliant(db, officer):
    tender, _market = closed_tender(("1000", "1100"))
    with pytest.raises(OperationRefused, match="after the bids are opened"):
        operations.start_evaluation(tender, by=officer)
    operations.open_bids(tender, by=officer)
    first, second = evaluations_in_bid_order(tender)
    operations.record_compliance(first, is_compliant=False, reason="No.", by=officer)
    with pytest.raises(OperationRefused, match="1 of 2 not yet recorded"):
        operations.start_evaluation(tender, by=officer)
    operations.record_compliance(second, is_compliant=False, reason="No.", by=officer)
    with pytest.raises(OperationRefused, match="No bid is compliant"):
        operations.start_evaluation(tender, by=officer)
    operations.record_compliance(second, is_compliant=True, reason="", by=officer)
    operations.start_evaluation(tender, by=officer)
    assert tender.state is TenderState.evaluating and tender.evaluation_started_at == NOW
    (event,) = _events(db, "tender.evaluation_started")
    assert event.after["compliant"] == 1


def test_a_tender_with_no_bid_ends_without_award_and_invitees_are_told(db, officer):
    Market(providers=2)
    tender = make_published_tender("MH", officer=officer)
    with pytest.raises(OperationRefused, match="only a tender being evaluated"):
        operations.end_unsuccessful(tender, reason="Nothing.", by=officer)
    tender.closes_at = tender.clarifications_close_at = NOW - timedelta(minutes=1)
    assert operations.open_bids(tender, by=officer) == 0
    with pytest.raises(OperationRefused, match="Enter why"):
        operations.end_unsuccessful(tender, reason=" ", by=officer)
    operations.end_unsuccessful(tender, reason="No bid was received.", by=officer)
    assert tender.state is TenderState.unsuccessful
    assert tender.end_reason == "No bid was received." and tender.ended_at == NOW
    assert _events(db, "tender.ended_unsuccessful")[0].after["reason"] == "No bid was received."
    told = db.session.scalar(
        select(func.count(Notification.id)).where(
            Notification.title == f"Mini-tender ended without award: {tender.reference}"
        )
    )
    assert len(queries.invited_provider_ids(tender)) == 2
    assert told >= 2  # every user of each invitee


# Blind scoring.


def test_only_the_first_evaluators_may_score(db, officer):
    tender = evaluated_tender(("1000", "1100"), officer=officer, until=TenderState.opened)
    first, second, third = (make_user(Role.contracts_officer) for _ in range(3))
    with pytest.raises(OperationRefused, match="while it is being evaluated"):
        operations.start_sheet(tender, by=first)
    operations.start_evaluation(tender, by=officer)
    sheet = operations.start_sheet(tender, by=first)
    assert operations.start_sheet(tender, by=first) is sheet
    operations.start_sheet(tender, by=second)
    with pytest.raises(OperationRefused, match="already has its 2 evaluators"):
        operations.start_sheet(tender, by=third)
    assert len(_events(db, "score_sheet.started")) == 2


def test_a_sheet_is_a_draft_until_submitted_complete_then_fixed(db, officer):
    tender = evaluated_tender(("1000", "1100"), officer=officer, until=TenderState.opened)
    operations.start_evaluation(tender, by=officer)
    evaluator, other = make_user(Role.contracts_officer), make_user(Role.contracts_officer)
    sheet = operations.start_sheet(tender, by=evaluator)
    first, second = evaluations_in_bid_order(tender)
    q1, q2 = tender.questions[0], tender.questions[1]
    with pytest.raises(OperationRefused, match="from 0 to 5"):
        operations.save_scores(sheet, {(first.id, q1.id): (6, "Too good.")}, by=evaluator)
    with pytest.raises(OperationRefused, match="own score sheet"):
        operations.save_scores(sheet, {(first.id, q1.id): (3, "Fine.")}, by=other)
    with pytest.raises(OperationRefused, match="compliant bids' answers"):
        operations.save_scores(sheet, {(first.id, 999999): (3, "Fine.")}, by=evaluator)
    # A partial draft.
    operations.save_scores(sheet, {(first.id, q1.id): (3, "Clear plan.")}, by=evaluator)
    assert [(s.score, s.reason) for s in sheet.scores] == [(3, "Clear plan.")]
    with pytest.raises(OperationRefused, match="still to do"):
        operations.submit_sheet(sheet, by=evaluator)
    everything = {
        (evaluation.id, question.id): (4, "Good.")
        for evaluation in (first, second)
        for question in tender.questions
    }
    everything[(second.id, q2.id)] = (2, "  ")  # no reason
    operations.save_scores(sheet, everything, by=evaluator)
    with pytest.raises(OperationRefused, match="1 of"):
        operations.submit_sheet(sheet, by=evaluator)
    everything[(second.id, q2.id)] = (2, "Thin.")
    operations.save_scores(sheet, everything, by=evaluator)
    operations.submit_sheet(sheet, by=evaluator)
    assert sheet.submitted_at == NOW
    with pytest.raises(OperationRefused, match="submitted"):
        operations.save_scores(sheet, everything, by=evaluator)
    with pytest.raises(OperationRefused, match="submitted"):
        operations.submit_sheet(sheet, by=evaluator)


def test_failed_bids_are_not_scored(db, officer):
    tender = evaluated_tender(
        ("1000", "1100"), compliant=[True, False], officer=officer, until=TenderState.evaluating
    )
    assert [bid.label for bid in queries.blind_bids(tender)] == [
        evaluations_in_bid_order(tender)[0].blind_label
    ]


# Moderation.


def test_moderation_waits_for_every_sheet_and_needs_a_rationale(db, officer):
    tender = evaluated_tender(("1000", "1100"), officer=officer, until=TenderState.opened)
    operations.start_evaluation(tender, by=officer)
    first = evaluations_in_bid_order(tender)[0]
    question = tender.questions[0]
    with pytest.raises(OperationRefused, match="all 2 evaluators have submitted"):
        operations.record_moderated_score(first, question, score=3, rationale="x", by=officer)
    with pytest.raises(OperationRefused, match="0 so far"):
        operations.complete_moderation(tender, by=officer)


def test_moderation_completes_when_every_answer_is_agreed(db, officer):
    tender = evaluated_tender(("1000", "1100"), officer=officer, until=TenderState.evaluating)
    first, second = evaluations_in_bid_order(tender)
    question = tender.questions[0]
    with pytest.raises(OperationRefused, match="rationale"):
        operations.record_moderated_score(first, question, score=3, rationale=" ", by=officer)
    with pytest.raises(OperationRefused, match="from 0 to 5"):
        operations.record_moderated_score(first, question, score=-1, rationale="x", by=officer)
    operations.record_moderated_score(first, question, score=2, rationale="Weak.", by=officer)
    operations.record_moderated_score(first, question, score=3, rationale="Agreed.", by=officer)
    events = _events(db, "moderated_score.recorded")
    assert events[-1].before == {"score": 2, "rationale": "Weak."}
    total = 2 * len(tender.questions)
    with pytest.raises(OperationRefused, match=f"{total - 1} of {total} still to do"):
        operations.complete_moderation(tender, by=officer)
    for evaluation in (first, second):
        for q in tender.questions:
            operations.record_moderated_score(evaluation, q, score=4, rationale="Ok.", by=officer)
    operations.complete_moderation(tender, by=officer)
    assert tender.state is TenderState.moderated
    assert tender.moderated_by_id == officer.id and tender.moderated_at == NOW
    assert _events(db, "tender.moderated")[0].after["ranked"] == 2
    with pytest.raises(OperationRefused, match="moderated"):
        operations.record_moderated_score(first, question, score=1, rationale="x", by=officer)


def test_the_whole_evaluation_ranks_as_expected(db, officer):
    """Prices 1,900 / 2,100 / 2,300 with agreed scores 3 / 4 / 5 on every question (price 40,
    quality 60): quality 36 / 48 / 60, price 40 / 36.19 / 33.04, totals 76 / 84.19 / 93.04."""
    tender = evaluated_tender(("1900.00", "2100.00", "2300.00"), [3, 4, 5], officer=officer)
    cheap, middle, dear = evaluations_in_bid_order(tender)
    results = scoring.results_for(tender)
    assert [bid.evaluation_id for bid in results.ranked] == [dear.id, middle.id, cheap.id]
    assert [bid.total_score for bid in results.ranked] == [
        Decimal("93.04"),
        Decimal("84.19"),
        Decimal("76.00"),
    ]
    assert results.of(middle.id).price_score == Decimal("36.19")
    assert results.of(cheap.id).quality_percent == Decimal("60.00")
    assert results.lowest_compliant_total == Decimal("1900.00")
    assert results.median_compliant_total == Decimal("2100.00")
    assert results.is_complete


def test_a_bid_below_the_threshold_and_a_failed_bid_are_not_ranked(db, officer):
    tender = evaluated_tender(
        ("1000", "1200", "1300"), [1, 4, 4], compliant=[True, True, False], officer=officer
    )
    low_quality, good, failed = evaluations_in_bid_order(tender)
    results = scoring.results_for(tender)
    assert [bid.evaluation_id for bid in results.ranked] == [good.id]
    assert results.of(low_quality.id).outcome == "Below the quality threshold"
    assert results.of(failed.id).outcome == "Not compliant"


# After moderation: low prices and the person's choice.


def test_only_an_abnormally_low_price_is_checked(db, officer):
    tender = evaluated_tender(("500", "2000", "2100"), [4, 4, 4], officer=officer)
    low, normal, _ = evaluations_in_bid_order(tender)
    assert scoring.results_for(tender).of(low.id).is_abnormally_low
    with pytest.raises(OperationRefused, match="not abnormally low"):
        operations.check_low_price(normal, explanation="Fine.", by=officer)
    with pytest.raises(OperationRefused, match="Enter the explanation"):
        operations.check_low_price(low, explanation="", by=officer)
    operations.check_low_price(low, explanation="Own building, no mortgage.", by=officer)
    assert low.low_price_checked_at == NOW and low.low_price_checked_by_id == officer.id
    assert _events(db, "bid.low_price_checked")[0].after["explanation"].startswith("Own")


def test_the_person_chooses_in_rank_order(db, officer):
    tender = evaluated_tender(("1900", "2100", "2300"), [3, 4, 5], officer=officer)
    third, second, first = evaluations_in_bid_order(tender)
    with pytest.raises(OperationRefused, match="ranked 1"):
        operations.record_person_choice(tender, second, is_accepted=True, reason="", by=officer)
    with pytest.raises(OperationRefused, match="Enter why the person refused"):
        operations.record_person_choice(tender, first, is_accepted=False, reason="", by=officer)
    operations.record_person_choice(
        tender, first, is_accepted=False, reason="Too far from family.", by=officer
    )
    assert queries.accepted_choice(tender) is None
    with pytest.raises(OperationRefused, match="ranked 2"):
        operations.record_person_choice(tender, third, is_accepted=True, reason="", by=officer)
    choice = operations.record_person_choice(
        tender, second, is_accepted=True, reason="", by=officer
    )
    assert queries.accepted_choice(tender) == choice
    assert choice.evaluation == second
    with pytest.raises(OperationRefused, match="already accepted"):
        operations.record_person_choice(tender, third, is_accepted=True, reason="", by=officer)
    events = _events(db, "person_choice.recorded")
    assert [(e.after["rank"], e.after["is_accepted"]) for e in events] == [(1, False), (2, True)]


def test_every_ranked_home_refused_leaves_only_ending(db, officer):
    tender = evaluated_tender(("1900",), [4], officer=officer)
    (only,) = evaluations_in_bid_order(tender)
    operations.record_person_choice(tender, only, is_accepted=False, reason="No.", by=officer)
    with pytest.raises(OperationRefused, match="Every ranked home has been refused"):
        operations.record_person_choice(tender, only, is_accepted=True, reason="", by=officer)
    operations.end_unsuccessful(tender, reason="The person refused every home.", by=officer)
    assert tender.state is TenderState.unsuccessful


def test_an_unchecked_low_price_holds_the_choice(db, officer):
    tender = evaluated_tender(("500", "2000", "2100"), [5, 3, 3], officer=officer)
    low = evaluations_in_bid_order(tender)[0]
    with pytest.raises(OperationRefused, match="abnormally low"):
        operations.record_person_choice(tender, low, is_accepted=True, reason="", by=officer)
    operations.check_low_price(low, explanation="Explained.", by=officer)
    operations.record_person_choice(tender, low, is_accepted=True, reason="", by=officer)
    assert db.session.scalar(select(func.count(PersonChoice.id))) == 1


def test_the_choice_waits_for_moderation(db, officer):
    tender = evaluated_tender(("1900",), officer=officer, until=TenderState.evaluating)
    (only,) = evaluations_in_bid_order(tender)
    with pytest.raises(OperationRefused, match="after moderation"):
        operations.record_person_choice(tender, only, is_accepted=True, reason="", by=officer)


# Re-running.


def test_an_unsuccessful_tender_is_copied_as_a_new_draft(db, officer):
    tender = evaluated_tender(("1900",), officer=officer, until=TenderState.opened)
    with pytest.raises(OperationRefused, match="only a tender that ended without award"):
        operations.copy_tender(tender, by=officer)
    operations.end_unsuccessful(tender, reason="Not good enough.", by=officer)
    copy = operations.copy_tender(tender, by=officer)
    assert copy.state is TenderState.draft and copy.copied_from_id == tender.id
    assert copy.reference == f"MT-{copy.id:05d}" != tender.reference
    assert copy.person_reference == tender.person_reference
    assert copy.needs_summary == tender.needs_summary
    assert copy.price_weight == tender.price_weight
    assert [(q.text, q.weight) for q in copy.questions] == [
        (q.text, q.weight) for q in tender.questions
    ]
    assert copy.preferred_districts == tender.preferred_districts
    assert copy.closes_at > NOW and copy.published_at is None
    assert _events(db, "tender.copied")[0].after["copied_from"] == tender.reference


def test_a_cancelled_tender_may_be_copied(db, officer):
    Market(providers=1)
    tender = make_published_tender("MH", officer=officer)
    tender_operations.cancel_tender(tender, reason="Need changed.", by=officer)
    copy = operations.copy_tender(tender, by=officer)
    assert db.session.get(Tender, copy.id).copied_from_id == tender.id


def test_versions_are_untouched_by_evaluation(db, officer):
    tender = evaluated_tender(("1900", "2000"), officer=officer)
    versions = db.session.scalars(select(BidVersion)).all()
    assert {v.total_weekly_cost for v in versions} == {Decimal("1900.00"), Decimal("2000.00")}
    assert tender.state is TenderState.moderated


def test_the_factory_records_an_acceptance_after_refusals(db, officer):
    tender = evaluated_tender(("1900", "2100", "2300"), [3, 4, 5], officer=officer)
    choice = accept_ranked(tender, officer=officer, refusals=1)
    assert queries.accepted_choice(tender) == choice
    assert choice.evaluation == evaluations_in_bid_order(tender)[1]
