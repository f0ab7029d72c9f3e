from datetime import date, datetime

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextInput
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import Optional, ValidationError

DATE_FORMATS = ("%d/%m/%Y", "%d %m %Y", "%Y-%m-%d")


def parse_day(text: str | None) -> date | None:
    """A date typed as 27/3/2026, 27 3 2026 or 2026-03-27; None when blank."""
    text = (text or "").strip()
    if not text:
        return None
    for layout in DATE_FORMATS:
        try:
            return datetime.strptime(text, layout).date()  # noqa: DTZ007 (a date, not an instant)
        except ValueError:
            continue
    raise ValueError(text)


def real_date(form, field) -> None:
    try:
        parse_day(field.data)
    except ValueError:
        raise ValidationError(f"{field.label.text} must be a real date, like 27/3/2026") from None


class EventFilterForm(FlaskForm):
    """The audit trail's filters: read from the query string, so no CSRF token."""

    class Meta:
        csrf = False

    action = SelectField(
        "Action", widget=GovSelect(), validators=[Optional()], validate_choice=False
    )
    subject_type = SelectField(
        "Record type", widget=GovSelect(), validators=[Optional()], validate_choice=False
    )
    subject_id = StringField("Record number", widget=GovTextInput(), validators=[Optional()])
    # An exact match (the events' index serves it): a person's whole email address, or "system".
    actor = StringField("Who (email address)", widget=GovTextInput(), validators=[Optional()])
    from_date = StringField("From date", widget=GovTextInput(), validators=[real_date])
    to_date = StringField("To date", widget=GovTextInput(), validators=[real_date])
    submit = SubmitField("Filter", widget=GovSubmitInput())
