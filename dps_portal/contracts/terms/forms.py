from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovPasswordInput,
    GovSubmitInput,
)
from wtforms import BooleanField, PasswordField, SubmitField
from wtforms.validators import DataRequired, InputRequired, StopValidation

from dps_portal.contracts.forms import required_text
from dps_portal.core.forms import UkDateField, add_error

BODY_MAX_LENGTH = 200_000
NAME_MAX_LENGTH = 200


class DateRequired:
    def __init__(self, message: str) -> None:
        self.message = message

    def __call__(self, form, field) -> None:
        if field.data is None:
            raise StopValidation(self.message)


class PublishTermsForm(FlaskForm):
    title = required_text("Title", "Enter the title", max_length=NAME_MAX_LENGTH, area=False)
    summary = required_text(
        "What has changed",
        "Enter what has changed",
        description="Providers read this before they accept: say what is different from the "
        "version before, in plain words.",
    )
    body = required_text(
        "The terms and conditions",
        "Enter the terms and conditions",
        max_length=BODY_MAX_LENGTH,
        description="The full text. It goes into each provider's signed Provider Agreement.",
        too_long=f"The terms and conditions must be {BODY_MAX_LENGTH:,} characters or fewer",
    )
    effective_on = UkDateField(
        "Effective date",
        description="The day this version becomes the current terms. For example, 1 4 2026",
        noun="the effective date",
        validators=[DateRequired("Enter the effective date")],
    )
    accept_by = UkDateField(
        "Accept by",
        description="Providers that accepted an earlier version can receive placements until "
        "this day; after it, only if they have accepted this version.",
        noun="the accept-by date",
        validators=[DateRequired("Enter the accept-by date")],
    )
    submit = SubmitField("Publish", widget=GovSubmitInput())

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if (
            self.effective_on.data
            and self.accept_by.data
            and self.accept_by.data < self.effective_on.data
        ):
            add_error(
                self.accept_by, "The accept-by date must be the same as or after the effective date"
            )
            valid = False
        return valid


class AcceptTermsForm(FlaskForm):
    signatory_name = required_text(
        "Your full name", "Enter your full name", max_length=NAME_MAX_LENGTH, area=False
    )
    signatory_role = required_text(
        "Your role or job title",
        "Enter your role or job title",
        max_length=NAME_MAX_LENGTH,
        area=False,
    )
    confirm = BooleanField(
        "I confirm",
        widget=GovCheckboxInput(),
        validators=[
            DataRequired(
                message="Confirm that you are authorised to sign for your organisation "
                "and accept these terms"
            )
        ],
    )
    password = PasswordField(
        "Your password",
        description="Enter your password again to sign.",
        widget=GovPasswordInput(),
        validators=[InputRequired(message="Enter your password")],
    )
    submit = SubmitField("Accept and sign", widget=GovSubmitInput())
