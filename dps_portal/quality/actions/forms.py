from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovFileInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
)
from werkzeug.datastructures import FileStorage
from wtforms import HiddenField, RadioField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from dps_portal.core.forms import strip
from dps_portal.documents.forms import AcceptableDocument

LONG_TEXT = 5000


class IfChosen:
    """Run a file validator only when a file was chosen: the upload is optional."""

    def __init__(self, validator) -> None:
        self.validator = validator

    def __call__(self, form, field) -> None:
        if isinstance(field.data, FileStorage) and field.data.filename:
            self.validator(form, field)


class ResponseForm(FlaskForm):
    text = TextAreaField(
        "What you have done",
        description="Say what has changed and how you know it is working.",
        widget=GovTextArea(),
        filters=[strip],
        validators=[
            InputRequired(message="Enter what you have done about the action"),
            Length(max=LONG_TEXT, message=f"Your response must be {LONG_TEXT} characters or fewer"),
        ],
    )
    evidence = FileField(
        "Evidence (optional)",
        widget=GovFileInput(),
        validators=[IfChosen(AcceptableDocument())],
    )
    # A file uploaded with errors elsewhere on the page, kept so it need not be chosen again.
    kept_document = HiddenField()
    submit = SubmitField("Send your response", widget=GovSubmitInput())

    @property
    def has_upload(self) -> bool:
        return isinstance(self.evidence.data, FileStorage) and bool(self.evidence.data.filename)


CLOSE = "close"
SEND_BACK = "send_back"


class VerificationForm(FlaskForm):
    decision = RadioField(
        "Is the action done?",
        choices=[
            (CLOSE, "Yes, close the action"),
            (SEND_BACK, "No, send it back to the provider"),
        ],
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select whether to close the action or send it back")],
    )
    note = TextAreaField(
        "Your note",
        description="What you checked. If you send the action back, what the provider still "
        "needs to do: the provider sees this note.",
        widget=GovTextArea(),
        filters=[strip],
        validators=[
            Optional(),
            Length(max=LONG_TEXT, message=f"Your note must be {LONG_TEXT} characters or fewer"),
        ],
    )
    submit = SubmitField("Confirm", widget=GovSubmitInput())

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.decision.data == SEND_BACK and not self.note.data:
            self.note.errors = [*self.note.errors, "Enter what the provider still needs to do"]
            valid = False
        return valid
