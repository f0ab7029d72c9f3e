"""Suspensions: the transitions as a table, who may take each step, who is told, what is
audited, and how an end date ends a suspension without a job."""

import itertools
from datetime import UTC, date, datetime

import pytest
from flask import render_template
from flask_login import login_user
from sqlalchemy import select

from dps_portal.audit.models import AuditEvent
from dps_portal.contracts import operations
from dps_portal.contracts.eligibility import Barrier, eligibility
from dps_portal.contracts.models import Suspension, SuspensionState
from dps_portal.contracts.queries import suspension_groups, suspension_status
from dps_portal.core import clock
from dps_portal.core.errors import InvalidTransition, OperationRefused
from dps_portal.core.roles import Role
from dps_portal.core.states import move
from dps_portal.extensions import db as _db
from dps_portal.notifications.models import Notification, OutboxEmail
from dps_portal.quality.models import VisitState
from tests.conftest import sign_in
from tests.contracts.factories import category, make_eligible_home, make_visit, suspend
from tests.factories import make_home, make_user

TODAY = date(2026, 3, 4)


@pytest.fixture(autouse=True)
def _today(db):
    with clock.frozen(datetime(2026, 3, 4, 12, 0, tzinfo=UTC)):
        yield


@pytest.fixture
def people(db):
    home = make_eligible_home("MH")
    provider = home.provider
    officer = make_user(Role.contracts_officer, full_name="Olive Officer")
    monitor = make_user(Role.quality_monitor, full_name="Mo Monitor")
    provider_user = make_user(Role.provider, provider=provider, full_name="Pat Provider")
    other_provider_user = make_user(Role.provider, full_name="Someone Else")
    visit = make_visit(home, monitor=monitor)
    admin = make_user(Role.administrator)
    db.session.commit()
    return {
        "home": home,
        "provider": provider,
        "officer": officer,
        "monitor": monitor,
        "provider_user": provider_user,
        "other_provider_user": other_provider_user,
        "visit": visit,
        "admin": admin,
    }


def _events(action: str, suspension: Suspension) -> list[AuditEvent]:
    return list(
        _db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == action,
                AuditEvent.subject_type == "suspension",
                AuditEvent.subject_id == str(suspension.id),
            )
        )
    )


def _told(db, user) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)))


def _emails_to(db, user) -> list[OutboxEmail]:
    return list(db.session.scalars(select(OutboxEmail).where(OutboxEmail.to_address == user.email)))


# The transitions, as a table.

ALLOWED = {
    (SuspensionState.recommended, SuspensionState.active),
    (SuspensionState.recommended, SuspensionState.declined),
    (SuspensionState.active, SuspensionState.lifted),
}


@pytest.mark.parametrize(
    ("current", "new"),
    list(itertools.product(SuspensionState, SuspensionState)),
    ids=lambda state: state.name,
)
def test_each_transition_is_allowed_only_as_the_table_says(db, current, new):
    suspension = Suspension(state=current)
    if (current, new) in ALLOWED:
        move(suspension, new)
        assert suspension.state is new
    else:
        with pytest.raises(InvalidTransition):
            move(suspension, new)
        assert suspension.state is current


STEPS = {
    "confirm": (
        lambda s, by: operations.confirm_suspension(s, by=by),
        SuspensionState.recommended,
    ),
    "decline": (
        lambda s, by: operations.decline_suspension(s, reason="Not serious enough", by=by),
        SuspensionState.recommended,
    ),
    "lift": (
        lambda s, by: operations.lift_suspension(s, reason="Concern resolved", by=by),
        SuspensionState.active,
    ),
}


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("state", list(SuspensionState), ids=lambda state: state.name)
def test_each_officer_step_works_only_from_its_state(people, step, state):
    act, from_state = STEPS[step]
    suspension = suspend(people["provider"], people["home"], state=state)
    if state is from_state:
        act(suspension, people["officer"])
        assert suspension.state is not from_state
    else:
        with pytest.raises(InvalidTransition):
            act(suspension, people["officer"])
        assert suspension.state is state


# Suspending.


