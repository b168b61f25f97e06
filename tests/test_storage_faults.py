"""A full disk or a read-only media folder while results are saved."""

from __future__ import annotations

import errno
import os
import subprocess
from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage
from django.db import OperationalError

from analyses.models import Analysis
from jobs.models import Job
from tests.conftest import upload

pytestmark = pytest.mark.django_db


def fail_result_writes(monkeypatch, error_number: int) -> None:
    """Make writes of result files fail the way the kernel would.

    A full disk fails midway, leaving half a file; a read-only folder
    fails before any byte is written. Uploads are written as usual.
    """
    original_save = FileSystemStorage._save

    def _save(self, name, content):
        if name.startswith("analyses/"):
            return original_save(self, name, content)

        target = Path(self.path(name))
        if error_number == errno.ENOSPC:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content.read()[: max(content.size // 2, 1)])
        raise OSError(error_number, os.strerror(error_number), str(target))

    monkeypatch.setattr(FileSystemStorage, "_save", _save)


def stored_thumbnails(data_dir: Path) -> list[Path]:
    folder = data_dir / "media" / "thumbnails"
    return list(folder.iterdir()) if folder.exists() else []


@pytest.mark.parametrize("error_number", [errno.ENOSPC, errno.EROFS])
def test_failed_write_fails_as_storage_failed(
    api, media_dir, run_jobs, monkeypatch, data_dir, error_number
):
    body = upload(api, media_dir / "smiling-man.jpg").json()
    fail_result_writes(monkeypatch, error_number)

    run_jobs()

    job = Job.objects.get(pk=body["job_id"])
    analysis = Analysis.objects.get(pk=body["analysis_id"])
    assert job.status == "failed"
    assert job.error_category == "storage_failed"
    assert job.is_transient is False
    assert "storage" in job.error_user_message
    assert os.strerror(error_number) in job.error
    assert analysis.status == "failed"
    assert analysis.summary is None
    assert analysis.timeline is None
    assert not analysis.thumbnail
    assert stored_thumbnails(data_dir) == []
    assert analysis.video.storage.exists(analysis.video.name)


def test_full_database_removes_written_files(
    api, media_dir, run_jobs, monkeypatch, data_dir
):
    body = upload(api, media_dir / "smiling-man.jpg").json()

    def full_disk_save(self, *args, **kwargs):
        raise OperationalError("database or disk is full")

    monkeypatch.setattr(Analysis, "save", full_disk_save)

    run_jobs()

    job = Job.objects.get(pk=body["job_id"])
    assert job.status == "failed"
    assert job.error_category == "storage_failed"
    assert "database or disk is full" in job.error
    assert stored_thumbnails(data_dir) == []
    assert Analysis.objects.get(pk=body["analysis_id"]).timeline is None


def test_retry_after_space_is_freed_completes(
    api, media_dir, run_jobs, monkeypatch, data_dir
):
    body = upload(api, media_dir / "smiling-man.jpg").json()
    fail_result_writes(monkeypatch, errno.ENOSPC)
    run_jobs()
    monkeypatch.undo()

    response = api.post(f"/queue/jobs/{body['job_id']}/retry")
    run_jobs()

    assert response.status_code == 202
    analysis = Analysis.objects.get(pk=body["analysis_id"])
    assert analysis.status == "completed"
    assert len(analysis.timeline) == 1
    assert [path.name for path in stored_thumbnails(data_dir)] == [
        Path(analysis.thumbnail.name).name
    ]


def test_second_run_replaces_thumbnail_only_after_saving(
    api, media_dir, run_jobs, monkeypatch, data_dir
):
    body = upload(api, media_dir / "smiling-man.jpg").json()
    run_jobs()
    first_thumbnail = Analysis.objects.get(pk=body["analysis_id"]).thumbnail.name
    Job.objects.filter(pk=body["job_id"]).update(status="failed")
    Job.objects.get(pk=body["job_id"]).retry()
    fail_result_writes(monkeypatch, errno.ENOSPC)

    run_jobs()

    analysis = Analysis.objects.get(pk=body["analysis_id"])
    assert analysis.thumbnail.name == first_thumbnail
    assert analysis.thumbnail.storage.exists(first_thumbnail)
    assert len(stored_thumbnails(data_dir)) == 1


@pytest.fixture
def nearly_full_thumbnails(data_dir):
    """A real 16 KiB tmpfs as the thumbnail folder, with 2 KiB left free.

    Mounting needs root; the test is skipped where that is refused.
    """
    folder = data_dir / "media" / "thumbnails"
    folder.mkdir(parents=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", str(folder)],
        capture_output=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    (folder / "filler").write_bytes(b"\0" * 14 * 1024)
    yield folder
    subprocess.run(["umount", str(folder)], check=True)


def test_real_full_disk_leaves_no_partial_thumbnail(
    api, media_dir, run_jobs, nearly_full_thumbnails
):
    body = upload(api, media_dir / "smiling-man.jpg").json()

    run_jobs()

    job = Job.objects.get(pk=body["job_id"])
    assert job.status == "failed"
    assert job.error_category == "storage_failed"
    assert "No space left on device" in job.error
    assert [path.name for path in nearly_full_thumbnails.iterdir()] == ["filler"]
    assert Analysis.objects.get(pk=body["analysis_id"]).timeline is None
