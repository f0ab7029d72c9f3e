"""The evaluation forms: they validate what was typed; the rules (states, who scores, what is
complete) are the operations'."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput
from wtforms import HiddenField, SubmitField

from dps_portal.core.forms import Radios, text_area
from dps_portal.tenders import rules

SCORE_CHOICES = [(str(score), str(score)) for score in range(rules.MAX_SCORE + 1)]
PASS, FAIL = "pass", "fail"
ACCEPTED, REFUSED = "accepted", "refused"


class OpenForm(FlaskForm):
    submit = SubmitField("Open the bids", widget=GovSubmitInput())


class ComplianceForm(FlaskForm):
    outcome = Radios(
        "Is the bid compliant?",
        choices=[(PASS, "Compliant"), (FAIL, "Not compliant")],
        message="Choose whether the bid is compliant",
    )
    reason = text_area(
        "Reason",
        description="Required when the bid is not compliant. The bidder may be told it.",
    )
    submit = SubmitField("Save the compliance decision", widget=GovSubmitInput())


class StartEvaluationForm(FlaskForm):
    submit = SubmitField("Start the quality evaluation", widget=GovSubmitInput())


class EndForm(FlaskForm):
    reason = text_area(
        "Why the tender ends without award",
        "Enter why the tender ends without award",
        "Every invited provider is told this reason.",
    )
    submit = SubmitField("End without award", widget=GovSubmitInput())


class StartSheetForm(FlaskForm):
    submit = SubmitField("Start scoring", widget=GovSubmitInput())


class CompleteModerationForm(FlaskForm):
    submit = SubmitField("Complete moderation", widget=GovSubmitInput())


class LowPriceForm(FlaskForm):
    explanation = text_area(
        "The bidder's explanation and your conclusion",
        "Enter the explanation of the low price and your conclusion",
        "Say what the bidder said about how it can deliver at this price, and whether the "
        "explanation is credible.",
    )
    submit = SubmitField("Record the check", widget=GovSubmitInput())


class ChoiceForm(FlaskForm):
    evaluation_id = HiddenField()
    decision = Radios(
        "Does the person accept this home?",
        choices=[(ACCEPTED, "Yes, the person accepts it"), (REFUSED, "No, the person refuses it")],
        message="Choose whether the person accepts this home",
    )
    reason = text_area(
        "Reason", description="Required when the person refuses the home (Care Act choice)."
    )
    submit = SubmitField("Record the person's choice", widget=GovSubmitInput())


class CopyForm(FlaskForm):
    submit = SubmitField("Re-run as a new tender", widget=GovSubmitInput())


def score_field_name(evaluation_id: int, question_id: int) -> str:
    return f"score_{evaluation_id}_{question_id}"


def reason_field_name(evaluation_id: int, question_id: int) -> str:
    return f"reason_{evaluation_id}_{question_id}"


def answers_form_class(keys, *, reason_label: str, buttons: dict[str, str]):
    """A form with a score (0 to 5, optional) and a reason for each (evaluation id, question
    id) in `keys`, and a submit button for each name in `buttons`."""

    class AnswersForm(FlaskForm):
        pass

    for evaluation_id, question_id in keys:
        setattr(
            AnswersForm,
            score_field_name(evaluation_id, question_id),
            Radios(
                "Score",
                choices=SCORE_CHOICES,
                message=f"Choose a score from 0 to {rules.MAX_SCORE}",
                required=False,
            ),
        )
        setattr(AnswersForm, reason_field_name(evaluation_id, question_id), text_area(reason_label))
    for name, text in buttons.items():
        setattr(AnswersForm, name, SubmitField(text, widget=GovSubmitInput()))
    return AnswersForm


def answers_of(form, keys) -> dict[tuple[int, int], tuple[int | None, str]]:
    """(evaluation id, question id) → (score or None, reason), as typed."""
    values = {}
    for evaluation_id, question_id in keys:
        score = form[score_field_name(evaluation_id, question_id)].data
        reason = form[reason_field_name(evaluation_id, question_id)].data or ""
        values[(evaluation_id, question_id)] = (int(score) if score is not None else None, reason)
    return values
