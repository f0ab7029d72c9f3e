from urllib.parse import urlsplit

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovFileInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from werkzeug.datastructures import FileStorage
from wtforms import RadioField, StringField, SubmitField, TextAreaField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    StopValidation,
    ValidationError,
)

from dps_portal.core import clock
from dps_portal.core.forms import UkDateField, strip
from dps_portal.cqc.importer import CqcImportError, check_cqc_file
from dps_portal.providers.forms import Radios
from dps_portal.providers.models import CqcRating

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


# A home's CQC rating: an officer's entry, and a provider's report of a change.

SOURCE_LENGTH = 200
LINK_LENGTH = 500


def _date_given(message: str):
    def check(form, field) -> None:
        if field.data is None and not field.problem:
            raise StopValidation(message)

    return check


def _not_in_the_future(form, field) -> None:
    if field.data is not None and field.data > clock.today_uk():
        raise ValidationError("The date the rating was published must be today or in the past")


def _rating_field(label: str) -> Radios:
    return Radios(
        label,
        message="Select the CQC rating",
        choices=[(rating.name, rating.label) for rating in CqcRating],
    )


def _published_on_field(description: str) -> UkDateField:
    return UkDateField(
        "Date the CQC published the rating",
        noun="the date the rating was published",
        description=description,
        validators=[
            _date_given("Enter the date the CQC published the rating"),
            _not_in_the_future,
        ],
    )


def _text_area(label: str, *, required: str | None, description: str = "") -> TextAreaField:
    first = DataRequired(message=required) if required else Optional()
    return TextAreaField(
        label,
        description=description,
        filters=[strip],
        validators=[
            first,
            Length(max=NOTE_LENGTH, message=f"{label} must be {NOTE_LENGTH} characters or fewer"),
        ],
        widget=GovTextArea(),
    )


def _source_field() -> StringField:
    return StringField(
        "Where you read the rating",
        description="For example, the CQC website’s report for the home, or a letter from the CQC",
        filters=[strip],
        validators=[
            DataRequired(message="Enter where you read the rating"),
            Length(
                max=SOURCE_LENGTH,
                message=f"Where you read the rating must be {SOURCE_LENGTH} characters or fewer",
            ),
        ],
        widget=GovTextInput(),
    )


class RecordRatingForm(FlaskForm):
    """An officer's entry of a home's CQC rating, with where it was read and a note."""

    rating = _rating_field("CQC rating")
    published_on = _published_on_field("On the CQC’s report, for example 27 3 2026")
    source = _source_field()
    note = _text_area(
        "Note",
        required="Enter a note about the rating",
        description="Recorded with the rating, for example why you are entering it by hand.",
    )
    submit = SubmitField("Record the rating", widget=GovSubmitInput())

    def entry(self) -> dict:
        return {
            "rating": CqcRating[self.rating.data],
            "published_on": self.published_on.data,
            "source": self.source.data,
            "note": self.note.data,
        }


class ConfirmReportForm(FlaskForm):
    source = _source_field()
    note = _text_area(
        "Note",
        required="Enter a note about how you checked the rating",
        description="Recorded with the rating, for example what the CQC’s report says.",
    )
    submit = SubmitField("Confirm and record the rating", widget=GovSubmitInput())


class RejectReportForm(FlaskForm):
    reason = _text_area(
        "Why the rating cannot be confirmed",
        required="Enter why the rating cannot be confirmed",
        description="The provider is told this.",
    )
    submit = SubmitField("Reject the report", widget=GovSubmitInput())


def _web_address(form, field) -> None:
    """A web address people can open: http or https, with a host."""
    if not field.data:
        return
    parts = urlsplit(field.data)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(
            "Enter the link in the correct format, like https://www.cqc.org.uk/location/1-123456789"
        )


class ReportRatingForm(FlaskForm):
    """A provider's report that the CQC has rated its home anew."""

    rating = _rating_field("What is the new CQC rating?")
    published_on = _published_on_field("On the CQC’s report, for example 27 3 2026")
    link = StringField(
        "Link to the CQC’s report (optional)",
        description="The page for the home on the CQC website",
        filters=[strip],
        validators=[
            Optional(),
            Length(max=LINK_LENGTH, message=f"The link must be {LINK_LENGTH} characters or fewer"),
            _web_address,
        ],
        widget=GovTextInput(),
    )
    note = _text_area(
        "Anything else the council should know (optional)",
        required=None,
        description="For example, the date of the inspection.",
    )
    submit = SubmitField("Send the report", widget=GovSubmitInput())

    def report(self) -> dict:
        return {
            "rating": CqcRating[self.rating.data],
            "published_on": self.published_on.data,
            "link": self.link.data or "",
            "note": self.note.data or "",
        }
