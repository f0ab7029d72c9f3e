"""Officers pressing the same button at once (PostgreSQL, where requests really run side by
side): the tender's row lock makes them act one after the other."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from dps_portal.audit.models import AuditEvent
from dps_portal.core import clock
from dps_portal.core.roles import Role
from dps_portal.tenders.evaluation import operations, queries
from dps_portal.tenders.models import BidEvaluation, ScoreSheet, TenderState
from tests.concurrency import at_once, pausing
from tests.conftest import sign_in
from tests.factories import make_user
from tests.tenders.evaluation.factories import closed_tender, evaluated_tender

NOW = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _postgres_only(db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one writer at a time: the race needs PostgreSQL")
    with clock.frozen(NOW):
        yield


def _as(user):
    return lambda client: sign_in(client, user)


def test_three_officers_starting_to_score_at_once_make_two_evaluators(app, db, monkeypatch):
    tender = evaluated_tender(("1900", "2000"), until=TenderState.opened)
    operations.start_evaluation(tender, by=make_user(Role.contracts_officer))
    officers = [make_user(Role.contracts_officer) for _ in range(3)]
    db.session.commit()
    # Each holds a moment after reading whether it has a sheet, before counting the others'.
    monkeypatch.setattr(queries, "sheet_of", pausing(queries.sheet_of))
    url = f"/tenders/{tender.id}/evaluation/scores/start"
    pages = at_once(app, [(_as(officer), url, {}) for officer in officers])
    assert all(not isinstance(page, BaseException) for page in pages), pages
    db.session.expire_all()
    sheets = db.session.scalar(
        select(func.count(ScoreSheet.id)).where(ScoreSheet.tender_id == tender.id)
    )
    assert sheets == 2
    refused = [page for page in pages if "already has its 2 evaluators" in page.get_data(True)]
    assert len(refused) == 1


def test_two_officers_opening_at_once_open_the_bids_once(app, db, monkeypatch):
    tender, _market = closed_tender(("1900", "2000", "2100"))
    officers = [make_user(Role.contracts_officer) for _ in range(2)]
    db.session.commit()
    monkeypatch.setattr(operations, "blind_label", pausing(operations.blind_label))
    url = f"/tenders/{tender.id}/evaluation/open"
    pages = at_once(app, [(_as(officer), url, {}) for officer in officers])
    assert all(not isinstance(page, BaseException) for page in pages), pages
    db.session.expire_all()
    assert (
        db.session.scalar(
            select(func.count(BidEvaluation.id)).where(BidEvaluation.tender_id == tender.id)
        )
        == 3
    )
    assert (
        db.session.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.action == "tender.bids_opened")
        )
        == 1
    )
