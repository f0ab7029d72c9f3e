"""The framework's numbers: the range each setting administrators keep may take (the forms say
so, the operations check it, the database's check constraints hold the floors)."""

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Bounds:
    low: int
    high: int

    def __contains__(self, value: object) -> bool:
        return isinstance(value, int) and self.low <= value <= self.high


# Regulation 34(15) of the Public Contracts Regulations 2015: an application is decided within
# 10 working days of its receipt; 34(16): up to 15 in individual cases where justified.
DECISION_WORKING_DAYS = Bounds(1, 10)
EXTENDED_DECISION_WORKING_DAYS = Bounds(1, 15)
# A renewed self-declaration asked of a provider.
DECLARATION_WORKING_DAYS = Bounds(1, 30)
# Direct-award offers: an emergency's window in hours, respite's and choice's in working days.
EMERGENCY_OFFER_HOURS = Bounds(1, 72)
RESPITE_OFFER_WORKING_DAYS = Bounds(1, 10)
# A tender's default line: per cent of the median compliant total.
ABNORMALLY_LOW_PERCENT = Bounds(1, 99)
VACANCY_STALE_DAYS = Bounds(1, 90)

BOUNDS = {
    "decision_working_days": DECISION_WORKING_DAYS,
    "extended_decision_working_days": EXTENDED_DECISION_WORKING_DAYS,
    "declaration_working_days": DECLARATION_WORKING_DAYS,
    "emergency_offer_hours": EMERGENCY_OFFER_HOURS,
    "respite_offer_working_days": RESPITE_OFFER_WORKING_DAYS,
    "abnormally_low_percent": ABNORMALLY_LOW_PERCENT,
    "vacancy_stale_days": VACANCY_STALE_DAYS,
}

# Money columns are Numeric(12, 2).
MONEY_LIMIT = Decimal("10000000000")

# Codes are keys other data is filed under (template questions, visit checks, the CQC's
# service types): letters, digits, hyphens and underscores, fixed once added.
CODE_LENGTH = 20
CATEGORY_NAME_LENGTH = 300
DISTRICT_NAME_LENGTH = 120
SETTING_NAME_LENGTH = 120


def count_in_words(count: int, unit: str = "day") -> str:
    """ "1 day", "7 days", "2 working days", "4 hours"."""
    return f"{count} {unit}" if count == 1 else f"{count} {unit}s"
