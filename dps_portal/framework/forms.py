"""The administrators' forms for the framework's settings and lists: they validate what was
typed, within the ranges the framework allows (framework/rules.py), and say what to do."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import EmailField, SubmitField
from wtforms.validators import Email, InputRequired, Length, NumberRange, Regexp

from dps_portal.core.forms import (
    MoneyField,
    Radios,
    WholeNumberField,
    add_error,
    strip,
    text_area,
    text_input,
)
from dps_portal.framework import rules
from dps_portal.framework.rules import Bounds
from dps_portal.providers.validators import PhoneNumber

YES_NO = [("yes", "Yes"), ("no", "No")]


def _number(label: str, bounds: Bounds, *, noun: str, example: int, description: str):
    """A whole number within `bounds`, with GOV.UK messages naming it."""
    return WholeNumberField(
        label,
        description=description,
        noun=noun,
        example=example,
        validators=[
            InputRequired(message=f"Enter {noun}, like {example}"),
            NumberRange(
                min=bounds.low,
                max=bounds.high,
                message=f"Enter {noun} between {bounds.low} and {bounds.high}",
            ),
        ],
    )


class ContactDetailsForm(FlaskForm):
    """How providers and the public reach the contracts team, and who signs for the council."""

    contracts_team_name = text_input(
        "Team name",
        required="Enter the name of the contracts team",
        description=(
            "Messages and pages tell people to contact this team, for example Care Contracts Team"
        ),
    )
    contact_email = EmailField(
        "Email address",
        widget=GovTextInput(),
        filters=[strip],
        validators=[
            InputRequired(message="Enter the contracts team’s email address"),
            Length(max=254, message="Email address must be 254 characters or fewer"),
            Email(
                message="Enter an email address in the correct format, like name@example.com",
                check_deliverability=False,
            ),
        ],
    )
    contact_phone = text_input(
        "Telephone number (optional)", max_length=40, validators=[PhoneNumber()]
    )
    buyer_address = text_area(
        "The council’s postal address (optional)",
        description="Shown on the framework summary and the documents the portal produces",
        limit=1000,
    )
    council_signatory_name = text_input("Signatory’s full name (optional)")
    council_signatory_role = text_input(
        "Signatory’s role (optional)", description="For example, Head of Commissioning"
    )
    submit = SubmitField("Save contact details", widget=GovSubmitInput())


class TimesForm(FlaskForm):
    """How long the council takes to decide, and how long providers have to answer."""

    decision_working_days = _number(
        "Deciding an application",
        rules.DECISION_WORKING_DAYS,
        noun="the working days to decide an application",
        example=10,
        description=(
            "Working days from receiving an application. Regulation 34 of the Public Contracts "
            "Regulations 2015 allows up to 10."
        ),
    )
    extended_decision_working_days = _number(
        "Deciding an application, when the decision is extended",
        rules.EXTENDED_DECISION_WORKING_DAYS,
        noun="the working days to decide an extended application",
        example=15,
        description=(
            "Working days from receiving it, where an extension is justified: up to 15, and "
            "not less than the time above."
        ),
    )
    declaration_working_days = _number(
        "Renewing a self-declaration",
        rules.DECLARATION_WORKING_DAYS,
        noun="the working days to renew a self-declaration",
        example=10,
        description="Working days a provider has to confirm its declaration once asked.",
    )
    emergency_offer_hours = _number(
        "Answering an emergency direct-award offer",
        rules.EMERGENCY_OFFER_HOURS,
        noun="the hours to answer an emergency offer",
        example=4,
        description="Hours from the offer. Offers already made keep their time.",
    )
    respite_offer_working_days = _number(
        "Answering a respite or person’s choice direct-award offer",
        rules.RESPITE_OFFER_WORKING_DAYS,
        noun="the working days to answer a respite or person’s choice offer",
        example=2,
        description="Working days from the offer, to the same time of day.",
    )
    submit = SubmitField("Save times", widget=GovSubmitInput())

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        decision, extended = self.decision_working_days, self.extended_decision_working_days
        if valid and extended.data < decision.data:
            add_error(extended, "The extended decision time must be at least the decision time")
            return False
        return valid


class ThresholdsForm(FlaskForm):
    """The amounts and lines that decide what happens next."""

    award_approval_threshold = MoneyField(
        "Award approval threshold",
        noun="the award approval threshold",
        description=(
            "An award whose value a year (weekly cost x 52) is above this needs a second "
            "contracts officer’s approval. Enter 0 for every award to need one."
        ),
        validators=[InputRequired(message="Enter the award approval threshold, like 75000")],
    )
    abnormally_low_percent = _number(
        "Abnormally low line for a new mini-tender",
        rules.ABNORMALLY_LOW_PERCENT,
        noun="the abnormally low line",
        example=70,
        description=(
            "Per cent of the median compliant total weekly cost: a bid below it is flagged for "
            "checking. Each new tender starts from it; tenders already drafted keep theirs."
        ),
    )
    vacancy_stale_days = _number(
        "Days until a vacancy is stale",
        rules.VACANCY_STALE_DAYS,
        noun="the days until a vacancy is stale",
        example=7,
        description=(
            "A vacancy its provider has not confirmed for this many days is left out of "
            "direct-award searches unless the officer includes stale ones."
        ),
    )
    max_weekly_rate = MoneyField(
        "Highest weekly rate",
        noun="the highest weekly rate",
        description="The most a provider may propose for a home a week when it applies.",
        validators=[InputRequired(message="Enter the highest weekly rate, like 5000")],
    )
    submit = SubmitField("Save thresholds", widget=GovSubmitInput())

    def validate_max_weekly_rate(self, field) -> None:
        if field.amount is not None and field.amount <= 0:
            add_error(field, "Enter a highest weekly rate of more than £0")


def _code(noun: str, example: str):
    return text_input(
        "Code",
        required=f"Enter the {noun}’s code",
        max_length=rules.CODE_LENGTH,
        description=f"A short code, like {example}. It cannot be changed once added.",
        validators=[
            Regexp(
                r"^[A-Za-z0-9_-]+\Z",
                message="Enter a code of letters, numbers, hyphens or underscores only",
            )
        ],
    )


class CategoryForm(FlaskForm):
    """A client category (lot). The code is asked only when adding one."""

    code = _code("category", "MH")
    name = text_input(
        "Name", required="Enter the category’s name", max_length=rules.CATEGORY_NAME_LENGTH
    )
    description = text_area("Description (optional)")
    specialist_training = text_area(
        "Specialist training (optional)",
        description="The training staff caring for people in this category need",
    )
    submit = SubmitField("Save category", widget=GovSubmitInput())


class DistrictForm(FlaskForm):
    """A district of the county, or out of county."""

    name = text_input(
        "Name", required="Enter the district’s name", max_length=rules.DISTRICT_NAME_LENGTH
    )
    is_out_of_county = Radios(
        "Is it outside the county?",
        choices=YES_NO,
        message="Select yes if the district is outside the county",
    )
    submit = SubmitField("Save district", widget=GovSubmitInput())


class CareSettingForm(FlaskForm):
    """A kind of care a home is registered for. The code is asked only when adding one."""

    code = _code("care setting", "nursing")
    name = text_input(
        "Name", required="Enter the care setting’s name", max_length=rules.SETTING_NAME_LENGTH
    )
    submit = SubmitField("Save care setting", widget=GovSubmitInput())
