import enum


class Role(enum.StrEnum):
    provider = "provider"
    contracts_officer = "contracts_officer"
    quality_monitor = "quality_monitor"
    administrator = "administrator"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]

    @property
    def is_staff(self) -> bool:
        return self is not Role.provider


ROLE_LABELS = {
    Role.provider: "Provider user",
    Role.contracts_officer: "Contracts officer",
    Role.quality_monitor: "Quality monitor",
    Role.administrator: "Administrator",
}

STAFF_ROLES = frozenset(role for role in Role if role.is_staff)
