"""Forms of the council's side of visits: validation only."""

from datetime import date

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
)
from wtforms import RadioField, SelectField, SubmitField
from wtforms.validators import InputRequired, ValidationError

from dps_portal.core import clock
from dps_portal.core.forms import Radios, UkDateField, text_area
from dps_portal.quality.models import ActionPriority, SectionRating, VisitOutcome, VisitType
from dps_portal.quality.operations import FINDINGS_MAX_LENGTH

TEXT_MAX_LENGTH = 10000


def _coerce_int(value):
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _text(label: str, missing: str | None, limit: int = TEXT_MAX_LENGTH, description: str = ""):
    return text_area(label, missing, description, limit=limit)


def _date_required(message: str):
    def check(form, field):
        if field.data is None and not field.problem:
            raise ValidationError(message)

    return check


def _not_in_past(subject: str):
    def check(form, field):
        if isinstance(field.data, date) and field.data < clock.today_uk():
            raise ValidationError(f"{subject} must be today or in the future")

    return check


def _not_in_future(subject: str):
    def check(form, field):
        if isinstance(field.data, date) and field.data > clock.today_uk():
            raise ValidationError(f"{subject} must be today or in the past")

    return check


def _choice(label: str, enum_class, message: str, *, required: bool = True) -> Radios:
    """Radios of an enum's members; `message` is the error when none (or no member) is chosen."""
    return Radios(
        label,
        [(member.name, member.value) for member in enum_class],
        message=message,
        required=required,
    )


def _listed(message: str):
    """The choice is one of the field's choices (which the view fills in)."""

    def check(form, field):
        if field.data not in {value for value, _label in field.choices}:
            raise ValidationError(message)

    return check


def _id_choice(label: str, missing: str) -> SelectField:
    return SelectField(
        label,
        coerce=_coerce_int,
        validate_choice=False,
        widget=GovSelect(),
        validators=[InputRequired(message=missing), _listed(missing)],
    )


def _planned_on() -> UkDateField:
    return UkDateField(
        "Planned date",
        description="For example, 27 3 2026",
        noun="the planned date",
        validators=[
            _date_required("Enter the planned date of the visit"),
            _not_in_past("The planned date"),
        ],
    )


def _monitor_id() -> SelectField:
    return _id_choice("Quality monitor", "Select the quality monitor who will visit")


class ScheduleVisitForm(FlaskForm):
    home_id = _id_choice("Care home", "Select the care home to visit")
    visit_type = _choice("Type of visit", VisitType, "Select the type of visit")
    monitor_id = _monitor_id()
    planned_on = _planned_on()
    is_announced = RadioField(
        "Is the visit announced to the provider?",
        choices=[("yes", "Yes, tell the provider the date"), ("no", "No, it is unannounced")],
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select whether the visit is announced")],
    )
    submit = SubmitField("Schedule the visit", widget=GovSubmitInput())


class RescheduleVisitForm(FlaskForm):
    planned_on = _planned_on()
    monitor_id = _monitor_id()
    submit = SubmitField("Save the changes", widget=GovSubmitInput())


class CancelVisitForm(FlaskForm):
    reason = _text("Why the visit is cancelled", "Enter why the visit is cancelled")
    submit = SubmitField("Cancel the visit", widget=GovSubmitInput())


class SectionForm(FlaskForm):
    """A section's rating and findings; a draft may be saved without a rating."""

    rating = _choice(
        "Rating",
        SectionRating,
        "Select a rating, or none to save the section as a draft",
        required=False,
    )
    findings = _text("Findings", None, FINDINGS_MAX_LENGTH)
    submit = SubmitField("Save and return to the visit", widget=GovSubmitInput())
    save_draft = SubmitField("Save and keep editing", widget=GovSubmitInput())

    @property
    def rating_value(self) -> SectionRating | None:
        return SectionRating[self.rating.data] if self.rating.data else None


class ActionForm(FlaskForm):
    description = _text("What the provider must do", "Enter what the provider must do")
    priority = _choice("Priority", ActionPriority, "Select the priority of the action")
    due_on = UkDateField(
        "Due date",
        description="The date by which the provider must have done it. For example, 27 3 2026",
        noun="the due date",
        validators=[_date_required("Enter the due date"), _not_in_past("The due date")],
    )
    submit = SubmitField("Add the action", widget=GovSubmitInput())


class RemoveActionForm(FlaskForm):
    submit = SubmitField("Remove", widget=GovSubmitInput())


class FinaliseForm(FlaskForm):
    visited_on = UkDateField(
        "Date visited",
        description="For example, 27 3 2026",
        noun="the date visited",
        validators=[
            _date_required("Enter the date of the visit"),
            _not_in_future("The date visited"),
        ],
    )
    outcome = _choice("Overall outcome", VisitOutcome, "Select the overall outcome")
    summary = _text(
        "Summary",
        "Enter a summary of the visit",
        description="The provider reads this in the visit report.",
    )
    submit = SubmitField("Finalise the visit", widget=GovSubmitInput())


class AddendumForm(FlaskForm):
    text = _text(
        "Addendum",
        "Enter the addendum",
        description="The record stays as it was finalised; the addendum is added to the report.",
    )
    submit = SubmitField("Add the addendum", widget=GovSubmitInput())
