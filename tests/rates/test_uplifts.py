"""Uplifts: an officer previews every new rate and placement cost, confirms (planned, audited),
may cancel before the date; on the date the job makes the new rates and costs (half up to
the penny), tells the providers, and a second run changes nothing."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from dps_portal.audit.models import AuditEvent
from dps_portal.core.errors import OperationRefused
from dps_portal.core.roles import Role
from dps_portal.extensions import db as _db
from dps_portal.notifications.models import Notification, OutboxEmail
from dps_portal.placements.models import PlacementCost, PlacementState
from dps_portal.rates import operations, queries
from dps_portal.rates.models import RateCardEntry, Uplift, UpliftState
from dps_portal.rates.tasks import apply_uplifts
from tests.conftest import sign_in
from tests.contracts.factories import category
from tests.factories import make_user
from tests.onboarding.helpers import error_summary, page_text
from tests.rates.factories import add_placement, add_rate, planned_uplift, rated_home, setting

APRIL_FIRST = date(2027, 4, 1)
# 00:30 on 1 April in England (summer time) is 23:30 UTC on 31 March.
ON_THE_DAY = datetime(2027, 3, 31, 23, 30, tzinfo=UTC)


@pytest.fixture
def officer(db):
    user = make_user(Role.contracts_officer)
    db.session.commit()
    return user


def _plan(officer, percent="3.5", code="MH", on=APRIL_FIRST):
    return operations.plan_uplift(
        category(code), percent=Decimal(percent), effective_on=on, reason="", by=officer
    )


def _costs(placement):
    return [
        (cost.effective_from, cost.weekly_cost)
        for cost in _db.session.scalars(
            select(PlacementCost)
            .where(PlacementCost.placement_id == placement.id)
            .order_by(PlacementCost.effective_from)
        )
    ]


def _rate(home, day, setting_code="residential"):
    return queries.rate_on(home.id, category("MH").id, setting(setting_code).id, day)


def test_a_3_5_percent_uplift_turns_1234_57_into_1277_78_once(client, officer, db, rates_clock):
    """The done-when: a 3.5% uplift effective 1 April turns £1,234.57 into £1,277.78; applying
    it twice gives the same rates; a placement's cost history shows both amounts with their
    dates."""
    home = rated_home("1234.57")
    placement = add_placement(home, "1234.57")
    owner = make_user(Role.provider, provider=home.provider)
    uplift = _plan(officer)
    db.session.commit()

    # Not before its date (in England).
    rates_clock.set(datetime(2027, 3, 31, 22, 0, tzinfo=UTC))
    assert apply_uplifts()["uplifts"] == 0
    rates_clock.set(ON_THE_DAY)
    assert apply_uplifts() == {"uplifts": 1, "rates": 1, "placements": 1, "told": 1}
    db.session.commit()
    assert _rate(home, date(2027, 3, 31)) == Decimal("1234.57")
    assert _rate(home, APRIL_FIRST) == Decimal("1277.78")
    assert _costs(placement) == [
        (date(2026, 6, 1), Decimal("1234.57")),
        (APRIL_FIRST, Decimal("1277.78")),
    ]
    entry = db.session.scalars(
        select(RateCardEntry).where(RateCardEntry.uplift_id == uplift.id)
    ).one()
    assert (entry.source, entry.reason) == ("uplift", "Uplift 2027/28: 3.5%")
    db.session.refresh(uplift)
    assert uplift.state is UpliftState.applied
    assert (uplift.rates_made, uplift.placements_changed) == (1, 1)

    # Twice: the same rates, costs and messages.
    assert apply_uplifts() == {"uplifts": 0, "rates": 0, "placements": 0, "told": 0}
    assert operations.apply_uplift(uplift) == {"rates": 0, "placements": 0, "told": 0}
    db.session.commit()
    assert _rate(home, APRIL_FIRST) == Decimal("1277.78")
    assert db.session.scalar(select(func.count()).select_from(RateCardEntry)) == 2
    assert len(_costs(placement)) == 2
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(OutboxEmail)
            .where(OutboxEmail.to_address == owner.email)
        )
        == 1
    )
    notification = db.session.scalars(
        select(Notification).where(Notification.user_id == owner.id)
    ).one()
    assert "3.5%" in notification.title and notification.link == "/rate-card"

    # The placement's page shows both amounts with their dates.
    sign_in(client, officer)
    text = page_text(client.get(f"/placements/{placement.id}"))
    assert "1 June 2026 £1,234.57" in text
    assert "1 April 2027 £1,277.78 Uplift 2027/28: 3.5%" in text
    # From the uplift's date, the placement's cost today is the new one.
    assert "Weekly cost today £1,277.78" in text


def test_the_job_is_idempotent_without_its_state_too(officer, db, rates_clock):
    """Even an uplift put back to planned makes nothing twice: what starts that day stays."""
    home = rated_home("1000.00")
    placement = add_placement(home, "1000.00")
    uplift = _plan(officer, "10")
    rates_clock.set(ON_THE_DAY)
    apply_uplifts()
    uplift.state, uplift.applied_at = UpliftState.planned, None
    db.session.flush()
    assert apply_uplifts() == {"uplifts": 1, "rates": 0, "placements": 0, "told": 0}
    assert _rate(home, APRIL_FIRST) == Decimal("1100.00")
    assert _costs(placement)[-1] == (APRIL_FIRST, Decimal("1100.00"))


def test_what_the_job_changes_and_what_it_leaves(officer, db, rates_clock):
    home = rated_home("1000.00")
    add_rate(home, "1500.00", setting_code="nursing")
    # A rate of another category, and a rate already set by an officer for the day, stay.
    add_rate(home, "900.00", code="LDA")
    changed_by_hand = rated_home("2000.00")
    add_rate(changed_by_hand, "2100.00", effective_from=APRIL_FIRST, source="officer")
    active = add_placement(home, "1000.00")
    awarded = add_placement(home, "999.99", state=PlacementState.awarded)
    ended = add_placement(home, "1000.00", state=PlacementState.ended)
    later = add_placement(home, "1000.00", since=date(2027, 5, 1))
    _plan(officer, "-2.5")
    rates_clock.set(ON_THE_DAY)
    # The providers have no users to tell here.
    assert apply_uplifts() == {"uplifts": 1, "rates": 2, "placements": 2, "told": 0}
    assert _rate(home, APRIL_FIRST) == Decimal("975.00")
    assert _rate(home, APRIL_FIRST, "nursing") == Decimal("1462.50")
    assert _rate(changed_by_hand, APRIL_FIRST) == Decimal("2100.00")
    assert queries.rate_on(home.id, category("LDA").id, setting().id, APRIL_FIRST) == Decimal(
        "900.00"
    )
    assert _costs(active)[-1] == (APRIL_FIRST, Decimal("975.00"))
    # 999.99 x 0.975 = 974.99025: half up to the penny.
    assert _costs(awarded)[-1] == (APRIL_FIRST, Decimal("974.99"))
    assert len(_costs(ended)) == 1 and len(_costs(later)) == 1
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "placement.cost_changed")
    ).all()
    assert sorted(event.subject_id for event in events) == sorted([str(active.id), str(awarded.id)])
    assert {event.before["weekly_cost"] for event in events} == {"1000.00", "999.99"}
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "uplift.applied")
        )
        == 1
    )
    assert (
        db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "rate.changed")
        )
        == 2
    )


@pytest.mark.parametrize(
    ("percent", "on", "message"),
    [
        ("50.01", APRIL_FIRST, "more than -50 and at most 50"),
        ("-50", APRIL_FIRST, "more than -50 and at most 50"),
        ("0", APRIL_FIRST, "not 0"),
        ("3.5", date(2027, 2, 28), "cannot start in the past"),
    ],
)
def test_an_uplift_s_rules(officer, percent, on, message):
    with pytest.raises(OperationRefused, match=message):
        _plan(officer, percent, on=on)


def test_one_live_uplift_per_category_and_date_and_officers_only(officer, db):
    _plan(officer)
    with pytest.raises(OperationRefused, match="already has an uplift from 1 April 2027"):
        _plan(officer, "2")
    _plan(officer, "2", code="LDA")
    for role in (Role.quality_monitor, Role.provider, Role.administrator):
        with pytest.raises(OperationRefused, match="Only contracts officers"):
            _plan(make_user(role), code="ENH")


def test_a_planned_uplift_is_cancelled_before_its_date_only(officer, db, rates_clock):
    uplift = _plan(officer)
    with pytest.raises(OperationRefused, match="cannot be cancelled"):
        operations.cancel_uplift(uplift, by=make_user(Role.quality_monitor))
    operations.cancel_uplift(uplift, by=officer)
    assert uplift.state is UpliftState.cancelled and uplift.cancelled_at is not None
    # Cancelled, another may be planned for the date; on its date it can no longer be.
    again = _plan(officer, "4")
    rates_clock.set(datetime(2027, 4, 1, 9, 0, tzinfo=UTC))
    with pytest.raises(OperationRefused, match="can no longer be cancelled"):
        operations.cancel_uplift(again, by=officer)
    assert apply_uplifts()["uplifts"] == 1
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "uplift.cancelled")
        )
        == 1
    )


def test_plan_preview_confirm_and_cancel_through_the_pages(client, officer, db):
    home = rated_home("1234.57", name="Ashgate House")
    placement = add_placement(home, "1100.00")
    db.session.commit()
    sign_in(client, officer)
    assert "Plan an uplift" in page_text(client.get("/rates"))
    form = {
        "category": str(category("MH").id),
        "percent": "three",
        "effective_on": ["1", "4", "2027"],
        "reason": "Fee uplift 2027/28",
    }
    response = client.post("/rates/uplifts/new", data=form)
    assert error_summary(response) == [
        "Enter a percentage more than -50 and at most 50, like 3.5 or -2"
    ]
    assert "Fee uplift 2027/28" in response.get_data(as_text=True)
    response = client.post("/rates/uplifts/new", data={**form, "percent": "3.5%"})
    assert response.status_code == 302
    preview = response.headers["Location"]
    assert "/rates/uplifts/preview?" in preview
    text = page_text(client.get(preview))
    assert "Check the uplift: 3.5% from 1 April 2027" in text
    assert "1 rate will change" in text
    assert "Ashgate House" in text and "£1,234.57 £1,277.78" in text
    assert placement.reference in text and "£1,100.00 £1,138.50" in text
    # Nothing is made until it is confirmed.
    assert db.session.scalar(select(func.count()).select_from(Uplift)) == 0
    response = client.post(
        "/rates/uplifts/preview",
        data={
            "category": str(category("MH").id),
            "percent": "3.5",
            "effective_on": "2027-04-01",
            "reason": "Fee uplift 2027/28",
        },
        follow_redirects=True,
    )
    assert "Uplift 2027/28: 3.5% of Mental Health is planned" in page_text(response)
    uplift = db.session.scalars(select(Uplift)).one()
    assert uplift.state is UpliftState.planned and uplift.reason == "Fee uplift 2027/28"
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "uplift.planned")
        )
        == 1
    )
    # Confirming it again is refused: one live uplift per category and date.
    response = client.post(
        "/rates/uplifts/preview",
        data={"category": str(category("MH").id), "percent": "3.5", "effective_on": "2027-04-01"},
        follow_redirects=True,
    )
    assert "already has an uplift from 1 April 2027" in page_text(response)
    assert db.session.scalar(select(func.count()).select_from(Uplift)) == 1
    # Cancelled from its page.
    assert "Cancel this uplift" in page_text(client.get(f"/rates/uplifts/{uplift.id}"))
    response = client.post(f"/rates/uplifts/{uplift.id}/cancel", follow_redirects=True)
    assert "is cancelled" in page_text(response)
    db.session.refresh(uplift)
    assert uplift.state is UpliftState.cancelled


def test_a_preview_with_broken_details_goes_back_to_the_form(client, officer, db):
    sign_in(client, officer)
    for query in ("", "?category=1&percent=NaN&effective_on=2027-04-01", "?effective_on=x"):
        response = client.get(f"/rates/uplifts/preview{query}")
        assert response.status_code == 302
        assert response.headers["Location"].endswith("/rates/uplifts/new")


def test_monitors_read_uplifts_and_others_do_not_reach_them(client, officer, db):
    uplift = planned_uplift(officer)
    monitor = make_user(Role.quality_monitor)
    provider = make_user(Role.provider)
    admin = make_user(Role.administrator)
    db.session.commit()
    sign_in(client, monitor)
    text = page_text(client.get("/rates"))
    assert "Uplift 2027/28: 3.5%" in text and "Plan an uplift" not in text
    assert "Cancel this uplift" not in page_text(client.get(f"/rates/uplifts/{uplift.id}"))
    for url in (
        "/rates/uplifts/new",
        "/rates/uplifts/preview",
        f"/rates/uplifts/{uplift.id}/cancel",
    ):
        assert client.get(url).status_code == 403
        assert client.post(url, data={}).status_code == 403
    for user in (provider, admin):
        sign_in(client, user)
        for url in ("/rates", f"/rates/uplifts/{uplift.id}", "/rates/uplifts/new"):
            assert client.get(url).status_code == 403
        assert client.post(f"/rates/uplifts/{uplift.id}/cancel").status_code == 403
    client.get("/account/sign-out")
    with client.session_transaction() as session:
        session.clear()
    assert client.get("/rates").status_code == 302
    db.session.refresh(uplift)
    assert uplift.state is UpliftState.planned


def test_hostile_confirmations_and_changing_the_previewed_uplift(client, officer, db):
    mh = str(category("MH").id)
    db.session.commit()
    sign_in(client, officer)
    for values in (
        {"category": "99999999999", "percent": "3.5", "effective_on": "2027-04-01"},
        {"category": mh, "percent": "1e309", "effective_on": "2027-04-01"},
        {"category": mh, "percent": "3.5", "effective_on": "2027-02-31"},
        {
            "category": mh,
            "percent": "3.5",
            "effective_on": "2027-04-01",
            "reason": "x" * 1001,
        },
    ):
        response = client.post("/rates/uplifts/preview", data=values)
        assert response.status_code == 302
        assert response.headers["Location"].endswith("/rates/uplifts/new")
    assert db.session.scalar(select(func.count()).select_from(Uplift)) == 0
    db.session.rollback()
    # "Change the uplift" from the preview keeps what was chosen.
    html = client.get(
        f"/rates/uplifts/new?category={mh}&percent=3.5&effective_on=2027-04-01&reason=Fee+uplift"
    ).get_data(as_text=True)
    assert 'value="3.5"' in html and "Fee uplift" in html and 'value="2027"' in html
