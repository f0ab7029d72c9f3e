"""Form fields every feature shares: GOV.UK dates typed in three boxes, money typed as text, and
radios that answer any value that is not one of their choices with their own message."""

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from govuk_frontend_wtf.wtforms_widgets import (
    GovDateInput,
    GovRadioInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import Field, IntegerField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, StopValidation

from dps_portal.core.money import format_gbp

# The largest id a database integer column holds (PostgreSQL's INTEGER).
LARGEST_ID = 2**31 - 1
ID_PATTERN = re.compile(r"[1-9][0-9]{0,9}")
MONEY_PATTERN = re.compile(r"\d+(\.\d{1,2})?")
# Money columns are Numeric(12, 2): an amount must be below this to be kept.
MONEY_LIMIT = Decimal("10000000000")


def id_from(value) -> int | None:
    """The id a form or query value names (a hidden field, ?provider_id=), or None when it
    names no row: written otherwise than the portal writes ids (digits, no leading zero), or
    too large for the database to hold, which would be an error there rather than no row."""
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(text, str) or not ID_PATTERN.fullmatch(text):
        return None
    number = int(text)
    return number if number <= LARGEST_ID else None


def strip(value):
    return value.strip() if isinstance(value, str) else value


def text_input(label: str, *, required: str | None = None, max_length: int = 200, **kwargs):
    """A GOV.UK text input, stripped: required with `required` as its message, or optional;
    never longer than `max_length`, with a message naming it."""
    first = InputRequired(message=required) if required else Optional()
    return StringField(
        label,
        widget=GovTextInput(),
        filters=[strip],
        validators=[
            first,
            Length(max=max_length, message=f"{label} must be {max_length} characters or fewer"),
            *kwargs.pop("validators", ()),
        ],
        **kwargs,
    )


class GovMoneyInput(GovTextInput):
    """A text input for pounds, with the "£" prefix and a numeric keypad on phones."""

    def map_gov_params(self, field, **kwargs):
        params = super().map_gov_params(field, **kwargs)
        params.setdefault("prefix", {"text": "£"})
        params.setdefault("classes", "govuk-input--width-10")
        params.setdefault("inputmode", "decimal")
        params.setdefault("spellcheck", False)
        return params


def parse_money(text: str | None) -> Decimal | None:
    """'£1,250.5' -> Decimal('1250.50'); None when empty; ValueError when not an amount."""
    cleaned = (text or "").replace("£", "").replace(",", "").replace(" ", "")
    if not cleaned:
        return None
    if not MONEY_PATTERN.fullmatch(cleaned):
        raise ValueError(cleaned)
    try:
        return Decimal(cleaned).quantize(Decimal("0.01"))
    except InvalidOperation as error:
        raise ValueError(cleaned) from error


class MoneyField(StringField):
    """An amount of money typed as text; `amount` is the Decimal once validated."""

    widget = GovMoneyInput()

    def __init__(self, label=None, validators=None, *, noun: str = "", **kwargs):
        super().__init__(label, validators, filters=[strip], **kwargs)
        self.noun = noun or (label or "the amount")
        self.amount: Decimal | None = None

    def process_data(self, value):
        self.data = "" if value is None else str(value)

    def pre_validate(self, form):
        try:
            self.amount = parse_money(self.data)
        except ValueError:
            self.amount = None
            raise StopValidation(
                f"Enter {self.noun} as an amount of money, like 1500 or 1500.50"
            ) from None
        if self.amount is not None and self.amount >= MONEY_LIMIT:
            self.amount = None
            raise StopValidation(
                f"Enter {self.noun} as an amount less than {format_gbp(MONEY_LIMIT, pence=False)}"
            )


class UkDateField(Field):
    """A GOV.UK date input: day, month and year in three boxes sharing one name."""

    widget = GovDateInput()

    def __init__(self, label=None, validators=None, *, noun: str = "", **kwargs):
        super().__init__(label, validators, **kwargs)
        self.noun = noun or (label or "the date")
        self.problem: str | None = None

    def process_data(self, value):
        self.data = value if isinstance(value, date) else None

    def process_formdata(self, valuelist):
        parts = [(part or "").strip() for part in valuelist][:3]
        parts += [""] * (3 - len(parts))
        self.raw_data = parts
        self.data = None
        self.problem = None
        day, month, year = parts
        if not any(parts):
            return
        missing = [
            name for name, part in zip(("day", "month", "year"), parts, strict=True) if not part
        ]
        if missing:
            self.problem = f"{self._subject()} must include a {' and '.join(missing)}"
            return
        if not (day.isdigit() and month.isdigit() and year.isdigit()) or len(year) != 4:
            self.problem = f"{self._subject()} must be a real date"
            return
        try:
            self.data = date(int(year), int(month), int(day))
        except (ValueError, OverflowError):
            self.problem = f"{self._subject()} must be a real date"

    def _value(self):
        return self.data.isoformat() if self.data else ""

    def _subject(self) -> str:
        return self.noun[0].upper() + self.noun[1:]

    def pre_validate(self, form):
        if self.problem:
            raise StopValidation(self.problem)


class Radios(RadioField):
    """GOV.UK radios. A value that is not one of the choices (blank spaces too, which a browser
    never sends) gets the field's `message`, as nothing chosen does when an answer is required;
    an optional question left unanswered reads as None."""

    widget = GovRadioInput()

    def __init__(self, label=None, choices=None, *, message: str, required: bool = True, **kwargs):
        # Optional's usual reading of blank spaces as "no answer" would drop the message and
        # keep the spaces as the answer.
        first = InputRequired(message=message) if required else Optional(strip_whitespace=False)
        super().__init__(label, [first], choices=choices, **kwargs)
        self.message = message

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = valuelist[0]  # Not one of the choices: pre_validate says so.
        if self.data == "":
            self.data = None

    def pre_validate(self, form):
        if self.data is None:
            return  # Nothing chosen: InputRequired or Optional says what that means.
        if not any(match for _value, _label, match, *_ in self.iter_choices()):
            raise StopValidation(self.message)


class WholeNumberField(IntegerField):
    """A whole number; anything else is refused saying how to write it."""

    widget = GovTextInput()

    def __init__(self, label=None, validators=None, *, noun: str, example: int, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.noun = noun
        self.example = example

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(f"Enter {self.noun} as a whole number, like {self.example}") from None


LONG_TEXT = 5000


def text_area(
    label: str, missing: str | None = None, description: str = "", *, limit: int = LONG_TEXT
) -> TextAreaField:
    """A long answer, required when `missing` (the message) is given."""
    # DataRequired reads the answer after `strip`: blank spaces are no answer.
    validators = [DataRequired(message=missing)] if missing else [Optional()]
    validators.append(Length(max=limit, message=f"{label} must be {limit:,} characters or fewer"))
    return TextAreaField(
        label,
        description=description,
        widget=GovTextArea(),
        filters=[strip],
        validators=validators,
    )


def add_error(field, message: str) -> None:
    """Add an error found after WTForms validated (required answers, minimums)."""
    if isinstance(field.errors, tuple):
        field.errors = list(field.errors)
    field.errors.append(message)
