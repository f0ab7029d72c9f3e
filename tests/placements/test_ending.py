"""Ending a placement (a date not before its start, a reason, "other" with words) and
cancelling one that never started: the rules, the audit, the provider told, the pages, and
who may do it."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from dps_portal.audit.actions import AuditAction
from dps_portal.audit.models import AuditEvent
from dps_portal.core import clock
from dps_portal.core.errors import InvalidTransition
from dps_portal.extensions import db
from dps_portal.notifications.models import Notification
from dps_portal.placements import operations
from dps_portal.placements.models import EndReason, Placement, PlacementState
from dps_portal.placements.operations import PlacementRefused
from tests.conftest import sign_in
from tests.placements.factories import Register


@pytest.fixture
def world(db):
    return Register()


def client_for(app, user):
    client = app.test_client()
    sign_in(client, user)
    return client


def day_parts(day):
    return [str(day.day), str(day.month), str(day.year)]


def events(action: AuditAction, placement) -> list[AuditEvent]:
    return db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == action.value, AuditEvent.subject_id == str(placement.id)
        )
    ).all()


def told(user) -> list[str]:
    return db.session.scalars(
        select(Notification.title).where(Notification.user_id == user.id)
    ).all()


def test_ending_rules(world):
    placement = world.active
    started = placement.started_on
    end = operations.end_placement
    with pytest.raises(PlacementRefused, match="on or after the start"):
        end(
            placement, ended_on=started - timedelta(days=1), reason=EndReason.died, by=world.officer
        )
    with pytest.raises(PlacementRefused, match="today or in the past"):
        end(
            placement,
            ended_on=clock.today_uk() + timedelta(days=1),
            reason=EndReason.died,
            by=world.officer,
        )
    with pytest.raises(PlacementRefused, match="Enter why the placement ended"):
        end(placement, ended_on=started, reason=EndReason.other, detail="  ", by=world.officer)
    for who in (world.monitor, world.local_user, world.admin):
        with pytest.raises(PlacementRefused, match="Only a contracts officer"):
            end(placement, ended_on=started, reason=EndReason.died, by=who)
    for not_active in (world.awarded, world.ended):
        with pytest.raises(PlacementRefused, match="only an active placement"):
            end(not_active, ended_on=started, reason=EndReason.died, by=world.officer)
    end(
        placement, ended_on=started, reason=EndReason.other, detail="Moved abroad", by=world.officer
    )
    assert placement.state is PlacementState.ended
    assert placement.ended_on == started
    assert placement.end_reason is EndReason.other and placement.end_detail == "Moved abroad"
    assert placement.ended_at == clock.now()
    assert placement.next_review_on is None
    (event,) = events(AuditAction.placement_ended, placement)
    assert event.after["state"] == "ended" and event.after["reason"] == "other"
    assert event.actor_id == world.officer.id
    assert any("has ended" in title for title in told(world.local_user))
    assert not any("has ended" in title for title in told(world.away_user))


def test_cancelling_rules(world):
    with pytest.raises(PlacementRefused, match="Enter why"):
        operations.cancel_placement(world.awarded, reason=" ", by=world.officer)
    with pytest.raises(PlacementRefused, match="Only a contracts officer"):
        operations.cancel_placement(world.awarded, reason="No bed", by=world.monitor)
    for started in (world.active, world.ended):
        with pytest.raises(PlacementRefused, match="not started"):
            operations.cancel_placement(started, reason="No bed", by=world.officer)
    operations.cancel_placement(
        world.awarded, reason="The family chose another home", by=world.officer
    )
    assert world.awarded.state is PlacementState.cancelled
    assert world.awarded.cancelled_at == clock.now()
    assert world.awarded.end_detail == "The family chose another home"
    assert world.awarded.end_reason is None
    assert events(AuditAction.placement_cancelled, world.awarded)
    assert any("is cancelled" in title for title in told(world.local_user))
    with pytest.raises(PlacementRefused):
        operations.confirm_start(world.awarded, started_on=clock.today_uk(), by=world.local_user)


@pytest.mark.parametrize(
    "state, allowed",
    [
        (PlacementState.awarded, {PlacementState.active, PlacementState.cancelled}),
        (PlacementState.active, {PlacementState.ended}),
        (PlacementState.ended, set()),
        (PlacementState.cancelled, set()),
    ],
)
def test_the_state_table(state, allowed):
    assert state.next_states == allowed


def test_move_refuses_a_move_the_table_does_not_allow(world):
    from dps_portal.core.states import move

    with pytest.raises(InvalidTransition):
        move(world.awarded, PlacementState.ended, by=world.officer)


def test_ending_through_the_page(app, world):
    client = client_for(app, world.officer)
    url = f"/placements/{world.active.id}/end"
    page = client.get(f"/placements/{world.active.id}").get_data(as_text=True)
    assert "End the placement" in page and "Record a review" in page
    assert client.get(url).status_code == 200
    response = client.post(url, data={"ended_on": day_parts(clock.today_uk()), "reason": "other"})
    assert response.status_code == 200
    assert "Enter why the placement ended" in response.get_data(as_text=True)
    early = world.active.started_on - timedelta(days=3)
    response = client.post(
        url, data={"ended_on": day_parts(early), "reason": "hospital", "detail": "Ward 7"}
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "on or after the start" in text
    assert "Ward 7" in text  # what was typed is kept
    response = client.post(url, data={})
    assert "Enter the date the placement ended" in response.get_data(as_text=True)
    assert "Choose why the placement ended" in response.get_data(as_text=True)
    response = client.post(url, data={"ended_on": day_parts(clock.today_uk()), "reason": "died"})
    assert response.status_code == 302
    db.session.expire_all()
    placement = db.session.get(Placement, world.active.id)
    assert placement.state is PlacementState.ended
    page = client.get(f"/placements/{placement.id}").get_data(as_text=True)
    assert "Died" in page and "Olive Officer" in page
    # Again: nothing to end.
    assert (
        client.post(
            url, data={"ended_on": day_parts(clock.today_uk()), "reason": "died"}
        ).status_code
        == 302
    )


def test_cancelling_through_the_page(app, world):
    client = client_for(app, world.officer)
    url = f"/placements/{world.awarded.id}/cancel"
    assert client.get(url).status_code == 200
    response = client.post(url, data={"reason": ""})
    assert "Enter why the placement is cancelled" in response.get_data(as_text=True)
    assert client.post(url, data={"reason": "No longer needed"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Placement, world.awarded.id).state is PlacementState.cancelled
    page = client.get(f"/placements/{world.awarded.id}").get_data(as_text=True)
    assert "No longer needed" in page
    # An active placement is ended, not cancelled.
    assert client.get(f"/placements/{world.active.id}/cancel").status_code == 302


@pytest.mark.parametrize("path", ["end", "cancel", "review"])
def test_only_officers_end_cancel_or_review(app, world, path):
    placement = world.awarded if path == "cancel" else world.active
    url = f"/placements/{placement.id}/{path}"
    data = {
        "ended_on": day_parts(clock.today_uk()),
        "reason": "died",
        "reviewed_on": day_parts(clock.today_uk()),
    }
    for user in (world.monitor, world.admin, world.local_user, world.away_user):
        client = client_for(app, user)
        assert client.get(url).status_code == 403
        assert client.post(url, data=data).status_code == 403
    response = app.test_client().post(url, data=data)
    assert response.status_code == 302 and "/account/sign-in" in response.headers["Location"]
    assert client_for(app, world.officer).get(f"/placements/999999/{path}").status_code == 404
    db.session.expire_all()
    assert db.session.get(Placement, placement.id).state is placement.state


def test_who_sees_a_placement_and_its_history(app, world):
    url = f"/placements/{world.active.id}"
    for user in (world.officer, world.monitor, world.local_user):
        page = client_for(app, user).get(url)
        assert page.status_code == 200
        assert "History" in page.get_data(as_text=True)
    assert client_for(app, world.away_user).get(url).status_code == 404
    assert client_for(app, world.admin).get(url).status_code == 403
    monitor_page = client_for(app, world.monitor).get(url).get_data(as_text=True)
    assert "End the placement" not in monitor_page and "Record a review" not in monitor_page
    provider_page = client_for(app, world.local_user).get(url).get_data(as_text=True)
    assert "End the placement" not in provider_page
    # The direct award's reference shows as its route.
    page = (
        client_for(app, world.officer).get(f"/placements/{world.direct.id}").get_data(as_text=True)
    )
    assert "Direct award DA-1999-" in page


def test_the_history_says_who_did_what_and_when(app, world):
    placement = world.active
    operations.record_review(placement, reviewed_on=clock.today_uk(), by=world.officer)
    operations.end_placement(
        placement, ended_on=clock.today_uk(), reason=EndReason.hospital, by=world.officer
    )
    from dps_portal.placements.queries import history_of

    lines = history_of(placement)
    # Written as a row: the award and the start come from the stamps.
    assert [line.what.split(" ")[0] for line in lines] == ["Awarded", "Review", "Ended"]
    assert lines[1].who == "Olive Officer" and lines[2].who == "Olive Officer"
    assert "admitted to hospital" in lines[2].what
    db.session.commit()
    page = client_for(app, world.local_user).get(f"/placements/{placement.id}")
    assert "Ended on" in page.get_data(as_text=True)
