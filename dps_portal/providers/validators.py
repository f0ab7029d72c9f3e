"""Form validators for the identifiers providers type. A valid value is stored in its one
normal spelling (upper case, spaces where they belong); an invalid one is left as typed, so the
person sees what they entered next to the message."""

import re

from wtforms.validators import ValidationError

from dps_portal.providers.rules import (
    is_companies_house_number,
    is_cqc_id,
    is_postcode,
    normalise_companies_house_number,
    normalise_cqc_id,
    normalise_postcode,
)


class CompaniesHouseNumber:
    message = (
        "Enter a Companies House number in the correct format: 8 characters, like 01234567 "
        "or SC123456"
    )

    def __call__(self, form, field) -> None:
        if not field.data:
            return
        if not is_companies_house_number(field.data):
            raise ValidationError(self.message)
        field.data = normalise_companies_house_number(field.data)


class CqcId:
    """A CQC provider ID or location ID."""

    def __init__(self, what: str) -> None:
        self.message = f"Enter a {what} in the correct format, like 1-123456789"

    def __call__(self, form, field) -> None:
        if not field.data:
            return
        if not is_cqc_id(field.data):
            raise ValidationError(self.message)
        field.data = normalise_cqc_id(field.data)


class Postcode:
    message = "Enter a real postcode, like S40 4AA"

    def __call__(self, form, field) -> None:
        if not field.data:
            return
        if not is_postcode(field.data):
            raise ValidationError(self.message)
        field.data = normalise_postcode(field.data)


class PhoneNumber:
    """A UK or international telephone number: digits with the usual spaces and signs."""

    message = "Enter a telephone number, like 01632 960 001, 07700 900 982 or +44 808 157 0192"

    def __call__(self, form, field) -> None:
        if not field.data:
            return
        if re.fullmatch(r"\+?[\d\s()\-]+", field.data) is None:
            raise ValidationError(self.message)
        if not 10 <= len(re.sub(r"\D", "", field.data)) <= 15:
            raise ValidationError(self.message)
