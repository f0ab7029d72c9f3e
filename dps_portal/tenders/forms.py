"""The tender forms: they validate what was typed and say what to do; the rules that need the
tender (the deadline, eligibility, word limits) are the operations'."""

import re
from datetime import datetime, time
from decimal import Decimal, InvalidOperation

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, MultipleFileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovFileInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from werkzeug.datastructures import FileStorage
from wtforms import (
    BooleanField,
    Field,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, StopValidation

from dps_portal.core import clock
from dps_portal.core.forms import (
    MoneyField,
    Radios,
    UkDateField,
    WholeNumberField,
    strip,
    text_area,
)
from dps_portal.documents.forms import AcceptableDocument
from dps_portal.documents.storage import DocumentRefused, check_document
from dps_portal.framework.models import current_framework
from dps_portal.tenders import rules
from dps_portal.tenders.models import DeclineReason, Funding

DECLARATION = (
    "I declare that this bid is made on behalf of my organisation, that the home offered can "
    "meet the needs described, that the prices will not change if the bid is accepted, and "
    "that we have not discussed this bid with any other provider."
)


class HoursField(StringField):
    """Hours a week, typed as a number like 10 or 12.5; `hours` is the Decimal."""

    widget = GovTextInput()

    def __init__(self, label=None, validators=None, *, noun: str, **kwargs):
        super().__init__(label, validators or [Optional()], filters=[strip], **kwargs)
        self.noun = noun
        self.hours = Decimal(0)

    def pre_validate(self, form):
        text = (self.data or "").strip()
        self.hours = Decimal(0)
        if not text:
            return
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise StopValidation(f"Enter {self.noun} as a number, like 10 or 12.5") from None
        if not value.is_finite() or value < 0 or value > 168:
            raise StopValidation(f"Enter {self.noun} between 0 and 168")
        self.hours = value.quantize(Decimal("0.01"))


_TIME = re.compile(r"(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?")


def parse_time(text: str) -> time | None:
    """'17:00', '5pm', '5:30pm', '09.15' as a time of day; None when not one."""
    match = _TIME.fullmatch((text or "").strip().lower())
    if match is None:
        return None
    hour, minute, half = int(match.group(1)), int(match.group(2) or 0), match.group(3)
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half == "pm" else 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


class TimeField(StringField):
    """A time of day in England, typed like 17:00 or 5pm; `time` once validated."""

    widget = GovTextInput()

    def __init__(self, label=None, *, noun: str, required: bool = True, **kwargs):
        validators = [InputRequired(message=f"Enter {noun}")] if required else [Optional()]
        super().__init__(label, validators, filters=[strip], **kwargs)
        self.noun = noun
        self.time: time | None = None

    def process_data(self, value):
        self.data = value.strftime("%H:%M") if isinstance(value, time) else (value or "")

    def pre_validate(self, form):
        self.time = None
        if not (self.data or "").strip():
            return
        self.time = parse_time(self.data)
        if self.time is None:
            raise StopValidation(f"Enter {self.noun} as a time like 17:00 or 5pm")


def instant(day_field: UkDateField, time_field: TimeField) -> datetime | None:
    """The UTC instant named by a date and a time typed in England."""
    if day_field.data is None or time_field.time is None:
        return None
    return rules.at_uk_time(day_field.data, time_field.time)


def _not_a_name(form, field) -> None:
    if rules.looks_like_a_name(field.data or ""):
        raise StopValidation(
            "This looks like a name. Enter the pseudonymised reference from the case "
            "record, not the person's name"
        )


def person_reference_field(read_by: str) -> StringField:
    """The person's pseudonymised reference, never a name: a mini-tender's request and a
    direct award ask it the same way. `read_by` says who will read it."""
    return StringField(
        "Person reference",
        description=(
            "The pseudonymised reference from the case record, like MH-2026-014. Never the "
            f"person's name or initials: {read_by} reads this."
        ),
        widget=GovTextInput(),
        filters=[strip],
        validators=[
            InputRequired(message="Enter the person's pseudonymised reference"),
            Length(max=60, message="The person reference must be 60 characters or fewer"),
            _not_a_name,
        ],
    )


class RequestForm(FlaskForm):
    """The placement request. Categories, settings and districts are set by the view."""

    person_reference = person_reference_field("every invited provider")
    age = IntegerField(
        "Age",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter the person's age in years, like 34"),
            NumberRange(min=16, max=120, message="Enter an age between 16 and 120"),
        ],
    )
    category = Radios("Client category", message="Choose the client category")
    setting = Radios("Care setting", message="Choose the care setting")
    needs_summary = text_area(
        "Summary of needs",
        "Enter a summary of the person's needs",
        "What the person needs from the placement. No names or identifying details.",
    )
    risks = text_area(
        "Risks (optional)",
        description=(
            "For example forensic history, Ministry of Justice restrictions, deprivation of "
            "liberty."
        ),
    )
    one_to_one_hours = HoursField(
        "One-to-one hours a week (optional)", noun="the one-to-one hours a week"
    )
    two_to_one_hours = HoursField(
        "Two-to-one hours a week (optional)", noun="the two-to-one hours a week"
    )
    districts = SelectMultipleField(
        "Preferred districts (optional)",
        coerce=int,
        widget=GovCheckboxesInput(),
        validators=[Optional()],
    )
    required_start_on = UkDateField(
        "Required start date",
        noun="the required start date",
        description="For example, 27 3 2026.",
        validators=[InputRequired(message="Enter the required start date")],
    )
    funding = Radios(
        "Funding",
        choices=[(funding.name, funding.value) for funding in Funding],
        message="Choose how the placement is funded",
    )
    preferences = text_area(
        "The person's or family's stated preferences (optional)",
        description="For example, near family in a district, or a quiet home.",
    )
    submit = SubmitField("Save and continue", widget=GovSubmitInput())

    def validate_required_start_on(self, field):
        if field.data is not None and field.data < clock.today_uk():
            raise StopValidation("The required start date must be today or in the future")


