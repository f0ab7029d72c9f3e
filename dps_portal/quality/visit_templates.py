"""What a visit records, held as data: publishing and reading versions of the visit template,
and the sections a visit to a given home is recorded in.

A definition is a dict:

    {"sections": [{"key": "safe", "title": "Safe", "checks": ["...", ...]}, ...],
     "category_checks": {"ENH": [{"key": "restrictive_practice", "title": "...",
                                  "checks": [...]}, ...], ...}}

Every visit records the common sections; a category's checks are added for each category the
home is admitted to. "{category}" in a category check's title or checks is replaced by the
category's name, and its key gets the category code ("specialist_training_enh")."""

import json
from dataclasses import dataclass
from pathlib import Path

from dps_portal.audit.actions import AuditAction
from dps_portal.audit.operations import record_event
from dps_portal.framework.models import Category, Framework
from dps_portal.quality.models import VisitTemplate
from dps_portal.quality.versions import add_next_version, newest_version

DEFAULT_DEFINITION = Path(__file__).with_name("default_visit_template.json")


@dataclass(frozen=True)
class PlannedSection:
    """One section a visit will be recorded in, before it is saved as a VisitSection."""

    key: str
    title: str
    checks: list[str]
    category_id: int | None = None


def load_default_definition() -> dict:
    """The template the portal ships with: CQC's five key questions and the framework's checks."""
    return json.loads(DEFAULT_DEFINITION.read_text(encoding="utf-8"))


def check_definition(definition: dict) -> None:
    """Refuse (ValueError) a definition that cannot make a visit record."""
    if not isinstance(definition, dict) or not isinstance(definition.get("sections"), list):
        raise ValueError("a visit template needs a list of sections")
    keys: set[str] = set()
    entries = [(entry, "") for entry in definition["sections"]]
    category_checks = definition.get("category_checks", {})
    if not isinstance(category_checks, dict):
        raise ValueError("category_checks must map category codes to lists of sections")
    for code, sections in category_checks.items():
        if not isinstance(sections, list):
            raise ValueError(f"category_checks[{code!r}] must be a list of sections")
        entries += [(entry, code) for entry in sections]
    if not definition["sections"]:
        raise ValueError("a visit template needs at least one section")
    for entry, code in entries:
        if not isinstance(entry, dict) or not entry.get("key") or not entry.get("title"):
            raise ValueError("every section needs a key and a title")
        checks = entry.get("checks", [])
        if not isinstance(checks, list) or not all(isinstance(c, str) for c in checks):
            raise ValueError(f"the checks of section {entry['key']!r} must be a list of text")
        key = _category_key(entry["key"], code) if code else entry["key"]
        if key in keys or len(key) > 60:
            raise ValueError(f"section key {key!r} is used twice or is too long")
        keys.add(key)


def publish_visit_template(framework: Framework, definition: dict, by=None) -> VisitTemplate:
    """A new version; visits already scheduled keep the sections they were given."""
    check_definition(definition)
    template = add_next_version(VisitTemplate, framework, definition)
    record_event(
        AuditAction.visit_template_published,
        actor=by,
        subject=template,
        after={"version": template.version, "sections": len(definition["sections"])},
    )
    return template


def current_visit_template(framework: Framework) -> VisitTemplate | None:
    """The version new visits use: the newest one published."""
    return newest_version(VisitTemplate, framework)


def ensure_visit_template(framework: Framework) -> VisitTemplate:
    """The current version, publishing the default one if the framework has none yet."""
    return current_visit_template(framework) or publish_visit_template(
        framework, load_default_definition()
    )


def sections_for(template: VisitTemplate, categories: list[Category]) -> list[PlannedSection]:
    """The common sections, then each admitted category's checks, in the framework's order."""
    definition = template.definition
    planned = [
        PlannedSection(key=entry["key"], title=entry["title"], checks=list(entry.get("checks", [])))
        for entry in definition["sections"]
    ]
    category_checks = definition.get("category_checks", {})
    for category in sorted(categories, key=lambda c: (c.position, c.id)):
        for entry in category_checks.get(category.code, []):
            planned.append(
                PlannedSection(
                    key=_category_key(entry["key"], category.code),
                    title=entry["title"].replace("{category}", category.name),
                    checks=[
                        check.replace("{category}", category.name)
                        for check in entry.get("checks", [])
                    ],
                    category_id=category.id,
                )
            )
    return planned


def _category_key(key: str, code: str) -> str:
    return f"{key}_{code.lower()}"