def test_suspending_a_home_starts_now_audits_and_tells_the_provider(db, people):
    home, provider = people["home"], people["provider"]

    suspension = operations.suspend(
        provider,
        home,
        reason="Safeguarding concern",
        ends_on=date(2026, 6, 30),
        by=people["officer"],
    )
    db.session.commit()

    assert suspension.state is SuspensionState.active
    assert suspension.started_at == clock.now()
    assert suspension.started_by_id == people["officer"].id
    assert suspension.care_home_id == home.id
    [event] = _events("suspension.started", suspension)
    assert event.actor_id == people["officer"].id
    assert event.after["reason"] == "Safeguarding concern"
    [note] = _told(db, people["provider_user"])
    assert home.name in note.title
    assert "Safeguarding concern" in note.body
    assert "Existing placements continue" in note.body
    [email] = _emails_to(db, people["provider_user"])
    assert "Safeguarding concern" in email.body_text
    assert "Existing placements continue" in email.body_text
    assert _told(db, people["other_provider_user"]) == []
    result = eligibility(home, category("MH"), TODAY)
    assert result.barriers == {Barrier.home_suspended}


def test_suspending_the_whole_provider_stops_every_home(db, people):
    other_home = make_eligible_home("MH", provider=people["provider"])

    operations.suspend(people["provider"], reason="Fraud investigation", by=people["officer"])

    for home in (people["home"], other_home):
        [reason] = eligibility(home, category("MH"), TODAY).reasons
        assert reason.text == "Provider suspended: Fraud investigation"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"reason": "  "}, "Enter the reason for the suspension"),
        (
            {"reason": "x", "ends_on": date(2026, 3, 3)},
            "The end date must be today or in the future",
        ),
    ],
)
def test_suspending_refuses_a_missing_reason_or_a_past_end_date(people, kwargs, message):
    with pytest.raises(OperationRefused, match=message):
        operations.suspend(people["provider"], people["home"], by=people["officer"], **kwargs)


def test_a_home_of_another_provider_cannot_be_suspended_under_this_one(people):
    stranger = make_home()

    with pytest.raises(OperationRefused, match="is not a care home of"):
        operations.suspend(people["provider"], stranger, reason="x", by=people["officer"])


def test_an_end_date_of_today_is_allowed_and_the_suspension_ends_after_it(people):
    suspension = operations.suspend(
        people["provider"], people["home"], reason="Short", ends_on=TODAY, by=people["officer"]
    )

    assert suspension.is_in_force(TODAY)
    assert not suspension.is_in_force(date(2026, 3, 5))
    assert suspension_status(suspension, date(2026, 3, 5)).text == "Ended on 4 March 2026"


# Recommending, confirming, declining, lifting.


def test_a_monitor_recommends_from_a_visit_and_officers_are_told(db, people):
    other_officer = make_user(Role.contracts_officer)

    suspension = operations.recommend_suspension(
        people["visit"], reason="Medication errors", by=people["monitor"]
    )
    db.session.commit()

    assert suspension.state is SuspensionState.recommended
    assert suspension.visit_id == people["visit"].id
    assert suspension.care_home_id == people["home"].id
    assert suspension.recommended_by_id == people["monitor"].id
    assert suspension.recommended_at == clock.now()
    assert suspension.started_at is None
    assert len(_events("suspension.recommended", suspension)) == 1
    for officer in (people["officer"], other_officer):
        [note] = _told(db, officer)
        assert "Medication errors" in note.body
        assert note.link == f"/suspensions/{suspension.id}"
    # Nothing changes for the provider until an officer confirms.
    assert _told(db, people["provider_user"]) == []
    assert eligibility(people["home"], category("MH"), TODAY).is_eligible


def test_a_monitor_can_recommend_suspending_the_whole_provider(people):
    suspension = operations.recommend_suspension(
        people["visit"], whole_provider=True, reason="Leadership", by=people["monitor"]
    )

    assert suspension.care_home_id is None
    assert suspension.provider_id == people["provider"].id


def test_no_recommendation_from_a_cancelled_visit(people):
    people["visit"].state = VisitState.cancelled

    with pytest.raises(OperationRefused, match="cancelled"):
        operations.recommend_suspension(people["visit"], reason="x", by=people["monitor"])


