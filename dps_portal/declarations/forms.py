"""The officer's request and the provider's renewed declaration. The declaration's questions
are the current question set's exclusion-ground questions, built into the form per request."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovSubmitInput, GovTextArea
from wtforms import BooleanField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length

from dps_portal.core.forms import LONG_TEXT, Radios, strip, text_area
from dps_portal.onboarding.questions import Question


class DeclarationRequestForm(FlaskForm):
    message = text_area(
        "Message to the provider (optional)",
        description="For example why you are asking now.",
    )
    submit = SubmitField("Ask the provider to confirm", widget=GovSubmitInput())


class DeclarationForm(FlaskForm):
    """The exclusion-ground questions answered again (fields added by declaration_form)."""

    confirm = BooleanField(
        "I confirm that these declarations are true and complete",
        widget=GovCheckboxInput(),
        validators=[InputRequired(message="Confirm that the declarations are true")],
    )
    submit = SubmitField("Confirm the declaration", widget=GovSubmitInput())

    questions: list[Question] = []

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        answers = self.answers()
        for question in self.questions:
            field = self[question.key]
            if question.is_required(answers) and not field.data:
                missing = "Select yes or no" if question.kind == "yes_no" else "Enter the details"
                field.errors = [*field.errors, missing]
                valid = False
        return valid

    def answers(self) -> dict[str, str]:
        """{question key: answer}; details that the answers do not ask for are left out."""
        answers = {question.key: self[question.key].data or "" for question in self.questions}
        return {
            question.key: answers[question.key]
            for question in self.questions
            if not question.required_if or question.is_required(answers)
        }


def declaration_form(questions, previous: dict | None = None, **kwargs) -> DeclarationForm:
    class Form(DeclarationForm):
        pass

    for question in questions:
        if question.kind == "yes_no":
            field = Radios(
                question.text,
                [("yes", "Yes"), ("no", "No")],
                message="Select yes or no",
                required=False,
                description=question.hint,
                default=(previous or {}).get(question.key),
            )
        else:
            field = TextAreaField(
                question.text,
                description=question.hint,
                widget=GovTextArea(),
                filters=[strip],
                validators=[Length(max=LONG_TEXT, message="Enter 5000 characters or fewer")],
                default=(previous or {}).get(question.key),
            )
        setattr(Form, question.key, field)
    Form.questions = list(questions)
    return Form(**kwargs)
