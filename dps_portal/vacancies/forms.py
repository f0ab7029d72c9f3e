from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput
from wtforms import SubmitField
from wtforms.validators import InputRequired, NumberRange

from dps_portal.core.forms import Radios, UkDateField, WholeNumberField, text_area
from dps_portal.vacancies.models import MAX_BEDS


class VacancyForm(FlaskForm):
    """Beds free in a home for a category and setting. Choices are set by the view."""

    category = Radios("Client category", message="Choose the client category")
    setting = Radios("Care setting", message="Choose the care setting")
    beds_free = WholeNumberField(
        "Beds free",
        noun="the number of beds free",
        example=1,
        description="0 if none is free now: the vacancy stays on record as none.",
        validators=[
            InputRequired(message="Enter the number of beds free, like 1"),
            NumberRange(min=0, max=MAX_BEDS, message=f"Enter a number between 0 and {MAX_BEDS}"),
        ],
    )
    available_from = UkDateField(
        "Free from",
        noun="the date the beds are free from",
        description="For example, 27 3 2027.",
        validators=[InputRequired(message="Enter the date the beds are free from")],
    )
    note = text_area(
        "Note (optional)",
        description="For example: ground-floor room with an en-suite; no lift.",
        limit=500,
    )
    submit = SubmitField("Save vacancy", widget=GovSubmitInput())


class ConfirmVacanciesForm(FlaskForm):
    submit = SubmitField("Still accurate", widget=GovSubmitInput())
