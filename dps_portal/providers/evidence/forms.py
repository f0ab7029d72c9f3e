"""Renewing an item of evidence: the new certificate, its expiry date and (insurance) cover."""

from datetime import date
from decimal import Decimal

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovSubmitInput
from wtforms import SubmitField

from dps_portal.core import clock
from dps_portal.core.forms import MoneyField, UkDateField, add_error
from dps_portal.core.money import format_gbp
from dps_portal.documents.forms import AcceptableDocument


class RenewEvidenceForm(FlaskForm):
    document = FileField(
        "Upload the new certificate",
        description="PDF, Word, Excel, OpenDocument text, PNG or JPEG, smaller than 20MB",
        validators=[AcceptableDocument("Select the new certificate")],
        widget=GovFileInput(),
    )
    expires_on = UkDateField("New expiry date", noun="the expiry date")
    amount = MoneyField("Amount of cover", noun="the amount of cover")
    submit = SubmitField("Save the renewal", widget=GovSubmitInput())

    def __init__(
        self,
        *args,
        needs_amount: bool = False,
        minimum: Decimal | None = None,
        label: str = "",
        today: date | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.needs_amount = needs_amount
        self.minimum = minimum
        self.label = label
        self.today = today or clock.today_uk()
        if not needs_amount:
            del self.amount

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not self.expires_on.errors:
            if self.expires_on.data is None:
                add_error(self.expires_on, "Enter the new expiry date")
                valid = False
            elif self.expires_on.data <= self.today:
                add_error(self.expires_on, "The expiry date must be in the future")
                valid = False
        if self.needs_amount and not self.amount.errors:
            if self.amount.amount is None:
                add_error(self.amount, "Enter the amount of cover")
                valid = False
            elif self.minimum is not None and self.amount.amount < self.minimum:
                add_error(
                    self.amount,
                    f"{self.label} must cover at least {format_gbp(self.minimum, pence=False)}",
                )
                valid = False
        return valid
