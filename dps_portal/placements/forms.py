"""Placement forms: they validate what was typed; the rules are the operations'."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput
from wtforms import SubmitField
from wtforms.validators import InputRequired

from dps_portal.core.forms import Radios, UkDateField, add_error, text_area
from dps_portal.placements.models import EndReason

DETAIL_LIMIT = 2000


class ConfirmStartForm(FlaskForm):
    started_on = UkDateField(
        "The day the person moved in",
        noun="the start date",
        validators=[InputRequired(message="Enter the date the placement started")],
        description="For example, 27 3 2026",
    )
    submit = SubmitField("Confirm the start", widget=GovSubmitInput())


class EndPlacementForm(FlaskForm):
    ended_on = UkDateField(
        "The placement's last day",
        noun="the end date",
        validators=[InputRequired(message="Enter the date the placement ended")],
        description="For example, 27 3 2026",
    )
    reason = Radios(
        "Why the placement ended",
        choices=[(reason.name, reason.value) for reason in EndReason],
        message="Choose why the placement ended",
    )
    detail = text_area("More detail (needed for Other)", limit=DETAIL_LIMIT)
    submit = SubmitField("End the placement", widget=GovSubmitInput())

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.reason.data == EndReason.other.name and not self.detail.data:
            add_error(self.detail, "Enter why the placement ended")
            return False
        return valid


class CancelPlacementForm(FlaskForm):
    reason = text_area(
        "Why the placement is cancelled",
        "Enter why the placement is cancelled",
        description="The provider is told this reason.",
        limit=DETAIL_LIMIT,
    )
    submit = SubmitField("Cancel the placement", widget=GovSubmitInput())


class ReviewForm(FlaskForm):
    reviewed_on = UkDateField(
        "The day the review was held",
        noun="the review date",
        validators=[InputRequired(message="Enter the date of the review")],
        description="For example, 27 3 2026",
    )
    note = text_area("Note (optional)", limit=DETAIL_LIMIT)
    submit = SubmitField("Record the review", widget=GovSubmitInput())