class QuestionForm(Form):
    """One quality question; a row left without a question is not used."""

    text = TextAreaField(
        "Question", widget=GovTextArea(), filters=[strip], validators=[Length(max=2000)]
    )
    guidance = TextAreaField(
        "Guidance for bidders (optional)",
        widget=GovTextArea(),
        filters=[strip],
        validators=[Length(max=2000)],
    )
    weight = IntegerField(
        "Weight (per cent of the quality marks)",
        widget=GovTextInput(),
        validators=[
            Optional(),
            NumberRange(min=1, max=100, message="Enter a weight between 1 and 100"),
        ],
    )
    word_limit = IntegerField(
        "Word limit",
        widget=GovTextInput(),
        validators=[
            Optional(),
            NumberRange(min=1, max=5000, message="Enter a word limit between 1 and 5000"),
        ],
    )


class CriteriaForm(FlaskForm):
    """The award criteria, the quality questions and the deadlines."""

    price_weight = IntegerField(
        "Price weight (per cent)",
        description=(
            f"Between {rules.PRICE_WEIGHT_MIN} and {rules.PRICE_WEIGHT_MAX}. Quality gets the "
            f"rest. The default is {rules.DEFAULT_PRICE_WEIGHT}: price 40, quality 60."
        ),
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter the price weight, like 40"),
            NumberRange(
                min=rules.PRICE_WEIGHT_MIN,
                max=rules.PRICE_WEIGHT_MAX,
                message=(
                    f"Enter a price weight between {rules.PRICE_WEIGHT_MIN} and "
                    f"{rules.PRICE_WEIGHT_MAX}"
                ),
            ),
        ],
    )
    quality_threshold = IntegerField(
        "Quality threshold (per cent of the quality marks)",
        description="A bid whose quality score is below this fails, whatever its price.",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter the quality threshold, like 50"),
            NumberRange(min=0, max=100, message="Enter a quality threshold between 0 and 100"),
        ],
    )
    max_weekly_price = MoneyField(
        "Maximum weekly price (optional)",
        noun="the maximum weekly price",
        description="Bids with a higher total weekly cost cannot be submitted.",
    )
    evaluator_count = WholeNumberField(
        "How many officers will score quality",
        description=(
            f"Between 1 and {rules.MAX_EVALUATORS}. Each scores the answers on their own, "
            "without seeing the bidder's name, home or price, or the others' scores."
        ),
        noun="how many officers will score quality",
        example=2,
        validators=[
            InputRequired(message="Enter how many officers will score quality, like 2"),
            NumberRange(
                min=1,
                max=rules.MAX_EVALUATORS,
                message=f"Enter a number of evaluators between 1 and {rules.MAX_EVALUATORS}",
            ),
        ],
    )
    abnormally_low_percent = WholeNumberField(
        "Abnormally low line (per cent of the median compliant total)",
        description=(
            "A compliant bid whose total weekly cost is below this share of the median is "
            "flagged for you to check."
        ),
        noun="the abnormally low line",
        example=70,
        validators=[
            InputRequired(message="Enter the abnormally low line, like 70"),
            NumberRange(min=1, max=99, message="Enter an abnormally low line between 1 and 99"),
        ],
    )
    standstill_working_days = WholeNumberField(
        "Standstill (working days)",
        description=(
            "Working days between telling the bidders and confirming the award. Care "
            "contracts are under the light-touch regime, where a standstill is voluntary: "
            f"0 is allowed, up to {rules.MAX_STANDSTILL_WORKING_DAYS}."
        ),
        noun="the standstill in working days",
        example=0,
        validators=[
            InputRequired(message="Enter the standstill in working days, like 0"),
            NumberRange(
                min=0,
                max=rules.MAX_STANDSTILL_WORKING_DAYS,
                message=(
                    "Enter a standstill between 0 and "
                    f"{rules.MAX_STANDSTILL_WORKING_DAYS} working days"
                ),
            ),
        ],
    )
    closes_on = UkDateField(
        "Deadline date",
        noun="the deadline date",
        validators=[InputRequired(message="Enter the deadline date")],
    )
    closes_time = TimeField("Deadline time (UK time)", noun="the deadline time")
    clarifications_close_on = UkDateField(
        "Clarification cut-off date",
        noun="the clarification cut-off date",
        validators=[InputRequired(message="Enter the clarification cut-off date")],
    )
    clarifications_close_time = TimeField(
        "Clarification cut-off time (UK time)", noun="the clarification cut-off time"
    )
    questions = FieldList(
        FormField(QuestionForm), min_entries=rules.MAX_QUESTIONS, max_entries=rules.MAX_QUESTIONS
    )
    submit = SubmitField("Save criteria", widget=GovSubmitInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        framework = current_framework()
        if framework is not None:
            self.abnormally_low_percent.description += (
                f" The framework’s line, which a new tender starts from, is "
                f"{framework.abnormally_low_percent}."
            )

    def filled_questions(self) -> list[tuple[str, str, int, int]]:
        return [
            (
                entry.form.text.data,
                entry.form.guidance.data or "",
                entry.form.weight.data or 0,
                entry.form.word_limit.data or 0,
            )
            for entry in self.questions
            if (entry.form.text.data or "").strip()
        ]

    def validate_questions(self, field):
        for entry in field:
            question = entry.form
            if not (question.text.data or "").strip():
                continue
            if question.weight.data is None:
                question.weight.errors = [*question.weight.errors, "Enter the question's weight"]
            if question.word_limit.data is None:
                question.word_limit.errors = [
                    *question.word_limit.errors,
                    "Enter the question's word limit",
                ]
        filled = len(self.filled_questions())
        if not rules.MIN_QUESTIONS <= filled <= rules.MAX_QUESTIONS:
            raise StopValidation(
                f"Give between {rules.MIN_QUESTIONS} and {rules.MAX_QUESTIONS} quality questions"
            )
        if any(entry.form.errors for entry in field):
            raise StopValidation("Check the quality questions")


class TenderAttachmentForm(FlaskForm):
    """A document for the placement request, which every invitee reads once published."""

    description = StringField(
        "Description (optional)",
        description="For example, care and support plan. Without it the file's name is shown.",
        widget=GovTextInput(),
        filters=[strip],
        validators=[Length(max=200, message="The description must be 200 characters or fewer")],
    )
    document = FileField(
        "Upload a file",
        description=(
            "PDF, Word, Excel, OpenDocument text, PNG or JPEG, smaller than 20MB. No names: "
            "every invited provider reads it."
        ),
        validators=[AcceptableDocument()],
        widget=GovFileInput(),
    )
    submit = SubmitField("Attach the document", widget=GovSubmitInput())


class RemoveAttachmentForm(FlaskForm):
    submit = SubmitField("Remove", widget=GovSubmitInput())


class PublishForm(FlaskForm):
    submit = SubmitField("Publish and invite providers", widget=GovSubmitInput())


class ExtendForm(FlaskForm):
    closes_on = UkDateField(
        "New deadline date",
        noun="the new deadline date",
        validators=[InputRequired(message="Enter the new deadline date")],
    )
    closes_time = TimeField("New deadline time (UK time)", noun="the new deadline time")
    clarifications_close_on = UkDateField(
        "New clarification cut-off date (optional)", noun="the new clarification cut-off date"
    )
    clarifications_close_time = TimeField(
        "New clarification cut-off time (optional)",
        noun="the new clarification cut-off time",
        required=False,
    )
    reason = text_area("Why the deadline is extended", "Enter why the deadline is extended")
    submit = SubmitField("Extend the deadline", widget=GovSubmitInput())


class CancelForm(FlaskForm):
    reason = text_area(
        "Why the tender is cancelled",
        "Enter why the tender is cancelled",
        "Every invited provider is told this reason.",
    )
    submit = SubmitField("Cancel the tender", widget=GovSubmitInput())


class AskForm(FlaskForm):
    question = text_area(
        "Your question",
        "Enter your question",
        "Other invitees may see the answer, without your organisation's name.",
        limit=2000,
    )
    submit = SubmitField("Send question", widget=GovSubmitInput())


PUBLIC = "public"
PRIVATE = "private"


class AnswerForm(FlaskForm):
    answer = text_area("Answer", "Enter the answer")
    visibility = Radios(
        "Who sees the answer",
        choices=[
            (PUBLIC, "Every invitee, without the asker's name"),
            (PRIVATE, "Only the provider that asked (commercially sensitive)"),
        ],
        message="Choose who sees the answer",
    )
    submit = SubmitField("Send answer", widget=GovSubmitInput())


class DeclineForm(FlaskForm):
    reason = Radios(
        "Why you are declining",
        choices=[(reason.name, reason.value) for reason in DeclineReason],
        message="Choose why you are declining",
    )
    detail = text_area(
        "More detail (optional, needed for Other)",
        description="The council uses the reasons to understand the market.",
        limit=2000,
    )
    submit = SubmitField("Decline the tender", widget=GovSubmitInput())


class WithdrawForm(FlaskForm):
    submit = SubmitField("Withdraw the bid", widget=GovSubmitInput())


class _BidFormBase(FlaskForm):
    care_home = Radios("Home offered", message="Choose the home you offer")
    weekly_core_fee = MoneyField(
        "Weekly core fee",
        noun="the weekly core fee",
        validators=[InputRequired(message="Enter the weekly core fee")],
    )
    extra_hours_per_week = HoursField(
        "Extra one-to-one hours a week (optional)", noun="the extra hours a week"
    )
    extra_hourly_rate = MoneyField(
        "Hourly rate for the extra hours (optional)", noun="the hourly rate"
    )
    available_from = UkDateField(
        "Available start date",
        noun="the available start date",
        description="For example, 27 3 2026.",
        validators=[InputRequired(message="Enter the date the placement could start")],
    )
    # The documents already with the bid (the previous version's, or files uploaded on a
    # try that was refused), by id: checked ones go with this version. Choices set by the view.
    kept_documents = SelectMultipleField(
        "Documents attached",
        coerce=int,
        widget=GovCheckboxesInput(),
        validators=[Optional()],
        validate_choice=False,
    )
    attachments = MultipleFileField(
        "Attach documents (optional)",
        description=(
            "PDF, Word, Excel, OpenDocument text, PNG or JPEG, each smaller than 20MB. "
            "Sealed with your bid until the deadline."
        ),
        widget=GovFileInput(multiple=True),
    )
    declaration = BooleanField(
        DECLARATION,
        widget=GovCheckboxInput(),
        validators=[InputRequired(message="Confirm the declaration to submit the bid")],
    )
    submit = SubmitField("Submit bid", widget=GovSubmitInput())

    @property
    def uploads(self) -> list[FileStorage]:
        """The files chosen this time (a browser sends an empty one when none is)."""
        return [
            upload
            for upload in self.attachments.data or []
            if isinstance(upload, FileStorage) and upload.filename
        ]

    def validate_attachments(self, field):
        for upload in self.uploads:
            try:
                check_document(upload.stream)
            except DocumentRefused as refusal:
                # "The selected file is empty" says which: "notes.pdf is empty".
                message = str(refusal).replace("The selected file", _file_name(upload), 1)
                raise StopValidation(message) from refusal


def _file_name(upload: FileStorage) -> str:
    return re.split(r"[\\/]", upload.filename or "")[-1][:100] or "The selected file"


def answer_field_name(question) -> str:
    return f"answer_{question.id}"


def bid_form_class(questions):
    """A bid form with one answer box per quality question of the tender."""

    class BidForm(_BidFormBase):
        pass

    for question in questions:
        setattr(
            BidForm,
            answer_field_name(question),
            TextAreaField(
                f"{question.position}. {question.text}",
                description=(f"{question.guidance} " if question.guidance else "")
                + f"Up to {question.word_limit} words. Weight {question.weight}%.",
                widget=GovTextArea(),
                filters=[strip],
                validators=[
                    InputRequired(message=f"Answer question {question.position}"),
                    _within_words(question.word_limit, question.position),
                ],
            ),
        )
    return BidForm


def _within_words(limit: int, position: int):
    def check(form, field: Field) -> None:
        words = rules.word_count(field.data)
        if words > limit:
            raise StopValidation(
                f"The answer to question {position} has {words} words: the limit is {limit}"
            )

    return check
