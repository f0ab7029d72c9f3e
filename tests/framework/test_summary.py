"""The framework summary: the admitted homes only, each with its standing at the contract
gate, read in a fixed number of statements; drawn by a job only when what it shows changed,
kept with its SHA-256, and downloaded from the store. The download never draws it: until the
job has kept one it says when it will be ready, and an officer can have the job run now."""

import hashlib
import io
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import delete, func, select

from dps_portal.core import clock
from dps_portal.core.roles import Role
from dps_portal.core.statements import count_statements
from dps_portal.documents.models import StoredDocument
from dps_portal.documents.storage import document_path
from dps_portal.extensions import db as _db
from dps_portal.framework.models import current_framework
from dps_portal.framework.summary import (
    DOCUMENT_KIND,
    JOB_ID,
    READY_WITHIN_MINUTES,
    RUN_GIVEN_UP_AFTER,
    data_hash,
    framework_summary,
)
from dps_portal.framework.tasks import produce_framework_summary
from dps_portal.scheduler.models import JobOutcome, JobRun
from dps_portal.scheduler.registry import get_job
from tests.conftest import sign_in
from tests.contracts.test_query_counts import Market
from tests.contracts.test_query_counts import _today as _today
from tests.factories import make_user

URL = "/documents/framework-summary.pdf"
PREPARE_URL = "/documents/framework-summary/prepare"


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


def test_the_download_never_draws_and_says_when_the_summary_will_be_ready(client, market):
    sign_in(client, make_user(Role.quality_monitor, password=None))
    _db.session.commit()

    response = client.get(URL)

    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "The framework summary is being prepared" in html
    assert f"It will be ready within {READY_WITHIN_MINUTES} minutes" in html
    assert "Prepare it now" not in html  # only contracts officers may ask for it now
    assert _summaries() == []  # nothing drawn in the request

    produce_framework_summary()  # the scheduled job makes it
    _db.session.commit()
    response = client.get(URL)
    assert response.mimetype == "application/pdf"
    assert "Admitted 000" in _text(response.data)


def test_an_officer_prepares_the_summary_now_through_the_job(client, market):
    sign_in(client, make_user(Role.contracts_officer, password=None))
    _db.session.commit()
    assert "Prepare it now" in client.get(URL).get_data(as_text=True)

    response = client.post(PREPARE_URL)

    # The job ran through the scheduler's runner (in a thread, joined in tests) and kept it.
    assert response.status_code == 302 and response.location.endswith(URL)
    [run] = _db.session.scalars(select(JobRun).where(JobRun.job_id == JOB_ID)).all()
    assert run.outcome is JobOutcome.succeeded
    assert run.counts == {"summaries_produced": 1}
    [document] = _summaries()
    download = client.get(URL)
    assert download.mimetype == "application/pdf"
    assert download.data == document_path(document).read_bytes()


def test_the_summary_is_not_prepared_twice_at_once(client, market):
    sign_in(client, make_user(Role.contracts_officer, password=None))
    _db.session.add(JobRun(job_id=JOB_ID, started_at=clock.now(), outcome=JobOutcome.running))
    _db.session.commit()

    html = client.get(URL).get_data(as_text=True)
    assert "The framework summary is being prepared now" in html
    assert "Prepare it now" not in html

    response = client.post(PREPARE_URL, follow_redirects=True)

    assert "already being prepared" in response.get_data(as_text=True)
    assert _db.session.scalar(select(func.count(JobRun.id))) == 1
    assert _summaries() == []


def test_a_run_that_died_long_ago_does_not_stop_a_new_one(client, market):
    sign_in(client, make_user(Role.contracts_officer, password=None))
    long_ago = clock.now() - RUN_GIVEN_UP_AFTER - timedelta(minutes=1)
    _db.session.add(JobRun(job_id=JOB_ID, started_at=long_ago, outcome=JobOutcome.running))
    _db.session.commit()

    client.post(PREPARE_URL)

    assert len(_summaries()) == 1


def test_only_officers_may_prepare_it_now(client, market):
    for role in (Role.quality_monitor, Role.administrator, Role.provider):
        sign_in(client, make_user(role, password=None))
        _db.session.commit()
        assert client.post(PREPARE_URL).status_code == 403
    assert _summaries() == []


def test_a_kept_file_that_cannot_be_read_is_drawn_again_by_the_job(client, market):
    produce_framework_summary()
    _db.session.commit()
    [document] = _summaries()
    document_path(document).unlink()
    sign_in(client, make_user(Role.contracts_officer, password=None))
    _db.session.commit()

    assert "being prepared" in client.get(URL).get_data(as_text=True)
    assert produce_framework_summary() == {"summaries_produced": 1}
    _db.session.commit()
    assert client.get(URL).mimetype == "application/pdf"


def test_the_home_pages_link_the_kept_summary_or_say_when_it_will_be_ready(client, market):
    officer = make_user(Role.contracts_officer, password=None)
    monitor = make_user(Role.quality_monitor, password=None)
    _db.session.commit()
    sign_in(client, officer)
    officer_home = client.get("/officer").get_data(as_text=True)
    assert 'data-framework-summary="preparing"' in officer_home
    assert "Prepare it now" in officer_home
    sign_in(client, monitor)
    monitor_home = client.get("/quality").get_data(as_text=True)
    assert 'data-framework-summary="preparing"' in monitor_home
    assert "Prepare it now" not in monitor_home

    produce_framework_summary()
    _db.session.commit()

    for user, url in ((officer, "/officer"), (monitor, "/quality")):
        sign_in(client, user)
        page = client.get(url).get_data(as_text=True)
        assert 'data-framework-summary="ready"' in page
        assert f'href="{URL}"' in page


def test_the_download_sends_as_many_statements_for_ten_times_the_homes(client, market):
    sign_in(client, make_user(Role.contracts_officer, password=None))
    _db.session.commit()

    def statements_of_download() -> int:
        with count_statements() as counted:
            assert client.get(URL).status_code == 200
        return counted.count

    def statements() -> tuple[int, int]:
        _db.session.remove()
        preparing = statements_of_download()
        produce_framework_summary()
        _db.session.commit()
        ready = statements_of_download()
        _db.session.execute(delete(StoredDocument).where(StoredDocument.kind == DOCUMENT_KIND))
        _db.session.commit()
        return preparing, ready

    small = statements()
    market.grow(27)
    assert statements() == small
    assert max(small) <= 30
