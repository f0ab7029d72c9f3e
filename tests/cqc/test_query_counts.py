"""The CQC pages at any size: imports (50 a page, with who uploaded each), the homes to
review (50 a page, with their providers) and the ratings providers reported (50 a page, with
their homes, providers and reporters), as many statements for ten times the rows."""

import itertools
import re

import pytest
from sqlalchemy import select

from dps_portal.accounts.models import User
from dps_portal.core import clock
from dps_portal.core.roles import Role
from dps_portal.cqc.models import CqcRatingReport
from dps_portal.extensions import db as _db
from dps_portal.providers.models import CqcRating
from tests.conftest import sign_in
from tests.contracts.test_query_counts import statements_of
from tests.cqc.factories import make_cqc_import, make_rating_report
from tests.factories import make_home, make_user

_numbers = itertools.count(1)


@pytest.fixture
def officer_id(db):
    officer_id = make_user(Role.contracts_officer, password=None).id
    _db.session.commit()
    return officer_id


def _grow(count: int) -> None:
    for _ in range(count):
        number = next(_numbers)
        # Each import by its own officer, so a lazy load of the uploader would show.
        uploader = make_user(Role.contracts_officer, password=None)
        make_cqc_import(uploader, stored_name=f"counted-{number}.csv")
        make_home(
            name=f"Inadequate {number:03d}",
            cqc_rating=CqcRating.inadequate,
            cqc_rating_on=clock.today_uk(),
            cqc_review_required_since=clock.now(),
        )
        make_home(name=f"Good {number:03d}", cqc_rating=CqcRating.good)
    _db.session.commit()


def test_the_imports_and_reviews_lists(client, officer_id):
    urls = ["/cqc/imports", "/cqc/reviews"]
    _grow(6)
    sign_in(client, _db.session.get(User, officer_id))
    small = [statements_of(client, url)[0] for url in urls]
    _grow(54)
    large = [statements_of(client, url) for url in urls]

    assert small == [count for count, _page in large]
    assert max(small) <= 30
    imports, reviews = (page for _count, page in large)
    assert len(re.findall(r"data-import=", imports)) == 50
    assert "/cqc/imports?page=2" in imports
    assert "Care homes rated Inadequate, oldest first: 60" in imports
    assert imports.count("Review Inadequate") == 10
    assert "See all 60 care homes to review" in imports
    assert reviews.count("Review Inadequate") == 50
    assert "/cqc/reviews?page=2" in reviews
    assert "Good " not in reviews


def _grow_reports(count: int) -> None:
    for _ in range(count):
        number = next(_numbers)
        # Each report by its own provider user, for its own home: a lazy load would show.
        home = make_home(name=f"Reported {number:03d}")
        reporter = make_user(Role.provider, provider=home.provider, password=None)
        make_rating_report(home, reporter)
    _db.session.commit()


def test_the_reported_ratings_list(client, officer_id):
    _grow_reports(6)
    sign_in(client, _db.session.get(User, officer_id))
    small, _page = statements_of(client, "/cqc/reports")
    _grow_reports(54)
    large, page = statements_of(client, "/cqc/reports")
    report_id = _db.session.scalars(select(CqcRatingReport.id).limit(1)).one()
    one_report, _page = statements_of(client, f"/cqc/reports/{report_id}")

    assert small == large <= 30
    assert one_report <= 30
    assert len(re.findall(r"data-report=", page)) == 50
    assert "Reports to check, oldest first: 60" in page
    assert "/cqc/reports?page=2" in page
