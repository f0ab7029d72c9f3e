import re
from decimal import Decimal

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import HiddenField, StringField, SubmitField
from wtforms.validators import InputRequired, StopValidation, ValidationError

from dps_portal.core.forms import MoneyField, Radios, UkDateField, strip, text_area

PERCENT_PATTERN = re.compile(r"-?\d{1,2}(\.\d{1,2})?")
PERCENT_MESSAGE = "Enter a percentage more than -50 and at most 50, like 3.5 or -2"


def parse_percent(text: str | None) -> Decimal | None:
    """'3.5', '3.5%', '-2' -> Decimal; None when it is not a percentage an uplift can be."""
    cleaned = (text or "").replace("%", "").replace(" ", "")
    if not PERCENT_PATTERN.fullmatch(cleaned):
        return None
    percent = Decimal(cleaned)
    return percent if Decimal(-50) < percent <= Decimal(50) and percent != 0 else None


class PercentField(StringField):
    """A percentage typed as text; `percent` is the Decimal once validated."""

    widget = GovTextInput()

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, filters=[strip], **kwargs)
        self.percent: Decimal | None = None

    def pre_validate(self, form):
        if not self.data:
            return
        self.percent = parse_percent(self.data)
        if self.percent is None:
            raise StopValidation(PERCENT_MESSAGE)


class ChangeRateForm(FlaskForm):
    """A new rate for one of a home's categories and settings. Choices are set by the view."""

    category = Radios("Client category", message="Choose the client category")
    setting = Radios("Care setting", message="Choose the care setting")
    weekly_rate = MoneyField(
        "New weekly rate",
        noun="the new weekly rate",
        validators=[InputRequired(message="Enter the new weekly rate, like 1250.00")],
    )
    effective_from = UkDateField(
        "Effective from",
        noun="the date the new rate starts",
        description="For example, 1 4 2027. It must come after the latest rate's date.",
        validators=[InputRequired(message="Enter the date the new rate starts")],
    )
    reason = text_area(
        "Reason for the change",
        "Enter the reason for the change",
        "For example: agreed at the contract review on 3 March.",
        limit=1000,
    )
    submit = SubmitField("Save the new rate", widget=GovSubmitInput())

    def validate_weekly_rate(self, field):
        if field.amount is not None and field.amount <= 0:
            raise ValidationError("Enter a new weekly rate more than £0")


class UpliftForm(FlaskForm):
    """An uplift of every rate of a category from a date. Choices are set by the view."""

    category = Radios("Client category", message="Choose the client category")
    percent = PercentField(
        "Percentage",
        description="For example, 3.5 for a rise of 3.5%, or -2 for a fall of 2%.",
        validators=[InputRequired(message="Enter the percentage, like 3.5")],
    )
    effective_on = UkDateField(
        "Effective from",
        noun="the date the uplift starts",
        description="For example, 1 4 2027.",
        validators=[InputRequired(message="Enter the date the uplift starts")],
    )
    reason = text_area(
        "Note (optional)",
        description="For example: the council's fee uplift for 2027/28.",
        limit=1000,
    )
    submit = SubmitField("Preview the new rates", widget=GovSubmitInput())


class ConfirmUpliftForm(FlaskForm):
    """The previewed uplift, carried in hidden fields and checked again when confirmed."""

    category = HiddenField()
    percent = HiddenField()
    effective_on = HiddenField()
    reason = HiddenField(filters=[strip])
    submit = SubmitField("Confirm the uplift", widget=GovSubmitInput())


class CancelUpliftForm(FlaskForm):
    submit = SubmitField("Cancel the uplift", widget=GovSubmitInput())
