"""The return's forms: the answers (one field per question of the home's return, built when
the page is asked for) and the monitor's review. They only validate input."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextArea, GovTextInput
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import Length

from dps_portal.core.forms import strip
from dps_portal.quality.returns.operations import REVIEW_NOTE_MAX_LENGTH
from dps_portal.quality.returns.return_forms import (
    TEXT_MAX_LENGTH,
    ReturnQuestion,
    answer_problems,
)

NUMBER_MAX_LENGTH = 20


def _field(question: ReturnQuestion):
    if question.kind == "textarea":
        field_class, widget, limit = TextAreaField, GovTextArea(), TEXT_MAX_LENGTH
        too_long = f"Your answer must be {TEXT_MAX_LENGTH:,} characters or fewer"
    else:
        # Numbers are typed as text, so a page with errors shows exactly what was typed.
        field_class, widget, limit = StringField, GovTextInput(), NUMBER_MAX_LENGTH
        too_long = f"{question.noun[0].upper()}{question.noun[1:]} must be a number"
    return field_class(
        question.text,
        description=question.hint,
        filters=[strip],
        widget=widget,
        validators=[Length(max=limit, message=too_long)],
    )


class ReturnAnswersFormBase(FlaskForm):
    save_draft = SubmitField("Save as draft", widget=GovSubmitInput())
    submit_return = SubmitField("Submit the return", widget=GovSubmitInput())

    questions: list[ReturnQuestion] = []

    @property
    def wants_to_submit(self) -> bool:
        return bool(self.submit_return.data)

    def answers(self) -> dict[str, str]:
        return {question.key: self[question.key].data or "" for question in self.questions}

    def check_for_submission(self) -> bool:
        """Whether every answer can be submitted; each problem is put on its field."""
        problems = answer_problems(self.questions, self.answers())
        for key, message in problems.items():
            field = self[key]
            field.errors = [*field.errors, message]
        return not problems


def return_answers_form(questions: list[ReturnQuestion], **kwargs) -> ReturnAnswersFormBase:
    fields = {question.key: _field(question) for question in questions}
    fields["questions"] = list(questions)
    form_class = type("ReturnAnswersForm", (ReturnAnswersFormBase,), fields)
    return form_class(**kwargs)


class ReviewReturnForm(FlaskForm):
    note = TextAreaField(
        "Note to the provider (optional)",
        description="For example, what the council will follow up at the next visit.",
        filters=[strip],
        widget=GovTextArea(),
        validators=[
            Length(
                max=REVIEW_NOTE_MAX_LENGTH,
                message=f"The note must be {REVIEW_NOTE_MAX_LENGTH:,} characters or fewer",
            )
        ],
    )
    submit = SubmitField("Mark as reviewed", widget=GovSubmitInput())
