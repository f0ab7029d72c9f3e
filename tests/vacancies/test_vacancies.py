"""Vacancies: a provider keeps its homes' beds free per category and setting and confirms
them in one click; after a week unconfirmed a vacancy is stale; officers and monitors read
the board, stale ones only when asked; the job reminds once a week."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from dps_portal.audit.models import AuditEvent
from dps_portal.core import clock
from dps_portal.core.errors import OperationRefused
from dps_portal.core.roles import Role
from dps_portal.notifications.models import OutboxEmail
from dps_portal.vacancies import operations, queries
from dps_portal.vacancies.models import Vacancy
from dps_portal.vacancies.tasks import remind_stale_vacancies
from tests.conftest import sign_in
from tests.contracts.factories import admit_home, category
from tests.factories import make_home, make_user
from tests.onboarding.factories import ready_framework
from tests.onboarding.helpers import page_text


@pytest.fixture(autouse=True)
def _now(db):
    from datetime import UTC, datetime

    with clock.frozen(datetime(2027, 3, 1, 10, 0, tzinfo=UTC)) as frozen:
        yield frozen


@pytest.fixture
def home(db):
    home = admit_home(make_home(), "MH")
    db.session.commit()
    return home


@pytest.fixture
def owner(home, db):
    user = make_user(Role.provider, provider=home.provider)
    db.session.commit()
    return user


def _set(home, owner, beds=2, code="MH", **fields):
    return operations.set_vacancy(
        home,
        category=category(code),
        setting=ready_framework().settings[0],
        beds_free=beds,
        available_from=fields.get("available_from", date(2027, 3, 8)),
        note=fields.get("note", ""),
        by=owner,
    )


def test_a_provider_sets_a_vacancy_and_setting_it_again_replaces_it(home, owner, db):
    _set(home, owner, beds=2, note="Ground floor")
    _set(home, owner, beds=1)
    vacancies = db.session.scalars(select(Vacancy)).all()
    assert len(vacancies) == 1
    assert vacancies[0].beds_free == 1 and vacancies[0].note == ""
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "vacancy.updated").order_by(AuditEvent.id)
    ).all()
    assert len(events) == 2
    assert events[1].before["beds_free"] == 2 and events[1].after["beds_free"] == 1


def test_only_admitted_categories_and_own_homes(home, owner, db):
    with pytest.raises(OperationRefused, match="not admitted"):
        _set(home, owner, code="ENH")
    stranger = make_user(Role.provider)
    with pytest.raises(OperationRefused, match="own provider"):
        _set(home, stranger)
    officer = make_user(Role.contracts_officer)
    with pytest.raises(OperationRefused, match="own provider"):
        _set(home, officer)


def test_a_vacancy_goes_stale_after_a_week_and_one_click_confirms_it(home, owner, db, _now):
    vacancy = _set(home, owner)
    _now.advance(timedelta(days=7, minutes=1))
    since = clock.now() - timedelta(days=7)
    assert not vacancy.is_fresh_since(since)
    assert db.session.scalar(select(func.count()).where(Vacancy.is_fresh_since(since))) == 0
    assert operations.confirm_vacancies(home, by=owner) == 1
    db.session.refresh(vacancy)
    assert vacancy.is_fresh_since(since)
    assert vacancy.confirmed_by_id == owner.id


def test_the_board_shows_fresh_vacancies_and_stale_ones_only_when_asked(
    client, home, owner, db, _now
):
    _set(home, owner, beds=3)
    other = admit_home(make_home(name="Stale House"), "MH")
    other_owner = make_user(Role.provider, provider=other.provider)
    _now.advance(timedelta(days=-8))
    _set(other, other_owner, beds=1)
    _now.advance(timedelta(days=8))
    officer = make_user(Role.contracts_officer)
    db.session.commit()

    sign_in(client, officer)
    text = page_text(client.get("/vacancies"))
    assert home.name in text and "Stale House" not in text
    assert "1 vacancy" in text
    text = page_text(client.get("/vacancies?stale=yes"))
    assert home.name in text and "Stale House" in text and "Stale" in text
    beds = queries.beds_by_category(queries.BoardFilters(), clock.now())
    assert [(row.homes, row.beds, row.stale_beds) for row in beds] == [(1, 3, 1)]


def test_the_provider_page_sets_keeps_what_was_typed_and_confirms(client, home, owner, db):
    sign_in(client, owner)
    url = f"/homes/{home.id}/vacancies"
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        data={
            "category": str(category("MH").id),
            "setting": str(ready_framework().settings[0].id),
            "beds_free": "two",
            "available_from": ["8", "3", "2027"],
            "note": "Ground floor room",
        },
    )
    text = page_text(response)
    assert "Enter the number of beds free as a whole number, like 1" in text
    assert "Ground floor room" in response.get_data(as_text=True)
    response = client.post(
        url,
        data={
            "category": str(category("MH").id),
            "setting": str(ready_framework().settings[0].id),
            "beds_free": "2",
            "available_from": ["8", "3", "2027"],
            "note": "",
        },
        follow_redirects=True,
    )
    assert "The vacancy is saved" in page_text(response)
    response = client.post(f"{url}/confirm", follow_redirects=True)
    assert "1 vacancy confirmed as still accurate" in page_text(response)


@pytest.mark.parametrize("who", ["other provider", "officer", "monitor", "admin", "anonymous"])
def test_no_one_else_reaches_a_homes_vacancies(client, home, owner, db, who):
    _set(home, owner)
    db.session.commit()
    users = {
        "other provider": lambda: make_user(Role.provider),
        "officer": lambda: make_user(Role.contracts_officer),
        "monitor": lambda: make_user(Role.quality_monitor),
        "admin": lambda: make_user(Role.administrator),
    }
    if who != "anonymous":
        user = users[who]()
        db.session.commit()
        sign_in(client, user)
    url = f"/homes/{home.id}/vacancies"
    assert client.get(url).status_code in (302, 403, 404)
    assert client.post(f"{url}/confirm").status_code in (302, 403, 404)
    db.session.expire_all()
    assert db.session.scalars(select(Vacancy)).one().confirmed_by_id == owner.id


@pytest.mark.parametrize("role", [Role.provider, Role.administrator])
def test_the_board_is_for_officers_and_monitors(client, db, role):
    user = make_user(role)
    db.session.commit()
    sign_in(client, user)
    assert client.get("/vacancies").status_code == 403


def test_the_reminder_goes_once_a_week_to_providers_with_stale_vacancies(home, owner, db, _now):
    _set(home, owner)
    fresh = admit_home(make_home(), "MH")
    _set(fresh, make_user(Role.provider, provider=fresh.provider))
    _now.advance(timedelta(days=8))
    _set(fresh, make_user(Role.provider, provider=fresh.provider))
    assert remind_stale_vacancies() == {"providers": 1, "told": 1}
    assert remind_stale_vacancies() == {"providers": 1, "told": 0}
    _now.advance(timedelta(days=7))
    assert remind_stale_vacancies()["told"] >= 1
    emails = db.session.scalars(select(OutboxEmail.to_address)).all()
    assert emails.count(owner.email) == 2


def test_the_provider_home_lists_vacancies_and_confirms_in_one_click(client, home, owner, db, _now):
    _set(home, owner)
    _now.advance(timedelta(days=8))
    db.session.commit()
    sign_in(client, owner)
    text = page_text(client.get("/provider"))
    assert "Your vacancies" in text and "Stale: not offered" in text
    response = client.post(
        f"/homes/{home.id}/vacancies/confirm", data={"next": "home"}, follow_redirects=True
    )
    text = page_text(response)
    assert "1 vacancy confirmed as still accurate" in text
    assert "Stale: not offered" not in text


def test_the_board_and_the_provider_home_do_not_grow_with_the_county(client, owner, home, db):
    from tests.query_counts import statements_of

    officer = make_user(Role.contracts_officer)

    def grow(count):
        for _ in range(count):
            extra = admit_home(make_home(provider=home.provider), "MH")
            _set(extra, owner, beds=1)
        db.session.commit()

    grow(2)
    sign_in(client, officer)
    board_before = statements_of(client, "/vacancies", stale="yes")[0]
    sign_in(client, owner)
    home_before = statements_of(client, "/provider")[0]
    grow(18)
    sign_in(client, officer)
    board_after, page = statements_of(client, "/vacancies", stale="yes")
    sign_in(client, owner)
    home_after = statements_of(client, "/provider")[0]
    assert board_before == board_after <= 30
    assert home_before == home_after <= 30
    assert "20 vacancies" in page
