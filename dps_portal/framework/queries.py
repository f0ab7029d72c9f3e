"""Read models for the framework's administration: the current framework's settings (for the
rules that follow them), and what still uses a category, district or care setting."""

from dataclasses import dataclass
from functools import partial
from typing import Any

from sqlalchemy import func, literal, select, union_all
from sqlalchemy.orm import selectinload

from dps_portal.core.money import format_gbp
from dps_portal.extensions import db
from dps_portal.framework import rules
from dps_portal.framework.models import (
    CareSetting,
    Category,
    District,
    Framework,
    current_framework,
)

# What people call the rows that use a category, a district or a care setting, by table. A
# table not named here is called by its name in words: a new feature is never missed.
_USERS_IN_WORDS = {
    "admission": "admissions",
    "application_category": "applications",
    "care_home": "care homes",
    "direct_award": "direct awards",
    "direct_award_district": "direct awards",
    "placement": "placements",
    "rate_card_entry": "rates on rate cards",
    "tender": "mini-tenders",
    "tender_preferred_district": "mini-tenders",
    "uplift": "rate uplifts",
    "vacancy": "vacancies",
    "visit_section": "quality visits",
}


def current_setting(attribute) -> Any:
    """One of the current framework's settings (`Framework.vacancy_stale_days`), or its
    column's default before there is a framework (nothing then follows it)."""
    framework = current_framework()
    if framework is not None:
        return getattr(framework, attribute.key)
    return attribute.expression.default.arg


def framework_for_admin(framework_id: int) -> Framework | None:
    """The framework with its three lists, each in its order, for the settings page."""
    return db.session.scalars(
        select(Framework)
        .where(Framework.id == framework_id)
        .options(
            selectinload(Framework.categories),
            selectinload(Framework.districts),
            selectinload(Framework.settings),
        )
        .execution_options(populate_existing=True)
    ).one_or_none()


@dataclass(frozen=True)
class Use:
    """Rows of one kind that use an item: "3 mini-tenders"."""

    words: str
    count: int

    def __str__(self) -> str:
        return f"{self.count:,} {self.words}"


def uses_of(item: Category | District | CareSetting) -> list[Use]:
    """Every row that refers to `item`, counted per kind: every foreign key to its table,
    found in the schema, so a table added later is counted too. One statement."""
    table = type(item).__table__
    columns = [
        column
        for other in db.metadata.sorted_tables
        for column in other.columns
        if any(key.column.table is table for key in column.foreign_keys)
    ]
    counts = db.session.execute(
        select(
            *(
                select(func.count())
                .select_from(column.table)
                .where(column == item.id)
                .scalar_subquery()
                for column in columns
            )
        )
    ).one()
    totals: dict[str, int] = {}
    for column, count in zip(columns, counts, strict=True):
        if count:
            words = _USERS_IN_WORDS.get(column.table.name, column.table.name.replace("_", " "))
            totals[words] = totals.get(words, 0) + count
    return [Use(words, count) for words, count in totals.items()]


NOT_GIVEN = "Not given"


@dataclass(frozen=True)
class SettingRow:
    key: str
    value: str
    # Where to change it: the form's address and the field's id, or None for a list's rows.
    change_url: str | None = None
    field: str = ""


@dataclass(frozen=True)
class SettingsGroup:
    title: str
    rows: list[SettingRow]
    # A list's group is changed on its own page (the card's one "Change" link).
    change_url: str | None = None


def settings_summary(framework: Framework, urls: dict[str, str]) -> list[SettingsGroup]:
    """The settings page: each group of the framework's settings in words, with where to change
    each (`urls`: the address of each group's form or list page, by group)."""
    contact, times, thresholds = urls["contact"], urls["times"], urls["thresholds"]
    signatory = ", ".join(
        part
        for part in (framework.council_signatory_name, framework.council_signatory_role)
        if part
    )
    working_days = partial(rules.count_in_words, unit="working day")
    return [
        SettingsGroup(
            "Contact details",
            [
                SettingRow(
                    "Contracts team", framework.contracts_team_name, contact, "contracts_team_name"
                ),
                SettingRow(
                    "Email address", framework.contact_email or NOT_GIVEN, contact, "contact_email"
                ),
                SettingRow(
                    "Telephone number",
                    framework.contact_phone or NOT_GIVEN,
                    contact,
                    "contact_phone",
                ),
                SettingRow(
                    "Postal address", framework.buyer_address or NOT_GIVEN, contact, "buyer_address"
                ),
                SettingRow(
                    "Signs for the council",
                    signatory or NOT_GIVEN,
                    contact,
                    "council_signatory_name",
                ),
            ],
        ),
        SettingsGroup(
            "Decision and response times",
            [
                SettingRow(
                    "Deciding an application",
                    working_days(framework.decision_working_days),
                    times,
                    "decision_working_days",
                ),
                SettingRow(
                    "Deciding an application, when extended",
                    working_days(framework.extended_decision_working_days),
                    times,
                    "extended_decision_working_days",
                ),
                SettingRow(
                    "Renewing a self-declaration",
                    working_days(framework.declaration_working_days),
                    times,
                    "declaration_working_days",
                ),
                SettingRow(
                    "Answering an emergency direct-award offer",
                    rules.count_in_words(framework.emergency_offer_hours, "hour"),
                    times,
                    "emergency_offer_hours",
                ),
                SettingRow(
                    "Answering a respite or person’s choice offer",
                    working_days(framework.respite_offer_working_days),
                    times,
                    "respite_offer_working_days",
                ),
            ],
        ),
        SettingsGroup(
            "Thresholds",
            [
                SettingRow(
                    "Award approval threshold",
                    f"{format_gbp(framework.award_approval_threshold)} a year: an award above it "
                    "needs a second officer’s approval",
                    thresholds,
                    "award_approval_threshold",
                ),
                SettingRow(
                    "Abnormally low line for a new mini-tender",
                    f"{framework.abnormally_low_percent}% of the median compliant total",
                    thresholds,
                    "abnormally_low_percent",
                ),
                SettingRow(
                    "A vacancy is stale after",
                    f"{rules.count_in_words(framework.vacancy_stale_days)} unconfirmed",
                    thresholds,
                    "vacancy_stale_days",
                ),
                SettingRow(
                    "Highest weekly rate",
                    format_gbp(framework.max_weekly_rate),
                    thresholds,
                    "max_weekly_rate",
                ),
            ],
        ),
        SettingsGroup(
            "Categories",
            [SettingRow(category.code, category.name) for category in framework.categories],
            urls["categories"],
        ),
        SettingsGroup(
            "Districts",
            [
                SettingRow(
                    district.name,
                    "Outside the county" if district.is_out_of_county else "In the county",
                )
                for district in framework.districts
            ],
            urls["districts"],
        ),
        SettingsGroup(
            "Care settings",
            [SettingRow(setting.code, setting.name) for setting in framework.settings],
            urls["care_settings"],
        ),
    ]


FRAMEWORK_LISTS = {"categories": Category, "districts": District, "settings": CareSetting}


def framework_lists(framework, *names: str) -> dict[str, list]:
    """The framework's lists named (categories, districts, settings), each in its own order
    as (id, name) rows for a filter's choices: one statement for them all, not one a list."""
    lists = {name: [] for name in names}
    if framework is None or not names:
        return lists
    each = [
        select(literal(name).label("list"), model.id, model.name, model.position).where(
            model.framework_id == framework.id
        )
        for name in names
        for model in (FRAMEWORK_LISTS[name],)
    ]
    for row in db.session.execute(union_all(*each).order_by("list", "position")):
        lists[row.list].append(row)
    return lists
