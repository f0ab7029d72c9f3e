"""The audit trail sends as many statements for 6 events as for 60 (and never DISTINCT over
the table); its pages follow the sequence numbers, and its count stops at COUNT_CAP."""

import re

from dps_portal.audit import queries
from dps_portal.audit.actions import AuditAction
from dps_portal.audit.operations import record_event
from dps_portal.core.roles import Role
from tests.conftest import sign_in
from tests.factories import make_provider, make_user
from tests.query_counts import statements_of


def add_events(db, count: int, actor=None) -> None:
    provider = make_provider()
    for number in range(count):
        action = AuditAction.provider_updated if number % 2 else AuditAction.home_updated
        record_event(action, actor=actor, subject=provider, after={"n": number})
    db.session.commit()


def sequences_on(page: str) -> list[int]:
    return [int(number) for number in re.findall(r'/admin/audit/\d+">(\d+)</a>', page)]


def link(page: str, rel: str) -> str:
    match = re.search(rf'href="(/admin/audit\?[^"]*{rel}[^"]*)"', page)
    assert match, f"no {rel} link"
    return match.group(1).replace("&amp;", "&")


def test_the_audit_trail_sends_the_same_statements_for_ten_times_the_events(client, db):
    admin = make_user(Role.administrator)
    add_events(db, 6, actor=admin)
    sign_in(client, admin)
    filtered = {"action": "provider.updated", "actor": admin.email.upper()}
    small, _ = statements_of(client, "/admin/audit")
    small_filtered, _ = statements_of(client, "/admin/audit", **filtered)
    add_events(db, 54, actor=admin)
    large, page = statements_of(client, "/admin/audit")
    large_filtered, _ = statements_of(client, "/admin/audit", **filtered)
    assert small == large <= 30
    assert small_filtered == large_filtered <= 30
    assert "60 events" in page


def test_the_filter_choices_come_from_the_code_not_the_table(client, db):
    admin = make_user(Role.administrator)
    db.session.commit()
    sign_in(client, admin)
    _, page = statements_of(client, "/admin/audit")
    # No event yet, and still every action and record type can be chosen.
    assert 'value="application.decided"' in page
    assert 'value="quality_visit"' in page
    assert "provider_organisation" in queries.subject_type_choices()
    assert "audit_event" not in queries.subject_type_choices()
    assert queries.action_choices() == sorted(action.value for action in AuditAction)


def test_the_actor_is_an_exact_address(client, db):
    admin = make_user(Role.administrator)
    other = make_user(Role.administrator, email=f"x{admin.email}")
    add_events(db, 2, actor=admin)
    add_events(db, 1, actor=other)
    add_events(db, 1)
    sign_in(client, admin)
    assert "2 events" in statements_of(client, "/admin/audit", actor=f" {admin.email} ")[1]
    assert "0 events" in statements_of(client, "/admin/audit", actor=admin.email[:5])[1]
    assert "1 event" in statements_of(client, "/admin/audit", actor="system")[1]


def test_pages_older_and_newer_follow_the_sequence(client, db, monkeypatch):
    monkeypatch.setattr(queries, "PAGE_SIZE", 4)
    admin = make_user(Role.administrator)
    add_events(db, 10, actor=admin)
    sign_in(client, admin)
    _, first = statements_of(client, "/admin/audit", actor=admin.email)
    assert sequences_on(first) == [10, 9, 8, 7]
    assert "newer_than" not in first
    _, second = statements_of(client, link(first, "older_than"))
    assert sequences_on(second) == [6, 5, 4, 3]
    assert "actor=" in link(second, "older_than"), "the filters are kept"
    _, third = statements_of(client, link(second, "older_than"))
    assert sequences_on(third) == [2, 1]
    assert "older_than" not in third
    _, back = statements_of(client, link(third, "newer_than"))
    assert sequences_on(back) == [6, 5, 4, 3]
    _, newest = statements_of(client, link(back, "newer_than"))
    assert sequences_on(newest) == [10, 9, 8, 7]
    # A boundary no page leads to, or a hostile one, shows the newest page.
    for boundary in ("0", "99999999999999999999", "-1", "x"):
        _, page = statements_of(client, "/admin/audit", older_than=boundary)
        assert sequences_on(page) == [10, 9, 8, 7]
    _, page = statements_of(client, "/admin/audit", newer_than="9")
    assert sequences_on(page) == [10, 9, 8, 7]


def test_the_count_stops_at_the_cap(client, db, monkeypatch):
    monkeypatch.setattr(queries, "COUNT_CAP", 3)
    admin = make_user(Role.administrator)
    add_events(db, 5, actor=admin)
    sign_in(client, admin)
    _, page = statements_of(client, "/admin/audit")
    assert "More than 3 events" in page
    assert len(sequences_on(page)) == 5
    assert "3 events" in statements_of(client, "/admin/audit", action="home.updated")[1]
    assert "2 events" in statements_of(client, "/admin/audit", action="provider.updated")[1]
