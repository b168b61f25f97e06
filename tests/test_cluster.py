"""Queue behaviour with a real qcluster process."""

from __future__ import annotations

import pytest

from jobs.models import Job
from tests.conftest import upload, wait_for

pytestmark = [pytest.mark.cluster]


def test_jobs_queued_without_worker_run_in_order(api, media_dir, cluster):
    names = ["no-faces.jpg", "smiling-man.jpg", "no-faces.jpg", "smiling-man.jpg"]
    job_ids = [upload(api, media_dir / name).json()["job_id"] for name in names]
    assert Job.objects.filter(status="queued").count() == len(names)

    cluster.start()

    wait_for(
        lambda: Job.objects.filter(status="completed").count() == len(names),
        timeout=120,
        message="jobs did not complete",
    )
    started = list(Job.objects.order_by("started_at").values_list("pk", flat=True))
    assert started == job_ids
    assert all(job.attempts == 1 for job in Job.objects.all())
    assert "Traceback" not in cluster.log()


def test_stopping_cluster_requeues_running_job(api, long_video, cluster):
    job_id = upload(api, long_video).json()["job_id"]
    cluster.start()
    wait_for(
        lambda: Job.objects.filter(
            pk=job_id, status="processing", progress__gt=0
        ).exists(),
        timeout=120,
        message="the long analysis did not start",
    )

    cluster.stop()

    job = Job.objects.get(pk=job_id)
    assert job.status == "queued"
    assert job.error == ""
    assert job.analysis.status == "queued"
    assert "interrupted by a shutdown" in cluster.log()


def test_job_interrupted_by_shutdown_completes_after_restart(api, media_dir, cluster):
    first = upload(api, media_dir / "talking-woman.mp4").json()["job_id"]
    second = upload(api, media_dir / "smiling-man.jpg").json()["job_id"]
    cluster.start()
    wait_for(
        lambda: Job.objects.filter(pk=first, status="processing").exists(),
        timeout=120,
        message="the first job did not start",
    )

    cluster.stop()
    cluster.start()

    wait_for(
        lambda: Job.objects.filter(status="completed").count() == 2,
        timeout=120,
        message="the jobs did not complete after the restart",
    )
    first_job = Job.objects.get(pk=first)
    assert first_job.started_at < Job.objects.get(pk=second).started_at
    assert first_job.attempts in (1, 2)
