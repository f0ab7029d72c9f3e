"""Reviews: the first 6 weeks after the start, then a year after each review held; the job
that tells the officers of reviews due within 14 days or overdue, once per due date."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from dps_portal.audit.actions import AuditAction
from dps_portal.audit.models import AuditEvent
from dps_portal.core import clock
from dps_portal.core.roles import Role
from dps_portal.extensions import db
from dps_portal.notifications.models import Notification, OutboxEmail
from dps_portal.placements import operations, rules
from dps_portal.placements.models import Placement, PlacementReview, PlacementState
from dps_portal.placements.operations import PlacementRefused
from dps_portal.placements.tasks import remind_reviews_due
from dps_portal.scheduler.registry import get_job
from tests.conftest import sign_in
from tests.factories import make_user
from tests.placements.factories import Register, add_placements


@pytest.fixture
def world(db):
    return Register()


def day_parts(day):
    return [str(day.day), str(day.month), str(day.year)]


@pytest.mark.parametrize(
    "reviewed, due",
    [
        (date(2026, 3, 3), date(2027, 3, 3)),
        (date(2028, 2, 29), date(2029, 2, 28)),
        (date(2026, 12, 31), date(2027, 12, 31)),
    ],
)
def test_the_next_review_is_a_year_later(reviewed, due):
    assert rules.next_review_after(reviewed) == due


def test_the_first_review_is_six_weeks_after_the_confirmed_start(app, world):
    placement = world.awarded
    placement.awarded_at = clock.now() - timedelta(days=10)
    db.session.flush()
    started = clock.today_uk() - timedelta(days=3)
    operations.confirm_start(placement, started_on=started, by=world.local_user)
    assert placement.next_review_on == started + timedelta(weeks=6)
    assert app.config["FIRST_PLACEMENT_REVIEW_AFTER"] == timedelta(weeks=6)


def test_recording_a_review(world):
    placement = world.active
    today = clock.today_uk()
    record = operations.record_review
    with pytest.raises(PlacementRefused, match="on or after the start"):
        record(placement, reviewed_on=placement.started_on - timedelta(days=1), by=world.officer)
    with pytest.raises(PlacementRefused, match="today or in the past"):
        record(placement, reviewed_on=today + timedelta(days=1), by=world.officer)
    with pytest.raises(PlacementRefused, match="Only a contracts officer"):
        record(placement, reviewed_on=today, by=world.monitor)
    with pytest.raises(PlacementRefused, match="only an active placement"):
        record(world.ended, reviewed_on=today, by=world.officer)
    review = record(
        placement, reviewed_on=today - timedelta(days=1), note="Settled", by=world.officer
    )
    assert review.note == "Settled" and review.recorded_by_id == world.officer.id
    assert placement.next_review_on == rules.next_review_after(today - timedelta(days=1))
    # A review recorded late, held before the latest: the next still follows the latest.
    record(placement, reviewed_on=today - timedelta(days=20), by=world.officer)
    assert placement.next_review_on == rules.next_review_after(today - timedelta(days=1))
    events = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == AuditAction.placement_reviewed.value,
            AuditEvent.subject_id == str(placement.id),
        )
    ).all()
    assert len(events) == 2
    assert events[0].after["next_review_on"] == placement.next_review_on.isoformat()


def test_recording_a_review_through_the_page(app, world):
    client = app.test_client()
    sign_in(client, world.officer)
    url = f"/placements/{world.active.id}/review"
    assert client.get(url).status_code == 200
    response = client.post(url, data={"note": "Typed note"})
    text = response.get_data(as_text=True)
    assert "Enter the date of the review" in text and "Typed note" in text
    response = client.post(url, data={"reviewed_on": ["31", "2", "2026"]})
    assert "must be a real date" in response.get_data(as_text=True)
    response = client.post(url, data={"reviewed_on": day_parts(clock.today_uk()), "note": "Fine"})
    assert response.status_code == 302
    page = client.get(f"/placements/{world.active.id}").get_data(as_text=True)
    assert "Fine" in page and "Review held on" in page
    assert "3 March 2027" in page
    assert db.session.scalar(select(func.count(PlacementReview.id))) == 1


def _review_emails():
    return db.session.scalars(
        select(OutboxEmail.dedupe_key).where(OutboxEmail.dedupe_key.like("placement-%-review-%"))
    ).all()


def test_the_job_tells_officers_once_per_due_date(world):
    today = clock.today_uk()
    second_officer = make_user(Role.contracts_officer)
    world.direct.next_review_on = today - timedelta(days=3)  # overdue
    (far,) = add_placements(
        world.tender,
        world.local,
        1,
        state=PlacementState.active,
        next_review_on=today + timedelta(days=15),
    )
    (ended,) = add_placements(
        world.tender,
        world.local,
        1,
        state=PlacementState.ended,
        ended_on=today,
        ended_at=clock.now(),
        end_reason=world.ended.end_reason,
        next_review_on=today,
    )
    db.session.flush()
    counts = remind_reviews_due()
    assert counts == {"placements": 2, "told": 4}  # two placements, two officers each
    keys = _review_emails()
    assert len(keys) == 4
    assert all(str(far.id) not in key.split("-")[1] for key in keys)
    assert remind_reviews_due() == {"placements": 2, "told": 0}
    assert len(_review_emails()) == 4
    titles = db.session.scalars(
        select(Notification.title).where(Notification.user_id == second_officer.id)
    ).all()
    assert sorted(titles) == sorted(
        [
            f"Placement {world.active.reference}: review due",
            f"Placement {world.direct.reference}: review overdue",
        ]
    )
    # The review is held: the next due date a year on is a new reminder, in a year.
    operations.record_review(world.active, reviewed_on=today, by=world.officer)
    assert remind_reviews_due()["told"] == 0
    next_year = datetime(2027, 2, 20, 9, 0, tzinfo=UTC)
    counts = remind_reviews_due(next_year)
    # Due: far (now overdue), direct (still overdue: told already for that date) and active
    # (its new date): the officers hear of far and active.
    assert counts == {"placements": 3, "told": 4}
    assert ended.id not in {int(key.split("-")[1]) for key in _review_emails()}


def test_the_job_is_registered():
    assert get_job("remind_reviews_due").resolve() is remind_reviews_due


def test_a_provider_is_not_told_of_reviews(world):
    remind_reviews_due()
    assert not db.session.scalars(
        select(Notification).where(Notification.user_id == world.local_user.id)
    ).all()
    assert db.session.get(Placement, world.active.id).next_review_on is not None
