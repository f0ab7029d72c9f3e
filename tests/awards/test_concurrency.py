"""Two officers awarding the last bed of a home at the same moment (PostgreSQL, separate
connections): the vacancy row is locked, so one succeeds, the other is told the last bed was
just taken, and the bed is never booked twice."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from dps_portal.awards import operations
from dps_portal.awards.models import ChoiceReason, DirectAward, DirectAwardState
from dps_portal.core import clock
from dps_portal.core.roles import Role
from dps_portal.placements.models import Placement
from dps_portal.vacancies.models import Vacancy
from tests.awards.helpers import NOW, listed_home, start
from tests.concurrency import at_once, pausing
from tests.conftest import sign_in
from tests.factories import make_user
from tests.onboarding.helpers import page_text


@pytest.fixture(autouse=True)
def _postgres_only(db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one writer at a time: the race needs PostgreSQL")


def test_two_officers_awarding_the_last_bed_at_once_book_it_once(app, db, monkeypatch):
    with clock.frozen(NOW):
        home = listed_home("1000.00", beds=1, name="Last Bed House")
        officers = [make_user(Role.contracts_officer) for _ in range(2)]
        posts = []
        for number, officer in enumerate(officers):
            award = start(officer, person_reference=f"MH-2027-10{number}")
            offer = operations.make_offer(
                award, award.listings[0], reason=ChoiceReason.lowest_rate, by=officer
            )
            said = NOW + timedelta(minutes=10)
            posts.append(
                (
                    lambda client, officer=officer: sign_in(client, officer),
                    f"/direct-awards/{award.id}/offers/{offer.id}/telephone",
                    {
                        "contact": "Registered manager",
                        "said_on": [str(said.day), str(said.month), str(said.year)],
                        "said_time": "10:10",
                    },
                )
            )
        db.session.commit()
        home_id = home.id

    clock.set_source(lambda: NOW + timedelta(minutes=20))
    # Hold each acceptance after it has read the vacancy and taken a bed, before it is kept:
    # without the row lock both would read one bed free.
    monkeypatch.setattr(operations, "record_event", pausing(operations.record_event))
    try:
        pages = at_once(app, posts)
    finally:
        clock.set_source(None)

    for page in pages:
        assert not isinstance(page, BaseException), page
    texts = [page_text(page) for page in pages]
    assert sum("Accepted by telephone" in text for text in texts) == 1
    assert sum("The last bed was just taken" in text for text in texts) == 1
    db.session.remove()
    assert db.session.scalar(select(func.count(Placement.id))) == 1
    vacancy = db.session.scalars(select(Vacancy).where(Vacancy.care_home_id == home_id)).one()
    assert vacancy.beds_free == 0
    states = sorted(award.state.name for award in db.session.scalars(select(DirectAward)))
    assert states == [DirectAwardState.open.name, DirectAwardState.placed.name]
