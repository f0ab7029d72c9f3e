"""The one list of scheduled jobs: each feature's tasks.py exports JOBS, named here."""

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# A feature with scheduled jobs adds its tasks module here.
TASK_MODULES = [
    "dps_portal.notifications.tasks",
    "dps_portal.admin.tasks",
    "dps_portal.scheduler.tasks",
    "dps_portal.documents.tasks",
    "dps_portal.onboarding.review.tasks",
    "dps_portal.declarations.tasks",
    "dps_portal.contracts.terms.tasks",
    "dps_portal.quality.tasks",
    "dps_portal.quality.actions.tasks",
    "dps_portal.quality.returns.tasks",
    "dps_portal.providers.evidence.tasks",
    "dps_portal.cqc.tasks",
    "dps_portal.framework.tasks",
    "dps_portal.vacancies.tasks",
    "dps_portal.rates.tasks",
    "dps_portal.tenders.tasks",
    "dps_portal.placements.tasks",
    "dps_portal.awards.tasks",
]

TRIGGERS = ("interval", "cron")
_INTERVAL_UNITS = ("weeks", "days", "hours", "minutes", "seconds")


@dataclass(frozen=True)
class Job:
    """A scheduled job: `func(now=None)` returns a dict of counts (or None).

    `func` is the function or its dotted path ("dps_portal.x.tasks:send_reminders");
    `trigger_args` are APScheduler's arguments for the trigger, in UK time for cron."""

    id: str
    func: str | Callable[..., Any]
    trigger: str
    trigger_args: dict[str, Any] = field(default_factory=dict)
    description: str = ""

    def __post_init__(self) -> None:
        if self.trigger not in TRIGGERS:
            raise ValueError(f"job {self.id}: trigger must be one of {TRIGGERS}")

    def resolve(self) -> Callable[..., Any]:
        if callable(self.func):
            return self.func
        module_name, _, attribute = self.func.partition(":")
        if not attribute:
            module_name, _, attribute = self.func.rpartition(".")
        return getattr(importlib.import_module(module_name), attribute)

    @property
    def schedule_text(self) -> str:
        """'Every minute', 'Every day at 2:30am (UK time)': the schedule as a person says it."""
        args = self.trigger_args
        if self.trigger == "interval" and set(args) <= set(_INTERVAL_UNITS):
            parts = [(args[unit], unit) for unit in _INTERVAL_UNITS if args.get(unit)]
            if len(parts) == 1:
                amount, unit = parts[0]
                return f"Every {unit[:-1]}" if amount == 1 else f"Every {amount} {unit}"
        if self.trigger == "cron" and set(args) == {"hour", "minute"}:
            hour, minute = int(args["hour"]), int(args["minute"])
            suffix = "am" if hour < 12 else "pm"
            return f"Every day at {hour % 12 or 12}:{minute:02d}{suffix} (UK time)"
        described = ", ".join(f"{key}={value}" for key, value in sorted(args.items()))
        return f"{self.trigger.capitalize()}: {described}"


def all_jobs() -> list[Job]:
    """Every registered job, in the order the modules list them; ids are unique."""
    jobs: list[Job] = []
    seen: set[str] = set()
    for module_name in TASK_MODULES:
        for job in importlib.import_module(module_name).JOBS:
            if job.id in seen:
                raise RuntimeError(f"two scheduled jobs are called {job.id!r}")
            seen.add(job.id)
            jobs.append(job)
    return jobs


def get_job(job_id: str) -> Job:
    for job in all_jobs():
        if job.id == job_id:
            return job
    raise KeyError(job_id)
