"""The identifier formats, and what an organisation or home must still give before applying."""

import pytest

import dps_portal.models  # noqa: F401  (every mapper, so a model can be built without the app)
from dps_portal.providers.models import CareHome, ProviderOrganisation
from dps_portal.providers.rules import (
    home_gaps,
    home_missing,
    is_companies_house_number,
    is_cqc_id,
    is_postcode,
    normalise_companies_house_number,
    normalise_postcode,
    organisation_missing,
)
from tests.providers.factories import COMPLETE_ORGANISATION


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("01234567", "01234567"),
        ("SC123456", "SC123456"),
        ("sc123456", "SC123456"),
        ("NI 012345", "NI012345"),
        (" oc 30 00 01 ", "OC300001"),
        ("12 34 56 78", "12345678"),
    ],
)
def test_good_companies_house_numbers(typed, stored):
    assert is_companies_house_number(typed)
    assert normalise_companies_house_number(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "1234567",
        "123456789",
        "S1234567",
        "SCO12345",
        "ABC12345",
        "12345A67",
        "SC12345",
        "SC-123456",
        "1234567X",
        None,
    ],
)
def test_bad_companies_house_numbers(typed):
    assert not is_companies_house_number(typed)


@pytest.mark.parametrize("typed", ["1-123456", "1-102643096", "1-123456789012", " 1-134558905 "])
def test_good_cqc_ids(typed):
    assert is_cqc_id(typed)


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "1-12345",
        "1-1234567890123",
        "2-123456789",
        "1123456789",
        "1-12345678a",
        "RXX-123456",
        "1_123456789",
        "-123456789",
    ],
)
def test_bad_cqc_ids(typed):
    assert not is_cqc_id(typed)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("s40 4aa", "S40 4AA"),
        ("S404AA", "S40 4AA"),
        ("  de56   1ab ", "DE56 1AB"),
        ("SW1A 1AA", "SW1A 1AA"),
        ("ec1a1bb", "EC1A 1BB"),
        ("W1A 0AX", "W1A 0AX"),
        ("M1 1AE", "M1 1AE"),
        ("B33 8TH", "B33 8TH"),
        ("CR2 6XH", "CR2 6XH"),
        ("DN55 1PT", "DN55 1PT"),
        ("gir0aa", "GIR 0AA"),
        ("GIR 0AA", "GIR 0AA"),
    ],
)
def test_good_postcodes_are_stored_in_upper_case_with_one_space(typed, stored):
    assert is_postcode(typed)
    assert normalise_postcode(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "S40",
        "S40 4A",
        "S40 4AAA",
        "40 4AA",
        "S40 AAA",
        "QA1 1AA",  # Q never starts a postcode
        "VX1 1AA",
        "AJ1 1AA",  # J never second
        "S40 4CA",  # C never in the inward code
        "S40 4AI",
        "SW1AA 1AA",
        "S4-0 4AA",
        "hello",
        "GIR 0AB",
    ],
)
def test_bad_postcodes(typed):
    assert not is_postcode(typed)


def test_a_new_organisation_must_give_every_detail_but_its_name():
    provider = ProviderOrganisation(legal_name="Peakland Care Ltd")
    assert organisation_missing(provider) == [
        "Enter the Companies House number",
        "Enter the CQC provider ID",
        "Enter the first line of the organisation’s address",
        "Enter the organisation’s town or city",
        "Enter the organisation’s postcode",
        "Enter the name of the main contact",
        "Enter the contact email address",
        "Enter the contact phone number",
        "Enter the authorised signatory’s name",
        "Enter the authorised signatory’s role",
        "Enter the authorised signatory’s email address",
    ]


def test_a_complete_organisation_is_missing_nothing():
    provider = ProviderOrganisation(legal_name="Peakland Care Ltd", **COMPLETE_ORGANISATION)
    assert organisation_missing(provider) == []


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("legal_name", "Enter the organisation’s legal name"),
        ("signatory_role", "Enter the authorised signatory’s role"),
        ("phone", "Enter the contact phone number"),
    ],
)
def test_a_blank_detail_is_missing(field, message):
    provider = ProviderOrganisation(legal_name="Peakland Care Ltd", **COMPLETE_ORGANISATION)
    setattr(provider, field, "  ")
    assert organisation_missing(provider) == [message]


def test_a_home_needs_district_setting_beds_and_manager():
    home = CareHome(name="Ashgate Lodge", cqc_location_id="1-101000001", registered_beds=0)
    assert home_missing(home) == [
        "Select the district the home is in",
        "Select the home’s care setting",
        "Enter the number of registered beds",
        "Enter the registered manager’s name",
    ]
    home.district_id, home.setting_id, home.registered_beds = 1, 2, 12
    home.registered_manager = "Rita Manager"
    assert home_missing(home) == []


def test_a_home_without_a_rating_is_no_gap_of_the_providers():
    """The rating comes from the CQC or an officer: the provider could not fill the gap."""
    home = CareHome(
        name="Ashgate Lodge",
        cqc_location_id="1-101000001",
        district_id=1,
        setting_id=2,
        registered_beds=12,
        registered_manager="Rita Manager",
        cqc_rating=None,
    )
    assert home_missing(home) == []
    assert all(field != "cqc_rating" for field, _ in home_gaps(home))
