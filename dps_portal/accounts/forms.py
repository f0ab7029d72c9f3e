from flask import current_app
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovPasswordInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import EmailField, PasswordField, RadioField, StringField, SubmitField
from wtforms.validators import Email, EqualTo, InputRequired, Length, ValidationError

from dps_portal.accounts.passwords import password_problem
from dps_portal.core.roles import STAFF_ROLES, Role


def strip_whitespace(value: str | None) -> str | None:
    """People paste addresses with spaces around them: the spaces are not part of it."""
    return value.strip() if isinstance(value, str) else value


EMAIL_FORMAT = "Enter an email address in the correct format, like name@example.com"


class NewPassword:
    """The password rules: long enough, not common, not about the person."""

    def __init__(self, *personal_fields: str) -> None:
        self.personal_fields = personal_fields

    def __call__(self, form, field) -> None:
        personal = tuple(
            str(getattr(form, name).data or "")
            for name in self.personal_fields
            if hasattr(form, name)
        )
        personal += tuple(part for value in personal for part in value.replace("@", " ").split())
        problem = password_problem(
            field.data or "",
            min_length=current_app.config["PASSWORD_MIN_LENGTH"],
            personal=personal,
        )
        if problem:
            raise ValidationError(problem)


def _name_field(label: str, missing: str, what: str) -> StringField:
    return StringField(
        label,
        widget=GovTextInput(),
        validators=[
            InputRequired(message=missing),
            Length(max=200, message=f"{what} must be 200 characters or fewer"),
        ],
    )


def _email_field(
    label: str = "Email address", missing: str = "Enter your email address"
) -> EmailField:
    return EmailField(
        label,
        widget=GovTextInput(),
        filters=[strip_whitespace],
        validators=[
            InputRequired(message=missing),
            Length(max=254, message="Email address must be 254 characters or fewer"),
            Email(message=EMAIL_FORMAT, check_deliverability=False),
        ],
    )


class SignInForm(FlaskForm):
    email = _email_field()
    password = PasswordField(
        "Password",
        widget=GovPasswordInput(),
        validators=[InputRequired(message="Enter your password")],
    )
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class ForgottenPasswordForm(FlaskForm):
    email = _email_field()
    submit = SubmitField("Send me a link", widget=GovSubmitInput())


def _password_and_again(
    noun: str, label: str | None = None, personal_fields: tuple[str, ...] = ()
) -> tuple[PasswordField, PasswordField]:
    """A new password and the same typed again, so a slip of the finger locks no one out."""
    password = PasswordField(
        label or noun.capitalize(),
        widget=GovPasswordInput(),
        validators=[InputRequired(message=f"Enter a {noun}"), NewPassword(*personal_fields)],
    )
    again = PasswordField(
        f"Confirm {noun}",
        widget=GovPasswordInput(),
        validators=[
            InputRequired(message=f"Enter the {noun} again"),
            EqualTo("password", message="The passwords do not match"),
        ],
    )
    return password, again


class ChoosePasswordForm(FlaskForm):
    password, password_again = _password_and_again("new password")
    submit = SubmitField("Save password", widget=GovSubmitInput())


class RegisterProviderForm(FlaskForm):
    organisation_name = _name_field(
        "Organisation’s legal name", "Enter your organisation’s legal name", "Legal name"
    )
    full_name = _name_field("Your full name", "Enter your full name", "Full name")
    email = _email_field("Your work email address")
    password, password_again = _password_and_again(
        "password", "Create a password", ("full_name", "email", "organisation_name")
    )
    submit = SubmitField("Register", widget=GovSubmitInput())


class InviteStaffForm(FlaskForm):
    full_name = _name_field("Full name", "Enter the person’s full name", "Full name")
    email = _email_field("Work email address", "Enter the person’s work email address")
    role = RadioField(
        "Role",
        widget=GovRadioInput(),
        choices=[(role.value, role.label) for role in Role if role in STAFF_ROLES],
        validators=[InputRequired(message="Select the person’s role")],
    )
    submit = SubmitField("Send invitation", widget=GovSubmitInput())