def test_confirming_puts_the_recommendation_in_force_and_tells_the_provider(db, people):
    suspension = operations.recommend_suspension(
        people["visit"], reason="Medication errors", by=people["monitor"]
    )

    operations.confirm_suspension(suspension, ends_on=date(2026, 4, 30), by=people["officer"])
    db.session.commit()

    assert suspension.state is SuspensionState.active
    assert suspension.ends_on == date(2026, 4, 30)
    assert suspension.started_by_id == people["officer"].id
    [event] = _events("suspension.started", suspension)
    assert event.before["state"] == "recommended"
    assert event.after["state"] == "active"
    [note] = _told(db, people["provider_user"])
    assert "Medication errors" in note.body
    assert "30 April 2026" in note.body
    [reason] = eligibility(people["home"], category("MH"), TODAY).reasons
    assert reason.text == "Suspended: Medication errors (until 30 April 2026)"


def test_declining_tells_the_monitor_and_not_the_provider(db, people):
    suspension = operations.recommend_suspension(
        people["visit"], reason="Medication errors", by=people["monitor"]
    )

    operations.decline_suspension(suspension, reason="Action plan is enough", by=people["officer"])
    db.session.commit()

    assert suspension.state is SuspensionState.declined
    assert suspension.decline_reason == "Action plan is enough"
    assert suspension.declined_by_id == people["officer"].id
    assert len(_events("suspension.declined", suspension)) == 1
    [note] = _told(db, people["monitor"])
    assert "Action plan is enough" in note.body
    assert _told(db, people["provider_user"]) == []


def test_lifting_ends_the_suspension_audits_and_tells_the_provider(db, people):
    suspension = operations.suspend(
        people["provider"], people["home"], reason="Safeguarding", by=people["officer"]
    )

    operations.lift_suspension(suspension, reason="Concern resolved", by=people["officer"])
    db.session.commit()

    assert suspension.state is SuspensionState.lifted
    assert suspension.lifted_by_id == people["officer"].id
    assert suspension.lift_reason == "Concern resolved"
    [event] = _events("suspension.lifted", suspension)
    assert event.after["lift_reason"] == "Concern resolved"
    titles = sorted(note.title for note in _told(db, people["provider_user"]))
    assert titles == [
        f"New placements suspended: {people['home'].name}",
        f"Suspension lifted: {people['home'].name}",
    ]
    assert eligibility(people["home"], category("MH"), TODAY).is_eligible


def test_a_suspension_past_its_end_date_cannot_be_lifted(people):
    suspension = suspend(people["provider"], people["home"], ends_on=date(2026, 3, 3))

    with pytest.raises(OperationRefused, match="already ended on 3 March 2026"):
        operations.lift_suspension(suspension, reason="x", by=people["officer"])


def test_an_ended_suspension_no_longer_counts_and_shows_as_ended(people):
    suspension = suspend(people["provider"], people["home"], ends_on=date(2026, 3, 3))

    assert eligibility(people["home"], category("MH"), TODAY).is_eligible
    assert suspension.state is SuspensionState.active
    assert suspension_status(suspension, TODAY).text == "Ended on 3 March 2026"


def test_the_list_puts_recommendations_first_then_in_force_then_ended(people):
    provider, home = people["provider"], people["home"]
    lifted = suspend(provider, home, state=SuspensionState.lifted, reason="lifted one")
    ended = suspend(provider, home, ends_on=date(2026, 3, 1), reason="ended one")
    in_force = suspend(provider, home, reason="in force one")
    waiting = suspend(provider, home, state=SuspensionState.recommended, reason="waiting one")
    declined = suspend(provider, home, state=SuspensionState.declined, reason="declined one")

    groups = suspension_groups(TODAY)

    assert groups.waiting == [waiting]
    assert groups.in_force == [in_force]
    assert groups.ended == [declined, ended, lifted]


# The pages.


def test_an_officer_suspends_a_home_through_the_form(client, db, people):
    sign_in(client, people["officer"])
    home = people["home"]
    url = f"/suspensions/new?provider_id={people['provider'].id}&home_id={home.id}"

    page = client.get(url + "&reason=CQC%20warning%20notice")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Suspend new placements" in text
    assert "CQC warning notice" in text
    assert "Existing placements continue" in text

    response = client.post(
        url,
        data={
            "scope": str(home.id),
            "reason": "CQC warning notice",
            "ends_on": ["30", "6", "2026"],
        },
    )

    assert response.status_code == 302
    suspension = db.session.scalars(select(Suspension)).one()
    assert response.headers["Location"] == f"/suspensions/{suspension.id}"
    assert suspension.state is SuspensionState.active
    assert suspension.care_home_id == home.id
    assert suspension.ends_on == date(2026, 6, 30)
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "CQC warning notice" in shown
    assert "Lift the suspension" in shown


