from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import BooleanField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from dps_portal.core import clock
from dps_portal.core.forms import UkDateField, strip

LONG_TEXT = 5000

WHOLE_PROVIDER = "provider"
THE_HOME = "home"


def required_text(
    label: str,
    missing: str,
    description: str = "",
    *,
    max_length: int = LONG_TEXT,
    too_long: str = "",
    area: bool = True,
):
    """A text the person must give (not only spaces), trimmed, of at most `max_length`
    characters."""
    field = TextAreaField if area else StringField
    return field(
        label,
        description=description,
        widget=GovTextArea() if area else GovTextInput(),
        filters=[strip],
        validators=[
            DataRequired(message=missing),
            Length(
                max=max_length,
                message=too_long or f"{label} must be {max_length} characters or fewer",
            ),
        ],
    )


def _not_in_the_past(form, field) -> None:
    if field.data is not None and field.data < clock.today_uk():
        raise ValidationError("The end date must be today or in the future")


def _end_date() -> UkDateField:
    return UkDateField(
        "End date (optional)",
        noun="the end date",
        description=(
            "The suspension ends by itself after this day. Leave it empty to keep it until "
            "an officer lifts it. For example, 27 3 2026."
        ),
        validators=[_not_in_the_past],
    )


def _why(what: str, description: str) -> TextAreaField:
    """The reason an officer or monitor gives for a step ("Why you decline ...")."""
    return required_text(f"Why {what}", f"Enter why {what}", description)


class SuspendForm(FlaskForm):
    """Suspend a home of the provider, or the whole provider (choices set by the view)."""

    scope = RadioField(
        "What to suspend",
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select a care home or the whole provider")],
    )
    reason = required_text(
        "Reason",
        "Enter the reason for the suspension",
        "The provider is told this reason.",
    )
    ends_on = _end_date()
    submit = SubmitField("Suspend new placements", widget=GovSubmitInput())


class RecommendSuspensionForm(FlaskForm):
    scope = RadioField(
        "What to suspend",
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select the care home or the whole provider")],
    )
    reason = _why(
        "you recommend the suspension",
        "A contracts officer reads this and decides. If they confirm it, the provider is told it.",
    )
    submit = SubmitField("Send the recommendation", widget=GovSubmitInput())


class ConfirmSuspensionForm(FlaskForm):
    ends_on = _end_date()
    submit = SubmitField("Confirm the suspension", widget=GovSubmitInput())


class DeclineSuspensionForm(FlaskForm):
    reason = _why(
        "you decline the recommendation", "The quality monitor who recommended it is told."
    )
    submit = SubmitField("Decline the recommendation", widget=GovSubmitInput())


class LiftSuspensionForm(FlaskForm):
    reason = _why("the suspension is lifted", "The provider is told this reason.")
    submit = SubmitField("Lift the suspension", widget=GovSubmitInput())


class EligibilityFilterForm(FlaskForm):
    """The eligibility page's filters: read from the query string."""

    class Meta:
        csrf = False

    category = SelectField(
        "Category", widget=GovSelect(), validators=[Optional()], validate_choice=False
    )
    not_eligible_only = BooleanField("Show not eligible only", widget=GovCheckboxInput())
    passed_visit_only = BooleanField(
        "Show only homes that have passed their initial visit", widget=GovCheckboxInput()
    )
    submit = SubmitField("Filter", widget=GovSubmitInput())
