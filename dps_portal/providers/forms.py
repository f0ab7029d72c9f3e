from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovRadioInput,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import EmailField, IntegerField, RadioField, SubmitField
from wtforms.validators import (
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from dps_portal.accounts.forms import EMAIL_FORMAT, strip_whitespace
from dps_portal.core.forms import text_input
from dps_portal.providers.validators import CompaniesHouseNumber, CqcId, PhoneNumber, Postcode

YES_NO = [("yes", "Yes"), ("no", "No")]


def _email(label: str, *, required: str | None = None, whose: str = ""):
    """An email address; `whose` ("the contact's") names it in the messages, so two email
    fields on one page do not share a message in the error summary."""
    first = InputRequired(message=required) if required else Optional()
    wrong_format = (
        f"Enter {whose} email address in the correct format, like name@example.com"
        if whose
        else EMAIL_FORMAT
    )
    return EmailField(
        label,
        widget=GovTextInput(),
        filters=[strip_whitespace],
        validators=[
            first,
            Length(max=254, message=f"{label} must be 254 characters or fewer"),
            Email(message=wrong_format, check_deliverability=False),
        ],
    )


class _RadiosWidget(GovRadioInput):
    """GOV.UK radios without an empty hint when the field has no description."""

    def map_gov_params(self, field, **kwargs):
        params = super().map_gov_params(field, **kwargs)
        if not (params.get("hint") or {}).get("text"):
            params.pop("hint", None)
        return params


class Radios(RadioField):
    """Radios whose only message is the GOV.UK one ("Select ..."), whether nothing was chosen
    or the value sent is not one of the choices."""

    widget = _RadiosWidget()

    def __init__(self, label: str, *, message: str, **kwargs) -> None:
        super().__init__(label, validators=[InputRequired(message=message)], **kwargs)
        self.message = message

    def process_formdata(self, valuelist) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None

    def pre_validate(self, form) -> None:
        if not (self.raw_data and self.raw_data[0]):
            return  # InputRequired says what to do.
        if not any(match for _, _, match, *_ in self.iter_choices()):
            raise ValidationError(self.message)


class WholeNumberField(IntegerField):
    """A number typed into a text input, with a GOV.UK message when it is not a whole number."""

    widget = GovTextInput()

    def __init__(self, label: str, *, invalid: str, **kwargs) -> None:
        super().__init__(label, **kwargs)
        self.invalid = invalid

    def process_formdata(self, valuelist) -> None:
        if not valuelist:
            return
        text = valuelist[0].strip().replace(",", "")
        if not text:
            self.data = None
            return
        try:
            self.data = int(text)
        except ValueError:
            self.data = None
            raise ValueError(self.invalid) from None


class OrganisationForm(FlaskForm):
    """The organisation's details. Only the legal name is needed to save; the rest may be
    given over time (the checklist on the home page says what is still needed to apply)."""

    legal_name = text_input(
        "Legal name",
        required="Enter the organisation’s legal name",
        description="As registered at Companies House",
    )
    trading_name = text_input(
        "Trading name (optional)", description="If you trade under a different name"
    )
    companies_house_number = text_input(
        "Companies House number",
        max_length=20,
        validators=[CompaniesHouseNumber()],
        description="8 characters, like 01234567 or SC123456",
    )
    cqc_provider_id = text_input(
        "CQC provider ID",
        max_length=20,
        validators=[CqcId("CQC provider ID")],
        description="On the CQC’s page for your organisation, like 1-102643096",
    )
    address_line_1 = text_input("Address line 1")
    address_line_2 = text_input("Address line 2 (optional)")
    town = text_input("Town or city", max_length=100)
    postcode = text_input("Postcode", max_length=10, validators=[Postcode()])
    contact_name = text_input("Contact’s full name")
    email = _email("Contact’s email address", whose="the contact’s")
    phone = text_input("Contact’s telephone number", max_length=40, validators=[PhoneNumber()])
    signatory_name = text_input("Signatory’s full name")
    signatory_role = text_input(
        "Signatory’s role", description="For example, Director or Chief Executive"
    )
    signatory_email = _email("Signatory’s email address", whose="the signatory’s")
    submit = SubmitField("Save", widget=GovSubmitInput())


class FindHomeForm(FlaskForm):
    """The first step of adding a home: its CQC location ID. Sent by GET, so no CSRF token."""

    class Meta:
        csrf = False

    cqc_location_id = text_input(
        "CQC location ID",
        required="Enter the home’s CQC location ID",
        max_length=20,
        validators=[CqcId("CQC location ID")],
        description="On the CQC’s page for the home, like 1-134558905",
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class HomeForm(FlaskForm):
    """A care home's details. The district and setting choices come from the framework. The
    CQC rating is not among them: it comes from the CQC's data or an officer's entry."""

    cqc_location_id = text_input(
        "CQC location ID",
        required="Enter the home’s CQC location ID",
        max_length=20,
        validators=[CqcId("CQC location ID")],
        description="Like 1-134558905",
    )
    name = text_input("Name of the home", required="Enter the name of the home")
    address_line_1 = text_input("Address line 1", required="Enter the first line of the address")
    address_line_2 = text_input("Address line 2 (optional)")
    town = text_input("Town or city", required="Enter the town or city", max_length=100)
    postcode = text_input(
        "Postcode", required="Enter the postcode", max_length=10, validators=[Postcode()]
    )
    district_id = Radios(
        "Which district is the home in?", message="Select the district the home is in", coerce=int
    )
    setting_id = Radios(
        "What is the home registered for?", message="Select the home’s care setting", coerce=int
    )
    registered_beds = WholeNumberField(
        "Registered beds",
        invalid="Registered beds must be a whole number, like 12",
        validators=[
            InputRequired(message="Enter the number of registered beds"),
            NumberRange(min=1, max=999, message="Registered beds must be between 1 and 999"),
        ],
        description="The number of beds the CQC registers the home for",
    )
    registered_manager = text_input(
        "Registered manager (optional)",
        description="Their full name. You can leave this blank for now, for example while "
        "the post is vacant. You must add it before you submit an application that puts this "
        "home forward.",
    )
    submit = SubmitField("Save care home", widget=GovSubmitInput())

    def details(self) -> dict:
        """The home's fields as the model keeps them."""
        return {
            "cqc_location_id": self.cqc_location_id.data,
            "name": self.name.data,
            "address_line_1": self.address_line_1.data,
            "address_line_2": self.address_line_2.data or "",
            "town": self.town.data,
            "postcode": self.postcode.data,
            "district_id": self.district_id.data,
            "setting_id": self.setting_id.data,
            "registered_beds": self.registered_beds.data,
            "registered_manager": self.registered_manager.data or "",
        }


class InviteColleagueForm(FlaskForm):
    full_name = text_input("Full name", required="Enter your colleague’s full name")
    email = _email("Work email address", required="Enter your colleague’s work email address")
    can_manage = Radios(
        "Can they change the organisation’s details and invite colleagues?",
        message="Select yes if they can change the organisation’s details",
        choices=YES_NO,
    )
    submit = SubmitField("Send invitation", widget=GovSubmitInput())


class ProviderFilterForm(FlaskForm):
    """The officers' list of providers, filtered by name: read from the query string."""

    class Meta:
        csrf = False

    name = text_input("Organisation name", max_length=200)
    submit = SubmitField("Filter", widget=GovSubmitInput())
