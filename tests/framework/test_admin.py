"""Administrators keep the framework's settings and lists as data: the settings page in
groups, a form per group validated within the framework's ranges, categories, districts and
care settings added, renamed, reordered and removed only when nothing uses them; each change
one audit event with the values before and after; only administrators reach any of it."""

from decimal import Decimal

import pytest
from sqlalchemy import select

from dps_portal.audit.models import AuditEvent
from dps_portal.core.errors import OperationRefused
from dps_portal.core.roles import Role
from dps_portal.extensions import db as _db
from dps_portal.framework import operations
from dps_portal.framework.models import CareSetting, Category, District, Framework
from tests.conftest import sign_in
from tests.factories import make_home, make_user
from tests.onboarding.helpers import page_text

SETTINGS = "/admin/framework"
CONTACT = f"{SETTINGS}/contact-details"
TIMES = f"{SETTINGS}/times"
THRESHOLDS = f"{SETTINGS}/thresholds"

CONTACT_FORM = {
    "contracts_team_name": "Care Contracts Team",
    "contact_email": "care.contracts@testshire.gov.uk",
    "contact_phone": "01632 960 123",
    "buyer_address": "County Hall\nMatlock",
    "council_signatory_name": "Rachel Price",
    "council_signatory_role": "Assistant Director of Commissioning",
}
TIMES_FORM = {
    "decision_working_days": "8",
    "extended_decision_working_days": "12",
    "declaration_working_days": "15",
    "emergency_offer_hours": "6",
    "respite_offer_working_days": "3",
}
THRESHOLDS_FORM = {
    "award_approval_threshold": "£60,000.50",
    "abnormally_low_percent": "65",
    "vacancy_stale_days": "10",
    "max_weekly_rate": "4500",
}


@pytest.fixture
def admin(db, framework):
    user = make_user(Role.administrator)
    db.session.commit()
    return user


@pytest.fixture
def client(app, admin):
    client = app.test_client()
    sign_in(client, admin)
    return client


def _events(action: str) -> list[AuditEvent]:
    return list(
        _db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )


def _framework() -> Framework:
    return _db.session.scalars(select(Framework)).one()


# The settings page.


def test_the_settings_page_shows_each_group_with_change_links(client, framework):
    page = client.get(SETTINGS)
    assert page.status_code == 200
    text = page_text(page)
    for group in (
        "Contact details",
        "Decision and response times",
        "Thresholds",
        "Categories",
        "Districts",
        "Care settings",
    ):
        assert group in text
    assert "10 working days" in text
    assert "4 hours" in text
    assert "£75,000.00 a year" in text
    assert "70% of the median compliant total" in text
    assert "7 days unconfirmed" in text
    assert "Mental Health" in text and "Chesterfield" in text and "Nursing" in text
    html = page.get_data(as_text=True)
    assert f'href="{CONTACT}#contact_phone"' in html
    assert f'href="{TIMES}#emergency_offer_hours"' in html
    assert f'href="{THRESHOLDS}#vacancy_stale_days"' in html
    assert f'href="{SETTINGS}/categories"' in html


def test_the_administrator_navigation_leads_to_the_settings(client):
    html = client.get(SETTINGS).get_data(as_text=True)
    assert f'href="{SETTINGS}"' in html
    assert ">Framework<" in html


@pytest.mark.parametrize("role", [Role.contracts_officer, Role.quality_monitor, Role.provider])
def test_only_administrators_reach_the_settings(app, framework, role):
    client = app.test_client()
    sign_in(client, make_user(role))
    _db.session.commit()
    for url in (SETTINGS, CONTACT, TIMES, THRESHOLDS, f"{SETTINGS}/categories"):
        assert client.get(url).status_code == 403
    assert client.post(THRESHOLDS, data=THRESHOLDS_FORM).status_code == 403
    assert _framework().vacancy_stale_days == 7


# The settings' forms.


