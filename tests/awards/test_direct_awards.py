"""Direct awards: the search lists only eligible homes with a fresh matching vacancy at their
pre-agreed rate, cheapest first, and is stored as shown; offers are at the listed rate with a
window; acceptance takes the bed and makes the placement; declines and lapses let the
officer offer the next; closing; the job records lapses once."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import delete, func, select

from dps_portal.audit.models import AuditEvent
from dps_portal.awards import operations, queries
from dps_portal.awards.models import (
    ChoiceReason,
    DirectAward,
    DirectAwardOffer,
    DirectAwardState,
    Justification,
    OfferState,
)
from dps_portal.awards.tasks import record_lapsed_offers
from dps_portal.core import clock
from dps_portal.core.errors import OperationRefused
from dps_portal.core.roles import Role
from dps_portal.notifications.models import Notification
from dps_portal.placements.models import Placement, PlacementRoute, PlacementState
from dps_portal.rates.models import RateCardEntry
from dps_portal.vacancies.models import Vacancy
from tests.awards.helpers import NOW, START, add_rate, add_vacancy, listed_home, setting, start
from tests.contracts.factories import admit_home, suspend
from tests.factories import make_home, make_user
from tests.onboarding.factories import ready_framework


@pytest.fixture(autouse=True)
def _now(db):
    with clock.frozen(NOW) as frozen:
        yield frozen


@pytest.fixture
def officer(db):
    return make_user(Role.contracts_officer)


def _actions() -> list[str]:
    return list(db_session().scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def db_session():
    from dps_portal.extensions import db

    return db.session


def _offer(award, listing=None, officer=None, reason=ChoiceReason.lowest_rate, detail=""):
    return operations.make_offer(
        award,
        listing or award.listings[0],
        reason=reason,
        detail=detail,
        by=officer or award.created_by,
    )


def _provider_user(home):
    return make_user(Role.provider, provider=home.provider)


# The search and the snapshot.


def test_the_search_lists_eligible_homes_with_a_fresh_matching_vacancy_cheapest_first(db, officer):
    dear = listed_home("1400.00", beds=2, name="Dear House")
    cheap = listed_home("1100.50", name="Cheap House")
    # Never listed: suspended, not eligible (no visit), no rate, the wrong setting, no beds,
    # free only after the start, and a stale vacancy.
    suspended = listed_home("900.00", name="Suspended House")
    suspend(suspended.provider, suspended)
    unvisited = admit_home(make_home(name="Unvisited House"), "MH")
    add_rate(unvisited, "900.00")
    add_vacancy(unvisited)
    no_rate = listed_home("900.00", name="No Rate House")
    db_session().execute(delete(RateCardEntry).where(RateCardEntry.care_home_id == no_rate.id))
    other_setting = listed_home("900.00", name="Other Setting House", setting_index=1)
    full = listed_home("900.00", beds=0, name="Full House")
    later = listed_home("900.00", name="Later House", available_from=START + timedelta(days=1))
    stale = listed_home("950.00", name="Stale House", confirmed_at=NOW - timedelta(days=8))
    del other_setting, full, later

    award = start(officer)
    assert [listing.home_name for listing in award.listings] == ["Cheap House", "Dear House"]
    first, second = award.listings
    assert first.weekly_rate == Decimal("1100.50") and first.is_cheapest
    assert not second.is_cheapest and second.beds_free == 2
    assert first.care_home_id == cheap.id and second.care_home_id == dear.id
    assert first.latest_visit_outcome == "Satisfactory" and first.latest_visit_on == NOW.date()
    assert award.state is DirectAwardState.open and award.reference.startswith("DA-2027-")
    event = (
        db_session()
        .scalars(select(AuditEvent).where(AuditEvent.action == "direct_award.started"))
        .one()
    )
    assert [row["home_id"] for row in event.after["listed"]] == [cheap.id, dear.id]

    with_stale = start(officer, include_stale=True, person_reference="MH-2027-002")
    assert [listing.home_name for listing in with_stale.listings] == [
        "Stale House",
        "Cheap House",
        "Dear House",
    ]
    assert stale.id == with_stale.listings[0].care_home_id


def test_the_stored_list_does_not_change_when_the_market_does(db, officer):
    home = listed_home("1000.00", beds=3)
    award = start(officer)
    vacancy = db_session().scalars(select(Vacancy).where(Vacancy.care_home_id == home.id)).one()
    vacancy.beds_free = 1
    add_rate(home, "2000.00", effective_from=date(2027, 3, 1))
    db_session().flush()
    db_session().expire_all()
    listing = db_session().get(DirectAward, award.id).listings[0]
    assert listing.weekly_rate == Decimal("1000.00") and listing.beds_free == 3


def test_districts_filter_the_search(db, officer):
    districts = ready_framework().districts
    listed_home("1000.00", name="North", district=districts[0])
    listed_home("900.00", name="South", district=districts[1])
    award = start(officer, districts=[districts[0]])
    assert [listing.home_name for listing in award.listings] == ["North"]
    assert [d.id for d in award.districts] == [districts[0].id]
    by_district = queries.sorted_listings(start(officer, person_reference="X-2"), "district")
    assert len(by_district) == 2


def test_a_respite_award_needs_an_end_date_after_its_start(db, officer):
    listed_home("1000.00")
    with pytest.raises(OperationRefused, match="end date of the respite"):
        start(officer, justification=Justification.respite)
    with pytest.raises(OperationRefused, match="after the start"):
        start(officer, justification=Justification.respite, end_on=START)
    award = start(officer, justification=Justification.respite, end_on=START + timedelta(days=14))
    assert award.end_on == START + timedelta(days=14)


def test_refusals_when_starting(db, officer):
    listed_home("1000.00")
    with pytest.raises(OperationRefused, match="looks like a name"):
        start(officer, person_reference="Jane Smith")
    with pytest.raises(OperationRefused, match="contracts officer"):
        start(make_user(Role.quality_monitor))
    with pytest.raises(OperationRefused, match="No eligible home"):
        start(officer, setting=setting(1))
    assert db_session().scalar(select(func.count(DirectAward.id))) == 0


# Offers and answers.


def test_an_offer_is_at_the_listed_rate_with_the_emergency_window(db, officer):
    home = listed_home("1000.00")
    user = _provider_user(home)
    award = start(officer)
    offer = _offer(award)
    assert offer.weekly_rate == Decimal("1000.00")
    assert offer.respond_by == NOW + timedelta(hours=4)
    assert offer.state is OfferState.offered
    told = db_session().scalars(select(Notification).where(Notification.user_id == user.id)).one()
    # The window's end in UK time (GMT in March before the clocks change).
    assert "1 March 2027 at 2:00pm (GMT)" in told.title
    assert "£1,000.00" in told.body


def test_a_respite_window_is_two_working_days(db, officer):
    listed_home("1000.00")
    award = start(officer, justification=Justification.respite, end_on=START + timedelta(days=7))
    with clock.frozen(datetime(2027, 3, 5, 15, 0, tzinfo=NOW.tzinfo)):  # a Friday
        offer = _offer(award)
    assert offer.respond_by == datetime(2027, 3, 9, 15, 0, tzinfo=NOW.tzinfo)  # Tuesday


def test_one_offer_waits_at_a_time_and_other_needs_a_reason(db, officer):
    listed_home("1000.00")
    listed_home("1100.00")
    award = start(officer)
    with pytest.raises(OperationRefused, match="reason"):
        _offer(award, reason=ChoiceReason.other)
    _offer(award, reason=ChoiceReason.other, detail="Near the day centre")
    with pytest.raises(OperationRefused, match="to answer"):
        _offer(award, award.listings[1])


def test_the_provider_accepts_the_bed_is_taken_and_the_placement_made(db, officer):
    home = listed_home("1000.00", beds=2)
    award = start(officer, justification=Justification.respite, end_on=START + timedelta(days=14))
    offer = _offer(award)
    user = _provider_user(home)
    placement = operations.accept_offer(offer, by=user)
    assert placement.route is PlacementRoute.direct_award
    assert placement.state is PlacementState.awarded
    assert placement.direct_award_id == award.id
    assert placement.weekly_cost == Decimal("1000.00")
    assert placement.planned_start_on == START
    assert placement.planned_end_on == START + timedelta(days=14)
    assert placement.funding is award.funding
    assert [cost.weekly_cost for cost in placement.costs] == [Decimal("1000.00")]
    assert award.state is DirectAwardState.placed and offer.state is OfferState.accepted
    vacancy = db_session().scalars(select(Vacancy).where(Vacancy.care_home_id == home.id)).one()
    assert vacancy.beds_free == 1
    actions = _actions()
    for action in ("vacancy.taken", "offer.accepted", "placement.created", "direct_award.placed"):
        assert actions.count(action) == 1


def test_the_last_bed_taken_elsewhere_is_refused_with_a_clear_message(db, officer):
    home = listed_home("1000.00", beds=1)
    first = start(officer)
    second = start(officer, person_reference="MH-2027-002")
    user = _provider_user(home)
    operations.accept_offer(_offer(first), by=user)
    with pytest.raises(OperationRefused, match="last bed was just taken"):
        operations.accept_offer(_offer(second), by=user)


def test_only_the_offered_provider_answers_within_the_window(db, officer, _now):
    home = listed_home("1000.00")
    award = start(officer)
    offer = _offer(award)
    with pytest.raises(OperationRefused, match="Only the provider"):
        operations.accept_offer(offer, by=make_user(Role.provider))
    with pytest.raises(OperationRefused, match="Only the provider"):
        operations.decline_offer(offer, reason="No", by=officer)
    _now.advance(timedelta(hours=4))
    with pytest.raises(OperationRefused, match="time to answer"):
        operations.accept_offer(offer, by=_provider_user(home))


def test_a_decline_lets_the_officer_offer_the_next(db, officer):
    first = listed_home("1000.00")
    listed_home("1100.00")
    award = start(officer)
    offer = _offer(award)
    with pytest.raises(OperationRefused, match="why"):
        operations.decline_offer(offer, reason="  ", by=_provider_user(first))
    operations.decline_offer(offer, reason="Cannot meet the needs", by=_provider_user(first))
    assert offer.state is OfferState.declined and offer.decline_reason == "Cannot meet the needs"
    with pytest.raises(OperationRefused, match="already been offered"):
        _offer(award)
    second = _offer(award, award.listings[1])
    assert second.weekly_rate == Decimal("1100.00")


def test_a_lapsed_window_is_recorded_once_and_the_next_may_be_offered(db, officer, _now):
    listed_home("1000.00")
    listed_home("1100.00")
    award = start(officer)
    offer = _offer(award)
    assert record_lapsed_offers() == {"lapsed": 0}
    _now.advance(timedelta(hours=4))
    assert record_lapsed_offers() == {"lapsed": 1}
    assert record_lapsed_offers() == {"lapsed": 0}
    assert offer.state is OfferState.lapsed
    told = (
        db_session().scalars(select(Notification).where(Notification.user_id == officer.id)).all()
    )
    assert any("no answer" in n.title for n in told)
    _offer(award, award.listings[1])


def test_offering_after_an_unrecorded_lapse_records_it(db, officer, _now):
    listed_home("1000.00")
    listed_home("1100.00")
    award = start(officer)
    offer = _offer(award)
    _now.advance(timedelta(hours=5))
    _offer(award, award.listings[1])
    assert offer.state is OfferState.lapsed


def test_a_telephone_acceptance_records_who_and_when(db, officer, _now):
    home = listed_home("1000.00")
    award = start(officer)
    offer = _offer(award)
    _now.advance(timedelta(hours=1))
    with pytest.raises(OperationRefused, match="past"):
        operations.record_telephone_acceptance(
            offer, contact="Helen", said_at=clock.now() + timedelta(minutes=5), by=officer
        )
    with pytest.raises(OperationRefused, match="between"):
        operations.record_telephone_acceptance(
            offer, contact="Helen", said_at=NOW - timedelta(minutes=5), by=officer
        )
    with pytest.raises(OperationRefused, match="contracts officer"):
        operations.record_telephone_acceptance(
            offer, contact="Helen", said_at=clock.now(), by=_provider_user(home)
        )
    said = NOW + timedelta(minutes=30)
    placement = operations.record_telephone_acceptance(
        offer, contact="Helen Shaw, manager", said_at=said, by=officer
    )
    assert offer.by_telephone and offer.telephone_contact == "Helen Shaw, manager"
    assert clock.ensure_utc(offer.telephone_at) == said
    assert placement.provider_id == home.provider_id


def test_closing_withdraws_a_waiting_offer(db, officer):
    listed_home("1000.00")
    award = start(officer)
    offer = _offer(award)
    with pytest.raises(OperationRefused, match="why"):
        operations.close_direct_award(award, reason="", by=officer)
    operations.close_direct_award(award, reason="Family found a place", by=officer)
    assert award.state is DirectAwardState.closed and offer.state is OfferState.withdrawn
    with pytest.raises(OperationRefused, match="closed"):
        _offer(award, award.listings[0])
    assert db_session().scalar(select(func.count(Placement.id))) == 0
    assert db_session().scalar(select(func.count(DirectAwardOffer.id))) == 1
