"""Money is Decimal, pence-exact, rounded half up: never float."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from sqlalchemy import Numeric

PENNY = Decimal("0.01")

# The column type for every amount of money.
Money = Numeric(12, 2, asdecimal=True)


def to_money(value: Decimal | int | str) -> Decimal:
    """An amount as pounds and pence, rounded half up to the penny."""
    if isinstance(value, float):
        raise TypeError("money is never a float: pass a Decimal, int or str")
    try:
        return Decimal(value).quantize(PENNY, rounding=ROUND_HALF_UP)
    except InvalidOperation as error:
        raise ValueError(f"not an amount of money: {value!r}") from error


def apply_percentage(amount: Decimal, percent: Decimal) -> Decimal:
    """An amount raised (or lowered) by a percentage, rounded half up to the penny."""
    return to_money(amount * (Decimal(100) + Decimal(percent)) / Decimal(100))


def format_gbp(value: Decimal | int | None, pence: bool = True) -> str:
    """'£2,251.43' (or '£2,251' without pence); negative amounts as '-£5.00'."""
    if value is None:
        return ""
    amount = to_money(value)
    sign = "-" if amount < 0 else ""
    if pence:
        return f"{sign}£{abs(amount):,.2f}"
    return f"{sign}£{abs(amount).quantize(Decimal(1), rounding=ROUND_HALF_UP):,}"
