"""The application's forms. A section's form is built when the page is asked for, from the
questions of the application's own question set."""

from datetime import date
from decimal import Decimal

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovFileInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from werkzeug.datastructures import FileStorage
from wtforms import (
    BooleanField,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, StopValidation

from dps_portal.core import clock
from dps_portal.core.forms import MoneyField, UkDateField, add_error, strip
from dps_portal.core.money import format_gbp
from dps_portal.documents.storage import DocumentRefused, check_document
from dps_portal.onboarding.questions import Question, Section

SAVE_AND_CONTINUE = "continue"
SAVE_FOR_LATER = "later"


# Pieces the dynamic forms are made of.


class DocumentField(FileField):
    """An upload that may be left empty (keeping the one already uploaded)."""

    widget = GovFileInput()

    def pre_validate(self, form):
        upload = self.data
        if not isinstance(upload, FileStorage) or not upload.filename:
            return
        try:
            check_document(upload.stream)
        except DocumentRefused as refusal:
            raise StopValidation(str(refusal)) from refusal

    @property
    def has_upload(self) -> bool:
        return isinstance(self.data, FileStorage) and bool(self.data.filename)


def insurance_form_class(question: Question) -> type[Form]:
    """The cover, its expiry date and the certificate of one insurance policy."""
    name = _noun(question)
    fields = {
        "amount": MoneyField("Amount of cover", noun=f"the amount of {name} cover"),
        "expires_on": UkDateField("Expiry date", noun=f"the {name} expiry date"),
        "certificate": DocumentField("Certificate"),
        "kept_document": HiddenField(),
    }
    return type(f"InsuranceForm_{question.key}", (Form,), fields)


def _question_field(question: Question, noun: str):
    hint = question.hint
    if question.kind == "yes_no":
        return RadioField(
            question.text,
            choices=[("yes", "Yes"), ("no", "No")],
            description=hint,
            validate_choice=False,
            widget=GovRadioInput(),
        )
    if question.kind == "choice":
        return RadioField(
            question.text,
            choices=[(option, option) for option in question.options],
            description=hint,
            validate_choice=False,
            widget=GovRadioInput(),
        )
    if question.kind == "text":
        return _text_field(StringField, GovTextInput(), question.text, hint, 2000)
    if question.kind == "textarea":
        return _text_field(TextAreaField, GovTextArea(), question.text, hint, 10000)
    if question.kind == "money":
        return MoneyField(question.text, description=hint, noun=noun)
    if question.kind == "date":
        return UkDateField(question.text, description=hint or "For example, 27 3 2026", noun=noun)
    if question.kind == "file":
        return DocumentField(question.text, description=hint)
    if question.kind == "insurance":
        return FormField(insurance_form_class(question), question.text, description=hint)
    raise ValueError(f"no field for a {question.kind} question")


def _text_field(field_class, widget, label: str, hint: str, limit: int):
    message = f"Answer must be {limit:,} characters or fewer"
    return field_class(
        label,
        description=hint,
        filters=[strip],
        validators=[Length(max=limit, message=message)],
        widget=widget,
    )


def _noun(question: Question) -> str:
    text = question.text.rstrip("?").strip()
    return text[0].lower() + text[1:] if len(text) > 1 and not text[1].isupper() else text


class SectionFormBase(FlaskForm):
    save = SubmitField("Save and continue", widget=GovSubmitInput())
    later = SubmitField("Save and come back later", widget=GovSubmitInput())

    section: Section

    @property
    def wants_to_continue(self) -> bool:
        return not self.later.data


def section_form_class(section: Section) -> type[SectionFormBase]:
    """A form with one field per question of the section (and a hidden field per upload,
    so a file already chosen survives a page with errors)."""
    fields = {"section": section}
    for question in section.questions:
        fields[question.key] = _question_field(question, _noun(question))
        if question.kind == "file":
            fields[f"{question.key}__kept"] = HiddenField()
    return type(f"SectionForm_{section.key}", (SectionFormBase,), fields)


def check_section_answers(form: SectionFormBase, answers: dict, today: date | None = None):
    """Errors that depend on the whole section: required answers (honouring required_if),
    minimum amounts, must-be answers and insurance not expired. `answers` are the values
    the form will store (question key -> value, documents as ids)."""
    today = today or clock.today_uk()
    section = form.section
    for question in section.questions:
        field = form[question.key]
        if field.errors:
            continue
        value = answers.get(question.key)
        if question.kind == "insurance":
            _check_insurance(question, field, value, today)
            continue
        if value in (None, ""):
            if question.is_required(answers):
                add_error(field, _required_message(question))
            continue
        if question.must_be is not None and value != question.must_be:
            add_error(
                field,
                f"The council can only admit providers who answer "
                f"“{question.must_be.capitalize()}” to this question",
            )
        if (
            question.kind == "money"
            and question.minimum is not None
            and Decimal(value) < question.minimum
        ):
            add_error(
                field,
                f"{_capital(_noun(question))} must be at least "
                f"{format_gbp(question.minimum, pence=False)}",
            )


def _check_insurance(question: Question, field, value: dict | None, today: date) -> None:
    value = value or {}
    subform = field.form
    name = _noun(question)
    amount = value.get("amount")
    if subform.amount.errors:
        pass
    elif amount is None:
        add_error(subform.amount, f"Enter the amount of {name} cover")
    elif question.minimum is not None and Decimal(amount) < question.minimum:
        add_error(
            subform.amount,
            f"{_capital(name)} must cover at least {format_gbp(question.minimum, pence=False)}",
        )
    expires_on = value.get("expires_on")
    if subform.expires_on.errors:
        pass
    elif expires_on is None:
        add_error(subform.expires_on, f"Enter the date your {name} expires")
    elif expires_on < today:
        add_error(
            subform.expires_on,
            f"Your {name} has expired: give the expiry date of the policy that replaced it",
        )
    if not subform.certificate.errors and value.get("document_id") is None:
        add_error(subform.certificate, f"Upload your {name} certificate")


def _required_message(question: Question) -> str:
    name = _noun(question)
    if question.kind in ("yes_no", "choice"):
        return "Select an answer"
    if question.kind == "file":
        return f"Upload {name}"
    if question.kind == "date":
        return f"Enter {name}" if name.startswith(("the", "your")) else "Enter the date"
    if question.kind == "money":
        return f"Enter {name}"
    return "Enter your answer"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


# The other pages.


class StartApplicationForm(FlaskForm):
    previous_application_id = HiddenField()
    submit = SubmitField("Start an application", widget=GovSubmitInput())


class CategoriesFormBase(FlaskForm):
    categories = SelectMultipleField(
        "Which categories are you applying for?", coerce=int, validate_choice=False
    )
    submit = SubmitField("Save and continue", widget=GovSubmitInput())

    def home_field(self, category_id: int):
        return self[f"homes_{category_id}"]


def categories_form_class(categories, homes) -> type[CategoriesFormBase]:
    """One checkbox per category, and for each a checkbox per home of the organisation."""
    fields = {
        f"homes_{category.id}": SelectMultipleField(
            f"Homes you are putting forward for {category.name}",
            choices=[(home.id, home.name) for home in homes],
            coerce=int,
            validate_choice=False,
        )
        for category in categories
    }
    return type("CategoriesForm", (CategoriesFormBase,), fields)


class RatesFormBase(FlaskForm):
    save = SubmitField("Save and continue", widget=GovSubmitInput())
    later = SubmitField("Save and come back later", widget=GovSubmitInput())

    @property
    def wants_to_continue(self) -> bool:
        return not self.later.data


def rate_field_name(category_id: int, home_id: int) -> str:
    return f"rate_{category_id}_{home_id}"


def rates_form_class(entries, ceiling: Decimal) -> type[RatesFormBase]:
    """A weekly rate for each (category, home) put forward."""
    fields = {
        rate_field_name(category.id, home.id): MoneyField(
            f"{home.name}: {category.name}",
            description=f"The weekly rate, up to {format_gbp(ceiling)}",
            noun=f"the weekly rate for {home.name} in {category.name}",
        )
        for category, home, _rate in entries
    }
    return type("RatesForm", (RatesFormBase,), fields)


class DeclarationForm(FlaskForm):
    confirm = BooleanField(
        "I confirm the information is true and complete, and that I am authorised to submit "
        "this application for the organisation",
        validators=[DataRequired(message="Confirm the information is true and complete to submit")],
        widget=GovCheckboxInput(),
    )
    submit = SubmitField("Submit application", widget=GovSubmitInput())


class WithdrawForm(FlaskForm):
    reason = TextAreaField(
        "Why are you withdrawing the application?",
        filters=[strip],
        validators=[
            DataRequired(message="Enter why you are withdrawing the application"),
            Length(max=2000, message="Reason must be 2,000 characters or fewer"),
        ],
        widget=GovTextArea(),
    )
    submit = SubmitField("Withdraw application", widget=GovSubmitInput())


class DeleteDraftForm(FlaskForm):
    """A draft never reached the council: deleting it asks for no reason."""

    submit = SubmitField("Delete draft", widget=GovSubmitInput())


class ClarificationResponseForm(FlaskForm):
    response = TextAreaField(
        "Your response",
        description="Say what you have changed in the reopened sections, or answer the question.",
        filters=[strip],
        validators=[
            DataRequired(message="Enter your response to the council’s question"),
            Length(max=10000, message="Response must be 10,000 characters or fewer"),
        ],
        widget=GovTextArea(),
    )
    submit = SubmitField("Send your response", widget=GovSubmitInput())
