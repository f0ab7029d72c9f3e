from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovPasswordInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import BooleanField, PasswordField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, StopValidation

from dps_portal.core.forms import UkDateField

BODY_MAX_LENGTH = 200_000


def strip_text(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class DateRequired:
    def __init__(self, message: str) -> None:
        self.message = message

    def __call__(self, form, field) -> None:
        if field.data is None:
            raise StopValidation(self.message)


class PublishTermsForm(FlaskForm):
    title = StringField(
        "Title",
        widget=GovTextInput(),
        filters=[strip_text],
        validators=[
            InputRequired(message="Enter the title"),
            Length(max=200, message="Title must be 200 characters or fewer"),
        ],
    )
    summary = TextAreaField(
        "What has changed",
        description="Providers read this before they accept: say what is different from the "
        "version before, in plain words.",
        widget=GovTextArea(),
        filters=[strip_text],
        validators=[
            InputRequired(message="Enter what has changed"),
            Length(max=5000, message="What has changed must be 5000 characters or fewer"),
        ],
    )
    body = TextAreaField(
        "The terms and conditions",
        description="The full text. It goes into each provider's signed Provider Agreement.",
        widget=GovTextArea(),
        filters=[strip_text],
        validators=[
            InputRequired(message="Enter the terms and conditions"),
            Length(
                max=BODY_MAX_LENGTH,
                message=f"The terms and conditions must be {BODY_MAX_LENGTH:,} characters or fewer",
            ),
        ],
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
            self.accept_by.errors = [
                *self.accept_by.errors,
                "The accept-by date must be the same as or after the effective date",
            ]
            valid = False
        return valid


class AcceptTermsForm(FlaskForm):
    signatory_name = StringField(
        "Your full name",
        widget=GovTextInput(),
        filters=[strip_text],
        validators=[
            InputRequired(message="Enter your full name"),
            Length(max=200, message="Your full name must be 200 characters or fewer"),
        ],
    )
    signatory_role = StringField(
        "Your role or job title",
        widget=GovTextInput(),
        filters=[strip_text],
        validators=[
            InputRequired(message="Enter your role or job title"),
            Length(max=200, message="Your role or job title must be 200 characters or fewer"),
        ],
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
