"""The administrators' list of users: 50 a page with each user's organisation loaded, as
many statements for ten times the users."""

import re

from dps_portal.core.roles import Role
from tests.conftest import sign_in
from tests.factories import make_user
from tests.query_counts import statements_of


def add_users(db, count: int) -> None:
    for number in range(count):
        # Provider users, each of its own organisation (the column a lazy load would read).
        role = Role.provider if number % 3 else Role.quality_monitor
        make_user(role, password=None, is_active=bool(number % 2))
    db.session.commit()


def test_the_users_list(client, db):
    admin = make_user(Role.administrator)
    add_users(db, 6)
    sign_in(client, admin)
    small, _ = statements_of(client, "/admin/users")
    small_filtered, _ = statements_of(client, "/admin/users?role=provider")
    add_users(db, 54)
    large, page = statements_of(client, "/admin/users")
    large_filtered, providers = statements_of(client, "/admin/users?role=provider")
    assert small == large <= 30
    assert small_filtered == large_filtered <= 30
    assert "61 users" in page and "40 users" in providers
    assert len(re.findall(r'href="/admin/users/\d+"', page)) == 50
    assert "/admin/users?page=2" in page
    second = client.get("/admin/users?page=2").get_data(as_text=True)
    assert len(re.findall(r'href="/admin/users/\d+"', second)) == 11
