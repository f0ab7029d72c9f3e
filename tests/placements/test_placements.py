from datetime import timedelta

import pytest
from sqlalchemy import select

from dps_portal.audit.actions import AuditAction
from dps_portal.audit.models import AuditEvent
from dps_portal.core import clock
from dps_portal.core.roles import Role
from dps_portal.notifications.models import Notification
from dps_portal.placements import operations
from dps_portal.placements.models import Placement, PlacementState
from dps_portal.placements.operations import PlacementRefused
from tests.conftest import sign_in
from tests.factories import make_user
from tests.placements.factories import add_placements, awarded_placement
from tests.query_counts import statements_of
from tests.tenders.award.factories import Moderated


def client_for(app, user):
    client = app.test_client()
    sign_in(client, user)
    return client


def date_form(day):
    return {"started_on": [str(day.day), str(day.month), str(day.year)]}


def test_the_provider_confirms_the_start(db):
    tender = Moderated()
    placement = awarded_placement(tender)
    today = clock.today_uk()
    with pytest.raises(PlacementRefused, match="today or in the past"):
        operations.confirm_start(placement, started_on=today + timedelta(days=1), by=tender.user(0))
    with pytest.raises(PlacementRefused, match="on or after the award"):
        operations.confirm_start(placement, started_on=today - timedelta(days=1), by=tender.user(0))
    with pytest.raises(PlacementRefused, match="Only the placement's provider"):
        operations.confirm_start(placement, started_on=today, by=tender.user(1))
    with pytest.raises(PlacementRefused, match="Only the placement's provider"):
        operations.confirm_start(placement, started_on=today, by=tender.officer)
    operations.confirm_start(placement, started_on=today, by=tender.user(0))
    assert placement.state is PlacementState.active
    assert placement.started_on == today
    assert placement.funding is tender.tender.funding
    assert placement.start_confirmed_at == clock.now()
    assert placement.start_confirmed_by_id == tender.user(0).id
    # The first review: 6 weeks after the start.
    assert placement.next_review_on == today + timedelta(weeks=6)
    assert db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == AuditAction.placement_start_confirmed.value)
    ).one()
    officers = db.session.scalars(
        select(Notification).where(Notification.user_id == tender.officer.id)
    ).all()
    assert any("has started" in n.title for n in officers)
    with pytest.raises(PlacementRefused, match="active"):
        operations.confirm_start(placement, started_on=today, by=tender.user(0))


def test_the_provider_lists_only_its_own_placements(app, db):
    tender = Moderated()
    placement = awarded_placement(tender)
    other = add_placements(tender.tender, tender.market.homes[1], 1)[0]
    db.session.commit()
    page = client_for(app, tender.user(0)).get("/placements").get_data(as_text=True)
    assert placement.reference in page
    assert other.reference not in page
    page = client_for(app, tender.user(2)).get("/placements").get_data(as_text=True)
    assert "No placements yet" in page


def test_the_placement_page_for_staff_and_its_own_provider(app, db):
    tender = Moderated()
    placement = awarded_placement(tender)
    db.session.commit()
    url = f"/placements/{placement.id}"
    page = client_for(app, tender.user(0)).get(url).get_data(as_text=True)
    assert placement.reference in page and "Cost history" in page
    assert "£1,000.00" in page
    assert "Placement agreement" in page
    assert "Evaluation report" not in page  # staff only
    for role in (Role.contracts_officer, Role.quality_monitor):
        user = make_user(role)
        db.session.commit()
        assert client_for(app, user).get(url).status_code == 200
    # Administrators keep users and configuration, not placements.
    admin = make_user(Role.administrator)
    db.session.commit()
    assert client_for(app, admin).get(url).status_code == 403
    db.session.commit()
    officer_page = client_for(app, tender.officer).get(url).get_data(as_text=True)
    assert "Evaluation report" in officer_page
    # Another provider, even an invitee of the same tender: not found.
    assert client_for(app, tender.user(1)).get(url).status_code == 404
    assert client_for(app, tender.user(1)).get(f"{url}/confirm-start").status_code == 404
    assert client_for(app, tender.user(0)).get("/placements/999999").status_code == 404
    response = app.test_client().get(url)
    assert response.status_code == 302 and "/account/sign-in" in response.headers["Location"]


def test_confirming_the_start_through_the_page(app, db):
    tender = Moderated()
    placement = awarded_placement(tender)
    db.session.commit()
    provider = client_for(app, tender.user(0))
    url = f"/placements/{placement.id}/confirm-start"
    assert "Confirm the start" in provider.get(f"/placements/{placement.id}").get_data(as_text=True)
    assert provider.get(url).status_code == 200
    response = provider.post(url, data=date_form(clock.today_uk() + timedelta(days=3)))
    assert response.status_code == 200
    assert "today or in the past" in response.get_data(as_text=True)
    response = provider.post(url, data={})
    assert "Enter the date the placement started" in response.get_data(as_text=True)
    response = provider.post(url, data=date_form(clock.today_uk()))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Placement, placement.id).state is PlacementState.active
    # Again: nothing to confirm.
    assert provider.post(url, data=date_form(clock.today_uk())).status_code == 302


@pytest.mark.parametrize("role", [Role.contracts_officer, Role.quality_monitor, Role.administrator])
def test_staff_cannot_confirm_a_start_or_list_as_a_provider(app, db, role):
    tender = Moderated()
    placement = awarded_placement(tender)
    db.session.commit()
    user = make_user(role)
    db.session.commit()
    client = client_for(app, user)
    url = f"/placements/{placement.id}/confirm-start"
    assert client.post(url, data=date_form(clock.today_uk())).status_code == 403
    assert client.get("/placements").status_code == 403
    db.session.expire_all()
    assert db.session.get(Placement, placement.id).state is PlacementState.awarded


def test_the_list_asks_a_fixed_number_of_statements(app, db):
    tender = Moderated()
    home = tender.market.homes[0]
    add_placements(tender.tender, home, 2)
    db.session.commit()
    client = client_for(app, tender.user(0))
    small, _ = statements_of(client, "/placements")
    add_placements(tender.tender, home, 20)
    db.session.commit()
    large, page = statements_of(client, "/placements")
    assert large == small
    assert "22 placements" in page
