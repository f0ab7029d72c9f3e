"""Hostile input gets a clear message or a 404, never a 500: ids too large for the database,
zero-padded ids, dates with huge numbers, amounts too large to keep, NUL characters."""

from datetime import date

import pytest
from flask import request
from werkzeug.datastructures import MultiDict
from wtforms import Form

from dps_portal.core.forms import MoneyField, UkDateField
from dps_portal.core.roles import Role
from tests.conftest import sign_in
from tests.factories import make_user


@pytest.fixture
def administrator(db):
    user = make_user(Role.administrator)
    db.session.commit()
    return user


@pytest.mark.parametrize(
    "path",
    [
        "/admin/users/10000000000000000000000000",
        "/admin/users/2147483648",
        "/admin/users/0{id}",
    ],
)
def test_an_id_the_database_cannot_hold_or_a_padded_one_is_not_found(client, administrator, path):
    sign_in(client, administrator)
    assert client.get(path.format(id=administrator.id)).status_code == 404
    assert client.get(f"/admin/users/{administrator.id}").status_code == 200


def test_a_huge_id_posted_to_is_not_found(client, administrator):
    sign_in(client, administrator)
    response = client.post("/admin/users/10000000000000000000000000/active", data={})
    assert response.status_code == 404


class _DateForm(Form):
    day = UkDateField("Start date", noun="the start date")


@pytest.mark.parametrize(
    ("parts", "error"),
    [
        (("1" * 26, "3", "2026"), "The start date must be a real date"),
        (("3", "9" * 26, "2026"), "The start date must be a real date"),
        (("31", "2", "2026"), "The start date must be a real date"),
        (("3", "", "2026"), "The start date must include a month"),
    ],
)
def test_a_date_with_huge_or_missing_parts_gets_the_field_s_error(app, parts, error):
    form = _DateForm(MultiDict([("day", part) for part in parts]))
    assert not form.validate()
    assert form.day.errors == [error]


def test_a_real_date_is_read(app):
    form = _DateForm(MultiDict([("day", "3"), ("day", "3"), ("day", "2026")]))
    assert form.validate() and form.day.data == date(2026, 3, 3)


class _MoneyForm(Form):
    rate = MoneyField("Weekly rate", noun="the weekly rate")


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("9" * 26, "Enter the weekly rate as an amount less than £10,000,000,000"),
        ("10000000000", "Enter the weekly rate as an amount less than £10,000,000,000"),
        ("12.345", "Enter the weekly rate as an amount of money, like 1500 or 1500.50"),
    ],
)
def test_an_amount_too_large_to_keep_gets_the_field_s_error(app, typed, error):
    form = _MoneyForm(MultiDict([("rate", typed)]))
    assert not form.validate()
    assert form.rate.errors == [error]


def test_the_largest_amount_that_can_be_kept_is_read(app):
    form = _MoneyForm(MultiDict([("rate", "9,999,999,999.99")]))
    assert form.validate()
    assert str(form.rate.amount) == "9999999999.99"


def test_nul_characters_are_removed_from_forms_and_queries_and_the_person_is_told(app):
    with app.test_request_context(
        "/?q=care%00home", method="POST", data={"name": "Ash\x00gate", "other": "plain"}
    ):
        assert request.args["q"] == "carehome"
        assert request.form["name"] == "Ashgate"
        assert request.form["other"] == "plain"
        from flask import get_flashed_messages

        assert get_flashed_messages() == [
            "We removed characters that cannot be stored (NUL) from what you sent."
        ]


def test_a_nul_character_in_a_sign_in_is_not_an_error(client):
    response = client.post(
        "/account/sign-in", data={"email": "some\x00one@example.org", "password": "x\x00"}
    )
    assert response.status_code == 200
    assert "We removed characters that cannot be stored" in response.get_data(as_text=True)
