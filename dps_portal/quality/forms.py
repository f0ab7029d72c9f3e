"""Forms of the council's side of visits: validation only."""

import re
from datetime import date, time

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import RadioField, SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, StopValidation, ValidationError

from dps_portal.core import clock
from dps_portal.core.forms import Radios, UkDateField, strip, text_area
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


# "10:30", "10.30am", "2pm", "14:30", "2 : 30 PM": hours, then minutes or am/pm (or both).
TIME_PATTERN = re.compile(r"([0-9]{1,2})(?:[:.]([0-9]{2}))?(am|pm)?")
TIME_WORDS = {"midday": time(12), "noon": time(12), "midnight": time(0)}


def parse_time_of_day(text: str | None) -> time | None:
    """'10:30am' -> time(10, 30); None when empty; ValueError when not a time of day. An hour
    alone needs am or pm ("2" could be either); with am or pm the hour is 1 to 12."""
    cleaned = re.sub(r"\s+", "", text or "").lower().replace("a.m.", "am").replace("p.m.", "pm")
    if not cleaned:
        return None
    if cleaned in TIME_WORDS:
        return TIME_WORDS[cleaned]
    match = TIME_PATTERN.fullmatch(cleaned)
    if match is None:
        raise ValueError(cleaned)
    hour, minute, suffix = int(match[1]), int(match[2] or 0), match[3]
    if suffix:
        if not 1 <= hour <= 12:
            raise ValueError(cleaned)
        hour = hour % 12 + (12 if suffix == "pm" else 0)
    elif match[2] is None:
        raise ValueError(cleaned)
    if hour > 23 or minute > 59:
        raise ValueError(cleaned)
    return time(hour, minute)


class TimeOfDayField(StringField):
    """A time of day typed as text ("10:30am" or "14:30"); `time` is the value once valid.
    Asked when `asked_if(form)` is true; when it is false, `not_asked` says to leave it empty;
    when it is None (what decides it is unanswered), nothing is said."""

    widget = GovTextInput()

    def __init__(
        self, label=None, *, noun: str, missing: str, not_asked: str = "", asked_if=None, **kwargs
    ):
        super().__init__(label, filters=[strip], **kwargs)
        self.noun = noun
        self.missing = missing
        self.not_asked = not_asked
        self.asked_if = asked_if or (lambda form: True)
        self.time: time | None = None

    def process_data(self, value):
        self.data = value.strftime("%H:%M") if isinstance(value, time) else (value or "")

    def pre_validate(self, form):
        self.time = None
        asked = self.asked_if(form)
        if asked is None:
            return  # What decides it is unanswered: that question's own error says so.
        if not asked:
            if self.data:
                raise StopValidation(self.not_asked)
            return
        try:
            self.time = parse_time_of_day(self.data)
        except ValueError:
            raise StopValidation(
                f"Enter {self.noun} as a time of day, like 10:30am or 14:30"
            ) from None
        if self.time is None:
            raise StopValidation(self.missing)


def _is_announced(form) -> bool | None:
    return {"yes": True, "no": False}.get(form.is_announced.data)


def _planned_time(description: str, **kwargs) -> TimeOfDayField:
    return TimeOfDayField(
        "Start time",
        description=description,
        noun="the start time",
        missing="Enter the start time of the visit: the provider is told the date and time",
        **kwargs,
    )


class ScheduleVisitForm(FlaskForm):
    home_id = _id_choice("Care home", "Select the care home to visit")
    visit_type = _choice("Type of visit", VisitType, "Select the type of visit")
    monitor_id = _monitor_id()
    is_announced = RadioField(
        "Is the visit announced to the provider?",
        choices=[
            ("yes", "Yes, tell the provider the date and time"),
            ("no", "No, it is unannounced"),
        ],
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select whether the visit is announced")],
    )
    planned_on = _planned_on()
    # An unannounced visit has no start time: the provider is not told when it is.
    planned_time = _planned_time(
        "For an announced visit: when the monitor arrives, in UK time. For example, 10:30am or "
        "14:30. Leave it empty for an unannounced visit.",
        asked_if=_is_announced,
        not_asked="Leave the start time empty for an unannounced visit, or choose Yes: the "
        "provider is not told when an unannounced visit is",
    )
    submit = SubmitField("Schedule the visit", widget=GovSubmitInput())

    @property
    def start_time(self) -> time | None:
        return self.planned_time.time if _is_announced(self) is True else None


class RescheduleVisitForm(FlaskForm):
    planned_on = _planned_on()
    # Shown for an announced visit only (the view removes it otherwise).
    planned_time = _planned_time(
        "When the monitor arrives, in UK time. For example, 10:30am or 14:30"
    )
    monitor_id = _monitor_id()
    submit = SubmitField("Save the changes", widget=GovSubmitInput())

    @property
    def start_time(self) -> time | None:
        return self.planned_time.time if self.planned_time is not None else None


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
