from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovFileInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
)
from werkzeug.datastructures import FileStorage
from wtforms import RadioField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, StopValidation

from dps_portal.cqc.importer import CqcImportError, check_cqc_file

NOTE_LENGTH = 5000


class CqcFile:
    """A file field's validator: a file was chosen, and its content is a CQC directory or
    ratings file, as CSV or OpenDocument spreadsheet (whatever its name says). The file
    format found is kept on the field as `file_format`."""

    field_flags = {"required": True}

    def __call__(self, form, field) -> None:
        upload = field.data
        if not isinstance(upload, FileStorage) or not upload.filename:
            raise StopValidation("Select the CQC file to import")
        try:
            field.file_format, field.layout = check_cqc_file(upload.stream, upload.filename)
        except CqcImportError as error:
            raise StopValidation(str(error)) from error


class UploadImportForm(FlaskForm):
    cqc_file = FileField(
        "Upload the CQC file",
        description=(
            "The CQC's monthly care directory, or its care directory with ratings, as CSV or "
            "OpenDocument spreadsheet (.ods), smaller than 20MB"
        ),
        validators=[CqcFile()],
        widget=GovFileInput(),
    )
    submit = SubmitField("Import the file", widget=GovSubmitInput())


ALLOW = "allow"
KEEP_OUT = "keep_out"


class ReviewForm(FlaskForm):
    decision = RadioField(
        "Your decision",
        choices=[
            (ALLOW, "Allow placements to continue"),
            (KEEP_OUT, "Keep the home out: suspend it"),
        ],
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select whether placements may continue")],
    )
    note = TextAreaField(
        "Your reasons",
        description="Recorded with the decision, for example what the provider has put right.",
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        validators=[
            DataRequired(message="Enter the reasons for your decision"),
            Length(max=NOTE_LENGTH, message=f"Reasons must be {NOTE_LENGTH} characters or fewer"),
        ],
        widget=GovTextArea(),
    )
    submit = SubmitField("Save the decision", widget=GovSubmitInput())
