"""The evaluation pages at any size: the blind scoring page (with the other evaluators'
submitted sheets), moderation and the results send as many statements for 12 bids as for 3,
and never more than 30."""

from datetime import UTC, datetime

import pytest

from dps_portal.accounts.models import User
from dps_portal.core import clock
from dps_portal.core.roles import Role
from dps_portal.extensions import db as _db
from dps_portal.tenders.models import TenderState
from tests.conftest import sign_in
from tests.factories import make_user
from tests.query_counts import statements_of
from tests.tenders.evaluation.factories import evaluated_tender

NOW = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)
LIMIT = 30


@pytest.fixture(autouse=True)
def _now(db):
    with clock.frozen(NOW):
        yield


def _counts(client, bids: int) -> dict[str, int]:
    prices = [f"{1800 + 25 * number}.00" for number in range(bids)]
    scores = [number % 6 for number in range(bids)]
    officer = make_user(Role.contracts_officer)
    evaluators = [make_user(Role.contracts_officer) for _ in range(2)]
    scoring = evaluated_tender(
        prices, scores, officer=officer, evaluators=evaluators, until=TenderState.evaluating
    )
    moderated = evaluated_tender(prices, scores, officer=officer, evaluators=evaluators)
    ids = (scoring.id, moderated.id, officer.id, evaluators[0].id)
    _db.session.commit()
    scoring_id, moderated_id, officer_id, evaluator_id = ids
    counts = {}
    sign_in(client, _db.session.get(User, evaluator_id))
    _db.session.remove()
    counts["scores"], page = statements_of(client, f"/tenders/{scoring_id}/evaluation/scores")
    assert "You submitted your scores" in page
    sign_in(client, _db.session.get(User, officer_id))
    _db.session.remove()
    urls = {
        "moderation": f"/tenders/{scoring_id}/evaluation/moderation",
        "results": f"/tenders/{moderated_id}/evaluation/results",
        "choice": f"/tenders/{moderated_id}/evaluation/choice",
        "compliance": f"/tenders/{moderated_id}/evaluation/compliance",
        "tender": f"/tenders/{moderated_id}",
    }
    for name, url in urls.items():
        _db.session.remove()
        counts[name], _page = statements_of(client, url)
    return counts


def test_evaluation_pages_send_a_fixed_number_of_statements(client, db):
    small = _counts(client, 3)
    large = _counts(client, 12)
    assert small == large, (small, large)
    assert max(large.values()) <= LIMIT, large
