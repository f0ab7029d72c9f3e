from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovDateInput, GovSelect, GovSubmitInput, GovTextInput
from wtforms import DateField, SelectField, StringField, SubmitField
from wtforms.validators import Optional


class EventFilterForm(FlaskForm):
    """The audit trail's filters: read from the query string, so no CSRF token."""

    class Meta:
        csrf = False

    action = SelectField("Action", widget=GovSelect(), validators=[Optional()], validate_choice=False)
    subject_type = SelectField(
        "Record type", widget=GovSelect(), validators=[Optional()], validate_choice=False
    )
    subject_id = StringField("Record number", widget=GovTextInput(), validators=[Optional()])
    actor = StringField("Who (email)", widget=GovTextInput(), validators=[Optional()])
    from_date = DateField(
        "From",
        widget=GovDateInput(),
        format="%d %m %Y",
        validators=[Optional()],
    )
    to_date = DateField("To", widget=GovDateInput(), format="%d %m %Y", validators=[Optional()])
    submit = SubmitField("Filter", widget=GovSubmitInput())