def test_the_contact_details_are_saved_and_audited(client, admin):
    form = client.get(CONTACT)
    assert form.status_code == 200
    response = client.post(CONTACT, data=CONTACT_FORM)
    assert response.status_code == 302 and response.headers["Location"] == SETTINGS
    framework = _framework()
    assert framework.contracts_team_name == "Care Contracts Team"
    assert framework.contact_phone == "01632 960 123"
    assert framework.council_signatory_role == "Assistant Director of Commissioning"
    (event,) = _events("framework.contact_details_changed")
    assert event.actor_id == admin.id
    assert event.subject_type == "framework" and event.subject_id == str(framework.id)
    assert event.before["contracts_team_name"] == "Contracts team"
    assert event.after["contact_phone"] == "01632 960 123"
    # Saved again unchanged: nothing to record.
    client.post(CONTACT, data=CONTACT_FORM)
    assert len(_events("framework.contact_details_changed")) == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"contracts_team_name": "  "}, "Enter the name of the contracts team"),
        ({"contact_email": ""}, "Enter the contracts team’s email address"),
        ({"contact_email": "contracts"}, "Enter an email address in the correct format"),
        ({"contact_phone": "call us"}, "Enter a telephone number, like 01632 960 001"),
        ({"council_signatory_name": "x" * 201}, "must be 200 characters or fewer"),
    ],
)
def test_contact_details_are_validated(client, change, message):
    response = client.post(CONTACT, data={**CONTACT_FORM, **change})
    assert response.status_code == 200
    assert message in page_text(response)
    assert _framework().contracts_team_name == "Contracts team"
    assert _events("framework.contact_details_changed") == []


def test_the_times_are_saved_and_audited(client):
    response = client.post(TIMES, data=TIMES_FORM)
    assert response.status_code == 302
    framework = _framework()
    assert (
        framework.decision_working_days,
        framework.extended_decision_working_days,
        framework.declaration_working_days,
        framework.emergency_offer_hours,
        framework.respite_offer_working_days,
    ) == (8, 12, 15, 6, 3)
    (event,) = _events("framework.times_changed")
    assert event.before == {
        "decision_working_days": 10,
        "extended_decision_working_days": 15,
        "declaration_working_days": 10,
        "emergency_offer_hours": 4,
        "respite_offer_working_days": 2,
    }
    assert event.after["emergency_offer_hours"] == 6


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"decision_working_days": "11"}, "between 1 and 10"),
        ({"decision_working_days": "0"}, "between 1 and 10"),
        ({"decision_working_days": "ten"}, "as a whole number, like 10"),
        ({"extended_decision_working_days": "16"}, "between 1 and 15"),
        (
            {"decision_working_days": "9", "extended_decision_working_days": "8"},
            "The extended decision time must be at least the decision time",
        ),
        ({"emergency_offer_hours": ""}, "Enter the hours to answer an emergency offer, like 4"),
        ({"emergency_offer_hours": "9" * 26}, "between 1 and 72"),
        ({"respite_offer_working_days": "-1"}, "between 1 and 10"),
    ],
)
def test_times_are_validated_within_the_ranges(client, change, message):
    response = client.post(TIMES, data={**TIMES_FORM, **change})
    assert response.status_code == 200
    assert message in page_text(response)
    assert _events("framework.times_changed") == []


def test_the_thresholds_are_saved_as_money_and_audited(client):
    response = client.post(THRESHOLDS, data=THRESHOLDS_FORM)
    assert response.status_code == 302
    framework = _framework()
    assert framework.award_approval_threshold == Decimal("60000.50")
    assert framework.max_weekly_rate == Decimal("4500.00")
    assert (framework.abnormally_low_percent, framework.vacancy_stale_days) == (65, 10)
    (event,) = _events("framework.thresholds_changed")
    assert event.before["award_approval_threshold"] == "75000.00"
    assert event.after["award_approval_threshold"] == "60000.50"
    assert event.after["vacancy_stale_days"] == 10


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"award_approval_threshold": ""}, "Enter the award approval threshold, like 75000"),
        ({"award_approval_threshold": "-5"}, "as an amount of money, like 1500"),
        ({"award_approval_threshold": "1.234"}, "as an amount of money"),
        ({"award_approval_threshold": "99999999999"}, "as an amount less than"),
        ({"abnormally_low_percent": "100"}, "Enter the abnormally low line between 1 and 99"),
        ({"vacancy_stale_days": "0"}, "between 1 and 90"),
        ({"max_weekly_rate": "0"}, "Enter a highest weekly rate of more than £0"),
    ],
)
def test_thresholds_are_validated(client, change, message):
    response = client.post(THRESHOLDS, data={**THRESHOLDS_FORM, **change})
    assert response.status_code == 200
    assert message in page_text(response)
    assert _framework().vacancy_stale_days == 7


