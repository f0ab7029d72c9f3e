"""What a provider must still tell the council before it can apply, and the formats of the
identifiers it gives (Companies House number, CQC IDs, postcode)."""

import re

from dps_portal.providers.models import CareHome, ProviderOrganisation

# Each organisation detail an application needs, and what to tell the provider when it is blank.
ORGANISATION_REQUIRED = (
    ("legal_name", "Enter the organisation’s legal name"),
    ("companies_house_number", "Enter the Companies House number"),
    ("cqc_provider_id", "Enter the CQC provider ID"),
    ("address_line_1", "Enter the first line of the organisation’s address"),
    ("town", "Enter the organisation’s town or city"),
    ("postcode", "Enter the organisation’s postcode"),
    ("contact_name", "Enter the name of the main contact"),
    ("email", "Enter the contact email address"),
    ("phone", "Enter the contact phone number"),
    ("signatory_name", "Enter the authorised signatory’s name"),
    ("signatory_role", "Enter the authorised signatory’s role"),
    ("signatory_email", "Enter the authorised signatory’s email address"),
)


def organisation_missing(provider: ProviderOrganisation) -> list[str]:
    """What the organisation must still give before it can submit an application."""
    return [message for _, message in organisation_gaps(provider)]


def organisation_gaps(provider: ProviderOrganisation) -> list[tuple[str, str]]:
    """The blank details an application needs, as (field name, what to do) pairs."""
    return [
        (field, message)
        for field, message in ORGANISATION_REQUIRED
        if not (getattr(provider, field) or "").strip()
    ]


def home_missing(home: CareHome) -> list[str]:
    """What a care home's record must still give before the home can be in an application."""
    return [message for _, message in home_gaps(home)]


def home_gaps(home: CareHome) -> list[tuple[str, str]]:
    """The home's blank details an application needs, as (field name, what to do) pairs.

    Only details the provider gives: the CQC rating is not one of them. It comes from the
    CQC's data or an officer's entry, so a home with none yet is no gap the provider could
    fill; it may be put forward, and the officer weighs its rating (or records it) in the
    review, as with an Inadequate one."""
    gaps = []
    if home.district_id is None:
        gaps.append(("district_id", "Select the district the home is in"))
    if home.setting_id is None:
        gaps.append(("setting_id", "Select the home’s care setting"))
    if not home.registered_beds or home.registered_beds <= 0:
        gaps.append(("registered_beds", "Enter the number of registered beds"))
    if not (home.registered_manager or "").strip():
        gaps.append(("registered_manager", "Enter the registered manager’s name"))
    return gaps


# Identifier formats.

_COMPANIES_HOUSE = re.compile(r"(?:\d{8}|[A-Z]{2}\d{6})")
_CQC_ID = re.compile(r"1-\d{6,12}")
# Outward code (A9, A99, AA9, AA99, A9A, AA9A) with the letters each position may hold, then
# the inward code (9AA, never C, I, K, M, O or V); GIR 0AA is the one historic exception.
_POSTCODE = re.compile(
    r"(?:GIR 0AA|"
    r"(?:[A-PR-UWYZ]\d{1,2}"
    r"|[A-PR-UWYZ][A-HK-Y]\d{1,2}"
    r"|[A-PR-UWYZ]\d[A-HJKPSTUW]"
    r"|[A-PR-UWYZ][A-HK-Y]\d[ABEHMNPRVWXY])"
    r" \d[ABD-HJLNP-UW-Z]{2})"
)


def _without_spaces(value: str | None) -> str:
    return re.sub(r"\s+", "", value or "")


def normalise_companies_house_number(value: str | None) -> str:
    return _without_spaces(value).upper()


def is_companies_house_number(value: str | None) -> bool:
    """8 digits (England and Wales) or 2 letters and 6 digits (SC123456, NI012345, ...)."""
    return _COMPANIES_HOUSE.fullmatch(normalise_companies_house_number(value)) is not None


def normalise_cqc_id(value: str | None) -> str:
    return _without_spaces(value)


def is_cqc_id(value: str | None) -> bool:
    """A CQC provider or location ID: "1-" then 6 to 12 digits."""
    return _CQC_ID.fullmatch(normalise_cqc_id(value)) is not None


def normalise_postcode(value: str | None) -> str:
    """Upper case with one space before the inward code: "s40 4aa" becomes "S40 4AA"."""
    compact = _without_spaces(value).upper()
    if len(compact) < 5:
        return compact
    return f"{compact[:-3]} {compact[-3:]}"


def is_postcode(value: str | None) -> bool:
    return _POSTCODE.fullmatch(normalise_postcode(value)) is not None
