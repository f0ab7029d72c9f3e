import pytest
from sqlalchemy import create_engine, inspect, text

from dps_portal.scheduler import registry
from dps_portal.scheduler.runner import JOBSTORE_TABLE


@pytest.fixture
def test_jobs(monkeypatch):
    """The real registry, with this folder's jobs for tests added."""
    monkeypatch.setattr(
        registry, "TASK_MODULES", [*registry.TASK_MODULES, "tests.scheduler.jobs_for_tests"]
    )


@pytest.fixture
def empty_job_store(app):
    """APScheduler's table is not among the models: empty it around each test that fills it."""
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])

    def empty() -> None:
        if inspect(engine).has_table(JOBSTORE_TABLE):
            with engine.begin() as connection:
                connection.execute(text(f"DELETE FROM {JOBSTORE_TABLE}"))

    empty()
    yield engine
    empty()
    engine.dispose()
