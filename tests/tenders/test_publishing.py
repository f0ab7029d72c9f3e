"""Publishing invites every provider with a home the eligibility rule passes for the category,
asked once for the whole category; keeps the invitees, their eligible homes and the rule's
answer; tells the invitees in the portal and by email; and costs the same number of
statements for a county ten times larger."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from dps_portal.accounts.models import User
from dps_portal.audit.models import AuditEvent
from dps_portal.audit.operations import verify_chain
from dps_portal.core import clock
from dps_portal.core.errors import OperationRefused
from dps_portal.core.roles import Role
from dps_portal.core.statements import count_statements
from dps_portal.extensions import db as _db
from dps_portal.notifications.models import Notification, OutboxEmail
from dps_portal.tenders import operations
from dps_portal.tenders.models import (
    Tender,
    TenderInvitation,
    TenderInvitedHome,
    TenderState,
)
from tests.conftest import sign_in
from tests.contracts.factories import admit_home, make_eligible_home, suspend
from tests.factories import make_home, make_user
from tests.tenders.factories import County, invitation_of, make_tender, sign_in_again

NOW = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _now(db):
    with clock.frozen(NOW) as frozen:
        yield frozen


@pytest.fixture
def market(db):
    """Two eligible providers (one with a second home that is suspended), a provider whose
    only MH home has no initial visit, and one admitted only to LDA."""
    eligible = make_eligible_home("MH")
    suspended = make_home(eligible.provider, name="Suspended House")
    admit_home(suspended, "MH")
    suspend(eligible.provider, suspended)
    second = make_eligible_home("MH")
    unvisited = make_home(name="No Visit Yet")
    admit_home(unvisited, "MH")
    lda_only = make_eligible_home("LDA")
    users = {
        "eligible": make_user(Role.provider, provider=eligible.provider, password=None),
        "colleague": make_user(Role.provider, provider=eligible.provider, password=None),
        "second": make_user(Role.provider, provider=second.provider, password=None),
        "unvisited": make_user(Role.provider, provider=unvisited.provider, password=None),
        "lda_only": make_user(Role.provider, provider=lda_only.provider, password=None),
    }
    officer = make_user(Role.contracts_officer, password=None)
    db.session.commit()
    return {
        "eligible": eligible,
        "suspended": suspended,
        "second": second,
        "unvisited": unvisited,
        "lda_only": lda_only,
        "users": users,
        "officer": officer,
    }


def test_publishing_invites_exactly_the_providers_with_an_eligible_home(market, db):
    tender = make_tender("MH", officer=market["officer"])
    invited = operations.publish_tender(tender, by=market["officer"])
    db.session.commit()
    assert invited == 2
    assert tender.state is TenderState.published
    assert tender.published_at == NOW
    assert tender.eligibility_on == date(2026, 3, 4)
    invitations = db.session.scalars(select(TenderInvitation).order_by(TenderInvitation.id)).all()
    assert {i.provider_id for i in invitations} == {
        market["eligible"].provider_id,
        market["second"].provider_id,
    }
    # The snapshot: only the homes the rule passed, as they were then.
    first = invitation_of(tender, market["eligible"].provider)
    assert [home.care_home_id for home in first.homes] == [market["eligible"].id]
    assert first.homes[0].home_name == market["eligible"].name
    assert first.homes[0].is_eligible is True
    assert db.session.scalar(select(func.count(TenderInvitedHome.id))) == 2


def test_the_snapshot_stays_as_it_was_when_eligibility_changes_later(market, db):
    tender = make_tender("MH", officer=market["officer"])
    operations.publish_tender(tender, by=market["officer"])
    suspend(market["second"].provider)
    db.session.commit()
    invitation = invitation_of(tender, market["second"].provider)
    assert [home.care_home_id for home in invitation.homes] == [market["second"].id]


def test_invitees_are_told_in_the_portal_and_by_email_and_no_one_else(market, db):
    tender = make_tender("MH", officer=market["officer"])
    operations.publish_tender(tender, by=market["officer"])
    db.session.commit()
    invited = {market["eligible"].provider_id, market["second"].provider_id}
    invitees = db.session.scalars(select(User).where(User.provider_id.in_(invited))).all()
    assert {market["users"][key].id for key in ("eligible", "colleague", "second")} <= {
        user.id for user in invitees
    }
    told = set(db.session.scalars(select(Notification.user_id)))
    assert told == {user.id for user in invitees}
    emails = db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.to_address)).all()
    assert sorted(email.to_address for email in emails) == sorted(user.email for user in invitees)
    email = emails[0]
    assert email.subject == f"New mini-tender {tender.reference}: Mental Health placement"
    assert "6 March 2026 at 5:00pm (GMT)" in email.body_text
    assert f"/opportunities/{tender.id}" in email.body_text
    # Each email is in the audit trail, and the trail still verifies.
    queued = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "email.queued")).all()
    assert {event.subject_id for event in queued} >= {str(email.id) for email in emails}
    assert verify_chain().is_intact


def test_publishing_is_audited_with_the_counts(market, db):
    tender = make_tender("MH", officer=market["officer"])
    operations.publish_tender(tender, by=market["officer"])
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "tender.published")
    ).one()
    assert event.before == {"state": "draft"}
    assert event.after["state"] == "published"
    assert event.after["providers_invited"] == 2
    assert event.after["homes_invited"] == 2
    assert event.actor_id == market["officer"].id


def test_a_tender_with_no_eligible_home_is_not_published(db):
    officer = make_user(Role.contracts_officer, password=None)
    make_eligible_home("LDA")
    tender = make_tender("ENH", officer=officer)
    with pytest.raises(OperationRefused, match="No care home is eligible for Enhanced"):
        operations.publish_tender(tender, by=officer)


def test_a_tender_whose_deadline_has_passed_is_not_published(market, db, _now):
    tender = make_tender("MH", officer=market["officer"])
    _now.set(datetime(2026, 3, 6, 16, 30, tzinfo=UTC))
    with pytest.raises(OperationRefused, match="at least 1 hour from now"):
        operations.publish_tender(tender, by=market["officer"])


def test_publishing_twice_is_refused(market, db):
    tender = make_tender("MH", officer=market["officer"])
    operations.publish_tender(tender, by=market["officer"])
    with pytest.raises(OperationRefused, match="only a draft"):
        operations.publish_tender(tender, by=market["officer"])


def test_the_officer_publishes_from_the_preview(client, market, db):
    tender = make_tender("MH", officer=market["officer"])
    db.session.commit()
    sign_in(client, market["officer"])
    response = client.post(f"/tenders/{tender.id}/publish", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert f"{tender.reference} is published. 2 providers invited and told." in page
    assert _db.session.get(Tender, tender.id).state is TenderState.published
    # The invitees and the homes they were invited for.
    assert market["eligible"].name in page
    assert "Suspended House" not in page
    assert "No Visit Yet" not in page


def test_invitees_see_the_opportunity_with_the_deadline_and_time_left(client, market, db):
    tender = make_tender("MH", officer=market["officer"])
    operations.publish_tender(tender, by=market["officer"])
    db.session.commit()
    sign_in(client, market["users"]["second"])
    page = client.get("/opportunities").get_data(as_text=True)
    assert tender.reference in page
    assert "6 March 2026 at 5:00pm (GMT)" in page
    assert "2 days 7 hours left" in page
    assert "Open" in page
    # A provider that was not invited sees nothing of it, and cannot reach it by its id.
    sign_in(client, market["users"]["unvisited"])
    assert tender.reference not in client.get("/opportunities").get_data(as_text=True)
    assert client.get(f"/opportunities/{tender.id}").status_code == 404


def test_a_draft_is_not_an_opportunity(client, market, db):
    tender = make_tender("MH", officer=market["officer"])
    db.session.commit()
    sign_in(client, market["users"]["eligible"])
    assert client.get(f"/opportunities/{tender.id}").status_code == 404


def test_the_opportunities_filters(client, market, db, _now):
    soon = make_tender(
        "MH", officer=market["officer"], closes_at=datetime(2026, 3, 4, 18, 0, tzinfo=UTC)
    )
    later = make_tender("MH", officer=market["officer"])
    for tender in (soon, later):
        operations.publish_tender(tender, by=market["officer"])
    db.session.commit()
    sign_in(client, market["users"]["eligible"])
    closing = client.get("/opportunities?show=closing_soon").get_data(as_text=True)
    assert soon.reference in closing and later.reference not in closing
    _now.set(datetime(2026, 3, 4, 18, 0, tzinfo=UTC))
    sign_in_again(client, market["users"]["eligible"])
    closed = client.get("/opportunities?show=closed").get_data(as_text=True)
    assert soon.reference in closed and later.reference not in closed
    open_ = client.get("/opportunities?show=open").get_data(as_text=True)
    assert later.reference in open_ and soon.reference not in open_


def _publish_statements(county: County) -> int:
    tender = make_tender("MH", officer=county.officer)
    _db.session.commit()
    _db.session.expire_all()
    tender = _db.session.get(Tender, tender.id)
    officer = _db.session.get(type(county.officer), county.officer.id)
    with count_statements() as counted:
        invited = operations.publish_tender(tender, by=officer)
    _db.session.commit()
    assert invited == county.count
    return counted.count


def test_publishing_costs_the_same_statements_for_a_county_ten_times_larger(db):
    county = County()
    county.grow(3)
    small = _publish_statements(county)
    county.grow(27)
    large = _publish_statements(county)
    # 30 providers, 90 eligible homes, 30 users told: as many statements as for 3.
    assert db.session.scalar(select(func.count(TenderInvitedHome.id))) == 3 * 2 + 30 * 2
    assert small == large, (small, large)


def test_telling_many_organisations_twice_tells_no_one_twice(market, db):
    from dps_portal.notifications.operations import tell_organisations

    providers = [market["eligible"].provider_id, market["second"].provider_id]
    first = tell_organisations(providers, "Hello", "Body", "/opportunities", dedupe="test-once")
    again = tell_organisations(providers, "Hello", "Body", "/opportunities", dedupe="test-once")
    assert first >= 3 and again == 0
    assert db.session.scalar(select(func.count(Notification.id))) == first
    assert verify_chain().is_intact