def test_an_award_approval_threshold_of_nothing_is_allowed(client):
    client.post(THRESHOLDS, data={**THRESHOLDS_FORM, "award_approval_threshold": "0"})
    assert _framework().award_approval_threshold == Decimal("0.00")


def test_the_operations_check_the_ranges_too(db, framework, admin):
    with pytest.raises(OperationRefused, match="between 1 and 90"):
        operations.change_thresholds(
            framework,
            by=admin,
            award_approval_threshold=Decimal(1),
            abnormally_low_percent=70,
            vacancy_stale_days=91,
            max_weekly_rate=Decimal(1),
        )
    with pytest.raises(OperationRefused, match="at least the decision time"):
        operations.change_times(
            framework,
            by=admin,
            decision_working_days=10,
            extended_decision_working_days=9,
            declaration_working_days=10,
            emergency_offer_hours=4,
            respite_offer_working_days=2,
        )


# The lists.


def test_a_category_is_added_last_and_audited(client, framework):
    assert client.get(f"{SETTINGS}/categories/add").status_code == 200
    response = client.post(
        f"{SETTINGS}/categories/add",
        data={
            "code": "PD",
            "name": "Physical Disabilities",
            "description": "",
            "specialist_training": "Moving and handling",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"{SETTINGS}/categories"
    _db.session.expire_all()
    assert [c.code for c in _framework().categories] == ["MH", "LDA", "ENH", "PD"]
    (event,) = _events("category.added")
    assert event.after == {
        "code": "PD",
        "name": "Physical Disabilities",
        "description": "",
        "specialist_training": "Moving and handling",
    }
    assert "Physical Disabilities" in page_text(client.get(f"{SETTINGS}/categories"))


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"code": "mh", "name": "Another"}, "There is already a category with the code mh"),
        (
            {"code": "NEW", "name": "mental health"},
            "There is already a category called mental health",
        ),
        (
            {"code": "A B", "name": "Another"},
            "Enter a code of letters, numbers, hyphens or underscores only",
        ),
        ({"code": "", "name": "Another"}, "Enter the category’s code"),
        ({"code": "NEW", "name": ""}, "Enter the category’s name"),
    ],
)
def test_a_category_needs_its_own_code_and_name(client, values, message):
    response = client.post(f"{SETTINGS}/categories/add", data=values)
    assert response.status_code == 200
    assert message in page_text(response)
    assert _events("category.added") == []


def test_a_category_is_renamed_but_keeps_its_code(client, framework):
    mh = framework.categories[0]
    page = client.get(f"{SETTINGS}/categories/{mh.id}")
    assert "Code: MH" in page_text(page)
    assert 'name="code"' not in page.get_data(as_text=True)
    client.post(
        f"{SETTINGS}/categories/{mh.id}",
        data={"code": "XX", "name": "Mental Health and Wellbeing", "description": "For adults"},
    )
    category = _db.session.get(Category, mh.id)
    assert (category.code, category.name, category.description) == (
        "MH",
        "Mental Health and Wellbeing",
        "For adults",
    )
    (event,) = _events("category.changed")
    assert event.before["name"] == "Mental Health"
    assert event.after["name"] == "Mental Health and Wellbeing"


def test_a_district_says_whether_it_is_out_of_county(client, framework):
    response = client.post(
        f"{SETTINGS}/districts/add", data={"name": "Bolsover", "is_out_of_county": "no"}
    )
    assert response.status_code == 302
    district = _db.session.scalars(select(District).where(District.name == "Bolsover")).one()
    assert district.is_out_of_county is False and district.position == 3
    response = client.post(f"{SETTINGS}/districts/add", data={"name": "Sheffield"})
    assert "Select yes if the district is outside the county" in page_text(response)
    page = client.get(f"{SETTINGS}/districts/{district.id}")
    assert 'value="no" checked' in page.get_data(as_text=True)
    client.post(
        f"{SETTINGS}/districts/{district.id}", data={"name": "Bolsover", "is_out_of_county": "yes"}
    )
    assert _db.session.get(District, district.id).is_out_of_county is True
    (event,) = _events("district.changed")
    assert (event.before, event.after) == (
        {"name": "Bolsover", "is_out_of_county": False},
        {"name": "Bolsover", "is_out_of_county": True},
    )


