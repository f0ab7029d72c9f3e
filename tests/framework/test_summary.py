"""The framework summary: the admitted homes only, each with its standing at the contract
gate, read in a fixed number of statements; drawn by a job only when what it shows changed,
kept with its SHA-256, and downloaded from the store."""

import hashlib
import io

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from dps_portal.core.roles import Role
from dps_portal.core.statements import count_statements
from dps_portal.documents.models import StoredDocument
from dps_portal.documents.storage import document_path
from dps_portal.extensions import db as _db
from dps_portal.framework.models import current_framework
from dps_portal.framework.summary import DOCUMENT_KIND, data_hash, framework_summary
from dps_portal.framework.tasks import produce_framework_summary
from dps_portal.scheduler.registry import get_job
from tests.conftest import sign_in
from tests.contracts.test_query_counts import Market
from tests.contracts.test_query_counts import _today as _today
from tests.factories import make_user

URL = "/documents/framework-summary.pdf"


@pytest.fixture
def market(db):
    market = Market()
    market.grow(3)
    return market


def _summaries() -> list[StoredDocument]:
    return _db.session.scalars(
        select(StoredDocument)
        .where(StoredDocument.kind == DOCUMENT_KIND)
        .order_by(StoredDocument.id)
    ).all()


def _text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_the_summary_lists_admitted_homes_with_their_standing(market):
    summary = framework_summary(current_framework())

    names = [row.home.name for row in summary.admitted]
    assert names == ["Admitted 000", "Admitted 001", "Admitted 002"]
    assert summary.home_count == 6  # every registered home is counted, not listed
    assert summary.admitted_home_count == 3
    for row in summary.admitted:
        assert [result.category.code for result in row.results] == ["MH", "LDA"]
    reasons = {reason.text for result in summary.admitted[0].results for reason in result.reasons}
    assert "No satisfactory initial quality-monitoring visit" in reasons


def test_the_summary_is_read_in_as_many_statements_for_ten_times_the_homes(market):
    framework_id = current_framework().id

    def statements() -> int:
        _db.session.remove()
        with count_statements() as counted:
            framework = _db.session.get(type(current_framework()), framework_id)
            framework_summary(framework)
        return counted.count

    small = statements()
    market.grow(27)
    assert statements() == small <= 30


def test_the_job_draws_the_summary_only_when_its_data_changed(market):
    assert get_job("produce_framework_summary").func is produce_framework_summary

    assert produce_framework_summary() == {"summaries_produced": 1}
    _db.session.commit()
    assert produce_framework_summary() == {"summaries_produced": 0}

    [document] = _summaries()
    data = document_path(document).read_bytes()
    assert document.sha256 == hashlib.sha256(data).hexdigest()
    assert document.description.endswith(data_hash(framework_summary(current_framework())))
    text = _text(data)
    assert "Admitted 002" in text and "Other 002" not in text
    assert "LDA: Not eligible" in text

    market.grow(1)  # a new admitted home: the summary says something new
    assert produce_framework_summary() == {"summaries_produced": 1}
    _db.session.commit()
    assert len(_summaries()) == 2
    assert "Admitted 003" in _text(document_path(_summaries()[-1]).read_bytes())


def test_the_download_serves_the_kept_summary(client, market):
    produce_framework_summary()
    _db.session.commit()
    [document] = _summaries()
    kept = document_path(document).read_bytes()
    sign_in(client, make_user(Role.contracts_officer, password=None))
    _db.session.commit()

    response = client.get(URL)

    assert response.status_code == 200
    assert response.data == kept
    assert len(_summaries()) == 1


def test_the_download_draws_the_first_summary_when_none_is_kept(client, market):
    sign_in(client, make_user(Role.quality_monitor, password=None))
    _db.session.commit()

    first = client.get(URL)
    second = client.get(URL)

    assert first.status_code == second.status_code == 200
    assert first.data == second.data
    assert (
        _db.session.scalar(
            select(func.count(StoredDocument.id)).where(StoredDocument.kind == DOCUMENT_KIND)
        )
        == 1
    )
    assert "Admitted 000" in _text(first.data)