def test_an_officer_suspends_the_whole_provider(client, db, people):
    sign_in(client, people["officer"])

    response = client.post(
        f"/suspensions/new?provider_id={people['provider'].id}",
        data={"scope": "provider", "reason": "Insolvency"},
    )

    assert response.status_code == 302
    suspension = db.session.scalars(select(Suspension)).one()
    assert suspension.care_home_id is None
    assert suspension.ends_on is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"scope": "provider", "reason": ""}, "Enter the reason for the suspension"),
        ({"reason": "x"}, "Select a care home or the whole provider"),
        (
            {"scope": "provider", "reason": "x", "ends_on": ["3", "3", "2026"]},
            "The end date must be today or in the future",
        ),
        (
            {"scope": "provider", "reason": "x", "ends_on": ["31", "2", "2026"]},
            "The end date must be a real date",
        ),
    ],
)
def test_the_suspend_form_says_what_is_wrong(client, db, people, data, message):
    sign_in(client, people["officer"])

    response = client.post(f"/suspensions/new?provider_id={people['provider'].id}", data=data)

    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db.session.scalars(select(Suspension)).all() == []


def test_a_home_of_another_provider_is_not_a_choice(client, db, people):
    sign_in(client, people["officer"])
    stranger = make_home()
    db.session.commit()

    response = client.post(
        f"/suspensions/new?provider_id={people['provider'].id}",
        data={"scope": str(stranger.id), "reason": "x"},
    )

    assert response.status_code == 200
    assert db.session.scalars(select(Suspension)).all() == []


def test_suspend_needs_a_known_provider(client, people):
    sign_in(client, people["officer"])

    assert client.get("/suspensions/new").status_code == 404
    assert client.get("/suspensions/new?provider_id=999999").status_code == 404


def test_a_monitor_recommends_and_an_officer_confirms_through_the_pages(client, db, people):
    visit = people["visit"]
    sign_in(client, people["monitor"])
    page = client.get(f"/visits/{visit.id}/recommend-suspension")
    assert page.status_code == 200
    assert "Recommend a suspension" in page.get_data(as_text=True)

    response = client.post(
        f"/visits/{visit.id}/recommend-suspension",
        data={"scope": "home", "reason": "Residents at risk"},
    )
    assert response.status_code == 302
    suspension = db.session.scalars(select(Suspension)).one()
    assert suspension.state is SuspensionState.recommended

    sign_in(client, people["officer"])
    listing = client.get("/suspensions").get_data(as_text=True)
    assert "Recommendations waiting for an officer (1)" in listing
    assert "Waiting for an officer" in listing
    shown = client.get(f"/suspensions/{suspension.id}").get_data(as_text=True)
    assert "Confirm the suspension" in shown
    assert "Decline the recommendation" in shown

    confirm = client.get(f"/suspensions/{suspension.id}/confirm")
    assert confirm.status_code == 200
    response = client.post(f"/suspensions/{suspension.id}/confirm", data={})
    assert response.status_code == 302
    db.session.refresh(suspension)
    assert suspension.state is SuspensionState.active
    assert suspension.ends_on is None

    # A second confirmation (another officer, an old tab) changes nothing.
    again = client.post(f"/suspensions/{suspension.id}/confirm", data={})
    assert again.status_code == 302
    assert len(_events("suspension.started", suspension)) == 1

    lift = client.post(f"/suspensions/{suspension.id}/lift", data={"reason": ""})
    assert lift.status_code == 200
    assert "Enter why the suspension is lifted" in lift.get_data(as_text=True)
    lift = client.post(f"/suspensions/{suspension.id}/lift", data={"reason": "Fixed"})
    assert lift.status_code == 302
    db.session.refresh(suspension)
    assert suspension.state is SuspensionState.lifted
    assert "Lifted on 4 March 2026" in client.get("/suspensions").get_data(as_text=True)


