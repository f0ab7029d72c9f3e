"""The register's search and filters, read from the query string: what was typed is kept, and
a value that cannot be searched for gets a message instead of a search."""

import re

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextInput
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import Length, Optional, ValidationError

from dps_portal.accounts.forms import strip_whitespace
from dps_portal.register.queries import SEARCH_LIMIT, Sort, Standing

# A CQC ID, or its start: letters, digits and hyphens ("1-102643096"), spaces ignored.
CQC_ID = re.compile(r"[A-Za-z0-9-]*\Z")
# The start of a postcode: letters and digits, up to the 7 a whole postcode has, spaces ignored.
POSTCODE_START = re.compile(r"[A-Za-z0-9]{0,7}\Z")


def _compact(value: str | None) -> str:
    return re.sub(r"\s+", "", value or "")


class Compact:
    """The value without its spaces must match `pattern` (the field keeps what was typed)."""

    def __init__(self, pattern: re.Pattern, message: str):
        self.pattern = pattern
        self.message = message

    def __call__(self, form, field):
        if not self.pattern.match(_compact(field.data)):
            raise ValidationError(self.message)


class ChosenFrom:
    """A select's value must be one of its choices (or blank, for "all")."""

    def __init__(self, message: str):
        self.message = message

    def __call__(self, form, field):
        if field.data and field.data not in {value for value, _ in field.choices}:
            raise ValidationError(self.message)


def _select(label: str, message: str) -> SelectField:
    return SelectField(
        label,
        widget=GovSelect(),
        validators=[Optional(), ChosenFrom(message)],
        validate_choice=False,
    )


class RegisterSearchForm(FlaskForm):
    """The register's search (name, CQC ID, postcode), filters (district, category, status)
    and order. The district and category choices are the framework's, set by the view."""

    class Meta:
        csrf = False

    name = StringField(
        "Provider or care home name",
        widget=GovTextInput(),
        filters=[strip_whitespace],
        validators=[
            Optional(),
            Length(
                max=SEARCH_LIMIT,
                message=f"Name must be {SEARCH_LIMIT} characters or fewer",
            ),
        ],
    )
    cqc_id = StringField(
        "CQC ID",
        description="A provider’s or a care home’s, or its start",
        widget=GovTextInput(),
        filters=[strip_whitespace],
        validators=[
            Optional(),
            Length(max=20, message="CQC ID must be 20 characters or fewer"),
            Compact(
                CQC_ID,
                message="Enter a CQC ID in letters, numbers and hyphens, like 1-102643096",
            ),
        ],
    )
    postcode = StringField(
        "Postcode",
        description="Or its start, like S40",
        widget=GovTextInput(),
        filters=[strip_whitespace],
        validators=[
            Optional(),
            Length(max=20, message="Postcode must be 20 characters or fewer"),
            Compact(POSTCODE_START, message="Enter a postcode or its start, like S40 or S40 1AA"),
        ],
    )
    district = _select("District", "Select a district from the list")
    category = _select("Category", "Select a category from the list")
    status = _select("Status on the DPS", "Select a status from the list")
    sort = _select("Sort by", "Select an order from the list")
    submit = SubmitField("Search", widget=GovSubmitInput())

    def set_choices(self, framework) -> None:
        districts = list(framework.districts) if framework else []
        categories = list(framework.categories) if framework else []
        self.district.choices = [("", "All districts")] + [
            (str(district.id), district.name) for district in districts
        ]
        self.category.choices = [("", "All categories")] + [
            (str(category.id), category.name) for category in categories
        ]
        self.status.choices = [("", "Any status")] + [
            (standing.name, standing.value) for standing in Standing
        ]
        self.sort.choices = [(order.name, order.value) for order in Sort]

    def valid_data(self) -> dict[str, str]:
        """Each field's value, blank where it has an error: a bad value is no filter."""
        self.validate()
        return {
            name: ("" if field.errors else (field.data or ""))
            for name, field in self._fields.items()
            if name != "submit"
        }
