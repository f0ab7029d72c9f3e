"""Award forms: they validate what was typed; the rules are the operations'."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput
from wtforms import SubmitField

from dps_portal.core.forms import text_area


class RecommendForm(FlaskForm):
    note = text_area(
        "Why you recommend this award",
        "Enter why you recommend this award",
        "Kept in the evaluation report. Bidders do not see it.",
    )
    submit = SubmitField("Recommend the award", widget=GovSubmitInput())


class ApproveForm(FlaskForm):
    submit = SubmitField("Approve the award", widget=GovSubmitInput())


class RefuseForm(FlaskForm):
    reason = text_area(
        "Why the award is refused",
        "Enter why the award is refused",
        "The officer who recommended it is told. The tender goes back to moderation.",
    )
    submit = SubmitField("Refuse the award", widget=GovSubmitInput())


class ConfirmForm(FlaskForm):
    submit = SubmitField("Confirm the award", widget=GovSubmitInput())