def test_an_officer_declines_through_the_page(client, db, people):
    suspension = suspend(people["provider"], people["home"], state=SuspensionState.recommended)
    suspension.recommended_by_id = people["monitor"].id
    db.session.commit()
    sign_in(client, people["officer"])

    page = client.post(f"/suspensions/{suspension.id}/decline", data={"reason": ""})
    assert "Enter why you decline the recommendation" in page.get_data(as_text=True)
    response = client.post(f"/suspensions/{suspension.id}/decline", data={"reason": "Not needed"})

    assert response.status_code == 302
    db.session.refresh(suspension)
    assert suspension.state is SuspensionState.declined
    assert len(_told(db, people["monitor"])) == 1


def test_the_officers_dashboard_counts_recommendations_waiting(client, db, people):
    suspend(people["provider"], people["home"], state=SuspensionState.recommended)
    suspend(people["provider"], people["home"], state=SuspensionState.recommended)
    suspend(people["provider"], people["home"])
    db.session.commit()
    sign_in(client, people["officer"])

    text = client.get("/officer").get_data(as_text=True)

    assert "Suspension recommendations to decide: <strong>2</strong>" in text
    assert 'href="/suspensions"' in text


# Who may take each step.

OFFICER_STEPS = [
    ("GET", "/suspensions/new?provider_id={provider}"),
    ("POST", "/suspensions/new?provider_id={provider}"),
    ("GET", "/suspensions/{suspension}/confirm"),
    ("POST", "/suspensions/{suspension}/confirm"),
    ("GET", "/suspensions/{suspension}/decline"),
    ("POST", "/suspensions/{suspension}/decline"),
    ("GET", "/suspensions/{suspension}/lift"),
    ("POST", "/suspensions/{suspension}/lift"),
]
MONITOR_STEPS = [
    ("GET", "/visits/{visit}/recommend-suspension"),
    ("POST", "/visits/{visit}/recommend-suspension"),
]
STAFF_PAGES = [("GET", "/suspensions"), ("GET", "/suspensions/{suspension}")]

WHO_MAY = {
    Role.contracts_officer: set(OFFICER_STEPS) | set(STAFF_PAGES),
    Role.quality_monitor: set(MONITOR_STEPS) | set(STAFF_PAGES),
    Role.administrator: set(STAFF_PAGES),
    Role.provider: set(),
}


@pytest.mark.parametrize("role", list(Role), ids=lambda role: role.value)
def test_who_may_take_each_step(client, db, people, role):
    suspension = suspend(people["provider"], people["home"], state=SuspensionState.recommended)
    db.session.commit()
    # The provider user is the suspended provider's own: even so, none of this is its.
    user = {
        Role.contracts_officer: people["officer"],
        Role.quality_monitor: people["monitor"],
        Role.administrator: people["admin"],
        Role.provider: people["provider_user"],
    }[role]
    sign_in(client, user)
    values = {
        "provider": people["provider"].id,
        "suspension": suspension.id,
        "visit": people["visit"].id,
    }
    for method, path in OFFICER_STEPS + MONITOR_STEPS + STAFF_PAGES:
        response = client.open(path.format(**values), method=method, data={})
        response.close()
        if (method, path) in WHO_MAY[role]:
            assert response.status_code in (200, 302), f"{role} {method} {path}"
        else:
            assert response.status_code == 403, f"{role} {method} {path}"
    db.session.refresh(suspension)
    assert suspension.state is SuspensionState.recommended or role is Role.contracts_officer


def test_unknown_suspensions_and_visits_are_not_found(client, people):
    sign_in(client, people["officer"])
    assert client.get("/suspensions/999999").status_code == 404
    assert client.get("/suspensions/999999/lift").status_code == 404
    sign_in(client, people["monitor"])
    assert client.get("/visits/999999/recommend-suspension").status_code == 404


# The link on the visit page.


@pytest.mark.parametrize(
    ("role", "shown"),
    [
        (Role.quality_monitor, True),
        (Role.contracts_officer, False),
        (Role.administrator, False),
        (Role.provider, False),
    ],
)
def test_the_recommend_link_shows_to_quality_monitors_only(app, people, role, shown):
    user = make_user(role)
    with app.test_request_context():
        login_user(user)
        html = render_template("contracts/_recommend_suspension_link.html", visit=people["visit"])

    assert (f"/visits/{people['visit'].id}/recommend-suspension" in html) is shown
