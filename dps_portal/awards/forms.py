"""Direct-award forms: they check what was typed; the rules needing the award (its list,
the window, the last bed) are the operations'. No form has a price: the price is the list's."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import BooleanField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, Optional, StopValidation

from dps_portal.awards import rules
from dps_portal.awards.models import ChoiceReason, Justification
from dps_portal.core import clock
from dps_portal.core.forms import Radios, UkDateField, strip, text_area
from dps_portal.tenders.forms import TimeField, instant, person_reference_field
from dps_portal.tenders.models import Funding


class StartForm(FlaskForm):
    """The officer's request and search. Categories, settings and districts are set by the
    view."""

    justification = Radios(
        "Why a direct award",
        choices=[(item.name, item.value) for item in Justification],
        message="Choose why this is a direct award",
    )
    person_reference = person_reference_field("the provider offered the placement")
    needs_summary = text_area(
        "Summary of needs",
        "Enter a summary of the person's needs",
        "What the person needs from the placement. No names or identifying details.",
    )
    category = Radios("Client category", message="Choose the client category")
    setting = Radios("Care setting", message="Choose the care setting")
    districts = SelectMultipleField(
        "Districts (optional)",
        coerce=int,
        widget=GovCheckboxesInput(),
        validators=[Optional()],
        description="Leave all unticked to search the whole county.",
    )
    start_on = UkDateField(
        "Start date",
        noun="the start date",
        description="For example, 27 3 2027.",
        validators=[InputRequired(message="Enter the start date")],
    )
    end_on = UkDateField(
        "End date (needed for respite)",
        noun="the end date",
        description="The last day of a respite stay.",
        validators=[Optional()],
    )
    funding = Radios(
        "Funding",
        choices=[(funding.name, funding.value) for funding in Funding],
        message="Choose how the placement is funded",
    )
    include_stale = BooleanField(
        "Include stale vacancies (not confirmed by the provider for a week)",
        widget=GovCheckboxInput(),
    )
    submit = SubmitField("Search and keep the list", widget=GovSubmitInput())

    def validate_start_on(self, field):
        if field.data is not None and field.data < clock.today_uk():
            raise StopValidation("The start date must be today or in the future")

    def validate_end_on(self, field):
        if self.justification.data not in Justification.__members__:
            return
        problem = rules.dates_problem(
            Justification[self.justification.data], self.start_on.data, field.data
        )
        if problem and self.start_on.data is not None:
            raise StopValidation(problem)


class OfferForm(FlaskForm):
    reason = Radios(
        "Why this home",
        choices=[(item.name, item.value) for item in ChoiceReason],
        message="Choose why you are offering the placement to this home",
    )
    detail = text_area("Reason (needed for Other)", limit=2000)
    submit = SubmitField("Offer the placement", widget=GovSubmitInput())

    def validate_detail(self, field):
        if self.reason.data == ChoiceReason.other.name and not field.data:
            raise StopValidation("Enter the reason for choosing this home")


class AcceptForm(FlaskForm):
    submit = SubmitField("Accept the placement", widget=GovSubmitInput())


class DeclineForm(FlaskForm):
    reason = text_area("Why you are declining", "Enter why you are declining", limit=2000)
    submit = SubmitField("Decline the offer", widget=GovSubmitInput())


class TelephoneForm(FlaskForm):
    contact = StringField(
        "Who accepted",
        description="Their name and role at the provider, like Helen Shaw, registered manager.",
        widget=GovTextInput(),
        filters=[strip],
        validators=[
            InputRequired(message="Enter who accepted the offer on the telephone"),
            Length(max=200, message="Who accepted must be 200 characters or fewer"),
        ],
    )
    said_on = UkDateField(
        "Date of the call",
        noun="the date of the call",
        validators=[InputRequired(message="Enter the date of the call")],
    )
    said_time = TimeField("Time of the call", noun="the time of the call")
    submit = SubmitField("Record the acceptance", widget=GovSubmitInput())

    @property
    def said_at(self):
        return instant(self.said_on, self.said_time)


class CloseForm(FlaskForm):
    reason = text_area(
        "Why you are closing it without a placement",
        "Enter why the direct award is closed",
        limit=2000,
    )
    submit = SubmitField("Close the direct award", widget=GovSubmitInput())
