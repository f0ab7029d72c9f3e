import os
from datetime import UTC, datetime, timedelta

from dps_portal.documents.storage import document_path, store_directory
from dps_portal.documents.tasks import remove_abandoned_files
from tests.documents import samples
from tests.factories import make_provider

NOW = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)


def _file(name: str, age: timedelta):
    path = store_directory() / name
    path.write_bytes(b"left over")
    moment = (NOW - age).timestamp()
    os.utime(path, (moment, moment))
    return path


def test_files_without_a_row_are_removed_once_old(app, db):
    document = samples.store_sample(make_provider())
    db.session.commit()
    old = NOW - timedelta(days=30)
    os.utime(document_path(document), (old.timestamp(), old.timestamp()))
    interrupted = _file(".incoming-abc.part", timedelta(hours=7))
    orphan = _file("ab" * 20, timedelta(days=2))
    in_progress = _file(".incoming-def.part", timedelta(minutes=5))

    first = remove_abandoned_files(now=NOW)
    second = remove_abandoned_files(now=NOW)

    assert first == {"files_removed": 2}
    assert second == {"files_removed": 0}
    assert not interrupted.exists()
    assert not orphan.exists()
    assert in_progress.exists()
    assert document_path(document).exists()
