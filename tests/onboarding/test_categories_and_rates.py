"""Choosing categories and homes, and proposing weekly rates."""

from decimal import Decimal

import pytest
from sqlalchemy import select

from dps_portal.core.roles import Role
from dps_portal.onboarding.models import Answer
from dps_portal.onboarding.operations import start_application
from tests.conftest import sign_in
from tests.factories import make_home, make_user
from tests.onboarding.factories import (
    make_complete_application,
    make_complete_provider,
    make_draft_application,
    ready_framework,
)
from tests.onboarding.helpers import checked_values, error_summary, input_value, page_text


@pytest.fixture
def draft(client, db):
    application, user = make_draft_application()
    db.session.commit()
    sign_in(client, user)
    return application


def _categories(db, application):
    db.session.expire_all()
    return {
        chosen.category.code: sorted(entry.care_home.name for entry in chosen.homes)
        for chosen in application.categories
    }


def test_the_page_lists_each_category_with_the_organisations_homes(client, db, draft):
    mental_health, _learning_disabilities, enhanced = draft.framework.categories

    response = client.get(f"/applications/{draft.id}/categories")

    text = page_text(response)
    assert "Homes you are putting forward for Learning Disabilities Ash House Beech House" in text
    assert checked_values(response, "categories") == [str(mental_health.id)]
    assert len(checked_values(response, f"homes_{mental_health.id}")) == 2
    assert checked_values(response, f"homes_{enhanced.id}") == []


def test_nothing_chosen_is_refused(client, db, draft):
    response = client.post(f"/applications/{draft.id}/categories", data={})

    assert error_summary(response) == ["Select at least one category"]
    assert _categories(db, draft) == {"MH": ["Ash House", "Beech House"]}


def test_a_category_without_homes_is_refused_keeping_the_choices(client, db, draft):
    mental_health, learning_disabilities, _ = draft.framework.categories
    ash = sorted(draft.provider.homes, key=lambda h: h.name)[0]

    response = client.post(
        f"/applications/{draft.id}/categories",
        data={
            "categories": [str(mental_health.id), str(learning_disabilities.id)],
            f"homes_{mental_health.id}": [str(ash.id)],
        },
    )

    assert error_summary(response) == [
        "Select the homes you are putting forward for Learning Disabilities"
    ]
    assert checked_values(response, "categories") == [
        str(mental_health.id),
        str(learning_disabilities.id),
    ]
    assert checked_values(response, f"homes_{mental_health.id}") == [str(ash.id)]
    assert _categories(db, draft) == {"MH": ["Ash House", "Beech House"]}


def test_another_organisations_home_cannot_be_put_forward(client, db, draft):
    mental_health = draft.framework.categories[0]
    stranger = make_home(name="Someone Else's Home")
    db.session.commit()

    response = client.post(
        f"/applications/{draft.id}/categories",
        data={
            "categories": [str(mental_health.id)],
            f"homes_{mental_health.id}": [str(stranger.id)],
        },
    )

    assert error_summary(response) == ["Select the homes you are putting forward for Mental Health"]
    assert _categories(db, draft) == {"MH": ["Ash House", "Beech House"]}


def test_dropping_a_category_or_home_drops_its_answers_and_rates(client, db):
    application = make_complete_application(categories=("MH", "LDA"))
    user = make_user(Role.provider, provider=application.provider)
    db.session.commit()
    sign_in(client, user)
    mental_health, _learning_disabilities, _ = application.framework.categories
    first, _second = sorted(application.provider.homes, key=lambda h: h.id)

    response = client.post(
        f"/applications/{application.id}/categories",
        data={f"homes_{mental_health.id}": [str(first.id)]},
    )

    assert response.status_code == 302
    assert _categories(db, application) == {"MH": [first.name]}
    scopes = set(
        db.session.scalars(select(Answer.scope).where(Answer.application_id == application.id))
    )
    assert scopes == {"org", f"home:{first.id}", f"category:{mental_health.id}"}
    [entry] = application.categories[0].homes
    assert entry.proposed_weekly_rate == Decimal("1250.00")


def test_an_organisation_without_homes_is_told_to_add_them(client, db):
    ready_framework()
    user = make_user(Role.provider, provider=make_complete_provider())
    application = start_application(user.provider, by=user)
    db.session.commit()
    sign_in(client, user)

    response = client.get(f"/applications/{application.id}/categories")

    assert "Add your care homes before you choose the categories" in page_text(response)


# Rates.


def _rate_names(application):
    return {
        (chosen.category.code, entry.care_home.name): (
            f"rate_{chosen.category_id}_{entry.care_home_id}"
        )
        for chosen in application.categories
        for entry in chosen.homes
    }


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("0", "The weekly rate must be more than £0"),
        ("5000.01", "The weekly rate must be £5,000.00 or less"),
        (
            "12.345",
            "Enter the weekly rate for Ash House in Mental Health as an amount of money, "
            "like 1500 or 1500.50",
        ),
        (
            "a lot",
            "Enter the weekly rate for Ash House in Mental Health as an amount of money, "
            "like 1500 or 1500.50",
        ),
    ],
)
def test_a_rate_must_be_above_zero_and_within_the_ceiling(client, db, draft, typed, message):
    names = _rate_names(draft)
    ash, beech = names[("MH", "Ash House")], names[("MH", "Beech House")]

    response = client.post(
        f"/applications/{draft.id}/rates", data={ash: typed, beech: "1,400", "save": "y"}
    )

    assert error_summary(response) == [message]
    assert input_value(response, ash) == [typed]
    assert input_value(response, beech) == ["1,400"]
    db.session.expire_all()
    assert [e.proposed_weekly_rate for e in draft.categories[0].homes] == [None, None]


def test_the_ceiling_is_the_frameworks(client, db, draft):
    draft.framework.max_weekly_rate = Decimal("3000.00")
    db.session.commit()
    names = _rate_names(draft)

    page = client.get(f"/applications/{draft.id}/rates")
    response = client.post(
        f"/applications/{draft.id}/rates",
        data={names[("MH", "Ash House")]: "3000.01", names[("MH", "Beech House")]: "3000"},
    )

    assert "no more than £3,000.00 a week" in page_text(page)
    assert error_summary(response) == ["The weekly rate must be £3,000.00 or less"]


def test_rates_are_required_to_continue_but_not_to_save_for_later(client, db, draft):
    names = _rate_names(draft)
    ash = names[("MH", "Ash House")]

    missing = client.post(f"/applications/{draft.id}/rates", data={ash: "1200", "save": "y"})
    assert error_summary(missing) == ["Enter the weekly rate for Beech House in Mental Health"]

    later = client.post(f"/applications/{draft.id}/rates", data={ash: "1200", "later": "y"})
    assert later.status_code == 302
    db.session.expire_all()
    rates = {e.care_home.name: e.proposed_weekly_rate for e in draft.categories[0].homes}
    assert rates == {"Ash House": Decimal("1200.00"), "Beech House": None}
    assert "Proposed weekly rates In progress" in page_text(client.get(f"/applications/{draft.id}"))

    shown = client.get(f"/applications/{draft.id}/rates")
    assert input_value(shown, ash) == ["1200.00"]
