from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovSubmitInput, GovTextInput
from werkzeug.datastructures import FileStorage
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length, StopValidation

from dps_portal.documents.storage import DocumentRefused, check_document


class AcceptableDocument:
    """A file field's validator: a file was chosen, and its content is a type we keep, not
    empty and not too large. The message tells the person which."""

    def __init__(self, message: str = "Select a file") -> None:
        self.message = message
        self.field_flags = {"required": True}

    def __call__(self, form, field) -> None:
        upload = field.data
        if not isinstance(upload, FileStorage) or not upload.filename:
            raise StopValidation(self.message)
        try:
            check_document(upload.stream)
        except DocumentRefused as refusal:
            raise StopValidation(str(refusal)) from refusal


class UploadDocumentForm(FlaskForm):
    description = StringField(
        "Description",
        description="For example, employer's liability insurance certificate 2026",
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        validators=[
            DataRequired(message="Enter a description of the document"),
            Length(max=200, message="Description must be 200 characters or fewer"),
        ],
        widget=GovTextInput(),
    )
    document = FileField(
        "Upload a file",
        description="PDF, Word, Excel, OpenDocument text, PNG or JPEG, smaller than 20MB",
        validators=[AcceptableDocument()],
        widget=GovFileInput(),
    )
    submit = SubmitField("Upload document", widget=GovSubmitInput())