def test_a_care_setting_is_added_and_renamed(client, framework):
    client.post(f"{SETTINGS}/care-settings/add", data={"code": "respite", "name": "Respite"})
    setting = _db.session.scalars(select(CareSetting).where(CareSetting.code == "respite")).one()
    client.post(f"{SETTINGS}/care-settings/{setting.id}", data={"name": "Short stays"})
    assert _db.session.get(CareSetting, setting.id).name == "Short stays"
    assert [e.action for e in _events("care_setting.added") + _events("care_setting.changed")] == [
        "care_setting.added",
        "care_setting.changed",
    ]


def test_items_move_up_and_down_their_list(client, framework):
    enh = framework.categories[2]
    response = client.post(f"{SETTINGS}/categories/{enh.id}/move", data={"direction": "up"})
    assert response.status_code == 302
    _db.session.expire_all()
    assert [c.code for c in _framework().categories] == ["MH", "ENH", "LDA"]
    (event,) = _events("category.moved")
    assert event.before == {"order": ["MH", "LDA", "ENH"]}
    assert event.after == {"order": ["MH", "ENH", "LDA"]}
    # The first cannot go up: nothing moves and nothing is recorded.
    mh = framework.categories[0]
    client.post(f"{SETTINGS}/categories/{mh.id}/move", data={"direction": "up"})
    assert len(_events("category.moved")) == 1
    assert client.post(f"{SETTINGS}/categories/{mh.id}/move", data={}).status_code == 400


def test_the_list_page_offers_moves_changes_and_removal(client, framework):
    html = client.get(f"{SETTINGS}/districts").get_data(as_text=True)
    first, last = framework.districts[0], framework.districts[-1]
    assert f'action="{SETTINGS}/districts/{first.id}/move"' in html
    assert html.count('value="up"') == len(framework.districts) - 1
    assert html.count('value="down"') == len(framework.districts) - 1
    assert f"{SETTINGS}/districts/{last.id}/remove" in html


def test_an_item_nothing_uses_is_removed(client, framework):
    nursing = framework.settings[1].id
    page = client.get(f"{SETTINGS}/care-settings/{nursing}/remove")
    assert "Are you sure you want to remove Nursing?" in page_text(page)
    response = client.post(f"{SETTINGS}/care-settings/{nursing}/remove")
    assert response.status_code == 302
    assert _db.session.get(CareSetting, nursing) is None
    (event,) = _events("care_setting.removed")
    assert event.before == {"code": "nursing", "name": "Nursing"}
    assert event.subject_id == str(nursing)
    assert [s.position for s in _framework().settings] == [0]


def test_an_item_in_use_cannot_be_removed_and_the_page_says_why(client, framework):
    chesterfield = framework.districts[0]
    make_home(district_id=chesterfield.id)
    make_home(district_id=chesterfield.id)
    _db.session.commit()
    page = client.get(f"{SETTINGS}/districts/{chesterfield.id}/remove")
    text = page_text(page)
    assert "You cannot remove Chesterfield" in text
    assert "it is used by 2 care homes" in text
    assert "Remove district" not in text
    response = client.post(f"{SETTINGS}/districts/{chesterfield.id}/remove")
    assert response.status_code == 302
    assert _db.session.get(District, chesterfield.id) is not None
    assert _events("district.removed") == []


def test_the_last_of_a_list_cannot_be_removed(db, framework):
    admin = make_user(Role.administrator)
    operations.remove_from_list(framework.settings[1], by=admin)
    with pytest.raises(OperationRefused, match="needs at least one care setting"):
        operations.remove_from_list(framework.settings[0], by=admin)


def test_another_framework_s_items_are_not_found(client, framework):
    from tests.factories import make_framework

    other = make_framework(starts_on=framework.starts_on.replace(year=2020))
    _db.session.commit()
    item = other.categories[0]
    assert client.get(f"{SETTINGS}/categories/{item.id}").status_code == 404
    assert client.post(f"{SETTINGS}/categories/{item.id}/remove").status_code == 404
    assert client.get(f"{SETTINGS}/categories/999999").status_code == 404


def test_without_a_framework_the_settings_are_not_found(app, db):
    client = app.test_client()
    sign_in(client, make_user(Role.administrator))
    db.session.commit()
    assert client.get(SETTINGS).status_code == 404
