"""Counting SQL statements: the X-SQL-Statements header and count_statements() for tests."""

import pytest
from sqlalchemy import select, text

from dps_portal.accounts.models import User
from dps_portal.core.roles import Role
from dps_portal.core.statements import HEADER, count_statements
from tests.conftest import sign_in
from tests.factories import make_user


def test_count_statements_counts_each_statement_sent(db):
    with count_statements() as counted:
        for _ in range(3):
            db.session.execute(text("SELECT 1"))
    assert counted.count == 3


def test_count_statements_stops_counting_after_the_block(db):
    with count_statements() as counted:
        db.session.execute(select(User.id)).all()
    db.session.execute(text("SELECT 1"))
    assert counted.count == 1


@pytest.mark.app_config(COUNT_SQL_STATEMENTS=True)
def test_response_says_how_many_statements_its_request_sent(client, db):
    with count_statements() as counted:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.headers[HEADER] == "1"
    assert counted.count == 1


@pytest.mark.app_config(COUNT_SQL_STATEMENTS=True)
def test_a_signed_in_page_counts_every_statement_of_its_request(client, db):
    user = make_user(Role.administrator)
    db.session.commit()
    sign_in(client, user)
    with count_statements() as counted:
        response = client.get("/admin")
    assert response.status_code == 200
    assert int(response.headers[HEADER]) == counted.count
    assert counted.count >= 2, "at least the user and the page's own query"
    again = client.get("/admin")
    assert again.headers[HEADER] == response.headers[HEADER], "each request counts from zero"


def test_no_header_unless_configured(client):
    assert HEADER not in client.get("/healthz").headers
