"""The mini-tender jobs, with the clock moved: reminders 24 and 2 hours before the deadline to
invitees that have neither bid nor declined; "ready to open" to the contracts officers at the
deadline; a reminder when no award is made 3 working days after it; the end of a standstill.
Each goes once, at the right time, to the right people only, and never with a price."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from dps_portal.core import clock
from dps_portal.core.roles import Role
from dps_portal.notifications.models import Notification, OutboxEmail
from dps_portal.scheduler.registry import all_jobs
from dps_portal.tenders import operations, tasks
from dps_portal.tenders.evaluation.operations import open_bids
from dps_portal.tenders.models import DeclineReason, TenderState
from tests.factories import make_user
from tests.tenders.factories import Market, bid_values, invitation_of, make_published_tender

# A Wednesday in March (GMT); the default deadline is Friday 6 March, 17:00.
NOW = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)
DEADLINE = datetime(2026, 3, 6, 17, 0, tzinfo=UTC)
# The bid's prices as a message could spell them.
PRICES = ("1850", "1,850", "2065", "2,065", "21.50")


@pytest.fixture(autouse=True)
def _now(db):
    with clock.frozen(NOW) as frozen:
        yield frozen


@pytest.fixture
def market(db):
    """Three invitees: the first bids, the second declines, the third does nothing; two
    contracts officers, an administrator and a monitor."""
    market = Market(providers=3)
    officer = make_user(Role.contracts_officer, password=None)
    tender = make_published_tender("MH", officer=officer)
    assert tender.closes_at == DEADLINE
    bidder, decliner, silent = market.users
    operations.submit_bid(
        invitation_of(tender, market.homes[0].provider),
        **bid_values(tender, market.homes[0]),
        by=bidder,
    )
    operations.decline_tender(
        invitation_of(tender, market.homes[1].provider),
        reason=DeclineReason.no_vacancy,
        detail="",
        by=decliner,
    )
    people = {
        "officer": officer,
        "second officer": make_user(Role.contracts_officer, password=None),
        "administrator": make_user(Role.administrator, password=None),
        "monitor": make_user(Role.quality_monitor, password=None),
        "bidder": bidder,
        "decliner": decliner,
        "silent": silent,
    }
    db.session.commit()
    return {"tender": tender, "people": people, "market": market}


def _told(db, key_part: str) -> set[str]:
    """Who has an email whose dedupe key holds `key_part`, by address."""
    return set(
        db.session.scalars(
            select(OutboxEmail.to_address).where(OutboxEmail.dedupe_key.contains(key_part))
        )
    )


def _addresses(market, *names) -> set[str]:
    """The addresses of the named people: an invitee's are all its organisation's users',
    and the officers' every active contracts officer's (as telling reaches them)."""
    from dps_portal.accounts.models import User

    addresses = set()
    for name in names:
        person = market["people"][name]
        if person.role is Role.provider:
            query = select(User.email).where(User.provider_id == person.provider_id)
        elif person.role is Role.contracts_officer:
            query = select(User.email).where(User.role == Role.contracts_officer, User.is_active)
        else:
            query = select(User.email).where(User.id == person.id)
        addresses |= set(db_session().scalars(query))
    return addresses


def db_session():
    from dps_portal.extensions import db

    return db.session


def _count(market, *names) -> int:
    return len(_addresses(market, *names))


def _no_price_anywhere(db) -> None:
    texts = [f"{n.title} {n.body}" for n in db.session.scalars(select(Notification))] + [
        f"{e.subject} {e.body_text} {e.body_html or ''}"
        for e in db.session.scalars(select(OutboxEmail))
    ]
    assert texts
    for text in texts:
        for price in PRICES:
            assert price not in text, text


def test_the_jobs_are_scheduled():
    ids = {job.id for job in all_jobs()}
    assert {job.id for job in tasks.JOBS} <= ids
    assert len(tasks.JOBS) == 4


# Reminders to invitees.


def test_invitees_that_have_not_responded_are_reminded_24_and_2_hours_before(db, market, _now):
    run = tasks.remind_invitees_before_deadline
    nothing = {"reminded_2h": 0, "reminded_24h": 0}
    # 31 hours before: too early.
    assert run(NOW) == nothing
    # Just over 24 hours before: still too early.
    assert run(DEADLINE - timedelta(hours=24, seconds=1)) == nothing
    at = DEADLINE - timedelta(hours=24)
    _now.set(at)
    assert run(at) == {"reminded_2h": 0, "reminded_24h": _count(market, "silent")}
    db.session.commit()
    assert _told(db, "-closing-24h-") == _addresses(market, "silent")
    # Once only: a second run, and a later one before the 2-hour mark, send nothing.
    assert run(at) == nothing
    assert run(DEADLINE - timedelta(hours=3)) == nothing
    at = DEADLINE - timedelta(hours=2)
    _now.set(at)
    assert run(at) == {"reminded_2h": _count(market, "silent"), "reminded_24h": 0}
    db.session.commit()
    assert run(at + timedelta(minutes=15)) == nothing
    assert _told(db, "-closing-2h-") == _addresses(market, "silent")
    # At and after the deadline: no more.
    assert run(DEADLINE) == nothing
    email = db.session.scalars(
        select(OutboxEmail).where(OutboxEmail.dedupe_key.contains("-closing-2h-"))
    ).first()
    assert email.subject == f"Mini-tender {market['tender'].reference} closes in 2 hours"
    assert "6 March 2026 at 5:00pm (GMT)" in email.body_text
    assert f"/opportunities/{market['tender'].id}" in email.body_text
    _no_price_anywhere(db)


def test_a_withdrawn_bid_counts_as_no_bid_and_a_moved_deadline_brings_a_fresh_reminder(
    db, market, _now
):
    tender, people = market["tender"], market["people"]
    at = DEADLINE - timedelta(hours=20)
    _now.set(at)
    operations.withdraw_bid(invitation_of(tender, people["bidder"].provider), by=people["bidder"])
    db.session.commit()
    bidder_and_silent = _count(market, "bidder", "silent")
    assert tasks.remind_invitees_before_deadline(at)["reminded_24h"] == bidder_and_silent
    assert _told(db, "-closing-24h-") == _addresses(market, "bidder", "silent")
    # The deadline moves two days later: a reminder a day before the new one.
    new_deadline = DEADLINE + timedelta(days=2)
    operations.extend_deadline(
        tender,
        closes_at=new_deadline,
        clarifications_close_at=None,
        reason="More time for visits.",
        by=people["officer"],
    )
    db.session.commit()
    assert tasks.remind_invitees_before_deadline(at)["reminded_24h"] == 0
    later = new_deadline - timedelta(hours=23)
    _now.set(later)
    assert tasks.remind_invitees_before_deadline(later)["reminded_24h"] == bidder_and_silent


def test_a_tender_that_closes_within_2_hours_of_publishing_gets_only_the_2_hour_reminder(db, _now):
    market = Market(providers=1)
    tender = make_published_tender("MH", closes_at=NOW + timedelta(minutes=90))
    db.session.commit()
    told = tasks.remind_invitees_before_deadline(NOW)
    db.session.commit()
    assert tasks.remind_invitees_before_deadline(NOW) == {"reminded_2h": 0, "reminded_24h": 0}
    users = _told(db, f"tender-{tender.id}-closing-2h-")
    assert told == {"reminded_2h": len(users), "reminded_24h": 0}
    assert market.users[0].email in users
    assert _told(db, f"tender-{tender.id}-closing-24h-") == set()


def test_cancelled_and_draft_tenders_remind_no_one(db, market, _now):
    tender = market["tender"]
    operations.cancel_tender(
        tender, reason="The person's needs changed.", by=market["people"]["officer"]
    )
    db.session.commit()
    at = DEADLINE - timedelta(hours=1)
    assert tasks.remind_invitees_before_deadline(at) == {"reminded_2h": 0, "reminded_24h": 0}


# Ready to open.


def test_the_officers_are_told_once_the_bids_are_ready_to_open(db, market, _now):
    tender, people = market["tender"], market["people"]
    run = tasks.tell_bids_ready_to_open
    assert run(DEADLINE - timedelta(seconds=1)) == {"tenders": 0, "officers_told": 0}
    _now.set(DEADLINE)
    assert run(DEADLINE) == {"tenders": 1, "officers_told": _count(market, "officer")}
    db.session.commit()
    assert run(DEADLINE + timedelta(minutes=15)) == {"tenders": 1, "officers_told": 0}
    assert _told(db, "-ready-to-open-") == _addresses(market, "officer", "second officer")
    email = db.session.scalars(
        select(OutboxEmail).where(OutboxEmail.dedupe_key.contains("-ready-to-open-"))
    ).first()
    assert email.subject == f"Ready to open: {tender.reference}"
    assert "with 1 bid." in email.body_text
    # Opened: nothing more.
    open_bids(tender, by=people["officer"])
    db.session.commit()
    assert run(DEADLINE + timedelta(hours=1)) == {"tenders": 0, "officers_told": 0}
    _no_price_anywhere(db)


# No award 3 working days after the deadline.


def test_the_officers_are_reminded_when_no_award_is_made_3_working_days_on(db, market, _now):
    tender, people = market["tender"], market["people"]
    run = tasks.remind_no_award
    # Friday 17:00 + 3 working days: Wednesday 11 March, 17:00.
    due = datetime(2026, 3, 11, 17, 0, tzinfo=UTC)
    assert tasks.no_award_due_at(tender) == due
    _now.set(DEADLINE + timedelta(minutes=5))
    open_bids(tender, by=people["officer"])
    db.session.commit()
    assert run(due - timedelta(seconds=1)) == {"tenders": 0, "officers_told": 0}
    _now.set(due)
    assert run(due) == {"tenders": 1, "officers_told": _count(market, "officer")}
    db.session.commit()
    assert run(due + timedelta(days=1)) == {"tenders": 1, "officers_told": 0}
    assert _told(db, "-no-award-") == _addresses(market, "officer", "second officer")
    email = db.session.scalars(
        select(OutboxEmail).where(OutboxEmail.dedupe_key.contains("-no-award-"))
    ).first()
    assert email.subject == f"No award yet: {tender.reference}"
    assert "bids opened" in email.body_text
    _no_price_anywhere(db)


def test_no_award_reminders_skip_bank_holidays_and_follow_summer_time(db, _now):
    Market(providers=1)
    # Thursday 2 April 2026, 17:00 BST; Good Friday and Easter Monday are bank holidays.
    deadline = datetime(2026, 4, 2, 16, 0, tzinfo=UTC)
    _now.set(deadline - timedelta(days=2))
    tender = make_published_tender("MH", closes_at=deadline)
    db.session.commit()
    assert tasks.no_award_due_at(tender) == datetime(2026, 4, 9, 16, 0, tzinfo=UTC)
    assert tasks.remind_no_award(datetime(2026, 4, 9, 15, 59, tzinfo=UTC))["tenders"] == 0
    assert tasks.remind_no_award(datetime(2026, 4, 9, 16, 0, tzinfo=UTC))["tenders"] == 1


@pytest.mark.parametrize(
    "state", [TenderState.awarded, TenderState.cancelled, TenderState.standstill]
)
def test_an_awarded_or_ended_tender_is_not_chased(db, market, state):
    tender = market["tender"]
    tender.state = state
    if state is TenderState.awarded:
        tender.awarded_at = DEADLINE
    if state is TenderState.cancelled:
        tender.cancelled_at = DEADLINE
    db.session.commit()
    assert tasks.remind_no_award(datetime(2026, 3, 20, 12, 0, tzinfo=UTC))["tenders"] == 0


# The end of a standstill.


def _in_standstill(tender, ends_on: date) -> None:
    tender.state = TenderState.standstill
    tender.bidders_told_at = tender.closes_at + timedelta(days=1)
    tender.standstill_ends_on = ends_on


def test_the_officers_are_told_when_the_standstill_ends(db, market):
    tender = market["tender"]
    _in_standstill(tender, date(2026, 3, 20))
    db.session.commit()
    run = tasks.tell_standstill_ended
    # The last day of the standstill, late in the evening: not yet.
    assert run(datetime(2026, 3, 20, 23, 59, tzinfo=UTC)) == {"tenders": 0, "officers_told": 0}
    assert run(datetime(2026, 3, 21, 0, 0, tzinfo=UTC)) == {
        "tenders": 1,
        "officers_told": _count(market, "officer"),
    }
    db.session.commit()
    assert run(datetime(2026, 3, 21, 9, 0, tzinfo=UTC)) == {"tenders": 1, "officers_told": 0}
    assert _told(db, "-standstill-ended-") == _addresses(market, "officer", "second officer")
    email = db.session.scalars(
        select(OutboxEmail).where(OutboxEmail.dedupe_key.contains("-standstill-ended-"))
    ).first()
    assert email.subject == f"Standstill ended: {tender.reference}"
    assert "ended on 20 March 2026" in email.body_text and "can now be confirmed" in email.body_text
    _no_price_anywhere(db)


def test_the_standstill_ends_at_midnight_in_england_in_summer_time(db, market):
    _in_standstill(market["tender"], date(2026, 4, 10))
    db.session.commit()
    # 23:30 UTC on the 10th is 00:30 BST on the 11th: the standstill has ended.
    assert tasks.tell_standstill_ended(datetime(2026, 4, 10, 22, 59, tzinfo=UTC))["tenders"] == 0
    assert tasks.tell_standstill_ended(datetime(2026, 4, 10, 23, 30, tzinfo=UTC))["tenders"] == 1


def test_only_a_tender_in_standstill_is_told(db, market):
    tender = market["tender"]
    tender.standstill_ends_on = date(2026, 3, 10)
    db.session.commit()
    assert tasks.tell_standstill_ended(datetime(2026, 3, 20, 9, 0, tzinfo=UTC))["tenders"] == 0


def test_no_job_tells_an_administrator_a_monitor_or_another_provider(db, market, _now):
    tender = market["tender"]
    for at in (
        DEADLINE - timedelta(hours=23),
        DEADLINE - timedelta(hours=1),
        DEADLINE,
        datetime(2026, 3, 12, 9, 0, tzinfo=UTC),
    ):
        _now.set(at)
        tasks.remind_invitees_before_deadline(at)
        tasks.tell_bids_ready_to_open(at)
        tasks.remind_no_award(at)
        db.session.commit()
    _in_standstill(tender, date(2026, 3, 13))
    db.session.commit()
    tasks.tell_standstill_ended(datetime(2026, 3, 16, 9, 0, tzinfo=UTC))
    db.session.commit()
    told = set().union(
        *(
            _told(db, part)
            for part in ("-closing-", "-ready-to-open-", "-no-award-", "-standstill-ended-")
        )
    )
    assert told == _addresses(market, "silent", "officer", "second officer")
    _no_price_anywhere(db)
